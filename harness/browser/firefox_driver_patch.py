"""The one change Playwright's driver needs to drive Debian's Firefox ESR over WebDriver BiDi.

Playwright 1.65 sends `emulation.setMediaFeaturesOverride` (colour-scheme emulation) when it makes a
context or page on a BiDi Firefox, and Firefox ESR 153 does not know that command: every `new_context()`
fails with "unknown command". No launch option skips it. So the harness starts Playwright's driver with a
small script (`NODE_OPTIONS=--require ...`) that, while Node loads the driver's `coreBundle.js`, turns
those sends into the driver's own `sendMayFail` (logged and ignored on failure). No installed file is
changed; the cost is that colour-scheme emulation is ignored on Firefox, which no run uses.

The script does nothing in any other Node process (it checks for the driver's `run-driver` argument), and
the variable is taken out of a user's app's environment (`for_user_app`). When Playwright's driver no
longer holds the exact text that is changed, `check()` says so in one line, naming the Playwright version:
the workaround is then stale and Firefox runs stop before they start.
"""

from __future__ import annotations

import os
from pathlib import Path

from clerk_harness.errors import HarnessError

COMMAND = "emulation.setMediaFeaturesOverride"
SENT = f'.send("{COMMAND}"'
MAY_FAIL = f'.sendMayFail("{COMMAND}"'
SENDS_IN_DRIVER = 2  # a context's default media and a page's media (Playwright 1.65)
SCRIPT = Path(__file__).with_name("firefox_driver_patch.js")  # installed with the package
VARIABLE = "NODE_OPTIONS"
_ADDED_HERE = "CLERK_HARNESS_NODE_OPTIONS_ADDED"  # what enable() added, so that for_user_app can take it out


def playwright_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("playwright")
    except metadata.PackageNotFoundError:
        return "unknown"


def driver_bundle() -> Path:
    import playwright

    return Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"


def sends_found() -> int:
    """How many of the sends the script changes are in the installed driver."""
    try:
        return driver_bundle().read_text(encoding="utf-8").count(SENT)
    except OSError:
        return 0


def check() -> None:
    """One line, naming the Playwright version, when the driver no longer matches the workaround."""
    found = sends_found()
    if found != SENDS_IN_DRIVER:
        raise HarnessError(f"Firefox needs a workaround in Playwright's driver that no longer matches Playwright "
                           f"{playwright_version()} ({found} of {SENDS_IN_DRIVER} `{COMMAND}` sends found in "
                           f"{driver_bundle()}): use Playwright 1.65 (pip install 'playwright==1.65.*') or update "
                           f"clerk_harness/firefox_driver_patch.py")


def script_path() -> Path:
    return SCRIPT


def enable() -> None:
    """Every Playwright driver this process starts from now on gets the script (call before Playwright)."""
    if _ADDED_HERE in os.environ:
        return
    option = f'--require "{script_path()}"'
    current = os.environ.get(VARIABLE, "")
    os.environ[VARIABLE] = f"{current} {option}".strip()
    os.environ[_ADDED_HERE] = option


def for_user_app(env: dict[str, str]) -> dict[str, str]:
    """`env` without what `enable()` added: a user's app runs with the NODE_OPTIONS they gave it."""
    option = env.get(_ADDED_HERE)
    if not option:
        return env
    env = {name: value for name, value in env.items() if name != _ADDED_HERE}
    rest = env.get(VARIABLE, "").replace(option, "").strip()
    if rest:
        env[VARIABLE] = rest
    else:
        env.pop(VARIABLE, None)
    return env
