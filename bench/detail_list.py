"""労金控除明細照会 (RK-1) at 10,000 details: the event round trip of a filtered search, through
nginx (TLS with a client certificate) and the Reflex backend, beside the floor of a signed-in
event that reads nothing (the idle heartbeat), in the same run.

The script starts its own service (``chingin serve``, service hours ``always``) on free loopback
ports with a temporary data directory, loads the demo organisation into a new contract and
adds employees until the payment group has ``--details`` details, issues the master a
certificate, signs in over the websocket like a browser tab, and then alternates, ``--rounds``
times each: the heartbeat (floor), 検索 with a カナ氏名 filter (the first page of what matches),
次へ on that result, and sorting it by 月例額. Prints p50/p95 per kind and the ratios to the
floor. Everything it started is stopped and removed at the end.

    .venv/bin/python bench/detail_list.py [--details 10000] [--rounds 40] [--kana ｻ]

``--service URL`` uses a service that is already running instead (its ``CHINGIN_*``
environment in this process, so the seed reaches its database and CA); ``--smoke`` runs tiny
sizes once, which is how the end-to-end tests check that the bench works.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

START_TIMEOUT = 180.0
KANA_SYLLABLES = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜ"
DEPARTMENTS = ("総務課", "経理課", "製造一課", "製造二課", "営業部", "物流センター", "品質保証課")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(root: Path) -> tuple[subprocess.Popen[str], dict[str, str], list[str]]:
    """``chingin serve`` on free ports with its data under ``root``; returns once it serves."""
    env = {
        "CHINGIN_ENV": "test",
        "CHINGIN_DATA_DIR": str(root / "data"),
        "CHINGIN_CA_PASSPHRASE_FILE": str(root / "ca-passphrase"),
        "CHINGIN_PORT": str(free_port()),
        "CHINGIN_APP_PORT": str(free_port()),
        "CHINGIN_SMTP_PORT": str(free_port()),
        "CHINGIN_HTTP_PORT": str(free_port()),
        "CHINGIN_SERVICE_HOURS": "always",
    }
    env["CHINGIN_BASE_URL"] = f"https://127.0.0.1:{env['CHINGIN_PORT']}"
    os.environ.update(env)  # this process seeds the same database
    chingin = str(Path(sys.executable).parent / "chingin")
    proc = subprocess.Popen([chingin, "serve"], env={**os.environ, **env}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    output: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    assert proc.stdout is not None
    for line in proc.stdout:
        output.append(line)
        if "停止するには Ctrl-C" in line:
            break
        if time.monotonic() > deadline:
            break
    else:
        raise SystemExit("chingin serve exited:\n" + "".join(output[-40:]))
    if proc.poll() is not None or time.monotonic() > deadline:
        stop(proc)
        raise SystemExit("chingin serve did not start:\n" + "".join(output[-40:]))
    # Keep draining its output so it never blocks on a full pipe.
    import threading

    threading.Thread(target=lambda: [output.append(x) for x in proc.stdout or ()],
                     daemon=True).start()
    return proc, env, output


def stop(proc: subprocess.Popen[str]) -> None:
    """Ctrl-C, as a person would: serve stops nginx, the app and the mail server itself."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def seed(details: int, tmp: Path) -> tuple[str, Path, str]:
    """A contract with one payment group holding ``details`` details and a master with a
    certificate: (contract no, .p12 path, password)."""
    from sqlalchemy import func, insert
    from sqlmodel import select

    import pki
    from chingin_app.db import session_scope
    from chingin_app.domain.clock import to_jst
    from chingin_app.models import Contract, DeductionDetail, Employee, PaymentGroup, RokinProduct
    from chingin_app.runtime import demo_rokin
    from chingin_app.services.certs import certificates, crl
    from chingin_app.settings import settings
    from tests import factories

    now = datetime.now(UTC)
    with session_scope() as db:
        contract = factories.make_contract(db, groups=(("001", "本社"),))
        contract_no, contract_id = contract.contract_no, contract.id
        assert contract_id is not None
        demo_rokin.load_demo_organisation(db, contract_id, to_jst(now).date())
        group_id = db.exec(select(PaymentGroup.id).where(
            PaymentGroup.contract_id == contract_id)).one()
        product_ids = list(db.exec(select(RokinProduct.id).where(
            RokinProduct.contract_id == contract_id)))
        have = db.execute(select(func.count()).select_from(DeductionDetail).where(
            DeductionDetail.contract_id == contract_id)).scalar_one()
        rng = random.Random(10_000)
        more = max(0, details - have)
        people = [{
            "contract_id": contract_id, "payment_group_id": group_id,
            "staff_no": f"{900000 + i:07d}",
            "name_kana": "".join(rng.choice(KANA_SYLLABLES) for _ in range(4)) + " "
                         + "".join(rng.choice(KANA_SYLLABLES) for _ in range(3)),
            "name_kanji": "労金　太郎", "department": rng.choice(DEPARTMENTS),
            "created_at": now, "updated_at": now, "version": 1,
        } for i in range(more)]
        if people:
            db.execute(insert(Employee), people)
            staff = {s: i for s, i in db.exec(select(Employee.staff_no, Employee.id).where(
                Employee.contract_id == contract_id))}
            db.execute(insert(DeductionDetail), [{
                "contract_id": contract_id, "payment_group_id": group_id,
                "employee_id": staff[p["staff_no"]], "product_id": rng.choice(product_ids),
                "account_no": f"{rng.randrange(10_000_000):07d}",
                "monthly_amount": rng.randrange(1, 60) * 1000, "bonus_amount": 0,
                "start_month": "2020-04", "end_month": None, "status": "active",
                "remaining_count": None, "created_at": now, "updated_at": now, "version": 1,
            } for p in people])
        db.commit()

        s = settings()
        passphrase = s.ca_passphrase_file.read_bytes().strip()
        hierarchy = pki.load_hierarchy(s.pki_dir, passphrase=passphrase)
        user_id = factories.next_user_id("bench")[:12]
        issued = pki.issue_client_cert(hierarchy.issuing, user_id=user_id, now=now,
                                       crl_url=crl.crl_url(s))
        contract_row = db.exec(select(Contract).where(Contract.contract_no == contract_no)).one()
        user = factories.make_user(db, contract_row, user_id=user_id, role="master",
                                   password=factories.PASSWORD)
        assert user.id is not None
        certificates.record_issued(
            db, user_pk=user.id, serial_hex=format(issued.cert.serial_number, "x"),
            sha256_hex=pki.sha256_fingerprint(issued.cert),
            not_before=issued.cert.not_valid_before_utc,
            not_after=issued.cert.not_valid_after_utc, issued_at=now,
        )
        db.commit()
    p12 = tmp / "bench.p12"
    p12.write_bytes(pki.to_p12(issued, password=factories.PASSWORD,
                               chain=[hierarchy.issuing.cert, hierarchy.root.cert],
                               friendly_name=user_id))
    return contract_no, p12, factories.PASSWORD


