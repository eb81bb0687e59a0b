"""Contract changes, suspension, resumption and termination (SPEC R-OPS-5, R-OPS-6), on SQLite
and PostgreSQL: each use case commits with an audit entry carrying the 受付番号, and each
refusal changes nothing and is logged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from sqlmodel import Session, col, select

import pki
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    Certificate,
    Contract,
    LoginSession,
    OperationLog,
    PaymentGroup,
    UserRole,
)
from chingin_app.services import contracts, login, sessions
from chingin_app.services.certs import ca
from chingin_app.settings import settings
from tests import factories
from tests.integration.test_login import Login, facts_for, make_login
from tests.support.pki_testing import shared_hierarchy

TICKET = "U-2026-0007"


@pytest.fixture
def ca_ready(app_env: Path) -> Iterator[None]:
    s = settings()
    pki.save_hierarchy(shared_hierarchy(), s.pki_dir, passphrase=ca.ensure_passphrase(s))
    ca.hierarchy.cache_clear()
    yield
    ca.hierarchy.cache_clear()


def _contract(db: Session, contract_no: str) -> Contract:
    db.expire_all()
    row = db.exec(select(Contract).where(Contract.contract_no == contract_no)).one()
    db.commit()
    return row


def _groups(db: Session, contract: Contract) -> list[tuple[str, str]]:
    rows = db.exec(
        select(PaymentGroup.number, PaymentGroup.name)
        .where(PaymentGroup.contract_id == contract.id)
        .order_by(col(PaymentGroup.number))
    ).all()
    db.commit()
    return [(n, name) for n, name in rows]


def _entries(db: Session, *, action: str, target: str) -> list[OperationLog]:
    db.expire_all()
    rows = db.exec(
        select(OperationLog)
        .where(OperationLog.action == action, OperationLog.target == target)
        .order_by(col(OperationLog.id))
    ).all()
    db.commit()
    return list(rows)


def _session(db: Session, who: Login, clock: MovableClock, group_no: str | None = None) -> str:
    group_id = None
    if group_no is not None:
        group_id = db.exec(
            select(PaymentGroup.id).where(
                PaymentGroup.contract_id == who.contract.id, PaymentGroup.number == group_no
            )
        ).one()
    assert who.user.id is not None and who.contract.id is not None
    token = sessions.open_session(
        db,
        user_pk=who.user.id,
        contract_id=who.contract.id,
        cert_serial=who.cert.serial_hex,
        payment_group_id=group_id,
        now=clock.now(),
    )
    db.commit()
    return token


def _check(db: Session, who: Login, token: str, clock: MovableClock) -> Ok[Any] | Err:
    return sessions.check(db, token=token, facts=who.facts, clock=clock, touch=True)


def _change(db: Session, clock: MovableClock, contract_no: str, **kw: Any) -> Ok[Any] | Err:
    fields: dict[str, Any] = {
        "name": None,
        "services": None,
        "add_groups": [],
        "remove_groups": [],
        "actor": "tester",
        "clock": clock,
        "ticket": TICKET,
    }
    fields.update(kw)
    return contracts.change_contract(db, contract_no=contract_no, **fields)


# ---------------------------------------------------------------------------- R-OPS-5


def test_r_ops_5_change_renames_services_and_groups(db: Session, clock: MovableClock) -> None:
    """R-OPS-5 "add or remove services, 財形 options and payment groups, rename"."""
    contract = factories.make_contract(
        db, services="rokin,ledger", groups=(("001", "本社"), ("002", "大阪支社"))
    )
    no = contract.contract_no
    result = _change(
        db,
        clock,
        no,
        name="ろうきん商事労働組合",
        services="rokin,batch",
        add_groups=["003:福岡支社"],
        remove_groups=["002"],
    )
    assert isinstance(result, Ok), result
    view = result.value
    assert (view.name, view.services) == ("ろうきん商事労働組合", ("rokin", "batch"))
    assert view.groups == (("001", "本社"), ("003", "福岡支社"))
    fresh = _contract(db, no)
    assert (fresh.name, fresh.services, fresh.updated_at) == (
        "ろうきん商事労働組合",
        "rokin,batch",
        clock.now(),
    )
    assert _groups(db, fresh) == [("001", "本社"), ("003", "福岡支社")]
    [entry] = _entries(db, action=contracts.ACTION_CHANGE, target=no)
    assert (entry.chain, entry.result, entry.contract_no, entry.actor) == (
        f"contract:{no}",
        "success",
        no,
        "operator:tester",
    )
    detail = entry.detail or ""
    assert TICKET in detail and "テスト労働組合" in detail and "ledger" in detail
    assert "003:福岡支社" in detail and "002:大阪支社" in detail


def test_r_ops_5_employer_zaikei_options(db: Session, clock: MovableClock) -> None:
    """R-OPS-5 "財形 options": zaikei-balance / zaikei-incentive are added and removed."""
    contract = factories.make_contract(db, kind="employer", services="zaikei")
    result = _change(db, clock, contract.contract_no, services="zaikei,zaikei-incentive")
    assert isinstance(result, Ok)
    assert result.value.services == ("zaikei", "zaikei-incentive")
    result = _change(db, clock, contract.contract_no, services="zaikei")
    assert isinstance(result, Ok) and result.value.services == ("zaikei",)


def test_r_ops_5_removed_group_ends_its_sessions(db: Session, clock: MovableClock) -> None:
    """R-OPS-5: a removed payment group's open sessions end (the user logs in again and picks
    another group); sessions on other groups go on; ended sessions forget the group."""
    on_removed = make_login(db, groups=(("001", "本社"), ("002", "支社")))
    on_kept = factories.make_user(db, on_removed.contract)
    kept_cert = factories.make_certificate(db, on_kept)
    kept = Login(on_removed.contract, on_kept, kept_cert, facts_for(kept_cert))
    token_removed = _session(db, on_removed, clock, "002")
    token_kept = _session(db, kept, clock, "001")

    result = _change(db, clock, on_removed.contract.contract_no, remove_groups=["002"])
    assert isinstance(result, Ok)
    assert result.value.groups == (("001", "本社"),)
    assert _check(db, on_removed, token_removed, clock) == Err("MSG-SESSION-ENDED")
    assert isinstance(_check(db, kept, token_kept, clock), Ok)
    row = db.exec(
        select(LoginSession).where(LoginSession.token_hash == sessions.hash_token(token_removed))
    ).one()
    assert (row.end_reason, row.payment_group_id) == ("group_removed", None)
    db.commit()
    [entry] = _entries(db, action=contracts.ACTION_CHANGE, target=on_removed.contract.contract_no)
    assert '"sessions_ended":1' in (entry.detail or "")


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({}, "E-CONTRACT-NO-CHANGE"),
        ({"name": ""}, "E-FIELD-REQUIRED"),
        ({"name": "あ" * 41}, "E-CONTRACT-NAME-FORMAT"),
        ({"services": "zaikei"}, "E-SERVICES-FORMAT"),
        ({"services": ""}, "E-FIELD-REQUIRED"),
        ({"add_groups": ["01:本社"]}, "E-GROUP-FORMAT"),
        ({"add_groups": ["003:A", "003:B"]}, "E-GROUP-DUPLICATE"),
        ({"add_groups": ["001:本店"]}, "E-GROUP-EXISTS"),
        ({"remove_groups": ["9"]}, "E-GROUP-NUMBER-FORMAT"),
        ({"remove_groups": ["009"]}, "E-GROUP-NOT-FOUND"),
        ({"remove_groups": ["001", "001"]}, "E-GROUP-DUPLICATE"),
        ({"remove_groups": ["001", "002"]}, "E-GROUP-REQUIRED"),
        ({"add_groups": ["002:本店"], "remove_groups": ["002"]}, "E-GROUP-DUPLICATE"),
    ],
)
def test_r_ops_5_change_refusals_change_nothing(
    db: Session, clock: MovableClock, kw: dict[str, Any], code: str
) -> None:
    """R-OPS-5, R-OPS-2 "Each leaves an audit entry": a refused change changes nothing and
    leaves a failure entry in the system chain with the 受付番号."""
    contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "支社")))
    no = contract.contract_no
    before = _contract(db, no)
    result = _change(db, clock, no, **kw)
    assert isinstance(result, Err) and result.code == code, result
    after = _contract(db, no)
    assert (after.name, after.services, after.updated_at, after.version) == (
        before.name,
        before.services,
        before.updated_at,
        before.version,
    )
    assert _groups(db, after) == [("001", "本社"), ("002", "支社")]
    [entry] = _entries(db, action=contracts.ACTION_CHANGE, target=no)
    assert (entry.chain, entry.result) == ("system", "failure")
    assert code in (entry.detail or "") and TICKET in (entry.detail or "")


def test_r_ops_5_change_unknown_or_terminated_contract(db: Session, clock: MovableClock) -> None:
    no = factories.next_contract_no()
    assert _change(db, clock, no, name="新名称") == Err(
        "E-CONTRACT-NOT-FOUND", "contract_no", {"contract_no": no}
    )
    ended = factories.make_contract(db, status="terminated")
    result = _change(db, clock, ended.contract_no, name="新名称")
    assert isinstance(result, Err) and result.code == "E-CONTRACT-STATUS"
    assert result.params == {"status": "解約済み"}
    assert _contract(db, ended.contract_no).name == "テスト労働組合"


# ---------------------------------------------------------------------------- R-OPS-6


def test_r_ops_6_suspend_ends_sessions_refuses_login_and_resume(
    db: Session, clock: MovableClock
) -> None:
    """R-OPS-6 "Suspend, resume … sessions end and logins are refused with
    「ご契約が終了しているため、ご利用いただけません。」"."""
    who = make_login(db)
    no = who.contract.contract_no
    token = _session(db, who, clock)

    result = contracts.suspend_contract(
        db, contract_no=no, actor="tester", clock=clock, ticket=TICKET
    )
    assert isinstance(result, Ok) and result.value.status == "suspended"
    assert _check(db, who, token, clock) == Err("MSG-CONTRACT-ENDED")
    refused = login.login(db, facts=who.facts, password=factories.PASSWORD, clock=clock, ip=None)
    assert refused == Err("MSG-CONTRACT-ENDED")
    cert = db.get(Certificate, who.cert.id)
    assert cert is not None and cert.status == "current"  # suspension keeps certificates
    db.commit()
    [entry] = _entries(db, action=contracts.ACTION_SUSPEND, target=no)
    assert (entry.chain, entry.result) == (f"contract:{no}", "success")
    assert TICKET in (entry.detail or "") and '"sessions_ended":1' in (entry.detail or "")

    result = contracts.resume_contract(
        db, contract_no=no, actor="tester", clock=clock, ticket=TICKET
    )
    assert isinstance(result, Ok) and result.value.status == "active"
    ok = login.login(db, facts=who.facts, password=factories.PASSWORD, clock=clock, ip=None)
    assert isinstance(ok, Ok)
    [entry] = _entries(db, action=contracts.ACTION_RESUME, target=no)
    assert TICKET in (entry.detail or "")


