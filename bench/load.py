"""Load: N signed-in clerks at once through nginx, on one app worker and on two workers with
Redis, in the same run (issue 12, SPEC R-DEP-4; DESIGN §1 "Production and scale").

Each simulated clerk is a browser tab without a browser (``tests/support/reflex_client.py``):
its own user with its own client certificate (TLS through nginx, as the browser presents it),
its own session (ログイン over the websocket), and then, round after round, the clerk's mix —
インフォメーション画面, 労金控除明細照会 (opens on every detail of the payment group), 検索 with a
カナ氏名 filter, 次へ, まとめ入金確定 (the open request's totals) — with a think time between
clicks. All clients live in this one process on one asyncio loop (the machine has few cores).

The script seeds a fresh PostgreSQL database (``chingin_bench_<random>``, dropped at the end):
contracts of ``--users-per-contract`` users (one master, the rest general users allowed the two
menus), each contract with ``--details`` details in one payment group and the current month's
控除依頼 published (依頼受信), and a certificate per user. By default every clerk is in one
contract: the SPEC allows one master and ten general users per contract, but publishing a
10,000-line request takes a minute or more on a busy two-core machine, and the mix only reads,
so each click reads what it would read in twenty contracts of ten (``--users-per-contract 10``
seeds those). Then, for each worker variant, it starts ``chingin serve`` (service hours
``always``) afresh for every N and variant (N by N, the variants alternating, so drift in the
machine's other work spreads over both), lets two clerks per worker click through the mix once
(so imports and caches are not counted per client), and measures: N clerks sign in (untimed),
then click for ``--duration`` seconds.

* variant "1 worker": no Redis (Reflex's disk state manager), ``CHINGIN_WORKERS=1``;
* variant "2 workers": ``CHINGIN_REDIS_URL`` and ``CHINGIN_WORKERS=2`` (R-DEP-4: two app
  processes behind one nginx upstream).

Per N: p50 / p95 per action, errors (a timeout, a lost socket, or a reply without what the
screen shows), completed actions per second, the app's RSS (every process of the app: the
launcher and its workers; Redis's own memory beside it) per connected client, and the CPU this
process took (it shares the cores with the service).

    .venv/bin/python bench/load.py [--clients 50,100,200] [--duration 30] [--think 2]

The data directory (``--data-dir``, default ``var/bench-load``) is kept: it holds the
front-end build, made once for the fixed ``--port`` (Reflex compiles the public URL in) and
reused by later runs; delete it to start afresh. ``--smoke`` (N=3, a few actions per variant,
a few details) checks that the bench works; the end-to-end tests run it.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import random
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from detail_list import DEPARTMENTS, KANA_SYLLABLES, free_port, pct  # noqa: E402

START_TIMEOUT = 1800.0  # the first start builds the front end (minutes on a busy machine)
PG_ADMIN_DSN = os.environ.get("CHINGIN_BENCH_PG_ADMIN",
                              "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
#: The clerk's mix, in the order a clerk clicks (one round).
ACTIONS = ("info", "details_open", "search", "next_page", "remit_open")
PASSWORD = "Bench-Pw1!"  # a bench user's password (8–12 characters, every class: §3)


# -- the service ---------------------------------------------------------------------------


@dataclass
class Service:
    """A running ``chingin serve`` and what the bench reads from it."""

    proc: subprocess.Popen[str]
    base_url: str
    output: list[str] = field(default_factory=list)


def service_env(args: argparse.Namespace, database_url: str) -> dict[str, str]:
    """The service's CHINGIN_* settings (shared by both variants: same data dir and ports, so
    one front-end build serves both)."""
    data = Path(args.data_dir).resolve()
    return {
        "CHINGIN_ENV": "test",
        # Logins are setup here, not what is measured: cheap hashes (allowed with ENV=test).
        "CHINGIN_ARGON2_PROFILE": "test",
        "CHINGIN_DATA_DIR": str(data / "data"),
        "CHINGIN_CA_PASSPHRASE_FILE": str(data / "ca-passphrase"),
        "CHINGIN_DATABASE_URL": database_url,
        "CHINGIN_PORT": str(args.port),
        "CHINGIN_BASE_URL": f"https://127.0.0.1:{args.port}",
        "CHINGIN_APP_PORT": str(args.app_port),
        "CHINGIN_SMTP_PORT": str(free_port()),
        "CHINGIN_HTTP_PORT": str(free_port()),
        "CHINGIN_OPERATOR_LISTEN": f"127.0.0.1:{free_port()}",
        "CHINGIN_HEALTH_LISTEN": f"127.0.0.1:{free_port()}",
        "CHINGIN_SERVICE_HOURS": "always",
    }


def start_service(env: dict[str, str], workers: int, redis_url: str | None) -> Service:
    """``chingin serve`` with ``workers`` app workers (Redis with more than one); returns once
    it says it serves."""
    for port in (int(env["CHINGIN_PORT"]), int(env["CHINGIN_APP_PORT"])):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"port {port} is in use: pass --port / --app-port")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("CHINGIN_", "GRANIAN_"))}
    full.update(env)
    full["CHINGIN_WORKERS"] = str(workers)
    if redis_url:
        full["CHINGIN_REDIS_URL"] = redis_url
    chingin = str(Path(sys.executable).parent / "chingin")
    proc = subprocess.Popen([chingin, "serve"], env=full, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    svc = Service(proc=proc, base_url=env["CHINGIN_BASE_URL"])
    ready = threading.Event()

    def pump() -> None:  # keep draining: serve must never block on a full pipe
        assert proc.stdout is not None
        for line in proc.stdout:
            svc.output.append(line)
            if "停止するには Ctrl-C" in line:
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.wait(1):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(svc)
            raise SystemExit("chingin serve did not start:\n" + "".join(svc.output[-40:]))
    return svc


def stop(svc: Service) -> None:
    """Ctrl-C, as a person would: serve stops nginx, the app and the mail server itself."""
    if svc.proc.poll() is None:
        svc.proc.send_signal(signal.SIGINT)
        try:
            svc.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(svc.proc.pid, signal.SIGKILL)


def app_processes(svc: Service) -> list[Any]:
    """The app's processes (the launcher ``chingin_app.runtime.app_process`` and its workers),
    not nginx, the mail server or serve itself."""
    import psutil

    found: list[Any] = []
    for child in psutil.Process(svc.proc.pid).children(recursive=True):
        try:
            if "chingin_app.runtime.app_process" in " ".join(child.cmdline()):
                found.append(child)
                found.extend(child.children(recursive=True))
        except psutil.Error:
            continue
    return list({p.pid: p for p in found}.values())


def app_usage(svc: Service) -> tuple[int, float]:
    """(RSS in bytes, CPU seconds) summed over the app's processes."""
    import psutil

    rss, cpu = 0, 0.0
    for proc in app_processes(svc):
        try:
            rss += proc.memory_info().rss
            times = proc.cpu_times()
            cpu += times.user + times.system
        except psutil.Error:
            continue
    return rss, cpu


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, every process) since boot: with
    the app's own CPU it says what the rest of each click costs (PostgreSQL, nginx, Redis, the
    load generator), which bounds what a second worker can add on a machine of few cores."""
    import psutil

    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def redis_used(redis_url: str | None) -> int:
    """Redis's used_memory (0 without Redis): with two workers the states live there."""
    if not redis_url:
        return 0
    import redis

    info: Any = redis.Redis.from_url(redis_url).info("memory")
    return int(info["used_memory"])


