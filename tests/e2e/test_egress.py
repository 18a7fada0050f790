"""Zero egress: a whole scenario run (harness, fake backend, Playwright, Chromium and its helpers) is
traced with strace; no TCP connection and no datagram goes to an address beyond loopback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CLI = str(Path(sys.executable).with_name("clerk-harness"))
ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"')
SOCKET = re.compile(r"^\d+\s+(connect|sendto|sendmsg|sendmmsg)\(\d+<(TCP|UDP)v?6?:\[(.+?)\]>")


@dataclass
class Egress:
    attempts: list[str]  # TCP connects and datagrams beyond loopback: must be none
    probes: list[str]  # UDP connect() beyond loopback with nothing sent (Chromium's IPv6 reachability check)
    loopback: int  # connections and datagrams to loopback: the run itself, so the trace was not blind


def is_loopback(address: str) -> bool:
    return address.startswith("127.") or address in ("::1", "0.0.0.0", "::") or address.startswith("::ffff:127.")


def classify(trace: str) -> Egress:
    """Read `strace -f -yy -e trace=connect,sendto,sendmsg,sendmmsg` output."""
    attempts, probes, loopback, udp_probed = [], [], 0, set()
    lines = [line for line in trace.splitlines() if "resumed>" not in line]
    for line in lines:
        socket, address = SOCKET.search(line), ADDRESS.search(line)
        if socket is None:
            continue
        call, kind, inode = socket.groups()
        target = next((a for a in address.groups() if a), None) if address else None
        if target is None and "->" in inode:  # a connected socket: strace names both ends, the peer last
            target = inode.split("->", 1)[1].rsplit(":", 1)[0].strip("[]")
        if target is not None and is_loopback(target):
            loopback += 1
        elif target is not None and call == "connect" and kind == "UDP":
            probes.append(line.strip())
            udp_probed.add(inode)
        elif target is not None or (kind == "UDP" and inode in udp_probed):
            attempts.append(line.strip())
    return Egress(attempts, probes, loopback)


def test_classify_catches_what_leaves_and_what_does_not():
    trace = "\n".join(
        [
            '1 connect(5<TCP:[11]>, {sa_family=AF_INET, sin_port=htons(8787), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
            '2 connect(7<TCP:[12]>, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("93.184.216.34")}, 16) = -1',
            '3 connect(9<UDPv6:[13]>, {sa_family=AF_INET6, sin6_port=htons(443), inet_pton(AF_INET6, "2001:4860:4860::8888",'
            " &sin6_addr), sin6_scope_id=0}, 28) = 0",
            '3 sendto(9<UDPv6:[13]>, "x", 1, 0, NULL, 0) = 1',
            '4 sendto(8<UDP:[14]>, "q", 1, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 1',
            '5 connect(3<UNIX-STREAM:[15]>, {sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}, 29) = -1',
            # a DNS query on a connected UDP socket: strace shows the peer in the descriptor, not in the call
            "6 sendmmsg(78<UDP:[192.0.2.2:47722->10.255.255.53:53]>, [{msg_hdr={msg_name=NULL, ...}}], 2, 0) = 2",
            '7 sendto(9<UDPv6:[[::1]:5000->[::1]:53]>, "x", 1, 0, NULL, 0) = 1',
        ]
    )
    found = classify(trace)
    assert len(found.attempts) == 4 and len(found.probes) == 1 and found.loopback == 2
    assert "10.255.255.53:53" in found.attempts[3]
    assert "93.184.216.34" in found.attempts[0] and "sendto(9" in found.attempts[1] and "10.0.0.2" in found.attempts[2]


FASTIFY = Path(__file__).resolve().parents[2] / "examples" / "fastify-app"


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (make test installs it as root)")
@pytest.mark.parametrize("engine", ["chromium", "firefox"])
def test_a_run_against_an_unmodified_sdk_app_reaches_nothing_beyond_loopback(engine, tmp_path, clerk_config):
    """The widest run: @clerk/fastify (it reads no proxy URL) in the production topology, so the browser goes to
    the Frontend API at the publishable key's own host over HTTPS and through the SDK's handshake there; the app,
    the fake with its HTTPS front, the harness, Playwright and the browser are all traced. (Firefox looked up
    its Remote Settings host at every start until its profile sent every name to loopback.)"""
    from clerk_harness.releases.clerk_js import ClerkJsCache

    ClerkJsCache(clerk_config.clerk_js.cache_dir).ensure("6.0.0")
    log = tmp_path / "strace.txt"
    # --seccomp-bpf: only the traced calls stop the process (the same trace, in half the time).
    run = subprocess.run(
        [
            "strace",
            "--seccomp-bpf",
            "-f",
            "-qq",
            "-yy",
            "-e",
            "trace=connect,sendto,sendmsg,sendmmsg",
            "-e",
            "signal=none",
            "-o",
            str(log),
            CLI,
            "repro",
            "offline-reload",
            "--clerk-js",
            "6.0.0",
            "--quiet",
            "--browser",
            engine,
            "--artifacts",
            str(tmp_path / "run"),
            "--app-cmd",
            "node server.js",
            "--app-cwd",
            str(FASTIFY),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.strip().splitlines() == [run.stdout.strip()] and "LOST" in run.stdout  # --quiet: one line
    handshakes = [
        e
        for e in json.loads((tmp_path / "run" / "journal.json").read_text())
        if e["path"].endswith("/v1/client/handshake")
    ]
    # The SDK's handshake runs when the reload finds no session cookie. When clerk-js, back online, writes
    # a fresh one before the reload (a race a loaded machine wins now and then), the reload needs none.
    seen = json.loads((tmp_path / "run" / "result.json").read_text())["observations"]
    assert len(handshakes) == len(seen["handshakes"]), (handshakes, seen["app_documents"])
    for handshake in handshakes:  # each went through the fake, at the key's host, back to the app's
        assert urlsplit(handshake["query"]["redirect_url"]).hostname == "app.harness.test"
    found = classify(log.read_text(errors="replace"))
    assert found.loopback > 0, "the trace saw no loopback traffic: it was blind"
    assert found.attempts == [], "\n".join(found.attempts[:10])
