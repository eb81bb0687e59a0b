"""Operator use cases for contracts (SPEC R-OPS-1, R-OPS-2, R-LOCK-3, R-LOG-1, R-SEC-1):
each commits once with its log entry, or changes nothing and logs the failure."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from chingin_app.db import session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.messages import MESSAGES
from chingin_app.domain.result import Err, Ok
from chingin_app.models import Contract, OperationLog, PaymentGroup, UserRole
from chingin_app.services import contracts, oplog, passwords
from tests import factories

PASSWORD = "Xy9$Zw8%"


def _create(db: Session, clock: MovableClock, **overrides: Any) -> Ok[contracts.ContractView] | Err:
    args: dict[str, Any] = {
        "contract_no": factories.next_contract_no(),
        "name": "ろうきん労働組合",
        "kind": "member",
        "services": "batch,rokin",
        "groups": ["001:本社", "002:大阪支社"],
        "initial_password": PASSWORD,
        "actor": "cli",
        "clock": clock,
    }
    args.update(overrides)
    return contracts.create_contract(db, **args)


def _contract(db: Session, contract_no: str) -> Contract | None:
    return db.exec(select(Contract).where(Contract.contract_no == contract_no)).first()


def _log(db: Session, chain: str) -> list[OperationLog]:
    return list(
        db.exec(
            select(OperationLog).where(OperationLog.chain == chain).order_by(col(OperationLog.seq))
        ).all()
    )


def _last_log_id(db: Session) -> int:
    return int(db.exec(select(func.coalesce(func.max(OperationLog.id), 0))).one() or 0)


def _system_failures(
    db: Session, target: str, action: str, *, after_id: int = 0
) -> list[OperationLog]:
    """Failure entries for ``target`` (tests share the database: pass ``after_id`` when the
    target is not unique to the test, e.g. a malformed contract number)."""
    return list(
        db.exec(
            select(OperationLog).where(
                OperationLog.chain == "system",
                OperationLog.target == target,
                OperationLog.action == action,
                OperationLog.result == "failure",
                col(OperationLog.id) > after_id,
            )
        ).all()
    )


def _no_secret_anywhere(db: Session, secret: str) -> bool:
    rows = db.exec(select(OperationLog)).all()
    return all(secret not in (r.detail or "") and secret not in (r.target or "") for r in rows)


def test_r_ops_1_create_contract(db: Session, clock: MovableClock) -> None:
    """R-OPS-1 "Create a contract with its services and payment groups; register the initial
    password" — one commit with its log entry."""
    contract_no = factories.next_contract_no()
    result = _create(db, clock, contract_no=contract_no, name="ABC労組", ticket="R-0001")
    assert isinstance(result, Ok)
    view = result.value
    assert view.contract_no == contract_no
    assert view.name == "ＡＢＣ労組"  # half-width letters converted (SPEC §3)
    assert view.kind == "member"
    assert view.services == ("rokin", "batch")
    assert view.groups == (("001", "本社"), ("002", "大阪支社"))
    assert (view.status, view.initial_password_set, view.has_master) == ("active", True, False)
    assert view.created_at == clock.now()

    db.expunge_all()
    assert contracts.get_contract(db, contract_no) == view
    stored = _contract(db, contract_no)
    assert stored is not None
    assert stored.initial_password_hash is not None
    assert passwords.verify_secret(stored.initial_password_hash, PASSWORD)
    entries = _log(db, oplog.chain_for(contract_no))
    assert [(e.action, e.result, e.actor_kind, e.actor, e.contract_no) for e in entries] == [
        ("contract.create", "success", "operator", "operator:cli", contract_no)
    ]
    assert '"ticket":"R-0001"' in (entries[0].detail or "")
    assert '"groups":["001:本社","002:大阪支社"]' in (entries[0].detail or "")
    assert oplog.verify_chain(db, oplog.chain_for(contract_no)) == []
    assert _no_secret_anywhere(db, PASSWORD)


