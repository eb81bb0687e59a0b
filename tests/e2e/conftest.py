"""One running service for all end-to-end flows (DESIGN §4): `chingin serve` with nginx,
Reflex and the dev SMTP inbox on free loopback ports, driven by Debian's Chromium."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)
from playwright.sync_api import Browser, Playwright, expect, sync_playwright

from chingin_app.domain.clock import JST
from chingin_app.settings import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT = 1500.0

# Assertions wait up to 15 s (Playwright's default is 5): CI runs on a shared two-core machine
# where nginx, the app, PostgreSQL and Chromium compete, and a page that shows up in 6 s is slow,
# not wrong. Only a failing assertion waits longer; a passing one returns when it holds.
expect.set_options(timeout=15_000)


def _latest_business_morning() -> datetime:
    """10:00 JST on the latest bank business day not after now: inside service hours whatever
    the real time is, and never in the future, because certificates the service issues on its
    clock must already be valid for nginx, which keeps real time (DESIGN §4)."""
    from chingin_app.domain.calendar import is_business_day

    now = datetime.now(JST)
    day = now.date() if now.hour >= 10 else now.date() - timedelta(days=1)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=JST)


BUSINESS_HOURS = _latest_business_morning()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    """The running service and what tests need to act on it."""

    base_url: str
    app_port: int
    http_port: int
    data_dir: Path
    clock_file: Path
    tls_ca: Path
    output: list[str] = field(default_factory=list)
    operator_url: str = ""  # the operator console's listener (R-OPS-7)
    health_url: str = ""  # the plain-HTTP loopback listener for /healthz (R-DEP-8)
    proc: subprocess.Popen[str] | None = None  # `chingin serve` itself

    def set_clock(self, when: datetime) -> None:
        """Move the service's clock (CHINGIN_ENV=test reads the offset at each event).

        Written to a side file and renamed: the server reads the file at any moment (a tab's
        heartbeat), and a truncated file would read as offset 0, real time — outside service
        hours when CI runs at night, which ended the session with the wrong message."""
        offset = (when - datetime.now(UTC)).total_seconds()
        side = self.clock_file.with_name(self.clock_file.name + ".new")
        side.write_text(f"{offset:.3f}", encoding="ascii")
        side.replace(self.clock_file)

    def https_get(
        self, path: str, *, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        """A plain HTTPS GET through nginx, trusting the demo TLS CA."""
        ctx = ssl.create_default_context(cafile=str(self.tls_ca))
        req = urllib.request.Request(self.base_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with run_service(tmp_path_factory.mktemp("e2e")) as svc:
        yield svc


@contextmanager
def run_service(root: Path, extra_env: dict[str, str] | None = None) -> Iterator[Service]:
    """`chingin serve` on free loopback ports with its data under ``root``; ``extra_env`` adds
    settings (a module with a service of its own: several workers on PostgreSQL + Redis)."""
    port, app_port, smtp_port, http_port = (_free_port() for _ in range(4))
    operator_port, health_port = _free_port(), _free_port()
    data_dir = root / "data"
    clock_file = root / "clock"
    env = {
        "CHINGIN_ENV": "test",
        "CHINGIN_TEST_CLOCK_FILE": str(clock_file),
        "CHINGIN_DATA_DIR": str(data_dir),
        "CHINGIN_CA_PASSPHRASE_FILE": str(root / "ca-passphrase"),
        "CHINGIN_PORT": str(port),
        "CHINGIN_APP_PORT": str(app_port),
        "CHINGIN_SMTP_PORT": str(smtp_port),
        "CHINGIN_HTTP_PORT": str(http_port),
        "CHINGIN_BASE_URL": f"https://127.0.0.1:{port}",
        "CHINGIN_SERVICE_HOURS": "bankdays 08:00-20:00",
        "CHINGIN_OPERATOR_LISTEN": f"127.0.0.1:{operator_port}",
        "CHINGIN_HEALTH_LISTEN": f"127.0.0.1:{health_port}",
        **(extra_env or {}),
    }
    if extra_env:
        # Several workers take the ports above CHINGIN_APP_PORT (R-DEP-4): a block of free ones.
        env["CHINGIN_APP_PORT"] = str(app_port := _free_port_block(10))
    # The test process shares the service's settings (database, CA) to set up users and certs.
    os.environ.update(env)
    settings.cache_clear()
    svc = Service(
        base_url=env["CHINGIN_BASE_URL"], app_port=app_port, http_port=http_port,
        data_dir=data_dir, clock_file=clock_file, tls_ca=data_dir / "pki" / "demo-tls" / "root.pem",
        operator_url=f"https://127.0.0.1:{operator_port}",
        health_url=f"http://127.0.0.1:{health_port}",
    )
    svc.set_clock(BUSINESS_HOURS)
    chingin = str(Path(sys.executable).parent / "chingin")
    proc = subprocess.Popen(
        [chingin, "serve"], env={**os.environ, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    svc.proc = proc
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            svc.output.append(line)
            sys.stderr.write(f"[serve] {line}")
            if "停止するには Ctrl-C" in line:
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.is_set():
        if proc.poll() is not None:
            pytest.fail("chingin serve exited:\n" + "".join(svc.output[-60:]))
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("chingin serve did not start in time:\n" + "".join(svc.output[-60:]))
        ready.wait(1)
    nginx_pid = int((data_dir / "nginx" / "nginx.pid").read_text().strip())  # serving by now
    try:
        yield svc
    finally:
        proc.send_signal(2)  # Ctrl-C: serve stops nginx, the app and the SMTP server itself
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        if proc.stdout is not None:
            proc.stdout.close()
    # Ctrl-C stopped everything serve started (DESIGN §2): nothing listens any more.
    assert proc.returncode == 0, "".join(svc.output[-30:])
    for p in (port, app_port, smtp_port):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", p)) != 0, f"port {p} still open after Ctrl-C"
    assert not Path(f"/proc/{nginx_pid}").exists(), "nginx still running after Ctrl-C"


def _free_port_block(size: int) -> int:
    """The first of ``size`` consecutive free loopback ports."""
    for _ in range(50):
        first = _free_port()
        if first + size > 65535:
            continue
        free = True
        for p in range(first, first + size):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    free = False
                    break
        if free:
            return first
    raise RuntimeError("no block of free ports")


@pytest.fixture(scope="session")
def any_playwright() -> Iterator[Playwright]:
    """The session's one Playwright (a second one cannot run in the same thread): modules with
    a service of their own launch their browser from it (their contexts ignore HTTPS errors)."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def playwright_instance(service: Service, request: pytest.FixtureRequest) -> Playwright:
    # Playwright's Node side must trust the demo server CA for client-certificate contexts:
    # set before the session's Playwright starts (when this is the first module to use it).
    os.environ["NODE_EXTRA_CA_CERTS"] = str(service.tls_ca)
    started: Playwright = request.getfixturevalue("any_playwright")
    return started


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


