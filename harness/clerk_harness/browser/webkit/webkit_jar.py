"""The WebKit browser's operations on a context's cookie jar and trust (see webkit_operations.py, whose
Browser has them): the whole jar read and written, tracking prevention, the production topology's
certificate and its one site. Standard library and `gi` only, under the system's Python."""

# It runs under the system's Python, whose `gi` the venv's type checker cannot see: WebKitGTK's names are unknown to it.
# pyright: reportMissingImports=false, reportAttributeAccessIssue=false, reportInvalidTypeForm=false
from __future__ import annotations

import gi

gi.require_version("WebKit2", "4.1")
gi.require_version("Soup", "3.0")
from gi.repository import Gio, GLib, Soup, WebKit2  # noqa: E402

SAME_SITE = {Soup.SameSitePolicy.NONE: "None", Soup.SameSitePolicy.LAX: "Lax", Soup.SameSitePolicy.STRICT: "Strict"}


class JarOperations:
    """Needs the Browser's `contexts` (number -> (WebContext, UserContentManager)) and `reply`."""

    contexts: dict

    def reply(self, rid: object, result: object = None) -> None:
        raise NotImplementedError

    def trust_certificate(self, rid: object, context: int, pem: str, hosts: list[str]) -> None:
        certificate = Gio.TlsCertificate.new_from_pem(pem, -1)
        for host in hosts:
            self.contexts[context][0].allow_tls_certificate_for_host(certificate, host)
        self.reply(rid)

    def accept_cookies_across_hosts(self, rid: object, context: int) -> None:
        """libsoup finds no base domain for a host under an unlisted TLD (`app.harness.test`: `.test` is not on
        the public suffix list), so its jar would take `clerk.harness.test` for a third party of the app's
        host and drop the Frontend API's cookies, where real hosts (`clerk.example.com` beside `example.com`)
        are one site. The context's jar then takes every cookie: the run reaches no other site."""
        self.contexts[context][0].get_cookie_manager().set_accept_policy(WebKit2.CookieAcceptPolicy.ALWAYS)
        self.reply(rid)

    def cookies(self, rid: object, context: int) -> None:
        manager = self.contexts[context][0].get_website_data_manager().get_cookie_manager()

        def done(manager: WebKit2.CookieManager, result: object) -> None:
            jar = manager.get_all_cookies_finish(result)
            self.reply(
                rid,
                [
                    {
                        "name": c.get_name(),
                        "value": c.get_value(),
                        "domain": c.get_domain(),
                        "path": c.get_path(),
                        "expires": c.get_expires().to_unix() if c.get_expires() else -1,
                        "httpOnly": c.get_http_only(),
                        "secure": c.get_secure(),
                        "sameSite": SAME_SITE.get(c.get_same_site_policy(), "None"),
                    }
                    for c in jar
                ],
            )

        manager.get_all_cookies(None, done)

    def add_cookies(self, rid: object, context: int, cookies: list[dict]) -> None:
        """As Playwright's `add_cookies` with each cookie's domain and path: set in the jar, then the reply."""
        manager = self.contexts[context][0].get_website_data_manager().get_cookie_manager()
        policies = {name: policy for policy, name in SAME_SITE.items()}
        left = len(cookies)
        if not left:
            self.reply(rid)
        for given in cookies:
            cookie = Soup.Cookie.new(given["name"], given["value"], given["domain"], given.get("path", "/"), -1)
            if given.get("expires", -1) > 0:
                cookie.set_expires(GLib.DateTime.new_from_unix_utc(int(given["expires"])))
            cookie.set_http_only(bool(given.get("httpOnly")))
            cookie.set_secure(bool(given.get("secure")))
            cookie.set_same_site_policy(policies.get(given.get("sameSite", "Lax"), Soup.SameSitePolicy.LAX))

            def added(manager: WebKit2.CookieManager, result: object) -> None:
                nonlocal left
                manager.add_cookie_finish(result)
                left -= 1
                if left == 0:
                    self.reply(rid)

            manager.add_cookie(cookie, None, added)

    def clear_cookies(self, rid: object, context: int) -> None:
        data = self.contexts[context][0].get_website_data_manager()
        data.clear(WebKit2.WebsiteDataTypes.COOKIES, 0, None, lambda *_: self.reply(rid))

    def set_tracking_prevention(self, rid: object, context: int, enabled: bool) -> None:
        """WebKit's Intelligent Tracking Prevention, as Safari has it on by default."""
        self.contexts[context][0].get_website_data_manager().set_itp_enabled(enabled)
        self.reply(rid)
