"""The WebKit browser the harness drives: Debian's WebKitGTK, through its own API, in a network namespace.

    /usr/bin/python3 program.py SOCKET [WIDTHxHEIGHT [HOST,HOST...]]

It runs under the system's Python, whose PyGObject reaches WebKitGTK (`gir1.2-webkit2-4.1`), never under
the harness's venv: standard library and `gi` only. It listens on the Unix socket SOCKET for one client,
the harness, and speaks JSON lines: requests `{"id", "op", ...}`, replies `{"id", "result"}` or `{"id",
"error"}`, and events `{"event", ...}` in the order they happened.

Why WebKitGTK's API and not WebKitWebDriver: WebDriver classic has no init scripts, no bindings, no
whole-jar cookies and no request events, and it marks the page `navigator.webdriver`; the API has them all.

The network: WebKit runs in a network namespace whose only way out is a forwarder to the ports the
harness names, and offline is real there (network_namespace.py, beside this file). The HOSTs resolve to
loopback there (the production topology's made-up hosts), through an `/etc/hosts` of its own.
"""

# It runs under the system's Python, whose `gi` the venv's type checker cannot see: WebKitGTK's names are unknown to it.
# pyright: reportMissingImports=false, reportAttributeAccessIssue=false, reportInvalidTypeForm=false
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from network_namespace import Forwarder, enter_namespace, start_connector  # beside this file


def serve(path: str, forwarder: Forwarder) -> None:
    from webkit_operations import Browser, GLib, Gtk  # beside this file; WebKitGTK starts as it is imported

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    print("listening", file=sys.stderr, flush=True)
    client, _ = listener.accept()
    listener.close()
    browser = Browser(client, forwarder)
    pending = b""

    def readable(_fd: int, _condition: object) -> bool:
        nonlocal pending
        data = client.recv(1 << 20)
        if not data:
            Gtk.main_quit()
            return False
        *lines, pending = (pending + data).split(b"\n")
        for line in lines:
            browser.handle(json.loads(line))
        return True

    GLib.io_add_watch(client.fileno(), GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN | GLib.IOCondition.HUP, readable)
    Gtk.main()


def start_display(size: str, folder: str) -> subprocess.Popen:
    """A virtual display of this browser's own, in the namespace (whose display folders are its own: any
    number is free there, and Xvfb says which it took), ended with the browser's process group."""
    read, write = os.pipe()
    with open(os.path.join(folder, "xvfb.log"), "w+b") as log:
        display = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        os.close(write)
        with os.fdopen(read) as said:
            number = said.readline().strip()
        if not number:
            code = display.wait()
            log.seek(0)
            said = [line.strip() for line in log.read().decode(errors="replace").splitlines()]
            reason = next((line for line in said if "fail" in line.lower() and "Listener" not in line), "")
            raise SystemExit(f"the virtual display (Xvfb) did not start (exit code {code}) {reason}".rstrip())
    # This is the browser's own process, never a user's: WebKit's helper processes find the display here.
    # (GTK's `--display` alone was tried: a helper then exits on SIGTRAP for want of one.)
    os.environ["DISPLAY"] = f":{number}"
    return display


def main(path: str, size: str, hosts: list[str]) -> None:
    """The forwarder's connector is forked and the namespace entered before any thread or library starts
    (a user namespace is entered by a process of one thread only)."""
    forwarder = Forwarder(start_connector())
    try:
        enter_namespace(os.path.join(os.path.dirname(path), "hosts"), hosts)
    except (OSError, subprocess.CalledProcessError) as error:
        print(
            f"WebKit needs a network namespace of its own and cannot make one ({error}): run as root, or allow "
            "user namespaces (Ubuntu: sysctl kernel.apparmor_restrict_unprivileged_userns=0)",
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(2) from None
    display = start_display(size, os.path.dirname(path))
    try:
        serve(path, forwarder)
    finally:
        display.terminate()


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2] if len(sys.argv) > 2 else "1280x800",
        sys.argv[3].split(",") if len(sys.argv) > 3 else [],
    )
