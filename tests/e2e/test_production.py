"""A production start as the bank's operator makes it (SPEC R-DEP-1, R-DEP-2, R-DEP-8, R-SEC-5;
issue 11 items 1, 2, 5, 6): from a umask-022 shell, `chingin build` → `chingin migrate` →
`chingin pki init` → `chingin serve`, with plain SMTP on loopback, a self-signed TLS
certificate and CHINGIN_SERVICE_HOURS=always (a bank's test environment looks like that).

One build for the whole module (the slow step; it needs npm). The service then starts twice:
once answering within 15 s and stopped with SIGTERM, once killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

import pki
from tests.support.production import not_private, tree, write_passphrase, write_tls_files

START_LIMIT = 15.0  # R-DEP-2 "listens within 15 seconds"
STOP_LIMIT = 5.0  # issue 11 item 5
BUILD_TIMEOUT = 1500.0
CHINGIN = str(Path(sys.executable).parent / "chingin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Release:
    """A production install in a temporary root, and its ports."""

    root: Path
    env: dict[str, str]
    port: int
    app_port: int
    health_port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def command(self, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """`chingin ARGV` from a shell whose umask is 022 (R-SEC-5: the command sets its own)."""
        return subprocess.run(
            ["sh", "-c", 'umask 022; exec "$@"', "sh", CHINGIN, *argv],
            env=self.env, capture_output=True, text=True, timeout=timeout, check=False,
        )

    def https(self, path: str) -> tuple[int, str]:
        ctx = ssl.create_default_context(cafile=str(self.root / "tls" / "root.pem"))
        try:
            with urllib.request.urlopen(
                f"https://127.0.0.1:{self.port}{path}", context=ctx, timeout=5
            ) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def health(self) -> tuple[int, dict[str, object]]:
        url = f"http://127.0.0.1:{self.health_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Release]:
    """Build and migrate (pki init is the next step, after the refusal test)."""
    from chingin_app.runtime.devmail import start_dev_smtp

    root = tmp_path_factory.mktemp("production")
    cert, key = write_tls_files(root / "tls")
    write_passphrase(root / "ca-passphrase")  # outside the data dir
    port, app_port, health_port, smtp_port, operator_port = (_free_port() for _ in range(5))
    smtp = start_dev_smtp(root / "smtp-sink", port=smtp_port)  # plain SMTP on loopback
    # Nothing of the demo e2e service's settings (test clock, its data dir) may leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHINGIN_", "REFLEX_"))}
    env.update({
        "CHINGIN_ENV": "production",
        "CHINGIN_DATA_DIR": str(root / "data"),
        "CHINGIN_CA_PASSPHRASE_FILE": str(root / "ca-passphrase"),
        "CHINGIN_BASE_URL": f"https://127.0.0.1:{port}",
        "CHINGIN_PORT": str(port),
        "CHINGIN_APP_PORT": str(app_port),
        "CHINGIN_HEALTH_LISTEN": f"127.0.0.1:{health_port}",
        "CHINGIN_OPERATOR_LISTEN": f"127.0.0.1:{operator_port}",
        "CHINGIN_SMTP_HOST": "127.0.0.1",
        "CHINGIN_SMTP_PORT": str(smtp_port),
        "CHINGIN_TLS_CERT": str(cert),
        "CHINGIN_TLS_KEY": str(key),
        "CHINGIN_SERVICE_HOURS": "always",
    })
    made = Release(root=root, env=env, port=port, app_port=app_port, health_port=health_port)
    try:
        built = made.command("build", timeout=BUILD_TIMEOUT)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        migrated = made.command("migrate")
        assert migrated.returncode == 0, migrated.stderr
        yield made
    finally:
        smtp.stop()


@dataclass
class Running:
    """A started `chingin serve` and everything it printed."""

    proc: subprocess.Popen[str]
    started_in: float
    output: list[str] = field(default_factory=list)
    banner: threading.Event = field(default_factory=threading.Event)


def _start(release: Release) -> Running:
    # R-DEP-2 "needs no package registry": any npm call would fail against this one.
    env = {**release.env, "npm_config_registry": "http://127.0.0.1:9/"}
    began = time.monotonic()
    proc = subprocess.Popen(
        ["sh", "-c", 'umask 022; exec "$@"', "sh", CHINGIN, "serve"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    running = Running(proc=proc, started_in=0.0)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            running.output.append(line)
            sys.stderr.write(f"[production] {line}")
            if "停止するには" in line:
                running.banner.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = began + 120
    while True:
        if proc.poll() is not None:
            pytest.fail("chingin serve exited:\n" + "".join(running.output[-40:]))
        try:
            if release.https("/")[0] == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "".join(running.output[-40:])
        try:
            proc.wait(timeout=0.1)  # paces the poll; the service must not end here
        except subprocess.TimeoutExpired:
            pass
    running.started_in = time.monotonic() - began
    assert running.banner.wait(30), "".join(running.output[-40:])  # printed once all is up
    return running


def _descendants(pid: int) -> set[int]:
    children: dict[int, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, set()).add(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _gone_within(pids: set[int], seconds: float, proc: subprocess.Popen[str]) -> float:
    """How long until every pid is gone (reaping serve itself); fails after ``seconds``."""
    began = time.monotonic()
    while True:
        proc.poll()
        left = {p for p in pids if _alive(p)}
        elapsed = time.monotonic() - began
        if not left:
            return elapsed
        assert elapsed < seconds, f"still running after {elapsed:.1f} s: {sorted(left)}"
        try:
            proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass


def _closed(*ports: int) -> bool:
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return False
    return True


def test_r_dep_1_serve_before_pki_init_is_refused_and_creates_nothing(release: Release) -> None:
    """R-DEP-1: without the CAs serve refuses, naming `chingin pki init`; the data dir is left
    exactly as build and migrate left it."""
    before = tree(release.data_dir)
    refused = release.command("serve", timeout=120)
    assert refused.returncode == 1
    assert "`chingin pki init`" in refused.stderr
    assert tree(release.data_dir) == before


@pytest.fixture(scope="module")
def running(release: Release) -> Iterator[Running]:
    initialised = release.command("pki", "init")
    assert initialised.returncode == 0, initialised.stderr
    started = _start(release)
    yield started
    if started.proc.poll() is None:
        os.killpg(started.proc.pid, signal.SIGKILL)
        started.proc.wait()


def test_r_dep_2_production_start_answers_on_https_within_15_s(running: Running) -> None:
    """R-DEP-2: a production start uses the release build (no compile, no registry) and
    answers within 15 seconds."""
    assert running.started_in < START_LIMIT, f"{running.started_in:.1f} s"


def test_r_dep_1_production_prints_no_credential_and_loads_no_demo(
    release: Release, running: Running
) -> None:
    """R-DEP-1: "never creates demo data, never prints or logs a secret": no credential line in
    the banner, no contract at all, neither the CA passphrase nor the proxy secret in what
    serve printed or nginx logged."""
    printed = "".join(running.output)
    assert "本番モード" in printed
    # Issue 14 item 11: the banner's URL is the only one printed (the app's internal address
    # is relabelled, never shown as a URL a browser could open).
    urls = set(re.findall(r"https?://[^\s\"']+", printed))
    assert urls and all(u.startswith("https://") or "/healthz" in u for u in urls), urls
    for credential in ("パスワード", "デモ契約番号", "開発用受信箱"):
        assert credential not in printed
    db = sqlite3.connect(release.data_dir / "chingin.db")
    try:
        assert db.execute("SELECT count(*) FROM contracts").fetchone() == (0,)
    finally:
        db.close()
    logs = printed + "".join(
        p.read_text(errors="replace") for p in (release.data_dir / "nginx" / "logs").iterdir())
    for secret_file in (release.root / "ca-passphrase", release.data_dir / "proxy-secret"):
        assert secret_file.read_text().strip() not in logs


def test_r_sec_5_nothing_in_the_data_dir_is_readable_by_others(
    release: Release, running: Running
) -> None:
    """R-SEC-5: the database, pki, nginx config, logs and temp dirs, Reflex states, the build
    — 0700/0600 although every command was started from a umask-022 shell."""
    assert {"chingin.db", "pki", "nginx", "web", "states"} <= {
        p.name for p in release.data_dir.iterdir()}
    assert not_private(release.data_dir) == []


def test_r_dep_8_healthz_only_on_the_loopback_health_listener(
    release: Release, running: Running
) -> None:
    """R-DEP-8: 404 for /healthz and Reflex's /_health on the public listener; 200 on the health
    listener, 503 while a CRL is about to expire, 200 again once it is fresh."""
    assert release.https("/healthz")[0] == 404
    assert release.https("/_health")[0] == 404
    status, report = release.health()
    assert (status, report["status"]) == (200, "ok"), report
    crl = release.data_dir / "pki" / "issuing.crl.pem"
    fresh = crl.read_bytes()
    passphrase = (release.root / "ca-passphrase").read_bytes().strip()
    issuing = pki.load_hierarchy(release.data_dir / "pki", passphrase=passphrase).issuing
    now = datetime.now(UTC)
    crl.write_bytes(pki.build_crl(issuing, [], now=now, next_update=timedelta(hours=12))
                    .public_bytes(Encoding.PEM))
    try:
        status, report = release.health()
        assert (status, report["problems"]) == (503, ["crl"])
    finally:
        crl.write_bytes(fresh)
    assert release.health()[0] == 200


def test_stopping_with_sigterm_and_sigkill_leaves_nothing_running(
    release: Release, running: Running
) -> None:
    """Issue 11 item 5: SIGTERM stops nginx, the app and its workers within 5 s; after a
    SIGKILLed serve nothing it started keeps running (nor listening)."""
    ports = (release.port, release.app_port, release.health_port)
    tree_pids = _descendants(running.proc.pid)
    assert len(tree_pids) >= 3  # nginx master and worker, the app (and its workers)
    running.proc.send_signal(signal.SIGTERM)
    _gone_within(tree_pids | {running.proc.pid}, STOP_LIMIT, running.proc)
    assert running.proc.wait() == 0
    assert _closed(*ports)

    again = _start(release)
    try:
        assert again.started_in < START_LIMIT, f"{again.started_in:.1f} s"
        tree_pids = _descendants(again.proc.pid)
        again.proc.send_signal(signal.SIGKILL)
        _gone_within(tree_pids | {again.proc.pid}, STOP_LIMIT, again.proc)
        assert _closed(*ports)
    finally:
        if again.proc.poll() is None:
            again.proc.kill()
            again.proc.wait()
