"""`chingin user unblock` and `chingin user init-master` end to end through `main([...])`, on
SQLite and PostgreSQL (SPEC R-OPS-2, R-OPS-2a, R-OPS-2b; DESIGN §2)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chingin_app.cli import main
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    Certificate,
    Contract,
    LoginSession,
    OperationLog,
    User,
    UserRole,
)
from chingin_app.services import login, passwords, registration, sessions, user_procedures
from tests import factories
from tests.integration.test_login import facts_for, make_login, ok_login
from tests.integration.test_registration import form, fresh_ip


@dataclass
class Cli:
    """Runs `chingin` in-process as one operator, with captured output."""

    capsys: pytest.CaptureFixture[str]
    engine: Engine
    db: Session
    operator: str

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        # Reading the arguments may have opened a transaction on the test's session (on
        # SQLite: the write lock); end it before the command runs.
        self.db.commit()
        self.capsys.readouterr()
        status = main(["--operator", self.operator, *argv])
        out, err = self.capsys.readouterr()
        return status, out, err

    def entries(self) -> list[OperationLog]:
        self.db.commit()
        with Session(self.engine) as db:
            return list(
                db.exec(
                    select(OperationLog)
                    .where(OperationLog.actor == f"operator:{self.operator}")
                    .order_by(col(OperationLog.id))
                ).all()
            )


@pytest.fixture
def cli(
    app_env: Path, db_engine: Engine, db: Session, capsys: pytest.CaptureFixture[str]
) -> Cli:
    return Cli(capsys, db_engine, db, f"op{random.SystemRandom().randrange(10**9):09d}")


def _fresh(db: Session, model: type[User] | type[Contract] | type[Certificate], pk: int | None):
    db.expire_all()
    row = db.get(model, pk)
    db.commit()
    return row


# ---------------------------------------------------------------------------- unblock


def test_r_ops_2b_unblock_clears_lock_and_counts_keeps_password(
    cli: Cli, db: Session, clock: MovableClock
) -> None:
    """R-OPS-2b "`chingin user unblock ID` clears the lock, the lock count and the failure
    counts; it does not change the password"."""
    who = make_login(db)
    user = who.user
    for name, value in {
        "failure_count": 3, "locked_until": clock.now() + timedelta(minutes=30),
        "lock_count": 3, "blocked": True, "issuance_failure_count": 4,
        "issuance_locked_until": clock.now() + timedelta(minutes=30),
    }.items():
        setattr(user, name, value)
    db.add(user)
    db.commit()
    password_hash = user.password_hash
    assert login.login(db, facts=who.facts, password=factories.PASSWORD, clock=clock,
                       ip=None) == Err("MSG-BLOCKED")

    status, out, err = cli("user", "unblock", user.user_id, "--ticket", "R-0042")
    assert (status, err) == (0, "")
    assert f"ユーザー {user.user_id} のロック・閉塞を解除しました" in out
    fresh = _fresh(db, User, user.id)
    assert (fresh.failure_count, fresh.locked_until, fresh.lock_count, fresh.blocked) == (
        0, None, 0, False
    )
    assert (fresh.issuance_failure_count, fresh.issuance_locked_until) == (0, None)
    assert fresh.password_hash == password_hash
    assert isinstance(
        login.login(db, facts=who.facts, password=factories.PASSWORD, clock=clock, ip=None), Ok
    )
    [entry] = cli.entries()
    assert (entry.action, entry.result, entry.target, entry.contract_no) == (
        user_procedures.ACTION_UNBLOCK, "success", user.user_id, who.contract.contract_no
    )
    assert '"ticket":"R-0042"' in (entry.detail or "")