def tls_context(data_dir: Path, p12: Path, password: str, tmp: Path) -> ssl.SSLContext:
    """Trust the demo TLS root; present the master's certificate (as the browser would)."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        pkcs12,
    )

    ctx = ssl.create_default_context(cafile=str(data_dir / "pki" / "demo-tls" / "root.pem"))
    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), password.encode())
    assert key is not None and cert is not None
    (tmp / "c.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    (tmp / "k.pem").write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                  NoEncryption()))
    ctx.load_cert_chain(str(tmp / "c.pem"), str(tmp / "k.pem"))
    return ctx


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


async def measure(base_url: str, ctx: ssl.SSLContext, password: str, rounds: int,
                  kana: str, *, warmup: int = 3) -> dict[str, list[float]]:
    from chingin_app import routes
    from chingin_app.state.login import LoginState
    from chingin_app.state.rokin.details import RokinDetailsState
    from chingin_app.state.session import SessionState
    from tests.support.reflex_client import ReflexClient, event_name, var

    times: dict[str, list[float]] = {"heartbeat": [], "search": [], "next_page": [], "sort": []}
    client = ReflexClient(base_url, ssl_context=ctx, timeout=60)
    await client.connect(path=routes.LOGIN)
    try:
        await client.call(event_name(LoginState, "submit"), {"form": {"password": password}},
                          path=routes.LOGIN)
        await client.call(event_name(RokinDetailsState, "load"), path=routes.ROKIN_DETAILS)
        search = event_name(RokinDetailsState, "search")
        delta = await client.call(search, {"form": {"name_kana": kana}}, path=routes.ROKIN_DETAILS)
        total = var(delta, "total", state=RokinDetailsState)
        if not total:
            raise SystemExit(f"the search found nothing: {str(delta)[:500]}")
        print(f"検索「{kana}」: {total} 件")
        kinds: list[tuple[str, Callable[[], Awaitable[tuple[float, object]]]]] = [
            ("heartbeat", lambda: client.timed_call(event_name(SessionState, "heartbeat"),
                                                    path=routes.ROKIN_DETAILS)),
            ("search", lambda: client.timed_call(search, {"form": {"name_kana": kana}},
                                                 path=routes.ROKIN_DETAILS)),
            ("next_page", lambda: client.timed_call(event_name(RokinDetailsState, "turn"),
                                                    {"delta": 1}, path=routes.ROKIN_DETAILS)),
            ("sort", lambda: client.timed_call(event_name(RokinDetailsState, "sort"),
                                               {"key": "monthly_amount"},
                                               path=routes.ROKIN_DETAILS)),
        ]
        for _ in range(warmup):  # untimed
            for _name, call in kinds:
                await call()
        for _ in range(rounds):
            for name, call in kinds:
                elapsed, _delta = await call()
                times[name].append(elapsed)
    finally:
        await client.close()
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--details", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--kana", default="ｻ", help="カナ氏名 filter (matched anywhere)")
    parser.add_argument("--service", metavar="URL", default=None,
                        help="a running service (https on loopback) to use instead of starting "
                             "one; this process must have its CHINGIN_* environment")
    parser.add_argument("--smoke", action="store_true",
                        help="400 details, one round, no warm-up: checks that the bench works "
                             "(the test run does this); the figures mean nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.details, args.rounds = 400, 1
        print("smoke run (--smoke): tiny sizes, one run; the figures below mean nothing")
    print(f"machine: {platform.system()} {platform.release()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="chingin-bench-") as tmpdir:
        tmp = Path(tmpdir)
        proc = None
        if args.service is None:
            proc, env, _output = start_service(tmp)
            base_url, data_dir = env["CHINGIN_BASE_URL"], tmp / "data"
        else:
            from chingin_app.settings import settings

            base_url, data_dir = args.service, settings().data_dir
        try:
            started = time.perf_counter()
            contract_no, p12, password = seed(args.details, tmp)
            print(f"contract {contract_no}: {args.details} details loaded in "
                  f"{time.perf_counter() - started:.1f} s")
            ctx = tls_context(data_dir, p12, password, tmp)
            times = asyncio.run(measure(base_url, ctx, password, args.rounds, args.kana,
                                        warmup=0 if args.smoke else 3))
        finally:
            if proc is not None:
                stop(proc)
    floor = times["heartbeat"]
    print(f"\nround trips through nginx, {args.rounds} each (ms):")
    print(f"{'event':<12}{'p50':>9}{'p95':>9}{'mean':>9}{'p95 / floor p95':>18}")
    for name, values in times.items():
        print(f"{name:<12}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}"
              f"{statistics.fmean(values) * 1000:>9.1f}{pct(values, 95) / pct(floor, 95):>18.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