# -- the data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clerk:
    """One simulated user: their TLS context (certificate) and password."""

    user_id: str
    ctx: ssl.SSLContext


def create_database() -> tuple[str, str]:
    """A fresh PostgreSQL database: (name, SQLAlchemy URL)."""
    import psycopg

    name = f"chingin_bench_{secrets.token_hex(5)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, PG_URL.format(name=name)


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(users: int, per_contract: int, details: int, tmp: Path) -> list[Clerk]:
    """Contracts of ``per_contract`` users (one master, the rest general users allowed
    労金控除明細照会 and まとめ入金確定), each with ``details`` details in payment group 001 and
    the current month's request published (依頼受信); a certificate per user. In this process's
    CHINGIN_* settings (the service's database and CA)."""
    from sqlalchemy import insert
    from sqlmodel import select

    import pki
    from chingin_app.db import session_scope
    from chingin_app.domain.clock import SystemClock, to_jst
    from chingin_app.domain.result import Err
    from chingin_app.models import (
        DeductionDetail,
        Employee,
        MenuPermission,
        PaymentGroup,
        RokinProduct,
        User,
    )
    from chingin_app.runtime.demo_rokin import DEMO_PRODUCTS
    from chingin_app.services import passwords
    from chingin_app.services.certs import certificates, crl
    from chingin_app.services.rokin import cycle as rokin_cycle
    from chingin_app.settings import settings
    from tests import factories

    passwords.use_test_profile()
    now = datetime.now(UTC)
    s = settings()
    hierarchy = pki.load_hierarchy(s.pki_dir,
                                   passphrase=s.ca_passphrase_file.read_bytes().strip())
    rng = random.Random(12)
    month = f"{to_jst(now):%Y-%m}"
    clerks: list[Clerk] = []
    for _ in range(math.ceil(users / per_contract)):
        with session_scope() as db:
            contract = factories.make_contract(db, groups=(("001", "本社"),))
            contract_id, contract_no = contract.id, contract.contract_no
            assert contract_id is not None
            group_id = db.exec(select(PaymentGroup.id).where(
                PaymentGroup.contract_id == contract_id)).one()
            products = [RokinProduct(contract_id=contract_id, code=code, name=name, kind=kind,
                                     branch_no=branch)
                        for code, name, kind, branch in DEMO_PRODUCTS]
            db.add_all(products)
            db.flush()
            product_ids = [p.id for p in products]
            people = [{
                "contract_id": contract_id, "payment_group_id": group_id,
                "staff_no": f"{100000 + i:07d}",
                "name_kana": "".join(rng.choice(KANA_SYLLABLES) for _ in range(4)) + " "
                             + "".join(rng.choice(KANA_SYLLABLES) for _ in range(3)),
                "name_kanji": "労金　太郎", "department": rng.choice(DEPARTMENTS),
                "created_at": now, "updated_at": now, "version": 1,
            } for i in range(details)]
            db.execute(insert(Employee), people)
            staff = dict(db.exec(select(Employee.staff_no, Employee.id).where(
                Employee.contract_id == contract_id)).all())
            db.execute(insert(DeductionDetail), [{
                "contract_id": contract_id, "payment_group_id": group_id,
                "employee_id": staff[str(p["staff_no"])], "product_id": rng.choice(product_ids),
                "account_no": f"{rng.randrange(10_000_000):07d}",
                "monthly_amount": rng.randrange(1, 60) * 1000, "bonus_amount": 0,
                "start_month": "2020-04", "end_month": None, "status": "active",
                "remaining_count": None, "created_at": now, "updated_at": now, "version": 1,
            } for p in people])
            db.commit()
            published = rokin_cycle.publish_request(
                db, contract_no=contract_no, deduct_month=month, actor="operator:bench",
                clock=SystemClock())
            if isinstance(published, Err):
                raise SystemExit(f"publishing {month} for {contract_no} failed: {published}")
            db.commit()
            for index in range(min(per_contract, users - len(clerks))):
                user_id = factories.next_user_id("bench")[:12]
                user: User = factories.make_user(
                    db, contract, user_id=user_id, password=PASSWORD,
                    role="master" if index == 0 else "general", commit=False)
                db.flush()
                assert user.id is not None
                if index:
                    db.add_all([MenuPermission(user_pk=user.id, menu_key=key, level="show")
                                for key in ("rokin.detail_inquiry", "rokin.remit_confirm")])
                issued = pki.issue_client_cert(hierarchy.issuing, user_id=user_id, now=now,
                                               crl_url=crl.crl_url(s))
                certificates.record_issued(
                    db, user_pk=user.id, serial_hex=format(issued.cert.serial_number, "x"),
                    sha256_hex=pki.sha256_fingerprint(issued.cert),
                    not_before=issued.cert.not_valid_before_utc,
                    not_after=issued.cert.not_valid_after_utc, issued_at=now,
                )
                clerks.append(Clerk(user_id, tls_context(issued, tmp)))
            db.commit()
    # A bulk load leaves PostgreSQL without statistics of the new rows until autovacuum gets
    # to them (never, on a server where it is off): without ANALYZE the planner takes 10,000
    # details for one row and the list queries run nested loops (half the throughput here).
    with session_scope() as db:
        db.connection().exec_driver_sql("ANALYZE")
        db.commit()
    return clerks