def test_r_ops_6_terminate_revokes_every_certificate_and_ends_sessions(
    ca_ready: None, db: Session, clock: MovableClock
) -> None:
    """R-OPS-6 "terminate also revokes every certificate"; sessions end with
    MSG-CONTRACT-ENDED; the login service refuses; the CRL lists the serials."""
    master = make_login(db, role=UserRole.MASTER.value)
    general = factories.make_user(db, master.contract)
    general_cert = factories.make_certificate(db, general)
    other = make_login(db)  # another contract: untouched
    no = master.contract.contract_no
    token = _session(db, master, clock)
    other_token = _session(db, other, clock)

    result = contracts.terminate_contract(
        db, contract_no=no, actor="tester", clock=clock, ticket=TICKET
    )
    assert isinstance(result, Ok) and result.value.status == "terminated"
    assert _check(db, master, token, clock) == Err("MSG-CONTRACT-ENDED")
    assert isinstance(_check(db, other, other_token, clock), Ok)
    db.expire_all()
    serials = []
    for cert_id in (master.cert.id, general_cert.id):
        cert = db.get(Certificate, cert_id)
        assert cert is not None
        assert (cert.status, cert.revocation_reason, cert.revoked_at) == (
            "revoked",
            "cessationOfOperation",
            clock.now(),
        )
        serials.append(cert.serial_hex)
    other_cert = db.get(Certificate, other.cert.id)
    assert other_cert is not None and other_cert.status == "current"
    db.commit()
    refused = login.login(db, facts=master.facts, password=factories.PASSWORD, clock=clock, ip=None)
    # R-OPS-6: the contract's message, not the revoked certificate's.
    assert refused == Err("MSG-CONTRACT-ENDED")
    [entry] = _entries(db, action=contracts.ACTION_TERMINATE, target=no)
    assert (entry.chain, entry.result) == (f"contract:{no}", "success")
    detail = entry.detail or ""
    assert TICKET in detail and all(s in detail for s in serials)

    crl = x509.load_pem_x509_crl((settings().pki_dir / "issuing.crl.pem").read_bytes())
    for serial in serials:
        assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None

    # Terminated is final.
    again = contracts.resume_contract(
        db, contract_no=no, actor="tester", clock=clock, ticket=TICKET
    )
    assert isinstance(again, Err) and again.code == "E-CONTRACT-STATUS"
    assert _contract(db, no).status == "terminated"