def in_hours(service: Service) -> None:
    """Put the service back inside hours (tests that move the clock call this when done)."""
    service.set_clock(BUSINESS_HOURS)


@dataclass(frozen=True)
class IssuedForTest:
    """A user with a real certificate, as a .p12 for the browser."""

    user_id: str
    email: str
    p12: Path
    password: str
    sha256: str
    contract_no: str


def issue_certificate(
    service: Service,
    tmp_dir: Path,
    *,
    issued_at: datetime | None = None,
    password: str | None = None,
    ca: object | None = None,
    role: str = "master",
    contract_no: str | None = None,
) -> IssuedForTest:
    """Create a contract and its master in the service's database and issue them a certificate
    with the service's issuing CA (back-dated when `issued_at` is in the past). With `ca` (another
    hierarchy) the certificate is foreign: issued elsewhere and unknown to the service."""
    from sqlmodel import select

    import pki
    from chingin_app.db import session_scope
    from chingin_app.models import Contract
    from chingin_app.services.certs import certificates, crl
    from tests import factories

    s = settings()
    own = pki.load_hierarchy(s.pki_dir, passphrase=s.ca_passphrase_file.read_bytes().strip())
    hierarchy: pki.CAHierarchy = ca if isinstance(ca, pki.CAHierarchy) else own
    user_id = factories.next_user_id("e2e")[:12]
    email = f"{user_id.lower()}@example.co.jp"
    password = password or factories.PASSWORD
    when = issued_at or datetime.now(UTC)
    issued = pki.issue_client_cert(hierarchy.issuing, user_id=user_id, now=when,
                                   crl_url=crl.crl_url(s))
    sha = pki.sha256_fingerprint(issued.cert)
    with session_scope() as db:
        if contract_no is None:
            contract = factories.make_contract(db)
        else:
            contract = db.exec(select(Contract).where(Contract.contract_no == contract_no)).one()
        user = factories.make_user(db, contract, user_id=user_id, role=role, email=email,
                                   password=password)
        assert user.id is not None
        if hierarchy is own:
            certificates.record_issued(
                db, user_pk=user.id, serial_hex=format(issued.cert.serial_number, "x"),
                sha256_hex=sha, not_before=issued.cert.not_valid_before_utc,
                not_after=issued.cert.not_valid_after_utc, issued_at=when,
            )
        db.commit()
    p12 = tmp_dir / f"{user_id}.p12"
    p12.write_bytes(pki.to_p12(issued, password=password,
                               chain=[hierarchy.issuing.cert, hierarchy.root.cert],
                               friendly_name=user_id))
    return IssuedForTest(user_id=user_id, email=email, p12=p12, password=password, sha256=sha,
                         contract_no=contract.contract_no)


