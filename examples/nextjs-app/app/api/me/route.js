import { auth } from "@clerk/nextjs/server";

export async function GET() {
  const { userId, sessionId } = await auth();
  if (!userId) return Response.json({ state: "signed_out" }, { status: 401, headers: { "Cache-Control": "no-store" } });
  return Response.json({ state: "signed_in", user_id: userId, session_id: sessionId }, { headers: { "Cache-Control": "no-store" } });
}
