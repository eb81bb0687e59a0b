"""The operation log (SPEC R-LOG-1; DESIGN "Operation log"): hash chains, append inside the
caller's transaction, failures in their own, concurrency without forks, tamper detection,
append-only at the database level, no secrets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from chingin_app.db import session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.models import ClosedDay, OperationLog, OperationLogHead
from chingin_app.services import oplog
from tests import factories

THREADS = 6
APPENDS_PER_THREAD = 5


def _fresh_chain() -> tuple[str, str]:
    contract_no = factories.next_contract_no()
    return oplog.chain_for(contract_no), contract_no


def _entries(db: Session, chain: str) -> list[OperationLog]:
    return list(
        db.exec(
            select(OperationLog).where(OperationLog.chain == chain).order_by(col(OperationLog.seq))
        ).all()
    )


def _append(
    db: Session, chain: str, contract_no: str, clock: MovableClock, **kw: object
) -> OperationLog:
    fields: dict[str, object] = {
        "actor_kind": "user",
        "actor": "user0001",
        "action": "login",
        "result": "success",
        "ip": "192.0.2.10",
        "screen": "ログイン",
    }
    fields.update(kw)
    return oplog.append(
        db,
        chain=chain,
        at=clock.now(),
        contract_no=contract_no,
        **fields,  # type: ignore[arg-type]
    )


@contextmanager
def _triggers_lifted(db: Session) -> Iterator[None]:
    """Let a test play the attacker who edits the table around the append-only triggers."""
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


def test_chain_for() -> None:
    """One chain per contract plus the system chain."""
    assert oplog.chain_for(None) == "system"
    assert oplog.chain_for("12345678") == "contract:12345678"
    with pytest.raises(ValueError, match="contract number"):
        oplog.chain_for("1234")


def test_r_log_1_append_links_entries(db: Session, clock: MovableClock) -> None:
    """R-LOG-1: entries carry user, time, IP, screen, action, target and result, numbered per
    chain and linked by hash."""
    chain, contract_no = _fresh_chain()
    first = _append(db, chain, contract_no, clock, target="user0001")
    clock.advance(timedelta(seconds=1))
    second = _append(db, chain, contract_no, clock, action="logout")
    db.commit()
    entries = _entries(db, chain)
    assert [e.seq for e in entries] == [1, 2]
    assert entries[0].prev_hash == oplog.GENESIS_HASH
    assert entries[1].prev_hash == entries[0].entry_hash
    assert (first.ip, first.screen, first.target, first.result) == (
        "192.0.2.10",
        "ログイン",
        "user0001",
        "success",
    )
    assert second.at == factories.NOW + timedelta(seconds=1)
    head = db.get(OperationLogHead, chain)
    assert head is not None
    assert (head.seq, head.last_hash) == (2, entries[1].entry_hash)
    assert oplog.verify_chain(db, chain) == []


def test_r_log_1_success_entry_rolls_back_with_the_change(db: Session, clock: MovableClock) -> None:
    """DESIGN: a success entry is written in the change's own transaction — no change, no entry."""
    chain, contract_no = _fresh_chain()
    _append(db, chain, contract_no, clock)
    db.commit()
    day = factories.next_day()
    db.add(ClosedDay(day=day, created_by="operator:test", created_at=clock.now()))
    _append(db, chain, contract_no, clock, action="change")
    db.rollback()
    assert db.exec(select(ClosedDay).where(ClosedDay.day == day)).first() is None
    assert [e.action for e in _entries(db, chain)] == ["login"]
    _append(db, chain, contract_no, clock, action="after")
    db.commit()
    assert [e.seq for e in _entries(db, chain)] == [1, 2]
    assert oplog.verify_chain(db, chain) == []


def test_r_log_1_failure_entry_survives_the_rollback(db: Session, clock: MovableClock) -> None:
    """DESIGN: a failure entry goes in its own transaction after the rollback; the failed
    change itself is not saved."""
    chain, contract_no = _fresh_chain()
    day = factories.next_day()
    db.add(ClosedDay(day=day, created_by="operator:test", created_at=clock.now()))
    db.flush()
    entry = oplog.log_failure(
        db,
        chain=chain,
        at=clock.now(),
        actor_kind="user",
        actor="user0001",
        action="login",
        result="failure",
        contract_no=contract_no,
        detail={"code": "MSG-PW-WRONG"},
    )
    assert entry.result == "failure"
    with session_scope(bind=db.get_bind()) as other:  # type: ignore[arg-type]
        assert other.exec(select(ClosedDay).where(ClosedDay.day == day)).first() is None
        entries = _entries(other, chain)
        assert [(e.action, e.result, e.detail) for e in entries] == [
            ("login", "failure", '{"code":"MSG-PW-WRONG"}')
        ]
        assert oplog.verify_chain(other, chain) == []