def client_tls(service: Service, holder: IssuedForTest | None, tmp_dir: Path) -> ssl.SSLContext:
    """An SSL context that trusts the service and presents ``holder``'s certificate (none for
    None), for clients other than the browser (ReflexClient, plain HTTPS requests)."""
    ctx = ssl.create_default_context(cafile=str(service.tls_ca))
    if holder is not None:
        key, cert, _ = pkcs12.load_key_and_certificates(
            holder.p12.read_bytes(), holder.password.encode()
        )
        assert key is not None and cert is not None
        cert_file, key_file = tmp_dir / f"{holder.user_id}.crt", tmp_dir / f"{holder.user_id}.key"
        cert_file.write_bytes(cert.public_bytes(Encoding.PEM))
        key_file.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        ctx.load_cert_chain(str(cert_file), str(key_file))
    return ctx


def revoke_and_publish(service: Service, issued: IssuedForTest) -> None:
    """Revoke a certificate the way the bank's revocation will (R-CERT-7): mark it in the
    database, re-sign the CRL, reload nginx, and wait until nginx's new workers serve."""
    from sqlmodel import select

    from chingin_app.db import session_scope
    from chingin_app.models import Certificate
    from chingin_app.proxy import nginx
    from chingin_app.services.certs import crl

    with session_scope() as db:
        cert = db.exec(select(Certificate).where(Certificate.sha256 == issued.sha256)).one()
        cert.status = "revoked"
        cert.revoked_at = datetime.now(UTC)
        cert.revocation_reason = "keyCompromise"
        db.add(cert)
        db.commit()
    s = settings()
    crl.refresh(s, force=True)
    files = nginx.files_for(s)
    before = _nginx_workers(files)
    assert nginx.reload(files)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now_workers = _nginx_workers(files)
        if now_workers and not (now_workers & before):
            return
        time.sleep(0.2)  # waiting for nginx's workers to be replaced, not for a clock rule
    pytest.fail("nginx did not reload")


def _nginx_workers(files: object) -> set[int]:
    master = int(files.pid_file.read_text().strip())  # type: ignore[attr-defined]
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False)
    return {int(p) for p in out.stdout.split()}


def read_auth_code(service: Service, address: str, *, after: float, timeout: float = 30.0) -> str:
    """The 6-digit code of the newest mail to `address` that the dev inbox received after
    `after` (a time.time()), read from the real SMTP server's files."""
    import email as email_lib
    import email.policy
    import re

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted((service.data_dir / "mail").glob("*.eml"), reverse=True):
            if path.stat().st_mtime < after:
                continue
            msg = email_lib.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if msg["To"] != address:
                continue
            body = msg.get_body(preferencelist=("plain",))
            found = re.search(r"(?<!\d)(\d{6})(?!\d)", body.get_content() if body else "")
            if found and "認証コード" in str(msg["Subject"]):
                return found.group(1)
        time.sleep(0.2)  # waiting for the outbox loop to deliver, not for a clock rule
    pytest.fail(f"no auth code mail for {address}")
