// A user's app as most are written: its page says nothing of the auth state in its markup (no
// data-server-auth), and its authenticated route sends a signed-out visitor to a sign-in page (a redirect,
// not a 401). Run with NODE_PATH pointing at the Express example's node_modules.
const express = require("express");
const { clerkMiddleware, getAuth } = require("@clerk/express");

const publishableKey = process.env.CLERK_PUBLISHABLE_KEY;
const frontendApi = `https://${Buffer.from(publishableKey.split("_")[2], "base64").toString().slice(0, -1)}`;
const app = express();
app.use(clerkMiddleware());

app.get("/api/me", (req, res) => {
  res.set("Cache-Control", "no-store");
  if (!getAuth(req).userId) return res.redirect(302, "/sign-in");
  res.json({ signed_in: true });
});

app.get("/sign-in", (req, res) => res.type("html").send("<!doctype html><p>Please sign in</p>"));

app.get("/", (req, res) => {
  res.set("Cache-Control", "no-store");
  res.type("html").send(`<!doctype html><html><head><meta charset="utf-8"><title>Plain</title></head><body>
<h1>An app</h1>
<script src="${frontendApi}/npm/@clerk/clerk-js@6/dist/clerk.browser.js" crossorigin="anonymous"
        data-clerk-publishable-key="${publishableKey}"></script>
<script>window.Clerk.load();</script>
</body></html>`);
});

app.listen(Number(process.env.PORT), process.env.HOST || "127.0.0.1");
