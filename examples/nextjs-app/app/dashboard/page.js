import { auth } from "@clerk/nextjs/server";

// Reached only signed in: the middleware protects it (auth.protect()).
export default async function Dashboard() {
  const { userId } = await auth();
  return (
    <main data-server-auth={userId ? "signed_in" : "signed_out"} data-page="dashboard">
      <h1>Dashboard</h1>
      <p>Signed in as {userId}</p>
    </main>
  );
}
