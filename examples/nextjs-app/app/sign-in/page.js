// Where the middleware sends a visitor it takes for signed out (NEXT_PUBLIC_CLERK_SIGN_IN_URL).
export default function SignIn() {
  return (
    <main data-server-auth="signed_out" data-page="sign-in">
      <h1>Sign in</h1>
    </main>
  );
}
