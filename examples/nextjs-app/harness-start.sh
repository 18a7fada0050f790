#!/bin/sh
# How the harness starts this app: build with the fake's environment (NEXT_PUBLIC_* are inlined at build
# time), then serve on $PORT. Each run builds into a folder of its own and removes it when it ends.
set -e
# Where clerkMiddleware sends a visitor it takes for signed out (auth.protect()): the app's own page.
export NEXT_PUBLIC_CLERK_SIGN_IN_URL="${NEXT_PUBLIC_CLERK_SIGN_IN_URL:-/sign-in}"
dir=".next-harness/$PORT"
trap 'rm -rf "$dir"' EXIT INT TERM
NEXT_DIST_DIR="$dir" npx next build >/dev/null
NEXT_DIST_DIR="$dir" npx next start -p "$PORT" -H "${HOST:-localhost}"
