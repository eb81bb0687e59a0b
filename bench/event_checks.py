"""The checks every business click pays before its screen's own work (SPEC R-SEC-1, R-USER-7,
R-USER-5; issue 12, DESIGN §1 bench/).

Each event re-checks the session (with the certificate, the user's lock and the contract),
the menu right it needs, the rights that decide which buttons show, and the tenant its queries
are limited to. ``sessions.check`` reads the user's rights and the tenant's ids with the
session, in its one transaction; the menu check, the display rights and the tenant scope then
answer from that reading. The baseline, in the same process and alternating with it, is what
every event did before: the same services given a session without that reading
(``rights=None, scope=None``), so each reads the rows again in a transaction of its own — a
connection check-out (with its ping on PostgreSQL), BEGIN, the query, ROLLBACK.

One round = what a click on 労金控除明細照会 does first, each step in its own session as the
screen's state does it: ``check`` (touch), ``require`` (view), ``may_each`` (変更 and one other
button), ``scope_of``. A general user with menu settings (the master has none to read).

Run:

```sh
.venv/bin/python bench/event_checks.py                  # --rounds 2000, on SQLite
.venv/bin/python bench/event_checks.py --postgresql     # a database of its own on 127.0.0.1
```

Output: per variant the p50 / p95 of a round in ms, CPU ms per round (this process), the
statements and connection check-outs per round, and the ratio baseline / one reading.
Everything lives in a temporary directory (and, with ``--postgresql``, a database) removed at
the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

#: The menu the round asks for, and the display rights its screen asks beside 変更.
MENU = "rokin.detail_inquiry"
ALSO = "rokin.history"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=2000, help="rounds per variant")
    parser.add_argument("--postgresql", action="store_true",
                        help="a database of its own on 127.0.0.1:5432 instead of SQLite")
    parser.add_argument("--smoke", action="store_true", help="a few rounds: checks that the "
                        "bench works (the test run does this); the figures mean nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds = 5
    workdir = Path(tempfile.mkdtemp(prefix="chingin-bench-"))
    dropped: Callable[[], None] | None = None
    try:
        url = f"sqlite:///{workdir / 'bench.db'}"
        if args.postgresql:
            from load import create_database, drop_database

            name, url = create_database()
            dropped = lambda: drop_database(name)  # noqa: E731
        return _run(args, workdir, url)
    finally:  # whatever happens, nothing is left behind
        if dropped is not None:  # (WITH FORCE: this process's pooled connections too)
            dropped()
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, workdir: Path, url: str) -> int:
    os.environ.update({
        "CHINGIN_DATA_DIR": str(workdir / "data"),
        "CHINGIN_DATABASE_URL": url,
        "CHINGIN_CA_PASSPHRASE_FILE": str(workdir / "ca-passphrase"),
        "CHINGIN_BASE_URL": "https://127.0.0.1:8443",
    })
    for name in ("CHINGIN_ENV", "CHINGIN_TEST_CLOCK_FILE", "CHINGIN_REDIS_URL"):
        os.environ.pop(name, None)

    from sqlalchemy import event
    from sqlmodel import select

    from chingin_app.db import engine, migrate, session_scope
    from chingin_app.domain.clock import SystemClock
    from chingin_app.domain.result import Ok
    from chingin_app.models import MenuPermission, PaymentGroup
    from chingin_app.services import passwords, permissions, sessions, tenant
    from chingin_app.services.cert_gate import CertFacts
    from chingin_app.services.sessions import SessionInfo
    from tests import factories

    passwords.use_test_profile()  # the user's password hash is setup, not what is measured
    migrate(url)
    clock = SystemClock()
    with session_scope() as db:
        contract = factories.make_contract(db, groups=(("001", "本社"),))
        user = factories.make_user(db, contract, role="general")
        assert user.id is not None and contract.id is not None
        db.add_all([MenuPermission(user_pk=user.id, menu_key=key, level=level)
                    for key, level in ((MENU, "show"), (ALSO, "view_only"),
                                       ("rokin.remit_confirm", "show"))])
        cert = factories.make_certificate(db, user)
        group_id = db.exec(select(PaymentGroup.id).where(
            PaymentGroup.contract_id == contract.id)).one()
        token = sessions.open_session(  # signed in, the one payment group chosen
            db, user_pk=user.id, contract_id=contract.id, cert_serial=cert.serial_hex,
            payment_group_id=group_id, now=clock.now())
        db.commit()
        facts = CertFacts("current", user.user_id, cert.serial_hex.upper(), cert.sha256)

    counts = {"statements": 0, "checkouts": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def checkout(*_: Any) -> None:
        counts["checkouts"] += 1

    event.listen(engine(), "before_cursor_execute", statement)
    event.listen(engine().pool, "checkout", checkout)

    def one_round(forget: bool) -> None:
        with session_scope() as db:
            checked = sessions.check(db, token=token, facts=facts, clock=clock, touch=True)
            db.commit()
        assert isinstance(checked, Ok), checked
        info: SessionInfo = checked.value
        if forget:  # the baseline: every service reads the rows again
            info = replace(info, rights=None, scope=None)
        with session_scope() as db:
            assert permissions.require(db, session=info, menu_key=MENU, access="view",
                                       clock=clock) == Ok(None)
        with session_scope(read_only=True) as db:
            shown = permissions.may_each(db, session=info,
                                         asks=((MENU, "change"), (ALSO, "view")))
        assert shown == (True, True), shown
        with session_scope(read_only=True) as db:
            assert tenant.scope_of(db, info) is not None

    variants = {"one reading (the check's)": False, "baseline: each reads again": True}
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu = dict.fromkeys(variants, 0.0)
    per_round: dict[str, tuple[float, float]] = {}
    for forget in variants.values():  # warm the statement caches of both
        for _ in range(min(20, args.rounds)):
            one_round(forget)
    for name, forget in variants.items():  # what one round costs, counted apart
        counts.update(statements=0, checkouts=0)
        one_round(forget)
        per_round[name] = (counts["statements"], counts["checkouts"])
    for _ in range(args.rounds):  # alternating: both see the same machine
        for name, forget in variants.items():
            c0, t0 = time.process_time(), time.perf_counter()
            one_round(forget)
            times[name].append(time.perf_counter() - t0)
            cpu[name] += time.process_time() - c0

    print("chingin bench: the checks of every business click (check, require, may_each, "
          "scope_of)")
    if args.smoke:
        print("smoke run (--smoke): a few rounds; the figures below mean nothing")
    print(f"machine: {platform.system()} {platform.release()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    print(f"database: {engine().dialect.name}; {args.rounds} rounds per variant, alternating")
    p50: dict[str, float] = {}
    for name in variants:
        ordered = sorted(times[name])
        p50[name] = statistics.median(ordered) * 1000
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000
        stmts, outs = per_round[name]
        print(f"  {name:28} p50 {p50[name]:6.2f} ms  p95 {p95:6.2f} ms  "
              f"CPU {cpu[name] / args.rounds * 1000:5.2f} ms/round  "
              f"{stmts:.0f} statements, {outs:.0f} check-outs per round")
    one, base = p50["one reading (the check's)"], p50["baseline: each reads again"]
    cpu_one = cpu["one reading (the check's)"]
    cpu_base = cpu["baseline: each reads again"]
    print(f"ratio baseline / one reading: p50 {base / one:.2f}×, CPU "
          f"{cpu_base / cpu_one:.2f}×" if one and cpu_one else "ratio: —")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
