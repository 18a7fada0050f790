"""One harness session: a clean browser (its own, or a warm one leased for the run), the app page, and
the instruments around it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from playwright.sync_api import Playwright

from clerk_harness.browser.clock import Clock, RealTimeClock, VirtualClock
from clerk_harness.browser.cookie_timeline import CookieTimeline
from clerk_harness.browser.launch import assert_realistic_profile, read_profile
from clerk_harness.browser.network import Network
from clerk_harness.browser.session import BrowserSession
from clerk_harness.browser.visibility import Visibility
from clerk_harness.browser.warm import WarmBrowser, lease_or_launch, with_real_focus
from clerk_harness.config import HarnessConfig
from clerk_harness.errors import HarnessError, InfrastructureBroke
from clerk_harness.oracle.run_log import RunLog
from clerk_harness.stories.app_driver import ClerkApp
from clerk_harness.stories.script_failures import ScriptFailures
from clerk_harness.stories.sdk_app import SdkApp
from clerk_harness.stories.user_app import APP_TOKEN_TTL_S, WEBKIT_APP_TOKEN_TTL_S, RunningApp
from clerk_harness_fake.backend import FakeClerk, TestUser


@dataclass(repr=False)
class HarnessSession:
    browser: BrowserSession
    backend: FakeClerk
    timeline: CookieTimeline
    network: Network
    visibility: Visibility
    clock: Clock
    app: ClerkApp
    user: TestUser
    profile: dict = field(default_factory=dict)
    topology: str = "proxy"  # or "production": the Frontend API at the key's own host (https/front.py)

    @property
    def log(self) -> RunLog:
        """The run's time and steps (its marks)."""
        return self.timeline.log

    def __repr__(self) -> str:
        return f"<HarnessSession clerk-js {self.app.version} ({self.browser.visibility_mode} visibility)>"

    @classmethod
    def start(
        cls,
        playwright: Playwright,
        config: HarnessConfig,
        backend: FakeClerk,
        version: str,
        *,
        user: TestUser | None = None,
        instance: str = "live",
        app: RunningApp | None = None,
        browsers: WarmBrowser | None = None,
        session_minter: bool | None = None,
        partitioned_cookies: bool | None = None,
        real_focus: bool = False,
        browser_clock: bool = False,
    ) -> HarnessSession:
        """Launch (or lease from `browsers`), instrument, install the clock and open the app (not yet signed in).

        With `app` (a user's running app), the fake serves `version` at the npm path SDKs load clerk-js from.
        An app on the virtual clock (libfaketime: see clerk_harness.faketime) is driven as the built-in page is; one on
        real time gets short-lived tokens and the warm browser's real-time companion, where no clock was
        ever installed."""
        assert backend.origin, "the fake backend must be listening"
        real_time = _model_the_instance(backend, config, version, app, session_minter, partitioned_cookies)
        if browsers is not None and real_time:
            browsers = browsers.for_real_time()
        if real_focus and not real_time:  # windows that take the focus from each other (see stories/focus.py)
            config = replace(config, browser=with_real_focus(config.browser))
            browsers = browsers.for_real_focus() if browsers is not None else None
        topology, origin = _where(config, backend, backend.origin, app)
        browser = _lease(playwright, config, backend.origin, browsers, version, movable_clock=browser_clock)
        try:
            return cls._instrumented(
                browser,
                config,
                backend,
                version,
                origin,
                topology,
                app=app,
                user=user,
                instance=instance,
                real_time=real_time,
            )
        except Exception as error:
            what = browser.what_broke() if browser.notice_breakage(str(error)) is not None else None
            browser.close()
            if what is not None:  # the browser or its page died as the session started: not clerk-js
                raise InfrastructureBroke(
                    f"{what}; the run says nothing about clerk-js {version}", browser.broke or "browser"
                ) from error
            raise
        except BaseException:
            browser.close()
            raise

    @classmethod
    def _instrumented(
        cls,
        browser: BrowserSession,
        config: HarnessConfig,
        backend: FakeClerk,
        version: str,
        origin: str,
        topology: str,
        *,
        app: RunningApp | None,
        user: TestUser | None,
        instance: str,
        real_time: bool,
    ) -> HarnessSession:
        """The browser's instruments, the clock and the app's page, opened (not yet signed in)."""
        context = browser.context
        context.set_default_timeout(config.timeouts.action_ms)
        if browser.engine == "webkit":  # its network namespace's way out: the fake's port and the app's
            context.reach(backend.origin, origin)  # type: ignore[attr-defined]  # a WebKitContext
            if topology == "production":  # the fakes' certificate, for their two hosts only
                from clerk_harness_fake.https.certificate import process_certificate
                from clerk_harness_fake.settings import APP_HOST, FAPI_HOST

                pem = process_certificate().cert_pem.decode()
                context.trust_certificate(pem, [FAPI_HOST, APP_HOST])  # type: ignore[attr-defined]
                context.accept_cookies_across_hosts()  # type: ignore[attr-defined]  # one site, as real hosts
        log = RunLog()
        timeline = CookieTimeline(
            context,
            log,
            quiet_prefixes=backend.never_setting_session_cookies(),
            variants_may_stay=backend.partitioned_cookies,
        ).install()
        visibility = Visibility(
            context,
            timeline,
            browser.visibility_mode,
            browser.page,
            covers_from_page=browser.engine == "firefox",
            minimizes=browser.engine == "webkit",
        ).install()
        network = Network(context, log)
        clock = (
            RealTimeClock(context, backend.clock, log)
            if real_time
            else VirtualClock(
                context, backend.clock, log, config.clerk_js.poller_clock, settles_requests=browser.engine != "firefox"
            )
        )
        clock.install()
        common = (browser.page, origin, version, timeline, clock, config.timeouts.load_ms, instance)
        driver = ClerkApp(*common) if app is None else SdkApp(*common, running=app, scripts=ScriptFailures(context))
        driver.open()
        if config.browser.profile == "realistic":
            profile = assert_realistic_profile(browser.page, browser.engine)
        else:
            profile = {**read_profile(browser.page), "unrealistic": config.browser.profile}
        test_user = user or backend.create_user()
        return cls(browser, backend, timeline, network, visibility, clock, driver, test_user, profile, topology)

    @property
    def page(self):
        return self.browser.page

    def sign_in(self) -> None:
        self.app.sign_in(self.user.email, self.user.password)

    def close(self) -> None:
        self.browser.close()


