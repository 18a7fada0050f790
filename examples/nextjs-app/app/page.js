import { auth } from "@clerk/nextjs/server";

export default async function Home() {
  const { userId } = await auth();
  return (
    <main data-server-auth={userId ? "signed_in" : "signed_out"}>
      <h1>Next.js + Clerk</h1>
      <p>Server side: {userId ? `signed in as ${userId}` : "signed out"}</p>
    </main>
  );
}
