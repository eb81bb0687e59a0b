"""`chingin log verify` (SPEC R-LOG-1 "Nobody can edit or delete entries"; DESIGN "Operation
log"): every chain checked with its entry count, 「正常」 or the broken ids, exit 1 when any
chain is broken; the check itself leaves an entry."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from chingin_app.cli import main
from chingin_app.domain.clock import MovableClock
from chingin_app.models import OperationLog
from chingin_app.services import oplog
from tests import factories


@pytest.fixture
def operator(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI on the test database, run by an operator of its own; returns the actor."""
    name = f"op{random.SystemRandom().randrange(10**9):09d}"
    monkeypatch.setenv("USER", name)
    return f"operator:{name}"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _chain_with_entries(db: Session, clock: MovableClock, count: int) -> tuple[str, list[int]]:
    contract_no = factories.next_contract_no()
    chain = oplog.chain_for(contract_no)
    ids = []
    for i in range(count):
        entry = oplog.append(
            db,
            chain=chain,
            at=clock.now(),
            contract_no=contract_no,
            actor_kind="user",
            actor="master01",
            action=f"a{i}",
            result="success",
        )
        ids.append(int(entry.id or 0))
        clock.advance(timedelta(seconds=1))
    db.commit()
    return chain, ids


@contextmanager
def _triggers_lifted(db: Session) -> Iterator[None]:
    """Play the attacker who edits the table around the append-only triggers (as in
    test_oplog.py)."""
    if db.connection().dialect.name == "postgresql":
        db.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        return
    saved = db.execute(
        text(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'trigger' AND tbl_name = 'operation_log'"
        )
    ).all()
    for name, _sql in saved:
        db.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in saved:
        db.execute(text(sql))


def _verify_entries(engine: Engine, actor: str) -> list[OperationLog]:
    with Session(engine) as db:
        return list(
            db.exec(
                select(OperationLog)
                .where(OperationLog.actor == actor, OperationLog.action == "oplog.verify")
                .order_by(col(OperationLog.id))
            ).all()
        )


def test_r_log_1_verify_intact_chain(
    db: Session,
    db_engine: Engine,
    clock: MovableClock,
    operator: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R-LOG-1: an intact chain is reported with its entry count and 「正常」, exit 0; the check
    is logged in the system chain."""
    chain, _ids = _chain_with_entries(db, clock, 3)

    status, out, err = _run(capsys, "log", "verify", "--chain", chain)

    assert (status, err) == (0, "")
    assert f"{chain}\t3件\t正常" in out.splitlines()
    assert "1件のチェーンを検証しました。すべて正常です。" in out
    logged = _verify_entries(db_engine, operator)
    assert [(e.chain, e.target, e.result) for e in logged] == [("system", chain, "success")]


def test_r_log_1_verify_reports_an_edited_entry(
    db: Session,
    db_engine: Engine,
    clock: MovableClock,
    operator: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R-LOG-1 "Nobody can edit or delete entries": an entry edited around the triggers is
    reported by id, for the chain and under --all, with exit 1."""
    chain, ids = _chain_with_entries(db, clock, 4)
    with _triggers_lifted(db):
        db.execute(
            text("UPDATE operation_log SET target = 'forged' WHERE id = :id"), {"id": ids[2]}
        )
    db.commit()

    status, out, _err = _run(capsys, "log", "verify", "--chain", chain)
    assert status == 1
    assert f"{chain}\t4件\t改ざんの疑い（ID: {ids[2]}）" in out.splitlines()
    assert "1件のチェーンに改ざんの疑いがあります。" in out

    status, out, _err = _run(capsys, "log", "verify", "--all")
    assert status == 1
    assert f"{chain}\t4件\t改ざんの疑い（ID: {ids[2]}）" in out.splitlines()
    status_default, out_default, _err = _run(capsys, "log", "verify")
    assert status_default == 1
    assert f"{chain}\t4件\t改ざんの疑い（ID: {ids[2]}）" in out_default.splitlines()
    assert len(_verify_entries(db_engine, operator)) == 3


def test_r_log_1_verify_reports_a_forged_row(
    db: Session, clock: MovableClock, operator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-LOG-1: a row inserted directly (INSERT is allowed) with a made-up hash is reported."""
    chain, ids = _chain_with_entries(db, clock, 2)
    last = db.exec(select(OperationLog).where(OperationLog.id == ids[-1])).one()
    forged = OperationLog(
        chain=chain,
        seq=3,
        prev_hash=last.entry_hash,
        entry_hash="f" * 64,
        at=clock.now(),
        contract_no=last.contract_no,
        actor_kind="user",
        actor="intruder",
        action="login.success",
        result="success",
    )
    db.add(forged)
    db.commit()

    status, out, _err = _run(capsys, "log", "verify", "--chain", chain)

    assert status == 1
    assert f"{chain}\t3件\t改ざんの疑い（ID: {forged.id}）" in out.splitlines()


@pytest.mark.parametrize("chain", ["contract:123", "contract:", "tenant:12345678", "SYSTEM"])
def test_r_log_1_verify_malformed_chain_is_bad_input(
    chain: str, operator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chain name other than system or contract:<8 digits> is bad input (exit 2)."""
    status, out, err = _run(capsys, "log", "verify", "--chain", chain)
    assert (status, out) == (2, "")
    assert "system または contract:契約番号" in err


def test_r_log_1_verify_unknown_chain_is_refused(
    operator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A well-formed chain without entries is refused (exit 1), not reported as intact."""
    chain = oplog.chain_for(factories.next_contract_no())
    status, out, err = _run(capsys, "log", "verify", "--chain", chain)
    assert (status, out) == (1, "")
    assert f"操作ログのチェーン {chain} はありません。" in err


def test_r_log_1_verify_chain_and_all_exclusive(
    operator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--chain and --all together are bad input (exit 2)."""
    status, _out, err = _run(capsys, "log", "verify", "--chain", "system", "--all")
    assert status == 2
    assert "何も変更していません" in err