def tls_context(issued: Any, tmp: Path) -> ssl.SSLContext:
    """Trust the demo TLS root; present the user's certificate (as the browser would)."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    from chingin_app.settings import settings

    ctx = ssl.create_default_context(
        cafile=str(settings().data_dir / "pki" / "demo-tls" / "root.pem"))
    name = issued.cert.serial_number
    cert, key = tmp / f"{name}.crt", tmp / f"{name}.key"
    cert.write_bytes(issued.cert.public_bytes(Encoding.PEM))
    key.write_bytes(issued.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                             NoEncryption()))
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


# -- the clients ----------------------------------------------------------------------------


@dataclass
class Level:
    """What one N measured."""

    clients: int
    times: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    errors: dict[str, int] = field(default_factory=dict)
    login_errors: int = 0
    window: float = 0.0
    gen_cpu: float = 0.0
    app_cpu: float = 0.0
    machine_cpu: float = 0.0  # busy CPU seconds of the whole machine (every process, all cores)
    rss_before: int = 0
    rss_after: int = 0
    redis_before: int = 0
    redis_after: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def completed(self) -> int:
        return sum(len(v) for v in self.times.values())


class ReplyError(RuntimeError):
    """The reply did not show what the screen shows after that click."""


class Clerking:
    """One clerk's tab: signs in, then clicks through the mix."""

    def __init__(self, base_url: str, clerk: Clerk, timeout: float) -> None:
        from tests.support.reflex_client import ReflexClient

        self.client = ReflexClient(base_url, ssl_context=clerk.ctx, timeout=timeout)

    async def sign_in(self) -> None:
        """Open ログイン like a tab and sign in; the reply sends the tab to the information
        screen (one payment group: none to choose)."""
        from chingin_app import routes

        await self.client.connect(path=routes.LOGIN)
        name, payload, path, _check = MIX["login"]
        delta = await self.client.call(name, payload, path=path)
        if not any(_redirects(u, routes.INFO) for u in self.client.updates):
            raise ReplyError(f"ログイン did not lead to the information screen: {str(delta)[:300]}")
        self._forget()

    def _forget(self) -> None:
        """The client keeps every frame for leak checks; a long run must not."""
        self.client.frames.clear()
        self.client.updates.clear()

    async def act(self, action: str) -> None:
        """One click; raises on a reply that does not show the screen."""
        name, payload, path, check = MIX[action]
        delta = await self.client.call(name, payload, path=path)
        redirected = any(_redirects(u) for u in self.client.updates)
        self._forget()
        if redirected or not check(delta):
            raise ReplyError(f"{action}: {'redirected' if redirected else str(delta)[:300]}")


