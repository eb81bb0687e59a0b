"""Every procedure of the operator console (SPEC R-PLUS-6, R-OPS-7 "doing the same procedures
with confirmation dialogs"; R-OPS-1, R-OPS-2, R-OPS-2a, R-OPS-2b, R-OPS-4, R-OPS-5, R-OPS-6), on
SQLite and PostgreSQL.

The console's state handlers are called directly on a state tree built under pytest (DESIGN §3)
with the headers the certificate gate hands the app for the operator listener, and a real
console session of a real operator (certificate from the operator CA, argon2id password). Each
procedure is checked for its effect in the database, its audit entry with the 受付番号 in the
contract's chain (refusals: the system chain), its confirmation step (nothing happens without
the open dialog), and that the same frames without an operator session change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from reflex.istate.data import RouterData
from sqlmodel import Session, col, select

import pki
from chingin_app.domain.clock import SystemClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Ok
from chingin_app.models import (
    Certificate,
    Contract,
    OperationLog,
    PaymentGroup,
    User,
    UserRole,
)
from chingin_app.services import contracts, passwords
from chingin_app.services.cert_gate import H_CLIENT_IP, H_LISTENER, CertFacts
from chingin_app.services.operators import accounts
from chingin_app.services.operators import console as console_service
from chingin_app.settings import settings
from chingin_app.state.operator_console import PROCEDURE_TITLES, ConsoleContractsState
from tests import factories

CONSOLE_PW = "Op3rator!x"
P12_PW = "P12pass#9z"
NEW_INITIAL_PW = "Next#Pw2"


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    """The handlers open their own database sessions through the process settings."""
    return app_env


@dataclass(frozen=True)
class Operator:
    """A signed-in operator: what the gate says about their certificate, and the session."""

    login_id: str
    facts: CertFacts
    token: str

    @property
    def actor(self) -> str:
        return f"operator:{self.login_id}"


def _new_operator(db: Session) -> tuple[str, CertFacts]:
    login_id = "op" + factories.next_user_id("c")[-8:]
    created = accounts.create_operator(
        db, s=settings(), login_id=login_id, name="金庫 太郎", password=CONSOLE_PW,
        p12_password=P12_PW, actor="operator:admin", clock=SystemClock(),
    )
    assert isinstance(created, Ok), created
    _, cert, _ = pkcs12.load_key_and_certificates(created.value.p12, P12_PW.encode())
    assert cert is not None
    cn = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value
    assert cn == login_id
    return login_id, CertFacts("current", login_id, format(cert.serial_number, "x"),
                               pki.sha256_fingerprint(cert))


@pytest.fixture
def op(db: Session) -> Operator:
    """An operator signed in to the console through the operator listener (real clock: the
    handlers use the process clock)."""
    login_id, facts = _new_operator(db)
    signed = console_service.sign_in(db, listener="operator", facts=facts, password=CONSOLE_PW,
                               clock=SystemClock(), ip="10.0.0.5")
    assert isinstance(signed, Ok), signed
    db.commit()
    return Operator(login_id, facts, signed.value[0])


@dataclass(frozen=True)
class Org:
    """A contract with its master and one general user, each with a current certificate."""

    contract_no: str
    master_id: str
    general_id: str


def _org(db: Session, **contract: Any) -> Org:
    c = factories.make_contract(db, **contract)
    master = factories.make_user(db, c, role=UserRole.MASTER.value,
                                 user_id=factories.next_user_id("Mas"))
    general = factories.make_user(db, c, user_id=factories.next_user_id("Gen"))
    now = SystemClock().now()
    for user in (master, general):
        factories.make_certificate(db, user, issued_at=now)
    org = Org(c.contract_no, master.user_id, general.user_id)
    db.commit()
    return org


@pytest.fixture
def org(db: Session) -> Org:
    return _org(db)


def console(
    op: Operator | None, *, listener: str = "operator", facts: CertFacts | None = None,
    token: str | None = None,
) -> Any:
    """契約照会's state on a fresh tree, as the operator's browser tab would see it: the gate's
    headers for ``listener`` and the console session ``token`` (default: the operator's)."""
    root = rx.State()
    cert = facts or (op.facts if op else CertFacts("none"))
    headers = dict(cert.to_headers())
    headers[H_LISTENER] = listener
    headers[H_CLIENT_IP] = "10.0.0.5"
    root.router = RouterData.from_router_data({
        "token": f"tab-{op.login_id if op else 'none'}-{factories.next_user_id('t')}",
        "headers": headers,
        "pathname": "/operator/contracts",
        "query": {},
        "asPath": "/operator/contracts",
    })
    state = root.get_substate(ConsoleContractsState.get_full_name().split("."))
    state._op_token = token if token is not None else (op.token if op else "")
    return state


def run(events: Any) -> list[Any]:
    """Drive a generator handler to its end; what it yielded (redirects, downloads, None)."""
    return list(events)


def procedure(state: Any, action: str, form: dict[str, Any], contract_no: str = "") -> list[Any]:
    """照会 (when a contract is named) → the procedure's button → the confirmation dialog →
    実行 with ``form`` (which carries the 受付番号)."""
    if contract_no:
        assert state.select(contract_no) is None
        assert state.selected_no == contract_no
    assert state.open_dialog(action) is None
    assert (state.dialog_open, state.dialog_action) == (True, action)
    assert state.dialog_title == PROCEDURE_TITLES[action]
    return run(state.confirm(form))


def done(state: Any) -> None:
    """The procedure ran: no refusal, the dialog closed, the done text shown."""
    assert (state.errors, state.alert_text) == ({}, ""), state.alert_text
    assert not state.dialog_open
    assert state.done_text


def entries(db: Session, action: str, *, ticket: str | None = None,
            contract_no: str | None = None) -> list[OperationLog]:
    """The entries of ``action`` (the database is shared by the tests of a run: narrow them
    down by 受付番号 or contract)."""
    db.expire_all()
    query = select(OperationLog).where(OperationLog.action == action)
    if contract_no is not None:
        query = query.where(OperationLog.contract_no == contract_no)
    rows = list(db.exec(query.order_by(col(OperationLog.id))))
    db.commit()
    if ticket is not None:
        rows = [r for r in rows if f'"ticket":"{ticket}"' in (r.detail or "")]
    return rows


def audited(db: Session, op: Operator, action: str, ticket: str, contract_no: str) -> OperationLog:
    """The one success entry of ``action`` with the 受付番号, in the contract's chain, by the
    operator (R-OPS-2 "Each leaves an audit entry", R-OPS-2a "records the 依頼書's 受付番号")."""
    [entry] = entries(db, action, ticket=ticket)
    assert (entry.result, entry.actor, entry.actor_kind, entry.chain, entry.contract_no) == (
        "success", op.actor, "operator", f"contract:{contract_no}", contract_no
    )
    return entry


def contract_row(db: Session, contract_no: str) -> Contract:
    db.expire_all()
    row = db.exec(select(Contract).where(Contract.contract_no == contract_no)).one()
    db.commit()
    return row


def user_row(db: Session, user_id: str) -> User:
    db.expire_all()
    row = db.exec(select(User).where(User.user_id == user_id)).one()
    db.commit()
    return row


def cert_status(db: Session, user_id: str) -> str:
    db.expire_all()
    row = db.exec(
        select(Certificate).join(User, col(User.id) == col(Certificate.user_pk))
        .where(User.user_id == user_id).order_by(col(Certificate.id).desc())
    ).first()
    db.commit()
    assert row is not None
    return row.status


def refused_without_session(state: Any, action: str, form: dict[str, Any],
                            contract_no: str = "") -> None:
    """A crafted sequence of the procedure's frames from a tab without a usable console
    session: every handler answers with the sign-in page and shows nothing."""
    if contract_no:
        assert "/operator" in str(state.select(contract_no))
        assert state.selected_no == ""
    assert "/operator" in str(state.open_dialog(action))
    assert not state.dialog_open
    state.dialog_action, state.dialog_open = action, True  # even a forged dialog state
    state.selected = {"contract_no": contract_no} if contract_no else {}
    yielded = run(state.confirm(form))
    assert any("/operator" in str(e) for e in yielded if e is not None), yielded
    assert state.done_text == ""


# ---------------------------------------------------------------------------- each procedure


def test_r_ops_1_console_creates_a_contract(db: Session, op: Operator) -> None:
    """R-OPS-1 / R-PLUS-6: 契約の登録 with services, groups and the initial password; the entry
    in the new contract's chain carries the 受付番号 and never the password. Without a console
    session the same frames create nothing."""
    number = factories.next_contract_no()
    form = {"contract_no": number, "name": "コンソール労働組合", "kind": "member",
            "services": "rokin,ledger", "groups": "001:本社\n002:支店",
            "initial_password": NEW_INITIAL_PW, "ticket": "C-1"}
    refused_without_session(console(None), "create", form)
    assert contracts.get_contract(db, number) is None
    db.commit()

    state = console(op)
    procedure(state, "create", form)
    done(state)
    assert state.selected_no == number
    row = contract_row(db, number)
    assert (row.name, row.services, row.status) == ("コンソール労働組合", "rokin,ledger", "active")
    assert passwords.verify_secret(row.initial_password_hash, NEW_INITIAL_PW)
    entry = audited(db, op, contracts.ACTION_CREATE, "C-1", number)
    assert NEW_INITIAL_PW not in (entry.detail or "")


def test_r_ops_1_console_notice_download(db: Session, op: Operator, org: Org) -> None:
    """R-OPS-1 "print ご利用開始（変更）のお知らせ", R-OPS-2 "reissue the お知らせ": the PDF is
    downloaded and the reissue is audited with its 受付番号; without a session, no PDF."""
    crafted = console(None)
    refused_without_session(crafted, "notice", {"ticket": "N-0"}, org.contract_no)
    assert entries(db, "contract.notice", contract_no=org.contract_no) == []

    state = console(op)
    yielded = procedure(state, "notice", {"ticket": "N-1", "change": "on"}, org.contract_no)
    done(state)
    downloads = [str(e) for e in yielded if e is not None and "download" in str(e).lower()]
    assert len(downloads) == 1 and f"notice-{org.contract_no}.pdf" in downloads[0]
    entry = audited(db, op, "contract.notice", "N-1", org.contract_no)
    assert '"change":true' in (entry.detail or "")


def test_r_ops_2_console_changes_the_initial_password(db: Session, op: Operator,
                                                      org: Org) -> None:
    """R-OPS-2 "change the initial password": the new one works, the old one not; the entry
    has the 受付番号 and no password; without a session nothing changes."""
    refused_without_session(console(None), "set_initial_password",
                            {"initial_password": NEW_INITIAL_PW, "ticket": "P-0"},
                            org.contract_no)
    assert passwords.verify_secret(contract_row(db, org.contract_no).initial_password_hash,
                                   factories.INITIAL_PASSWORD)

    state = console(op)
    procedure(state, "set_initial_password",
              {"initial_password": NEW_INITIAL_PW, "ticket": "P-1"}, org.contract_no)
    done(state)
    row = contract_row(db, org.contract_no)
    assert passwords.verify_secret(row.initial_password_hash, NEW_INITIAL_PW)
    assert not passwords.verify_secret(row.initial_password_hash, factories.INITIAL_PASSWORD)
    entry = audited(db, op, contracts.ACTION_SET_INITIAL_PASSWORD, "P-1", org.contract_no)
    assert NEW_INITIAL_PW not in (entry.detail or "")


def test_r_ops_2_console_unblocks_the_contract(db: Session, op: Operator) -> None:
    """R-OPS-2 "unblock a contract blocked by initial-password failures": block and counters
    cleared, audited with the 受付番号; without a session it stays blocked."""
    org = _org(db, initial_password_blocked=True, initial_password_failure_count=6,
               initial_password_lock_count=3)
    refused_without_session(console(None), "unblock_contract", {"ticket": "U-0"},
                            org.contract_no)
    assert contract_row(db, org.contract_no).initial_password_blocked

    state = console(op)
    procedure(state, "unblock_contract", {"ticket": "U-1"}, org.contract_no)
    done(state)
    assert state.selected["initial_password"] == "登録済み"
    row = contract_row(db, org.contract_no)
    assert (row.initial_password_blocked, row.initial_password_failure_count,
            row.initial_password_lock_count) == (False, 0, 0)
    audited(db, op, contracts.ACTION_UNBLOCK, "U-1", org.contract_no)


def test_r_ops_2a_console_initialises_the_master(db: Session, op: Operator, org: Org) -> None:
    """R-OPS-2a: マスターユーザーの初期化 revokes the master's certificate and marks them deleted
    (the ID stays reserved); the general user and their certificate are untouched; audited with
    the 受付番号 and the master as target. Without a session nothing changes."""
    refused_without_session(console(None), "init_master", {"ticket": "M-0"}, org.contract_no)
    assert user_row(db, org.master_id).deleted_at is None

    state = console(op)
    procedure(state, "init_master", {"ticket": "M-1"}, org.contract_no)
    done(state)
    assert state.selected["master"] == "未登録"
    assert user_row(db, org.master_id).deleted_at is not None
    assert cert_status(db, org.master_id) == "revoked"
    assert user_row(db, org.general_id).deleted_at is None
    assert cert_status(db, org.general_id) == "current"
    entry = audited(db, op, "user.init_master", "M-1", org.contract_no)
    assert entry.target == org.master_id


def test_r_ops_2b_console_unblocks_a_user(db: Session, op: Operator) -> None:
    """R-OPS-2b: ユーザーの閉塞解除 clears the lock, the lock count and the failure counts and
    keeps the password; audited with the 受付番号. A user of another contract is refused at the
    field (logged in the system chain) and stays blocked; without a session nothing changes."""
    org = _org(db)
    other = _org(db)
    for user_id in (org.general_id, other.general_id):
        with_block = user_row(db, user_id)
        with_block.blocked, with_block.lock_count, with_block.failure_count = True, 3, 6
        db.add(with_block)
        db.commit()
    refused_without_session(console(None), "user_unblock",
                            {"user_id": org.general_id, "ticket": "B-0"}, org.contract_no)
    assert user_row(db, org.general_id).blocked

    state = console(op)
    procedure(state, "user_unblock", {"user_id": other.general_id, "ticket": "B-X"},
              org.contract_no)
    assert state.dialog_open and state.done_text == ""
    assert state.errors == {"user_id": message("E-OP-USER-OTHER-CONTRACT")}
    assert user_row(db, other.general_id).blocked
    [refusal] = entries(db, "user.unblock", ticket="B-X")
    assert (refusal.chain, refusal.result, refusal.actor) == ("system", "failure", op.actor)

    run(state.confirm({"user_id": org.general_id, "ticket": "B-1"}))
    done(state)
    row = user_row(db, org.general_id)
    assert (row.blocked, row.lock_count, row.failure_count) == (False, 0, 0)
    assert passwords.verify_secret(row.password_hash, factories.PASSWORD)
    audited(db, op, "user.unblock", "B-1", org.contract_no)


def test_r_ops_2_console_revokes_a_certificate(db: Session, op: Operator, org: Org) -> None:
    """R-OPS-2 "revoke a user's certificate" (R-CERT-7): revoked with the reason, audited with
    the 受付番号; another contract's user is refused; without a session nothing changes."""
    other = _org(db)
    refused_without_session(console(None), "cert_revoke",
                            {"user_id": org.general_id, "reason": "lost", "ticket": "R-0"},
                            org.contract_no)
    assert cert_status(db, org.general_id) == "current"

    state = console(op)
    procedure(state, "cert_revoke",
              {"user_id": other.general_id, "reason": "lost", "ticket": "R-X"}, org.contract_no)
    assert state.errors == {"user_id": message("E-OP-USER-OTHER-CONTRACT")}
    assert cert_status(db, other.general_id) == "current"

    run(state.confirm({"user_id": org.general_id, "reason": "lost", "ticket": "R-1"}))
    done(state)
    assert cert_status(db, org.general_id) == "revoked"
    assert cert_status(db, org.master_id) == "current"
    entry = audited(db, op, "certificate.revoke", "R-1", org.contract_no)
    assert entry.target == org.general_id
    assert {row["user_id"]: row["certificate"] for row in state.user_rows}[
        org.general_id] == "失効"


def test_r_ops_5_console_changes_the_contract(db: Session, op: Operator, org: Org) -> None:
    """R-OPS-5: rename, replace the services, add a payment group; audited with the 受付番号;
    without a session nothing changes."""
    form = {"name": "変更後労働組合", "services": "rokin", "add_groups": "002:支店",
            "remove_groups": "", "ticket": "K-1"}
    refused_without_session(console(None), "change", {**form, "ticket": "K-0"},
                            org.contract_no)
    assert contract_row(db, org.contract_no).name == "テスト労働組合"

    state = console(op)
    procedure(state, "change", form, org.contract_no)
    done(state)
    row = contract_row(db, org.contract_no)
    assert (row.name, row.services) == ("変更後労働組合", "rokin")
    groups = db.exec(select(PaymentGroup.number).where(PaymentGroup.contract_id == row.id)).all()
    db.commit()
    assert sorted(groups) == ["001", "002"]
    assert state.groups == ["001：本社", "002：支店"]
    audited(db, op, contracts.ACTION_CHANGE, "K-1", org.contract_no)


def test_r_ops_6_console_suspends_resumes_and_terminates(db: Session, op: Operator,
                                                         org: Org) -> None:
    """R-OPS-6: 一時停止 → 再開 → 解約 (which revokes every certificate), each audited with its
    受付番号; a refused procedure (再開 of a terminated contract) shows the message, changes
    nothing and is logged in the system chain; without a session nothing changes."""
    refused_without_session(console(None), "suspend", {"ticket": "S-0"}, org.contract_no)
    refused_without_session(console(None), "terminate", {"ticket": "T-0"}, org.contract_no)
    assert contract_row(db, org.contract_no).status == "active"

    state = console(op)
    procedure(state, "suspend", {"ticket": "S-1"}, org.contract_no)
    done(state)
    assert contract_row(db, org.contract_no).status == "suspended"
    assert state.selected["status"] == "一時停止中"
    audited(db, op, contracts.ACTION_SUSPEND, "S-1", org.contract_no)

    procedure(state, "resume", {"ticket": "S-2"})
    done(state)
    assert contract_row(db, org.contract_no).status == "active"
    audited(db, op, contracts.ACTION_RESUME, "S-2", org.contract_no)

    procedure(state, "terminate", {"ticket": "T-1"})
    done(state)
    assert contract_row(db, org.contract_no).status == "terminated"
    assert cert_status(db, org.master_id) == cert_status(db, org.general_id) == "revoked"
    audited(db, op, contracts.ACTION_TERMINATE, "T-1", org.contract_no)

    procedure(state, "resume", {"ticket": "S-3"})
    assert state.alert_text and state.dialog_open and state.done_text == ""
    assert contract_row(db, org.contract_no).status == "terminated"
    [refusal] = entries(db, contracts.ACTION_RESUME, ticket="S-3")
    assert (refusal.chain, refusal.result) == ("system", "failure")


def test_r_ops_4_console_runs_the_scheduled_jobs(db: Session, op: Operator) -> None:
    """R-OPS-4: 定期処理の実行 runs the jobs (the CRLs are written) and is logged in the system
    chain with the operator and the 受付番号; without a session nothing runs."""
    crl = settings().pki_dir / "issuing.crl.pem"
    refused_without_session(console(None), "jobs", {"ticket": "J-0"})
    assert entries(db, "jobs.run", ticket="J-0") == []
    assert not crl.exists()

    state = console(op)
    procedure(state, "jobs", {"ticket": "J-1"})
    done(state)
    assert crl.exists()
    [entry] = entries(db, "jobs.run", ticket="J-1")
    assert (entry.chain, entry.actor, entry.actor_kind) == ("system", op.actor, "operator")


# ---------------------------------------------------------------------------- the confirmation


def test_r_plus_6_nothing_runs_without_the_confirmation_dialog(
    db: Session, op: Operator, org: Org
) -> None:
    """R-OPS-7 "with confirmation dialogs": 実行 does nothing unless the procedure's dialog is
    open (a crafted confirm frame, or one sent after キャンセル); 実行 without a 受付番号 is
    refused at the field; selecting another contract cancels an open dialog, so a procedure
    never runs on a contract other than the one its dialog named."""
    other = _org(db)
    state = console(op)
    assert state.select(org.contract_no) is None
    run(state.confirm({"ticket": "X-0"}))  # no dialog was ever opened
    assert state.done_text == ""

    assert state.open_dialog("suspend") is None
    state.close_dialog()
    assert (state.dialog_open, state.dialog_action) == (False, "")
    run(state.confirm({"ticket": "X-1"}))  # after キャンセル
    assert contract_row(db, org.contract_no).status == "active"

    assert state.open_dialog("suspend") is None
    run(state.confirm({"ticket": " "}))
    assert state.errors == {"ticket": message("E-FIELD-REQUIRED", label="受付番号")}
    assert state.dialog_open
    assert contract_row(db, org.contract_no).status == "active"

    assert state.select(other.contract_no) is None
    assert not state.dialog_open
    run(state.confirm({"ticket": "X-2"}))
    assert contract_row(db, org.contract_no).status == "active"
    assert contract_row(db, other.contract_no).status == "active"
    for number in (org.contract_no, other.contract_no):
        assert entries(db, contracts.ACTION_SUSPEND, contract_no=number) == []

    assert state.open_dialog("no_such_procedure") is None
    assert not state.dialog_open


@pytest.mark.parametrize("how", ["public-listener", "other-certificate", "signed-out"])
def test_r_ops_7_crafted_frames_without_the_operator_session_change_nothing(
    db: Session, op: Operator, org: Org, how: str
) -> None:
    """R-OPS-7 / R-SEC-1: the operator's session token replayed over the public listener, with
    another operator's certificate, or after サインアウト gets nothing: no contract shown, no
    suspension, no entry."""
    if how == "public-listener":
        state = console(op, listener="public")
    elif how == "other-certificate":
        _, facts = _new_operator(db)
        db.commit()
        state = console(op, facts=facts)
    else:
        console(op).sign_out()
        state = console(op)
    refused_without_session(state, "suspend", {"ticket": "F-1"}, org.contract_no)
    assert state.results == []
    assert contract_row(db, org.contract_no).status == "active"
    assert entries(db, contracts.ACTION_SUSPEND, contract_no=org.contract_no) == []


def test_r_ops_7_every_console_procedure_is_tested() -> None:
    """Every procedure the console offers has its test above (a new one needs one too)."""
    tested = {"create", "notice", "set_initial_password", "unblock_contract", "init_master",
              "user_unblock", "cert_revoke", "change", "suspend", "resume", "terminate", "jobs"}
    assert set(PROCEDURE_TITLES) == tested
