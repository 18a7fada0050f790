// NEXT_PUBLIC_* variables are inlined at build time, so the harness builds the app with its fake's
// environment, in a folder of its own per port (NEXT_DIST_DIR) so that parallel runs never share a build.
module.exports = { poweredByHeader: false, distDir: process.env.NEXT_DIST_DIR || ".next" };
