"""Certificate issuance time and argon2id verify throughput (SPEC R-CERT-1, R-CERT-11, R-SEC-1,
R-LOCK-5; DESIGN §1 bench/).

What a user waits for in 電子証明書発行, measured through the services on a fresh SQLite file:
``start_issuance`` (認証: one argon2id verify with the production profile, the attempt, the
sealed password, the code mail queued — the outbox is NOT flushed, no SMTP involved),
``verify_code`` (認証 on the code screen) and ``issue_certificate`` (発行: RSA-2048 key pair,
certificate, .p12 with PBKDF2 200,000 iterations, the record, the CRL untouched because
nothing is superseded). Each round uses a fresh user (the daily mail limit and R-CERT-5 would
refuse a second certificate). Reading the code from the queued mail is not timed.

Beside it, the floor: ``pki.issue_client_cert`` + ``pki.to_p12`` alone (no database, no
argon2), the part no implementation can skip. Then argon2id verify throughput with the
production profile (t=3, 64 MiB, p=1) on 1 and 2 threads — what bounds how many people can
press 認証 (or ログイン) per second on this machine.

Run:

```sh
.venv/bin/python bench/cert_issuance.py            # --rounds 30 --argon2-seconds 3
```

Everything lives in a temporary directory removed at the end (data dir, database, CA).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _ms(value: float) -> str:
    return f"{value * 1000:8.1f} ms"


def _throughput(fn: Callable[[], object], threads: int, seconds: float) -> float:
    """Calls per second of ``fn`` run in ``threads`` threads for ``seconds`` (at least one call
    per thread, so a short run still has a rate)."""
    stop = time.perf_counter() + seconds
    counts = [0] * threads

    def work(i: int) -> None:
        while True:
            fn()
            counts[i] += 1
            if time.perf_counter() >= stop:
                return

    started = time.perf_counter()
    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=30, help="issuances (and floor runs)")
    parser.add_argument("--argon2-seconds", type=float, default=3.0, help="per thread count")
    parser.add_argument("--smoke", action="store_true", help="one issuance, one argon2 call "
                        "each: checks that the bench works (the test run does this); the "
                        "figures mean nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.argon2_seconds = 1, 0.0
    workdir = Path(tempfile.mkdtemp(prefix="chingin-bench-"))
    try:
        return _run(args, workdir)
    finally:  # whatever happens, nothing is left behind
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, workdir: Path) -> int:
    load_before = os.getloadavg()
    os.environ.update(
        {
            "CHINGIN_DATA_DIR": str(workdir / "data"),
            "CHINGIN_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "CHINGIN_CA_PASSPHRASE_FILE": str(workdir / "ca-passphrase"),
            "CHINGIN_BASE_URL": "https://127.0.0.1:8443",
        }
    )
    for name in ("CHINGIN_SMTP_HOST", "CHINGIN_ENV", "CHINGIN_TEST_CLOCK_FILE",
                 "CHINGIN_ARGON2_PROFILE"):
        os.environ.pop(name, None)

    import cryptography
    from sqlmodel import select

    import pki
    from chingin_app.db import migrate, session_scope
    from chingin_app.domain.clock import SystemClock
    from chingin_app.domain.result import Ok
    from chingin_app.models import MailOutbox, User
    from chingin_app.services import passwords, secretbox
    from chingin_app.services.certs import ca, crl, issuance
    from chingin_app.settings import settings
    from pki._p12 import P12_KDF_ROUNDS
    from tests import factories

    passwords.use_production_profile()
    profile = passwords.active_profile()
    s = settings()
    migrate(s.database_url)
    hierarchy = ca.ensure_hierarchy(s, now=datetime.now(UTC))
    ca.hierarchy.cache_clear()
    clock = SystemClock()
    password = factories.PASSWORD

    # Users first (hashing them is not what is measured).
    user_ids: list[str] = []
    with session_scope() as db:
        contract = factories.make_contract(db)
        for _ in range(args.rounds + 1):
            user_ids.append(factories.make_user(db, contract, password=password).user_id)

    def latest_code(user_id: str) -> str:
        with session_scope(read_only=True) as db:
            pk = db.exec(select(User.id).where(User.user_id == user_id)).one()
            row = db.exec(
                select(MailOutbox)
                .where(MailOutbox.user_pk == pk, MailOutbox.kind == "auth_code")
                .order_by(MailOutbox.id.desc())  # type: ignore[union-attr]
            ).first()
            assert row is not None and row.body_sealed is not None
            body = secretbox.unseal(
                row.body_sealed, aad=f"mail_outbox:{row.message_id}".encode()
            ).decode()
        return body.split("認証コード：", 1)[1][:6]

    crl_url = crl.crl_url(s)

    def floor_once(i: int) -> float:
        t0 = time.perf_counter()
        cert = pki.issue_client_cert(
            hierarchy.issuing, user_id=f"floor{i:04d}", now=datetime.now(UTC), crl_url=crl_url
        )
        pki.to_p12(
            cert, password=password, chain=[hierarchy.issuing.cert, hierarchy.root.cert],
            friendly_name=f"floor{i:04d}",
        )
        return time.perf_counter() - t0

    phases: dict[str, list[float]] = {"start": [], "verify": [], "issue": [], "total": []}
    floor: list[float] = []
    p12_size = 0
    for i, user_id in enumerate(user_ids):
        floor_time = floor_once(i)  # interleaved: both see the same machine state
        issuance.ISSUANCE_THROTTLE.clear()  # one bench process is not 30 people behind one IP
        with session_scope() as db:
            t0 = time.perf_counter()
            started = issuance.start_issuance(
                db, user_id=user_id, password=password, entry="any", clock=clock, ip=None
            )
            t1 = time.perf_counter()
        assert isinstance(started, Ok), started
        code = latest_code(user_id)
        with session_scope() as db:
            t2 = time.perf_counter()
            verified = issuance.verify_code(
                db, token=started.value.token, code=code, clock=clock, ip=None
            )
            t3 = time.perf_counter()
        assert verified == Ok(None), verified
        with session_scope() as db:
            t4 = time.perf_counter()
            issued = issuance.issue_certificate(
                db, token=started.value.token, clock=clock, ip=None
            )
            t5 = time.perf_counter()
        assert isinstance(issued, Ok), issued
        p12_size = len(issued.value.p12)
        if i == 0:
            continue  # warm-up (imports, first key load)
        floor.append(floor_time)
        phases["start"].append(t1 - t0)
        phases["verify"].append(t3 - t2)
        phases["issue"].append(t5 - t4)
        phases["total"].append((t1 - t0) + (t3 - t2) + (t5 - t4))


    stored = passwords.hash_secret("Bench!pw" + secrets.token_hex(2))
    single: list[float] = []
    for _ in range(1 if args.smoke else 10):
        t0 = time.perf_counter()
        passwords.verify_secret(stored, "not-the-password")
        single.append(time.perf_counter() - t0)
    rates = {
        n: _throughput(lambda: passwords.verify_secret(stored, "x"), n, args.argon2_seconds)
        for n in (1, 2)
    }

    print("chingin bench: certificate issuance (R-CERT-1, R-CERT-11) and argon2id (R-SEC-1)")
    if args.smoke:
        print("smoke run (--smoke): tiny sizes, one run; the figures below mean nothing")
    print(f"machine   : {platform.system()} {platform.release()}, {os.cpu_count()} cores, "
          f"{_cpu_model()}")
    print(f"software  : Python {platform.python_version()}, cryptography "
          f"{cryptography.__version__}, argon2-cffi {importlib.metadata.version('argon2-cffi')}, "
          f"SQLite {sqlite3.sqlite_version}")
    print(f"load avg  : {' '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} after (1/5/15 min; other work "
          "on the machine skews the figures, the 2-thread rate most)")
    print(f"sizes     : {args.rounds} issuances (+1 warm-up), fresh user each; RSA-2048; "
          f".p12 {p12_size} bytes, PBKDF2-SHA256 {P12_KDF_ROUNDS} iterations; "
          f"argon2id t={profile.time_cost}, m={profile.memory_cost_kib // 1024} MiB, "
          f"p={profile.parallelism}; outbox not flushed")
    print()
    print(f"{'phase':<34}{'p50':>11}{'p95':>12}")
    rows = [
        ("start_issuance   (ninsho)", phases["start"]),
        ("verify_code      (code)", phases["verify"]),
        ("issue_certificate (hakko)", phases["issue"]),
        ("total of the three", phases["total"]),
        ("floor: issue_client_cert+to_p12", floor),
        ("argon2id verify, one call", single),
    ]
    for label, values in rows:
        print(f"{label:<34}{_ms(statistics.median(values))} {_ms(_pct(values, 0.95))}")
    print()
    issue_ratio = statistics.median(phases["issue"]) / statistics.median(floor)
    total_ratio = statistics.median(phases["total"]) / statistics.median(floor)
    start_share = statistics.median(phases["start"]) / statistics.median(single)
    print(f"ratio issue_certificate p50 / floor p50          : {issue_ratio:5.2f}")
    print(f"ratio whole issuance p50 / floor p50             : {total_ratio:5.2f}")
    print(f"ratio start_issuance p50 / one argon2 verify p50 : {start_share:5.2f}")
    print()
    print("argon2id verify throughput (production profile):")
    for n, rate in rates.items():
        print(f"  {n} thread{'s' if n > 1 else ' '}: {rate:6.2f} verifies/s")
    print(f"  ratio 2 threads / 1 thread: {rates[2] / rates[1]:4.2f} "
          f"(memory per concurrent verify: {profile.memory_cost_kib // 1024} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