@pytest.mark.parametrize(
    ("status", "operation", "label"),
    [
        ("suspended", "suspend", "一時停止中"),
        ("active", "resume", "利用中"),
        ("terminated", "resume", "解約済み"),
        ("terminated", "suspend", "解約済み"),
        ("terminated", "terminate", "解約済み"),
    ],
)
def test_r_ops_6_status_refusals_change_nothing(
    db: Session, clock: MovableClock, status: str, operation: str, label: str
) -> None:
    contract = factories.make_contract(db, status=status)
    no = contract.contract_no
    before = _contract(db, no)
    use_case = getattr(contracts, f"{operation}_contract")
    result = use_case(db, contract_no=no, actor="tester", clock=clock, ticket=TICKET)
    assert result == Err("E-CONTRACT-STATUS", "contract_no", {"status": label})
    after = _contract(db, no)
    assert (after.status, after.version) == (before.status, before.version)
    [entry] = _entries(db, action=f"contract.{operation}", target=no)
    assert (entry.chain, entry.result) == ("system", "failure")
    assert TICKET in (entry.detail or "")


@pytest.mark.parametrize("operation", ["suspend", "resume", "terminate"])
def test_r_ops_6_unknown_or_malformed_contract(
    db: Session, clock: MovableClock, operation: str
) -> None:
    use_case = getattr(contracts, f"{operation}_contract")
    no = factories.next_contract_no()
    result = use_case(db, contract_no=no, actor="tester", clock=clock, ticket=TICKET)
    assert isinstance(result, Err) and result.code == "E-CONTRACT-NOT-FOUND"
    result = use_case(db, contract_no="12ab", actor="tester", clock=clock, ticket=TICKET)
    assert isinstance(result, Err) and result.code == "E-CONTRACT-NO-FORMAT"
