// A small Fastify JSON API with Clerk's own @clerk/fastify, as a user would write it. The SDK reads only
// CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY, CLERK_JWT_KEY, CLERK_API_URL and CLERK_API_VERSION: no proxy URL.
// So clerk-js and the handshake go where they go in production, to the Frontend API at the host the
// publishable key names, over HTTPS. Nothing here knows about the harness.
const Fastify = require("fastify");
const { clerkPlugin, getAuth } = require("@clerk/fastify");

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "127.0.0.1";
const publishableKey = process.env.CLERK_PUBLISHABLE_KEY;
const frontendApi = Buffer.from(publishableKey.split("_")[2], "base64").toString().slice(0, -1);

const app = Fastify();
app.register(clerkPlugin);

app.get("/api/me", async (request, reply) => {
  const { userId, sessionId } = getAuth(request);
  reply.header("Cache-Control", "no-store");
  if (!userId) return reply.code(401).send({ error: "unauthenticated" });
  return { user_id: userId, session_id: sessionId };
});

app.get("/", async (request, reply) => {
  const { userId } = getAuth(request);
  reply.header("Cache-Control", "no-store").type("text/html");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fastify + Clerk</title></head>
<body>
<h1>Fastify + Clerk</h1>
<p>Server side: ${userId ? "signed in" : "signed out"}</p>
<p id="status">loading clerk-js</p>
<script src="https://${frontendApi}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
        data-clerk-publishable-key="${publishableKey}" crossorigin="anonymous"></script>
<script>
  window.Clerk.load().then(() => {
    const show = () => { document.getElementById("status").textContent = Clerk.user ? "signed in" : "signed out"; };
    Clerk.addListener(show);
    show();
  });
</script>
</body></html>`;
});

app.listen({ port, host }).then(() => console.log(`fastify-app listening on http://${host}:${port}`));