#: action → (wire name, payload, page path, what its reply must show); filled by wire_mix().
MIX: dict[str, tuple[str, dict[str, Any], str, Callable[[Any], bool]]] = {}


def wire_mix(kana: str) -> None:
    """The mix's events by their wire names. Imported here, in the main thread before the
    event loop runs: Reflex registers states in a context variable, which tasks started
    earlier would not see (LookupError: RegistrationContext)."""
    from chingin_app import routes
    from chingin_app.state.login import InfoState, LoginState
    from chingin_app.state.rokin.details import RokinDetailsState as Details
    from chingin_app.state.rokin.remittance_confirm import RemitConfirmState as Remit
    from tests.support.reflex_client import event_name, var

    MIX.update({
        "login": (event_name(LoginState, "submit"), {"form": {"password": PASSWORD}},
                  routes.LOGIN, lambda d: True),
        "info": (event_name(InfoState, "load"), {}, routes.INFO,
                 lambda d: bool(var(d, "menu_groups", state=InfoState))),
        "details_open": (event_name(Details, "load"), {}, routes.ROKIN_DETAILS,
                         lambda d: bool(var(d, "total", state=Details))),
        "search": (event_name(Details, "search"), {"form": {"name_kana": kana}},
                   routes.ROKIN_DETAILS, lambda d: bool(var(d, "total", state=Details))),
        "next_page": (event_name(Details, "turn"), {"delta": 1}, routes.ROKIN_DETAILS,
                      lambda d: (var(d, "page", state=Details) or 0) >= 2),
        "remit_open": (event_name(Remit, "load_confirm"), {}, routes.ROKIN_REMIT_CONFIRM,
                       # The open request keeps being chosen (so request_id is not resent):
                       # the offered requests are.
                       lambda d: bool(var(d, "request_options", state=Remit))),
    })


