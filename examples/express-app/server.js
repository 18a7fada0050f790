// A small app with Clerk's Express SDK, as a user would write it. Everything Clerk-specific comes from the
// environment (`--app-cmd` sets it; `clerk-harness env` prints it): CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY,
// CLERK_JWT_KEY, CLERK_API_URL, and CLERK_PROXY_URL only where a proxy is used. Nothing here knows about the
// harness.
const express = require("express");
const { clerkMiddleware, getAuth } = require("@clerk/express");

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "127.0.0.1";
const proxyUrl = process.env.CLERK_PROXY_URL;
const publishableKey = process.env.CLERK_PUBLISHABLE_KEY;
// As in production: clerk-js comes from the Frontend API, at the host the publishable key names (or the proxy).
const frontendApi = proxyUrl || `https://${Buffer.from(publishableKey.split("_")[2], "base64").toString().slice(0, -1)}`;
const clerkJs = `${frontendApi}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`;
const proxyAttribute = proxyUrl ? ` data-clerk-proxy-url="${proxyUrl}"` : "";

const app = express();
app.use(clerkMiddleware());

app.get("/api/me", (req, res) => {
  const auth = getAuth(req);
  res.set("Cache-Control", "no-store");
  if (!auth.userId) return res.status(401).json({ state: "signed_out" });
  res.json({ state: "signed_in", user_id: auth.userId, session_id: auth.sessionId });
});

app.get("/", (req, res) => {
  const auth = getAuth(req);
  res.set("Cache-Control", "no-store");
  res.type("html").send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Express + Clerk</title></head>
<body data-server-auth="${auth.userId ? "signed_in" : "signed_out"}">
<h1>Express + Clerk</h1>
<p>Server side: ${auth.userId ? "signed in as " + auth.userId : "signed out"}</p>
<form id="sign-in">
  <input name="identifier" type="email" placeholder="email" required>
  <input name="password" type="password" placeholder="password" required>
  <button type="submit">Sign in</button>
</form>
<button id="sign-out" type="button">Sign out</button>
<p id="status">loading clerk-js</p>
<p id="error" role="alert"></p>
<script src="${clerkJs}" data-clerk-publishable-key="${publishableKey}"${proxyAttribute}
        crossorigin="anonymous"></script>
<script>
  const status = document.getElementById("status");
  const loaded = window.Clerk.load().then(() => {
    const show = () => { status.textContent = Clerk.user ? "clerk-js: signed in" : "clerk-js: signed out"; };
    Clerk.addListener(show);
    show();
  });
  document.getElementById("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await loaded;
      const attempt = await Clerk.client.signIn.create({
        identifier: form.get("identifier"), password: form.get("password"), strategy: "password" });
      await Clerk.setActive({ session: attempt.createdSessionId });
    } catch (error) {
      document.getElementById("error").textContent = (error.errors && error.errors[0].message) || String(error);
    }
  });
  document.getElementById("sign-out").addEventListener("click", async () => { await loaded; await Clerk.signOut(); });
</script>
</body></html>`);
});

app.listen(port, host, () => console.log(`express-app listening on http://${host}:${port}`));
