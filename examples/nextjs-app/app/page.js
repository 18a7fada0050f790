import Link from "next/link";
import { auth } from "@clerk/nextjs/server";

export default async function Home() {
  const { userId } = await auth();
  return (
    <main data-server-auth={userId ? "signed_in" : "signed_out"} data-page="home">
      <h1>Next.js + Clerk</h1>
      <p>Server side: {userId ? `signed in as ${userId}` : "signed out"}</p>
      <Link href="/dashboard" prefetch={false}>Dashboard</Link>
    </main>
  );
}