def _redirects(update: dict[str, Any], to: str | None = None) -> bool:
    for event in update.get("events") or ():
        if isinstance(event, dict) and str(event.get("name", "")).endswith("_redirect"):
            if to is None or to in str(event.get("payload")):
                return True
    return False


async def warm_up(base_url: str, clerks: Sequence[Clerk], timeout: float) -> None:
    """One round of the mix per clerk, untimed, all at once (so that with several workers
    each is likely to get one), then close the sockets."""

    async def one(clerk: Clerk) -> None:
        tab = Clerking(base_url, clerk, timeout)
        try:
            await tab.sign_in()
            for action in ACTIONS:
                await tab.act(action)
        finally:
            await tab.client.close()

    await asyncio.gather(*(one(c) for c in clerks))


async def run_level(base_url: str, clerks: Sequence[Clerk], args: argparse.Namespace,
                    svc: Service, redis_url: str | None) -> Level:
    """Sign N clerks in (untimed), then ``--duration`` seconds of the mix."""
    level = Level(clients=len(clerks))
    level.rss_before, _ = app_usage(svc)
    level.redis_before = redis_used(redis_url)
    tabs = [Clerking(base_url, c, args.timeout) for c in clerks]
    gate = asyncio.Semaphore(20)  # logins in bursts of 20, like a morning, not all at once

    async def sign_in(tab: Clerking) -> bool:
        async with gate:
            try:
                await tab.sign_in()
                return True
            except Exception as exc:
                print(f"  sign-in failed: {type(exc).__name__}: {str(exc)[:300]}")
                return False

    signed = await asyncio.gather(*(sign_in(t) for t in tabs))
    level.login_errors = signed.count(False)
    live = [t for t, ok in zip(tabs, signed, strict=True) if ok]
    rng = random.Random(len(clerks))
    start = time.perf_counter()
    end = start + args.duration
    gen0, (_, app0), machine0 = time.process_time(), app_usage(svc), machine_busy()

    async def clerk_loop(tab: Clerking) -> None:
        # Every tab starts the mix at the top (次へ needs the 検索 before it), after a random
        # pause so the clicks do not come all at once.
        await asyncio.sleep(rng.uniform(0, args.think))
        step = 0
        while True:
            action = ACTIONS[step % len(ACTIONS)]
            step += 1
            began = time.perf_counter()
            if began >= end or (args.smoke and step > len(ACTIONS)):
                return
            try:
                await tab.act(action)
            except Exception as exc:
                if time.perf_counter() <= end:
                    level.error(f"{action}: {type(exc).__name__}")
                if tab.client._disconnected.is_set():  # a lost socket: this tab is done
                    return
            else:
                if time.perf_counter() <= end:
                    level.times[action].append(time.perf_counter() - began)
            await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))

    await asyncio.gather(*(clerk_loop(t) for t in live))
    level.window = min(time.perf_counter(), end) - start if not args.smoke else \
        time.perf_counter() - start
    level.gen_cpu = time.process_time() - gen0
    level.rss_after, app1 = app_usage(svc)
    level.app_cpu = app1 - app0
    level.machine_cpu = machine_busy() - machine0
    level.redis_after = redis_used(redis_url)
    await asyncio.gather(*(t.client.close() for t in tabs))
    return level


