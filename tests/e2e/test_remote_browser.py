"""A Chromium that runs elsewhere, driven over CDP: here a separately started Chromium on a loopback
debugging port stands in for the remote one. Same verdicts as a local run, trusted visibility events,
and a fake backend beyond loopback only when allowed (then with a control token)."""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.browser import find_chromium, remote_browser_flags
from harness.config import HarnessConfig

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("clerk-harness"))
MATRIX = ["--scenario", "offline-reload", "--scenario", "offline-visibility", "--clerk-js", "6.0.0", "--clerk-js", "6.1.0"]


def this_machines_address() -> str | None:
    """An IPv4 address of this machine beyond loopback (asked of the kernel, nothing sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))  # SIOCGIFADDR
            except OSError:
                continue
            address = socket.inet_ntoa(packed[20:24])
            if not ipaddress.ip_address(address).is_loopback:
                return address
    return None


def start_remote_chromium(config: HarnessConfig, reach: list[str]) -> tuple[subprocess.Popen, str, str]:
    """Chromium as a user would start it for the harness: its flags, a loopback DevTools port."""
    profile = tempfile.mkdtemp(prefix="remote-chromium-")
    command = [find_chromium(config.browser), *remote_browser_flags(config.browser, reach=reach),
               "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
               *(["--no-sandbox"] if os.geteuid() == 0 else []), "about:blank"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    assert process.stderr is not None
    for line in process.stderr:  # Chromium prints its DevTools address once it listens
        if line.startswith("DevTools listening on "):
            port = line.rsplit(":", 1)[1].split("/", 1)[0]
            return process, f"http://127.0.0.1:{port}", profile
    raise AssertionError("Chromium did not open its DevTools port")


def stop(process: subprocess.Popen, profile: str) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def remote_chromium(harness_config: HarnessConfig) -> Iterator[str]:
    process, endpoint, profile = start_remote_chromium(harness_config, reach=[])
    yield endpoint
    stop(process, profile)


def verdicts(path: Path) -> dict[tuple[str, str], str]:
    return {(r["scenario"], r["version"]): r["verdict"] for r in json.loads(path.read_text())["results"]}


def test_a_remote_browser_gives_the_verdicts_of_a_local_one(tmp_path, remote_chromium):
    remote = subprocess.run([CLI, "run", *MATRIX, "--cdp-endpoint", remote_chromium, "--json", str(tmp_path / "r.json")],
                            capture_output=True, text=True, timeout=180)
    assert remote.returncode == 0, remote.stdout + remote.stderr
    assert "1 remote browser(s)" in remote.stderr
    local = subprocess.run([CLI, "run", *MATRIX, "--workers", "1", "--json", str(tmp_path / "l.json")],
                           capture_output=True, text=True, timeout=180)
    assert local.returncode == 0, local.stdout + local.stderr
    assert verdicts(tmp_path / "r.json") == verdicts(tmp_path / "l.json")
    assert verdicts(tmp_path / "r.json")[("offline-reload", "6.0.0")] == "lost"  # the bug, seen remotely
    assert {r["visibility_mode"] for r in json.loads((tmp_path / "r.json").read_text())["results"]} == {"real"}


def test_visibility_events_stay_trusted_in_a_remote_browser(tmp_path, remote_chromium, harness_config):
    config = tmp_path / "playwright.config.json"
    config.write_text(json.dumps({"browser": {"cdpEndpoint": remote_chromium},
                                  "clerkJs": {"cacheDir": str(harness_config.clerk_js.cache_dir)}}))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "tests/e2e/test_mission.py::test_real_visibility_changes_are_trusted"],
                          cwd=ROOT, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "CLERK_HARNESS_CONFIG": str(config)})
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


def test_a_fake_beyond_loopback_needs_the_flag_and_then_a_token(tmp_path, harness_config):
    address = this_machines_address()
    if address is None:
        pytest.skip("this machine has no address beyond loopback")
    refused = subprocess.run([CLI, "repro", "offline-reload", "--clerk-js", "6.0.0", "--fake-host", address],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--allow-remote" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    process, endpoint, profile = start_remote_chromium(harness_config, reach=[address])
    try:
        run = subprocess.run([CLI, "repro", "offline-reload", "--clerk-js", "6.0.0", "--quiet", "--cdp-endpoint",
                              endpoint, "--fake-host", address, "--allow-remote", "--artifacts", str(tmp_path)],
                             capture_output=True, text=True, timeout=180)
    finally:
        stop(process, profile)
    assert run.returncode == 1, run.stdout + run.stderr  # 6.0.0 loses the cookie, through the remote browser
    assert "Authorization: Bearer " in run.stderr and f"http://{address}:" in run.stdout
