"""Node's compile cache for Playwright's driver.

Playwright drives the browser through a Node.js process (its driver) that compiles the same few MB of
JavaScript at every start. With Node's compile cache on, a start reuses that work: about 0.2 s of CPU less
for each `clerk-harness` command and each pytest worker. The cache lives where Node puts it by default
(`<tmp>/node-compile-cache`); Node keys it by the files' contents, so versions never mix. A user's own
`NODE_COMPILE_CACHE` or `NODE_DISABLE_COMPILE_CACHE` wins. Only the driver gets it (see driver_env.py).
"""

from __future__ import annotations

import os
import tempfile

VARIABLE = "NODE_COMPILE_CACHE"


def variables(environ: dict[str, str]) -> dict[str, str]:
    """What the driver gets: the cache in Node's own default folder, unless `environ` says otherwise."""
    if VARIABLE in environ or "NODE_DISABLE_COMPILE_CACHE" in environ:
        return {}
    return {VARIABLE: os.path.join(tempfile.gettempdir(), "node-compile-cache")}