# -- the report -----------------------------------------------------------------------------


def report(variant: str, level: Level) -> None:
    """One block per N: per action p50/p95, then the totals."""
    n = level.clients
    print(f"\n{variant}, N={n}: {level.completed} actions in {level.window:.1f} s, "
          f"{level.completed / max(level.window, 1e-9):.1f} actions/s, "
          f"errors {sum(level.errors.values())} (+ {level.login_errors} sign-ins failed)")
    print(f"  {'action':<14}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}")
    for action, values in level.times.items():
        if values:
            print(f"  {action:<14}{len(values):>7}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}")
        else:
            print(f"  {action:<14}{0:>7}{'-':>9}{'-':>9}")
    for what, count in sorted(level.errors.items()):
        print(f"  error {what}: {count}")
    kib = 1024
    print(f"  app RSS {level.rss_before / kib / kib:.0f} → {level.rss_after / kib / kib:.0f} MiB: "
          f"{(level.rss_after - level.rss_before) / kib / n:.0f} KiB per connected client "
          f"({level.rss_after / kib / n:.0f} KiB total / N)"
          + (f"; Redis +{(level.redis_after - level.redis_before) / kib / n:.0f} KiB per client"
             if level.redis_after else ""))
    print(f"  CPU: app {level.app_cpu / max(level.window, 1e-9):.0%} of one core "
          f"({level.app_cpu * 1000 / max(level.completed, 1):.0f} ms per completed action), "
          f"load generator {level.gen_cpu / max(level.window, 1e-9):.0%} of one core; "
          f"machine {level.machine_cpu / max(level.window, 1e-9) / (os.cpu_count() or 1):.0%} "
          f"of {os.cpu_count()} cores busy "
          f"({level.machine_cpu * 1000 / max(level.completed, 1):.0f} ms per completed action "
          f"in all: app, PostgreSQL, nginx, Redis, load generator)")


def summary(results: dict[str, list[Level]]) -> None:
    """The table the issue's goals are read from."""
    print("\nsummary (p95 = worst action's p95; KiB/client = RSS growth per connected client)")
    print(f"{'variant':<11}{'N':>5}{'actions/s':>11}{'worst p95':>11}{'errors':>8}"
          f"{'KiB/client':>12}{'gen CPU':>9}{'app ms/action':>15}{'all ms/action':>15}")
    for variant, levels in results.items():
        for lv in levels:
            worst = max((pct(v, 95) for v in lv.times.values() if v), default=float("nan"))
            errors = sum(lv.errors.values()) + lv.login_errors
            print(f"{variant:<11}{lv.clients:>5}{lv.completed / max(lv.window, 1e-9):>11.1f}"
                  f"{worst:>11.1f}{errors:>8}"
                  f"{(lv.rss_after - lv.rss_before) / 1024 / lv.clients:>12.0f}"
                  f"{lv.gen_cpu / max(lv.window, 1e-9):>9.0%}"
                  f"{lv.app_cpu * 1000 / max(lv.completed, 1):>15.0f}"
                  f"{lv.machine_cpu * 1000 / max(lv.completed, 1):>15.0f}")
    one, two = results.get("1 worker"), results.get("2 workers")
    if one and two:
        ratios = [
            f"N={b.clients}: " + (f"{b.completed / a.completed * a.window / b.window:.2f}×"
                                  if a.completed and a.window and b.window
                                  else "— (one worker completed nothing)")
            for a, b in zip(one, two, strict=False)
        ]
        print("throughput 2 workers / 1 worker: " + ", ".join(ratios))


