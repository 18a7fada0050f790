"""A small FastAPI app with Clerk's Python SDK (clerk-backend-api), as a user would write it.

Everything Clerk-specific comes from the environment (`--app-cmd` sets it; `clerk-harness env` prints it):
CLERK_PUBLISHABLE_KEY names the Frontend API's host (the page loads clerk-js from there, as in production),
and CLERK_JWT_KEY lets the SDK verify session tokens without a network call. Nothing here knows about the
harness. Run it with `python app.py` (PORT and HOST from the environment).
"""

from __future__ import annotations

import base64
import html
import os

import uvicorn
from clerk_backend_api.security import authenticate_request
from clerk_backend_api.security.types import AuthenticateRequestOptions
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

PUBLISHABLE_KEY = os.environ["CLERK_PUBLISHABLE_KEY"]
FRONTEND_API = base64.b64decode(PUBLISHABLE_KEY.split("_")[2] + "==").decode().rstrip("$")
CLERK_JS = f"https://{FRONTEND_API}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
OPTIONS = AuthenticateRequestOptions(jwt_key=os.environ["CLERK_JWT_KEY"])

app = FastAPI()


def signed_in_user(request: Request) -> str | None:
    state = authenticate_request(request, OPTIONS)
    return state.payload.get("sub") if state.is_signed_in and state.payload else None


@app.get("/api/me")
def me(request: Request) -> JSONResponse:
    user = signed_in_user(request)
    headers = {"Cache-Control": "no-store"}
    if user is None:
        return JSONResponse({"state": "signed_out"}, status_code=401, headers=headers)
    return JSONResponse({"state": "signed_in", "user_id": user}, headers=headers)


@app.get("/")
def page(request: Request) -> HTMLResponse:
    user = signed_in_user(request)
    said = f"signed in as {html.escape(user)}" if user else "signed out"
    return HTMLResponse(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FastAPI + Clerk</title></head>
<body data-server-auth="{"signed_in" if user else "signed_out"}">
<h1>FastAPI + Clerk</h1>
<p>Server side: {said}</p>
<script src="{CLERK_JS}" data-clerk-publishable-key="{PUBLISHABLE_KEY}" crossorigin="anonymous"></script>
<script>window.Clerk.load();</script>
</body></html>""",
        headers={"Cache-Control": "no-store"},
    )


if __name__ == "__main__":
    uvicorn.run(
        app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8000")), log_level="warning"
    )