def test_r_log_1_failure_from_a_read_only_session(db_engine: Engine, clock: MovableClock) -> None:
    """A refused page view (read-only session) can still log the refusal."""
    chain, contract_no = _fresh_chain()
    with session_scope(bind=db_engine, read_only=True) as ro:
        oplog.log_failure(
            ro,
            chain=chain,
            at=clock.now(),
            actor_kind="user",
            actor="user0001",
            action="menu.open",
            result="refused",
            contract_no=contract_no,
        )
    with session_scope(bind=db_engine) as check:
        assert [e.result for e in _entries(check, chain)] == ["refused"]


def test_r_log_1_append_refuses_read_only_session(db_engine: Engine, clock: MovableClock) -> None:
    """On SQLite only a writing session holds the lock that keeps the chain straight."""
    chain, contract_no = _fresh_chain()
    with session_scope(bind=db_engine, read_only=True) as ro, pytest.raises(RuntimeError):
        _append(ro, chain, contract_no, clock)


@pytest.mark.parametrize(
    "detail",
    [
        {"password": "x"},
        {"new_Password": "x"},
        {"auth_code": "123456"},
        {"nested": {"initial_password": "x"}},
        {"items": [{"token": "t"}]},
        {"p12": "..."},
    ],
)
def test_r_log_1_detail_never_holds_secrets(db: Session, clock: MovableClock, detail: dict) -> None:
    """R-LOG-1 "Entries never hold passwords, codes, certificates or file contents"."""
    chain, contract_no = _fresh_chain()
    with pytest.raises(ValueError, match="secrets"):
        _append(db, chain, contract_no, clock, detail=detail)


@pytest.mark.parametrize(
    ("chain", "contract_no"),
    [
        ("system", "12345678"),
        ("contract:12345678", None),
        ("contract:12345678", "87654321"),
        ("users", None),
    ],
)
def test_chain_and_contract_must_agree(
    db: Session, clock: MovableClock, chain: str, contract_no: str | None
) -> None:
    """contract_no is set exactly on the contract's own chain (the master's view of the log)."""
    with pytest.raises(ValueError):
        oplog.append(
            db,
            chain=chain,
            at=clock.now(),
            actor_kind="system",
            actor="system",
            action="x",
            result="success",
            contract_no=contract_no,
        )


def test_r_log_1_entries_cannot_be_edited_or_deleted(db: Session, clock: MovableClock) -> None:
    """R-LOG-1 "Nobody can edit or delete entries": triggers refuse UPDATE and DELETE."""
    chain, contract_no = _fresh_chain()
    entry = _append(db, chain, contract_no, clock)
    db.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("UPDATE operation_log SET action = 'x' WHERE id = :id"), {"id": entry.id})
    db.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("DELETE FROM operation_log WHERE id = :id"), {"id": entry.id})
    db.rollback()
    assert oplog.verify_chain(db, chain) == []


def test_r_log_1_verify_chain_detects_an_edited_entry(db: Session, clock: MovableClock) -> None:
    """An entry changed behind the service's back is reported by id."""
    chain, contract_no = _fresh_chain()
    entries = [_append(db, chain, contract_no, clock, action=f"a{i}") for i in range(4)]
    db.commit()
    with _triggers_lifted(db):
        db.execute(
            text("UPDATE operation_log SET result = 'success', target = 'forged' WHERE id = :id"),
            {"id": entries[2].id},
        )
    db.commit()
    assert oplog.verify_chain(db, chain) == [entries[2].id]