def test_r_ops_1_create_employer_contract(db: Session, clock: MovableClock) -> None:
    """事業主 (財形) contracts take zaikei with its options (SPEC §1)."""
    result = _create(db, clock, kind="employer", services="zaikei-incentive,zaikei")
    assert isinstance(result, Ok)
    assert result.value.services == ("zaikei", "zaikei-incentive")


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"contract_no": "1234567"}, "E-CONTRACT-NO-FORMAT", "contract_no"),
        ({"contract_no": "1234567８"}, "E-CONTRACT-NO-FORMAT", "contract_no"),
        ({"name": ""}, "E-FIELD-REQUIRED", "name"),
        ({"name": " 労組"}, "E-FIELD-SPACES", "name"),
        ({"kind": "both"}, "E-CONTRACT-KIND", "kind"),
        ({"services": "zaikei"}, "E-SERVICES-FORMAT", "services"),
        ({"services": "rokin,rokin"}, "E-SERVICES-FORMAT", "services"),
        ({"groups": []}, "E-GROUP-REQUIRED", "group"),
        ({"groups": ["01:本社"]}, "E-GROUP-FORMAT", "group"),
        ({"groups": ["001:本社", "001:支社"]}, "E-GROUP-DUPLICATE", "group"),
        ({"initial_password": "Ab1!Cd2"}, "E-INITIAL-PASSWORD-FORMAT", "initial_password"),
        ({"initial_password": "abcd1234"}, "E-INITIAL-PASSWORD-FORMAT", "initial_password"),
    ],
)
def test_r_ops_1_create_refuses_bad_input(
    db: Session, clock: MovableClock, overrides: dict[str, Any], code: str, field: str
) -> None:
    """SPEC §3 "Rejected input changes nothing"; the failure is logged, without the password."""
    contract_no = overrides.get("contract_no", factories.next_contract_no())
    overrides = {"contract_no": contract_no, **overrides}
    watermark = _last_log_id(db)
    result = _create(db, clock, **overrides)
    assert isinstance(result, Err)
    assert (result.code, result.field) == (code, field)
    assert code in MESSAGES
    assert _contract(db, contract_no) is None
    failures = _system_failures(db, contract_no, "contract.create", after_id=watermark)
    assert len(failures) == 1
    assert f'"code":"{code}"' in (failures[0].detail or "")
    assert failures[0].contract_no is None
    assert _no_secret_anywhere(db, overrides.get("initial_password", PASSWORD))


def test_r_ops_1_create_refuses_an_existing_number(db: Session, clock: MovableClock) -> None:
    """E-CONTRACT-EXISTS: the existing contract and its groups stay as they were."""
    first = _create(db, clock, groups=["001:本社"])
    assert isinstance(first, Ok)
    contract_no = first.value.contract_no
    again = _create(db, clock, contract_no=contract_no, name="別の団体", groups=["009:別"])
    assert isinstance(again, Err)
    assert again.code == "E-CONTRACT-EXISTS"
    assert contracts.get_contract(db, contract_no) == first.value
    assert len(_system_failures(db, contract_no, "contract.create")) == 1
    assert [e.action for e in _log(db, oplog.chain_for(contract_no))] == ["contract.create"]