def test_r_ops_2b_unblock_refusals(cli: Cli, db: Session, clock: MovableClock) -> None:
    """R-OPS-2 "Each leaves an audit entry": an unknown, deleted or differently-cased ID is
    refused (exit 1), a malformed one is bad input (exit 2); nothing changes."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract, user_id=factories.next_user_id("Case"),
                               failure_count=2)
    gone = factories.make_user(db, contract, deleted_at=clock.now())
    cases = [
        (factories.next_user_id("nobody"), 1, "E-USER-NOT-FOUND"),
        (user.user_id.swapcase(), 1, "E-USER-NOT-FOUND"),
        (gone.user_id, 1, "E-USER-DELETED"),
        ("ab", 2, "E-USER-ID-FORMAT"),
    ]
    for user_id, expected, code in cases:
        status, out, err = cli("user", "unblock", user_id)
        assert (status, out) == (expected, "")
        assert message(code) in err
    assert [(e.action, e.result) for e in cli.entries()] == [(user_procedures.ACTION_UNBLOCK,
                                                              "failure")] * 4
    assert _fresh(db, User, user.id).failure_count == 2


# ---------------------------------------------------------------------------- init-master


def test_r_ops_2a_init_master(
    cli: Cli, app_env: Path, db: Session, clock: MovableClock
) -> None:
    """R-OPS-2a "Initialising the master revokes the master's certificate and ends their
    sessions, marks the user deleted (the ID stays reserved), keeps general users, their
    certificates and restrictions …, clears the contract's initial-password failures, and
    re-opens マスターユーザーの初期登録 with the same 契約番号 and 初期パスワード. General users
    keep working meanwhile"."""
    master = make_login(db, groups=(("001", "本社"), ("002", "支社")))
    contract = master.contract
    general = factories.make_user(db, contract, role=UserRole.GENERAL.value)
    general_cert = factories.make_certificate(db, general)
    general_facts = facts_for(general_cert)
    master_token = ok_login(db, master, clock).session_token
    general_token = login.login(
        db, facts=general_facts, password=factories.PASSWORD, clock=clock, ip=None
    )
    assert isinstance(general_token, Ok)
    contract.initial_password_failure_count = 4
    contract.initial_password_lock_count = 2
    contract.initial_password_blocked = True
    db.add(contract)
    db.commit()

    status, out, err = cli("user", "init-master", "--contract", contract.contract_no,
                           "--ticket", "R-0043")
    assert (status, err) == (0, "")
    assert master.user.user_id in out

    gone = _fresh(db, User, master.user.id)
    assert gone.deleted_at is not None and gone.role == "master"
    cert = _fresh(db, Certificate, master.cert.id)
    assert (cert.status, cert.revocation_reason) == ("revoked", "affiliationChanged")
    assert sessions.check(db, token=master_token, facts=master.facts, clock=clock,
                          touch=True) == Err("MSG-CERT-REVOKED")
    assert login.identify(db, facts=master.facts, clock=clock) == Err("MSG-CERT-REVOKED")
    # General users keep working, with their certificate.
    assert isinstance(
        sessions.check(db, token=general_token.value.session_token, facts=general_facts,
                       clock=clock, touch=True),
        Ok,
    )
    assert _fresh(db, Certificate, general_cert.id).status == "current"
    assert _fresh(db, User, general.id).deleted_at is None
    # The contract's initial-password failures are cleared.
    row = _fresh(db, Contract, contract.id)
    assert (row.initial_password_failure_count, row.initial_password_lock_count,
            row.initial_password_blocked) == (0, 0, False)
    # The CRL was published with the master's serial (R-CERT-7).
    crl = x509.load_pem_x509_crl((app_env / "pki" / "issuing.crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(master.cert.serial_hex, 16))
    # Registration re-opens; the old ID stays reserved.
    result = registration.verify_initial_password(
        db, contract_no=contract.contract_no, initial_password=factories.INITIAL_PASSWORD,
        clock=clock, ip=fresh_ip(),
    )
    assert isinstance(result, Ok) and not result.value.correction_only
    grant = result.value
    register = registration.register_master
    assert register(db, grant=grant, form=form(master.user.user_id), clock=clock,
                    ip=None) == Err("MSG-ID-TAKEN", "user_id")
    new_master = form()
    assert register(db, grant=grant, form=new_master, clock=clock, ip=None) == Ok(
        new_master.user_id
    )
    open_sessions = db.exec(
        select(LoginSession).where(
            LoginSession.user_pk == master.user.id, col(LoginSession.ended_at).is_(None)
        )
    ).all()
    assert open_sessions == []
    [entry] = [e for e in cli.entries() if e.action == user_procedures.ACTION_INIT_MASTER]
    assert (entry.result, entry.target, entry.contract_no) == (
        "success", master.user.user_id, contract.contract_no
    )
    assert '"ticket":"R-0043"' in (entry.detail or "")
    assert passwords.verify_secret(gone.password_hash, factories.PASSWORD)  # nothing erased


def test_r_ops_2a_init_master_without_certificate(cli: Cli, db: Session) -> None:
    """A master who never had a certificate is initialised too (nothing to revoke)."""
    contract = factories.make_contract(db)
    master = factories.make_user(db, contract, role=UserRole.MASTER.value)
    status, _, err = cli("user", "init-master", "--contract", contract.contract_no)
    assert (status, err) == (0, "")
    assert _fresh(db, User, master.id).deleted_at is not None
    [entry] = cli.entries()
    assert '"revoked_serial":null' in (entry.detail or "")


def test_r_ops_2a_init_master_refusals(cli: Cli, db: Session) -> None:
    """No master, no such contract (exit 1) and a malformed number (exit 2) change nothing."""
    empty = factories.make_contract(db)
    cases = [
        (empty.contract_no, 1, "E-MASTER-NOT-FOUND"),
        (factories.next_contract_no(), 1, "E-CONTRACT-NOT-FOUND"),
        ("1234", 2, "E-CONTRACT-NO-FORMAT"),
    ]
    for number, expected, code in cases:
        status, out, err = cli("user", "init-master", "--contract", number)
        assert (status, out) == (expected, "")
        assert message(code) in err
    assert [(e.action, e.result) for e in cli.entries()] == [
        (user_procedures.ACTION_INIT_MASTER, "failure")
    ] * 3