# -- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="50,100,200", help="values of N")
    parser.add_argument("--workers", default="1,2",
                        help="worker variants (more than one worker runs with Redis)")
    parser.add_argument("--duration", type=float, default=30.0,
                        help="measured seconds per N (after every clerk has signed in)")
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean pause between a reply and the next click (0.5×–1.5×), s")
    parser.add_argument("--details", type=int, default=10_000, help="details per contract")
    parser.add_argument("--users-per-contract", type=int, default=200,
                        help="clerks per contract (the SPEC allows 11; default: all in one, "
                             "so the seed publishes one 10,000-line request, not twenty)")
    parser.add_argument("--kana", default="ｻ", help="カナ氏名 filter of 検索")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per reply")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7",
                        help="Redis for the multi-worker variant (a database of its own)")
    parser.add_argument("--data-dir", default=str(PROJECT_ROOT / "var" / "bench-load"))
    parser.add_argument("--port", type=int, default=9743, help="nginx (fixed: in the build)")
    parser.add_argument("--app-port", type=int, default=9700, help="first app port")
    parser.add_argument("--smoke", action="store_true",
                        help="N=3, one round per clerk, 1,000 details: checks that the bench "
                             "works (the end-to-end tests do this); the figures mean nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.clients, args.details, args.duration = "3", 1000, 60.0
        print("smoke run (--smoke): tiny sizes, one round; the figures below mean nothing")
    counts = [int(x) for x in args.clients.split(",")]
    variants = [int(x) for x in args.workers.split(",")]
    print(f"machine: {platform.system()} {platform.release()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f} at start")
    print(f"mix per clerk: {' → '.join(ACTIONS)}; think {args.think:g} s (0.5×–1.5×); "
          f"{args.details} details per contract, {args.users_per_contract} users per contract")

    import tempfile

    wire_mix(args.kana)
    db_name, db_url = create_database()
    env = service_env(args, db_url)
    for key in [k for k in os.environ if k.startswith("CHINGIN_")]:
        del os.environ[key]
    os.environ.update(env)  # this process seeds the service's database with its CA
    results: dict[str, list[Level]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="chingin-bench-load-") as tmpdir:
            clerks: list[Clerk] = []
            # N by N, the variants one after the other, each on a fresh start: the machine's
            # other work drifts over a run, and alternating spreads that drift over both
            # variants; a fresh start also keeps one N's sessions out of the next N's memory.
            for n in counts:
                for workers in variants:
                    redis_url = args.redis_url if workers > 1 else None
                    variant = f"{workers} worker" + ("s" if workers > 1 else "")
                    started = time.perf_counter()
                    svc = start_service(env, workers, redis_url)
                    print(f"\n{variant}: serving after {time.perf_counter() - started:.0f} s "
                          f"({len(app_processes(svc))} app processes)")
                    try:
                        if not clerks:  # the migrations ran at the first start
                            started = time.perf_counter()
                            clerks = seed(max(counts), args.users_per_contract, args.details,
                                          Path(tmpdir))
                            print(f"seeded {len(clerks)} users with certificates, "
                                  f"{math.ceil(len(clerks) / args.users_per_contract)} "
                                  f"contracts × {args.details} details in "
                                  f"{time.perf_counter() - started:.0f} s")
                        # A worker's first events import and cache what the mix needs: two
                        # clerks per worker click through it once first, so that growth is not
                        # counted per client.
                        asyncio.run(warm_up(svc.base_url, clerks[:2 * workers], args.timeout))
                        level = asyncio.run(run_level(svc.base_url, clerks[:n], args, svc,
                                                      redis_url))
                        results.setdefault(variant, []).append(level)
                        report(variant, level)
                    finally:
                        stop(svc)
    finally:
        drop_database(db_name)
    summary(results)
    failed = sum(lv.login_errors + sum(lv.errors.values()) for v in results.values() for lv in v)
    return 1 if args.smoke and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