def _model_the_instance(
    backend: FakeClerk,
    config: HarnessConfig,
    version: str,
    app: RunningApp | None,
    session_minter: bool | None,
    partitioned_cookies: bool | None,
) -> bool:
    """The fake models this run's instance (and serves `version` to an app's SDK); True when the run is on
    real time (an app whose clock the harness cannot move)."""
    backend.session_minter = config.session_minter if session_minter is None else session_minter
    backend.partitioned_cookies = config.partitioned_cookies if partitioned_cookies is None else partitioned_cookies
    real_time = app is not None and app.clock_mode == "real"
    if app is not None and not real_time:
        app.skew_clock(0.0)  # each run starts with the app's clock in step (a story may skew it)
    if app is not None:
        backend.settings.clerk_js_version = version
        real_ttl_s = WEBKIT_APP_TOKEN_TTL_S if config.browser.engine == "webkit" else APP_TOKEN_TTL_S
        backend.tokens.ttl_seconds = real_ttl_s if real_time else backend.settings.token_ttl_seconds
    return real_time


def _where(config: HarnessConfig, backend: FakeClerk, fake_origin: str, app: RunningApp | None) -> tuple[str, str]:
    """The run's topology, and the origin its page opens."""
    topology = (
        app.spec.topology if app is not None else ("production" if config.app.topology == "production" else "proxy")
    )
    if topology == "production" and config.browser.cdp_endpoints:
        raise HarnessError(
            "the production topology's hosts live on this machine's loopback: a remote browser "
            "(--cdp-endpoint) runs the built-in page in the proxy topology"
        )
    if topology != "production":
        return topology, fake_origin
    # this run's app behind the app's host: yours, or the built-in page
    return topology, backend.app_host_origin(
        app.port, app.direct_host
    ) if app is not None else backend.app_host_origin()


def _lease(
    playwright: Playwright,
    config: HarnessConfig,
    fake_origin: str,
    browsers: WarmBrowser | None,
    version: str,
    *,
    movable_clock: bool = False,
) -> BrowserSession:
    """A browser for the run, watched for breakage: leased warm, or launched."""
    if browsers is not None:  # the fake serves the page a warm Firefox clears its origin from
        browsers.answer_clearing.add(fake_origin)
    try:
        return lease_or_launch(playwright, config.browser, browsers, movable_clock=movable_clock).watch()
    except Exception as error:  # a warm browser killed as it was leased: the next lease launches anew
        if browsers is None or not browsers.lost_its_browser():
            raise
        raise InfrastructureBroke(
            f"{config.browser.engine.capitalize()} exited or was closed as the run began; "
            f"the run says nothing about clerk-js {version}",
            "browser",
        ) from error
