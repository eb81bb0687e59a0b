"""Demo contracts are flagged as demo; start-up never touches a contract that is not (SPEC
R-DEP-1: "A contract is only ever changed by the operator commands, never by start-up")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, text
from sqlmodel import select

from chingin_app.db import alembic_config, make_engine, session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Ok
from chingin_app.models import Contract, Employee
from chingin_app.runtime import demo, demo_zaikei
from chingin_app.services import contracts, passwords
from tests.integration.production_support import fresh_database, production_env, use_env

OPERATOR_PASSWORD = "Op3rat#r"


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A database of its own: the demo numbers are fixed, the shared test database has them."""
    for url in fresh_database(request.param, tmp_path):
        env = production_env(tmp_path, database_url=url)
        env["CHINGIN_ENV"] = "demo"
        use_env(monkeypatch, env)
        yield url


def _contract(contract_no: str) -> Contract:
    with session_scope(read_only=True) as db:
        found = db.exec(select(Contract).where(Contract.contract_no == contract_no)).one()
    return found


def _employees(contract_id: int | None) -> int:
    with session_scope(read_only=True) as db:
        return int(db.exec(
            select(func.count()).select_from(Employee).where(Employee.contract_id == contract_id)
        ).one())


def test_r_dep_1_start_up_never_touches_an_operators_contract_with_a_demo_number(
    demo_db: str, clock: MovableClock
) -> None:
    """An operator made 12345678 before the first demo start: it keeps its initial password
    and gets no demo data; the other demo contract is made and flagged as demo."""
    command.upgrade(alembic_config(demo_db), "head")
    with session_scope() as db:
        made = contracts.create_contract(
            db, contract_no=demo.DEMO_CONTRACT_NO, name="本物の労働組合", kind="member",
            services="rokin", groups=["001:本社"], initial_password=OPERATOR_PASSWORD,
            actor="operator:alice", clock=clock,
        )
    assert isinstance(made, Ok)
    before = _contract(demo.DEMO_CONTRACT_NO)
    for _ in range(2):  # every start
        info = demo.load_demo(clock=clock)
        assert info.taken and info.initial_password is None
        assert info.employer is not None and not info.employer.taken
    after = _contract(demo.DEMO_CONTRACT_NO)
    assert not after.is_demo
    assert after.initial_password_hash == before.initial_password_hash
    assert after.initial_password_hash is not None
    assert passwords.verify_secret(after.initial_password_hash, OPERATOR_PASSWORD)
    assert after.name == "本物の労働組合" and after.updated_at == before.updated_at
    assert _employees(after.id) == 0
    assert _contract(demo_zaikei.EMPLOYER_CONTRACT_NO).is_demo
    assert "通常の契約" in demo.shown_password(info)


def test_r_dep_1_demo_contracts_are_flagged_and_refreshed_while_unregistered(
    demo_db: str, clock: MovableClock
) -> None:
    """The demo's own contracts carry the flag; while no master has registered, each start
    gives a fresh initial password (as before)."""
    command.upgrade(alembic_config(demo_db), "head")
    first = demo.load_demo(clock=clock)
    second = demo.load_demo(clock=clock)
    assert _contract(demo.DEMO_CONTRACT_NO).is_demo
    assert first.initial_password and second.initial_password
    assert first.initial_password != second.initial_password
    # the 労金控除 organisation's 300 plus the ledger's five-digit part-timer, loaded once
    assert _employees(_contract(demo.DEMO_CONTRACT_NO).id) == 300 + 1


def test_r_dep_1_migration_0008_flags_only_contracts_the_demo_loader_made(demo_db: str) -> None:
    """An existing install: the contract whose creation the demo loader logged is flagged; one
    an operator created with the other demo number is not."""
    command.upgrade(alembic_config(demo_db), "0007")
    now = datetime(2026, 4, 1, tzinfo=UTC)
    eng = make_engine(demo_db)
    try:
        with eng.begin() as conn:
            for number, actor in ((demo.DEMO_CONTRACT_NO, "operator:demo"),
                                  (demo_zaikei.EMPLOYER_CONTRACT_NO, "operator:alice")):
                conn.execute(text(
                    "INSERT INTO contracts (contract_no, name, kind, services, status,"
                    " initial_password_failure_count, initial_password_lock_count,"
                    " initial_password_blocked, created_at, updated_at, version)"
                    " VALUES (:n, 'x', 'member', 'rokin', 'active', 0, 0, :f, :t, :t, 1)"
                ), {"n": number, "f": False, "t": now})
                conn.execute(text(
                    "INSERT INTO operation_log (chain, seq, prev_hash, entry_hash, at,"
                    " contract_no, actor_kind, actor, action, result)"
                    " VALUES (:c, 1, '', '', :t, :n, 'operator', :a, 'contract.create',"
                    " 'success')"
                ), {"c": f"contract:{number}", "t": now, "n": number, "a": actor})
    finally:
        eng.dispose()
    command.upgrade(alembic_config(demo_db), "head")
    assert _contract(demo.DEMO_CONTRACT_NO).is_demo
    assert not _contract(demo_zaikei.EMPLOYER_CONTRACT_NO).is_demo
