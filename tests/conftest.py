"""The suite's order for pytest-xdist: the long modules start first, shared out among the workers.

`--dist worksteal` gives each worker an equal share of the items, in order, then lets an idle worker take
half of another's queue. A worker that picks up a long module near the end (a subprocess matrix, WebKit's
offline runs) keeps the whole run waiting while the other idles, so each worker's share begins with some of
the long modules (longest first, to the least loaded share), and the many short items come after, where
stealing evens out the end. Each module stays whole: its module-scoped fixtures are set up once.
"""

from __future__ import annotations

import os

import pytest

# Worker seconds per module, measured on 2 cores (2026-12-07 night, `make test`); rough is enough.
LONG_MODULES = {
    "tests/e2e/test_webkit.py": 47,
    "tests/e2e/test_crashes.py": 41,
    "tests/e2e/test_interrupts.py": 35,
    "tests/e2e/test_scale_out.py": 29,
    "tests/e2e/test_own_repo.py": 28,
    "tests/e2e/test_firefox.py": 26,
    "examples/express-app/test_express_app.py": 26,
    "tests/e2e/test_egress.py": 21,
    "tests/e2e/test_warm_browser.py": 21,
    "tests/e2e/test_hang_guard.py": 20,
    "tests/e2e/test_explore.py": 18,
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    long = sorted((m for m in modules if m in LONG_MODULES), key=lambda m: -LONG_MODULES[m])
    rest = [item for module, members in modules.items() if module not in LONG_MODULES for item in members]
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for module in long:
        least = loads.index(min(loads))
        shares[least] += modules[module]
        loads[least] += LONG_MODULES[module]
    # xdist's first hand-out: worker i gets len(pending) // (workers - i) of what is left, in order
    ordered, left = [], len(items)
    for index, share in enumerate(shares):
        size = left // (workers - index)
        take = max(0, size - len(share))
        ordered += share + rest[:take]
        rest = rest[take:]
        left -= len(share) + take
    items[:] = ordered + rest