def test_r_log_1_verify_chain_detects_a_rehashed_edit(db: Session, clock: MovableClock) -> None:
    """Recomputing the edited entry's own hash breaks the link to the next one."""
    chain, contract_no = _fresh_chain()
    entries = [_append(db, chain, contract_no, clock, action=f"a{i}") for i in range(3)]
    db.commit()
    forged = oplog.ChainEntry(
        chain=chain,
        seq=2,
        at=entries[1].at,
        contract_no=contract_no,
        actor_kind="user",
        actor="someone_else",
        ip=entries[1].ip,
        screen=entries[1].screen,
        action="a1",
        target=None,
        result="success",
        detail=None,
    )
    new_hash = oplog.compute_entry_hash(entries[1].prev_hash, forged)
    with _triggers_lifted(db):
        db.execute(
            text("UPDATE operation_log SET actor = 'someone_else', entry_hash = :h WHERE id = :id"),
            {"h": new_hash, "id": entries[1].id},
        )
    db.commit()
    assert oplog.verify_chain(db, chain) == [entries[2].id]


def test_r_log_1_verify_chain_detects_deleted_entries(db: Session, clock: MovableClock) -> None:
    """A removed entry in the middle breaks the next link; one cut off the end disagrees with
    the head."""
    chain, contract_no = _fresh_chain()
    entries = [_append(db, chain, contract_no, clock, action=f"a{i}") for i in range(5)]
    db.commit()
    with _triggers_lifted(db):
        db.execute(
            text("DELETE FROM operation_log WHERE id IN (:a, :b)"),
            {"a": entries[1].id, "b": entries[4].id},
        )
    db.commit()
    assert oplog.verify_chain(db, chain) == [entries[2].id, entries[3].id]


def test_r_log_1_verify_chain_detects_an_inserted_entry(db: Session, clock: MovableClock) -> None:
    """An entry inserted directly (INSERT is allowed) with a made-up hash is reported."""
    chain, contract_no = _fresh_chain()
    _append(db, chain, contract_no, clock)
    db.commit()
    last = _entries(db, chain)[-1]
    forged = OperationLog(
        chain=chain,
        seq=2,
        prev_hash=last.entry_hash,
        entry_hash="f" * 64,
        at=clock.now(),
        contract_no=contract_no,
        actor_kind="user",
        actor="intruder",
        action="login",
        result="success",
    )
    db.add(forged)
    db.commit()
    assert oplog.verify_chain(db, chain) == [forged.id]


def _append_in_threads(engine: Engine, chain: str, contract_no: str | None) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    clock = MovableClock()

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(APPENDS_PER_THREAD):
                with session_scope(bind=engine) as s:
                    # A typical service reads before it writes.
                    s.exec(select(ClosedDay).limit(1)).all()
                    oplog.append(
                        s,
                        chain=chain,
                        at=clock.now(),
                        actor_kind="user" if contract_no else "operator",
                        actor=f"worker{n}",
                        action=f"op{i}",
                        result="success",
                        contract_no=contract_no,
                    )
                    s.commit()
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_r_log_1_concurrent_appends_never_fork_a_new_chain(db_engine: Engine) -> None:
    """DESIGN: appends lock the chain head (FOR UPDATE / BEGIN IMMEDIATE), so N threads racing
    on a chain that does not exist yet give seq 1..N and an intact chain."""
    chain, contract_no = _fresh_chain()
    assert _append_in_threads(db_engine, chain, contract_no) == []
    with session_scope(bind=db_engine) as check:
        entries = _entries(check, chain)
        total = THREADS * APPENDS_PER_THREAD
        assert [e.seq for e in entries] == list(range(1, total + 1))
        assert len({e.prev_hash for e in entries}) == total
        assert oplog.verify_chain(check, chain) == []


def test_r_log_1_concurrent_appends_on_the_system_chain(db_engine: Engine) -> None:
    """The shared system chain (operators, calendar) stays linear under concurrent appends."""
    with session_scope(bind=db_engine) as before:
        head = before.get(OperationLogHead, "system")
        start_seq = head.seq if head else 0
    assert _append_in_threads(db_engine, "system", None) == []
    with session_scope(bind=db_engine) as check:
        head = check.get(OperationLogHead, "system")
        assert head is not None
        assert head.seq >= start_seq + THREADS * APPENDS_PER_THREAD
        seqs = [e.seq for e in _entries(check, "system")]
        assert seqs == list(range(1, len(seqs) + 1))
        assert oplog.verify_chain(check, "system") == []


def test_operator_actor() -> None:
    """Bank operators appear as 'operator:<name>' (shown to masters as 「金庫」)."""
    assert oplog.operator_actor("cli") == "operator:cli"
    assert oplog.operator_actor("operator:tanaka") == "operator:tanaka"
    with pytest.raises(ValueError):
        oplog.operator_actor(" cli")