def test_r_ops_1_concurrent_creates_of_one_number(db_engine: Engine) -> None:
    """Two operators creating the same contract at once: one succeeds, the other gets
    E-CONTRACT-EXISTS, and nothing is saved twice (rollback on the unique constraint)."""
    contract_no = factories.next_contract_no()
    results: list[object] = []
    barrier = threading.Barrier(2)

    def worker(group: str) -> None:
        try:
            with session_scope(bind=db_engine) as s:
                barrier.wait()
                results.append(_create(s, MovableClock(), contract_no=contract_no, groups=[group]))
        except BaseException as exc:
            results.append(exc)

    threads = [threading.Thread(target=worker, args=(g,)) for g in ("001:本社", "002:支社")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(type(r).__name__ for r in results) == ["Err", "Ok"]
    assert [r.code for r in results if isinstance(r, Err)] == ["E-CONTRACT-EXISTS"]
    with session_scope(bind=db_engine) as check:
        contract = _contract(check, contract_no)
        assert contract is not None
        groups = check.exec(
            select(PaymentGroup).where(PaymentGroup.contract_id == contract.id)
        ).all()
        assert len(groups) == 1
        assert len(_system_failures(check, contract_no, "contract.create")) == 1
        assert oplog.verify_chain(check, "system") == []


def test_get_contract_unknown_or_malformed(db: Session) -> None:
    """``chingin contract show`` of a number that is not there (or not a number) finds nothing."""
    assert contracts.get_contract(db, factories.next_contract_no()) is None
    assert contracts.get_contract(db, "abc") is None


def test_get_contract_reports_the_master(db: Session) -> None:
    """has_master: a live master exists (a deleted one does not count, R-OPS-2a)."""
    contract = factories.make_contract(db)
    assert contracts.get_contract(db, contract.contract_no).has_master is False  # type: ignore[union-attr]
    master = factories.make_user(db, contract, role=UserRole.MASTER.value)
    assert contracts.get_contract(db, contract.contract_no).has_master is True  # type: ignore[union-attr]
    master.deleted_at = factories.NOW
    db.add(master)
    db.commit()
    assert contracts.get_contract(db, contract.contract_no).has_master is False  # type: ignore[union-attr]


def test_r_ops_2_set_initial_password(db: Session, clock: MovableClock) -> None:
    """R-OPS-2 "change the initial password": the new one verifies, the old one no longer
    does, the change is logged with the 受付番号 and without the password."""
    contract = factories.make_contract(db)
    version = contract.version
    clock.advance(timedelta(days=1))
    result = contracts.set_initial_password(
        db,
        contract_no=contract.contract_no,
        initial_password=PASSWORD,
        actor="operator:suzuki",
        clock=clock,
        ticket="R-0002",
    )
    assert result == Ok(None)
    db.expunge_all()
    stored = _contract(db, contract.contract_no)
    assert stored is not None and stored.initial_password_hash is not None
    assert passwords.verify_secret(stored.initial_password_hash, PASSWORD)
    assert not passwords.verify_secret(stored.initial_password_hash, factories.INITIAL_PASSWORD)
    assert stored.version == version + 1
    assert stored.updated_at == clock.now()
    entries = _log(db, oplog.chain_for(contract.contract_no))
    assert [(e.action, e.actor, e.detail) for e in entries] == [
        ("contract.set_initial_password", "operator:suzuki", '{"replaced":true,"ticket":"R-0002"}')
    ]
    assert _no_secret_anywhere(db, PASSWORD)


def test_r_ops_1_register_initial_password_later(db: Session, clock: MovableClock) -> None:
    """R-OPS-1: a contract created without one gets its initial password registered."""
    contract = factories.make_contract(db, initial_password=None)
    assert contracts.get_contract(db, contract.contract_no).initial_password_set is False  # type: ignore[union-attr]
    result = contracts.set_initial_password(
        db, contract_no=contract.contract_no, initial_password=PASSWORD, actor="cli", clock=clock
    )
    assert result == Ok(None)
    assert contracts.get_contract(db, contract.contract_no).initial_password_set is True  # type: ignore[union-attr]
    assert _log(db, oplog.chain_for(contract.contract_no))[0].detail == '{"replaced":false}'


@pytest.mark.parametrize(
    ("contract_no", "password", "code"),
    [
        ("1234", PASSWORD, "E-CONTRACT-NO-FORMAT"),
        (None, "short", "E-INITIAL-PASSWORD-FORMAT"),
        ("unknown", PASSWORD, "E-CONTRACT-NOT-FOUND"),
    ],
)
def test_r_ops_2_set_initial_password_refused(
    db: Session, clock: MovableClock, contract_no: str | None, password: str, code: str
) -> None:
    """Refusals change nothing and are logged in the system chain."""
    contract = factories.make_contract(db)
    own_no = contract.contract_no
    target = {
        None: own_no,
        "unknown": factories.next_contract_no(),
    }.get(contract_no, contract_no)
    assert target is not None
    before = contract.initial_password_hash
    watermark = _last_log_id(db)
    result = contracts.set_initial_password(
        db, contract_no=target, initial_password=password, actor="cli", clock=clock
    )
    assert isinstance(result, Err)
    assert result.code == code
    db.expunge_all()
    stored = _contract(db, own_no)
    assert stored is not None
    assert stored.initial_password_hash == before
    assert stored.version == 1
    failures = _system_failures(db, target, "contract.set_initial_password", after_id=watermark)
    assert len(failures) == 1
    assert _no_secret_anywhere(db, password)


def test_r_ops_2_unblock_contract(db: Session, clock: MovableClock) -> None:
    """R-OPS-2 "unblock a contract blocked by initial-password failures" (R-LOCK-3): counts,
    lock and block cleared; the initial password itself unchanged; before-state logged."""
    contract = factories.make_contract(
        db,
        initial_password_failure_count=4,
        initial_password_lock_count=3,
        initial_password_locked_until=factories.NOW + timedelta(minutes=60),
        initial_password_blocked=True,
    )
    password_hash = contract.initial_password_hash
    view = contracts.get_contract(db, contract.contract_no)
    assert view is not None
    assert (view.initial_password_blocked, view.initial_password_failures) == (True, 4)
    result = contracts.unblock_contract(
        db, contract_no=contract.contract_no, actor="cli", clock=clock, ticket="R-0003"
    )
    assert result == Ok(None)
    db.expunge_all()
    stored = _contract(db, contract.contract_no)
    assert stored is not None
    assert (
        stored.initial_password_failure_count,
        stored.initial_password_lock_count,
        stored.initial_password_locked_until,
        stored.initial_password_blocked,
        stored.initial_password_hash,
    ) == (0, 0, None, False, password_hash)
    entry = _log(db, oplog.chain_for(contract.contract_no))[-1]
    assert entry.action == "contract.unblock"
    assert '"before":{"blocked":true,"failure_count":4,"lock_count":3,' in (entry.detail or "")
    assert '"ticket":"R-0003"' in (entry.detail or "")


def test_r_ops_2_unblock_unknown_contract(db: Session, clock: MovableClock) -> None:
    """E-CONTRACT-NOT-FOUND, logged."""
    contract_no = factories.next_contract_no()
    result = contracts.unblock_contract(db, contract_no=contract_no, actor="cli", clock=clock)
    assert isinstance(result, Err)
    assert result.code == "E-CONTRACT-NOT-FOUND"
    assert len(_system_failures(db, contract_no, "contract.unblock")) == 1


def test_r_ops_2_concurrent_operator_commands_serialise(db_engine: Engine) -> None:
    """Two operator commands on one contract at once both apply, one after the other (row
    lock / SQLite write lock): the version moves by two and both entries chain."""
    with session_scope(bind=db_engine) as setup:
        contract_no = factories.make_contract(setup, initial_password_failure_count=2).contract_no
    results: list[object] = []
    barrier = threading.Barrier(2)
    later = MovableClock(factories.NOW + timedelta(hours=1))

    def set_password() -> None:
        with session_scope(bind=db_engine) as s:
            barrier.wait()
            results.append(
                contracts.set_initial_password(
                    s, contract_no=contract_no, initial_password=PASSWORD, actor="a", clock=later
                )
            )

    def unblock() -> None:
        with session_scope(bind=db_engine) as s:
            barrier.wait()
            results.append(
                contracts.unblock_contract(s, contract_no=contract_no, actor="b", clock=later)
            )

    threads = [threading.Thread(target=set_password), threading.Thread(target=unblock)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == [Ok(None), Ok(None)]
    with session_scope(bind=db_engine) as check:
        stored = _contract(check, contract_no)
        assert stored is not None
        assert stored.version == 3
        chain = oplog.chain_for(contract_no)
        assert sorted(e.action for e in _log(check, chain)) == [
            "contract.set_initial_password",
            "contract.unblock",
        ]
        assert oplog.verify_chain(check, chain) == []


def test_r_sec_1_initial_password_hashed_with_argon2id(db: Session, clock: MovableClock) -> None:
    """R-SEC-1 "Passwords are hashed with argon2id"; production parameters are the strong
    ones even though this suite hashes cheaply."""
    result = _create(db, clock)
    assert isinstance(result, Ok)
    stored = _contract(db, result.value.contract_no)
    assert stored is not None and stored.initial_password_hash is not None
    assert stored.initial_password_hash.startswith("$argon2id$")
    assert passwords.PRODUCTION.time_cost == 3
    assert passwords.PRODUCTION.memory_cost_kib == 64 * 1024
    assert passwords.DUMMY_HASH.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert passwords.verify_secret(None, PASSWORD) is False


def test_contract_count_unchanged_by_refusals(db: Session, clock: MovableClock) -> None:
    """A batch of refused creates adds no contract rows at all."""
    before = db.exec(select(func.count()).select_from(Contract)).one()
    refusals: list[dict[str, Any]] = [{"kind": "x"}, {"groups": []}, {"initial_password": "x"}]
    for bad in refusals:
        assert isinstance(_create(db, clock, **bad), Err)
    assert db.exec(select(func.count()).select_from(Contract)).one() == before
