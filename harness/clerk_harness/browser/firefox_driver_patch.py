"""The one change Playwright's driver needs to drive Debian's Firefox ESR over WebDriver BiDi.

Playwright 1.65 sends `emulation.setMediaFeaturesOverride` (colour-scheme emulation) when it makes a
context or page on a BiDi Firefox, and Firefox ESR 153 does not know that command: every `new_context()`
fails with "unknown command". No launch option skips it. So the harness starts Playwright's driver with a
small script (`NODE_OPTIONS=--require ...`) that, while Node loads the driver's `coreBundle.js`, turns
those sends into the driver's own `sendMayFail` (logged and ignored on failure). No installed file is
changed; the cost is that colour-scheme emulation is ignored on Firefox, which no run uses.

Only the driver's environment holds the variable (see driver_env.py), and the script does nothing in any
other Node process (it checks for the driver's `run-driver` argument). It is a `.cjs` file: Node reads it
as CommonJS whatever `package.json` surrounds it (a user's `"type": "module"` included). When Playwright's driver no
longer holds the exact text that is changed, `check()` says so in one line, naming the Playwright version:
the workaround is then stale and Firefox runs stop before they start.
"""

from __future__ import annotations

from pathlib import Path

from clerk_harness.errors import HarnessError

COMMAND = "emulation.setMediaFeaturesOverride"
SENT = f'.send("{COMMAND}"'
MAY_FAIL = f'.sendMayFail("{COMMAND}"'
SENDS_IN_DRIVER = 2  # a context's default media and a page's media (Playwright 1.65)
SCRIPT = Path(__file__).with_name("firefox_driver_patch.cjs")  # installed with the package
VARIABLE = "NODE_OPTIONS"


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
        raise HarnessError(
            f"Firefox needs a workaround in Playwright's driver that no longer matches Playwright "
            f"{playwright_version()} ({found} of {SENDS_IN_DRIVER} `{COMMAND}` sends found in "
            f"{driver_bundle()}): use Playwright 1.65 (pip install 'playwright==1.65.*') or update "
            f"harness/clerk_harness/browser/firefox_driver_patch.py"
        )


def script_path() -> Path:
    return SCRIPT


def variables(environ: dict[str, str]) -> dict[str, str]:
    """The driver's NODE_OPTIONS: the user's own, then the script (see driver_env.py: only the driver gets it)."""
    option = f'--require "{script_path()}"'
    return {VARIABLE: f"{environ.get(VARIABLE, '')} {option}".strip()}
