"""WebKit, Safari's engine: Debian's WebKitGTK driven through its own API by a small program of the
harness's (program.py), in the shape of Playwright's sync API (pages.py), so that the instruments and
stories drive it as they drive Chromium and Firefox."""
