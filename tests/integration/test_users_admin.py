"""契約ユーザー情報照会 and its screens' services on SQLite and PostgreSQL (SPEC R-INFO-2a,
R-USER-1, R-USER-2, R-USER-3, R-USER-5, R-USER-5a, R-USER-6, R-USER-8, Appendix B
MSG-USER-LIMIT, MSG-ID-TAKEN). Time comes from the MovableClock; mails are checked in the
outbox (``app_env`` gives the outbox its sealing key)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from sqlmodel import Session, col, select

import pki
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.permissions import menus_for, show_all
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    Certificate,
    CertificateStatus,
    Contract,
    LoginSession,
    MailOutbox,
    MenuPermission,
    OperationLog,
    User,
    UserRole,
)
from chingin_app.services import contract_users as users
from chingin_app.services import login, passwords, sessions
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.certs import ca, crl
from chingin_app.settings import settings
from tests import factories
from tests.support.pki_testing import shared_hierarchy

TEMP = "Karino#Pw1"
NEW_TEMP = "Atara#Pw22"


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    """Every test here may queue mail: the outbox seals bodies under the data dir's key."""
    return app_env


@pytest.fixture
def ca_ready(app_env: Path) -> Iterator[pki.CAHierarchy]:
    """The shared test hierarchy saved as this data dir's customer CA (for the CRL)."""
    s = settings()
    pki.save_hierarchy(shared_hierarchy(), s.pki_dir, passphrase=ca.ensure_passphrase(s))
    ca.hierarchy.cache_clear()
    yield shared_hierarchy()
    ca.hierarchy.cache_clear()


@dataclass
class Org:
    contract: Contract
    master: User
    general: User

    @property
    def no(self) -> str:
        return self.contract.contract_no


def make_org(db: Session, services: str = "rokin,ledger,batch") -> Org:
    contract = factories.make_contract(db, services=services)
    master = factories.make_user(
        db, contract, role=UserRole.MASTER.value, user_name="管理　花子",
        user_id=factories.next_user_id("Mst"),
    )
    general = factories.make_user(db, contract, user_id=factories.next_user_id("Gen"))
    return Org(contract, master, general)


def reload(db: Session, user: User) -> User:
    db.expire_all()
    fresh = db.get(User, user.id)
    assert fresh is not None
    db.commit()
    return fresh


def outbox(db: Session, *addrs: str) -> list[tuple[str, str]]:
    rows = db.exec(
        select(MailOutbox.to_addr, MailOutbox.kind)
        .where(col(MailOutbox.to_addr).in_(addrs))
        .order_by(col(MailOutbox.id))
    ).all()
    db.commit()
    return [(to, kind) for to, kind in rows]


def entries(db: Session, contract_no: str, action: str) -> list[OperationLog]:
    rows = list(
        db.exec(
            select(OperationLog)
            .where(OperationLog.contract_no == contract_no, OperationLog.action == action)
            .order_by(col(OperationLog.id))
        )
    )
    db.commit()
    return rows


def perms(db: Session, user_id: str) -> dict[str, str]:
    rows = db.exec(
        select(MenuPermission.menu_key, MenuPermission.level)
        .join(User, col(User.id) == col(MenuPermission.user_pk))
        .where(User.user_id == user_id)
    ).all()
    db.commit()
    return {k: v for k, v in rows}


def create(
    db: Session, clock: MovableClock, org: Org, actor: str | None = None,
    user_id: str | None = None, **kw: object,
) -> Ok[str] | Invalid | Err:
    uid = user_id or factories.next_user_id("Gen")
    fields: dict[str, object] = {
        "user_name": "一般　一郎",
        "email": f"{uid.lower()}@example.co.jp",
        "temporary_password": TEMP,
        **kw,
    }
    return users.create_general_user(
        db, contract_no=org.no, user_id=uid, actor=actor or org.master.user_id, clock=clock,
        **fields,  # type: ignore[arg-type]
    )


def update(
    db: Session, clock: MovableClock, org: Org, *, actor: str | None = None,
    user_id: str | None = None, version: int | None = None, **kw: object,
) -> Ok[int] | Invalid | Err:
    fields: dict[str, object] = {
        "user_name": None, "email": None, "email_again": None, "permissions": None, **kw
    }
    return users.update_general_user(
        db, contract_no=org.no, actor_user_id=actor or org.master.user_id,
        user_id=user_id or org.general.user_id,
        expected_version=version if version is not None else reload(db, org.general).version,
        clock=clock, **fields,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------------------- R-INFO-2a


def test_r_info_2a_master_sees_all_general_user_only_own_entry(
    db: Session, clock: MovableClock
) -> None:
    """R-INFO-2a / R-USER-5: the master lists every user (ID, name, e-mail, 権限, status,
    certificate validity); a general user sees only their own entry; deleted users and other
    contracts' users never appear."""
    org = make_org(db)
    locked = factories.make_user(db, org.contract, locked_until=clock.now() + timedelta(minutes=5))
    blocked = factories.make_user(db, org.contract, blocked=True)
    factories.make_user(db, org.contract, deleted_at=clock.now())
    other = make_org(db)
    cert = factories.make_certificate(db, org.general)

    rows = users.list_users(db, contract_no=org.no, viewer_user_id=org.master.user_id,
                            clock=clock)
    assert [r.user_id for r in rows] == [
        org.master.user_id, org.general.user_id, locked.user_id, blocked.user_id
    ]
    by_id = {r.user_id: r for r in rows}
    assert (by_id[org.master.user_id].role_label, by_id[org.general.user_id].role_label) == (
        "会員（マスター）", "一般"
    )
    assert [by_id[u.user_id].status for u in (org.general, locked, blocked)] == [
        "通常", "ロック", "閉塞"
    ]
    assert by_id[org.general.user_id].cert_not_after == cert.not_after
    assert by_id[org.master.user_id].cert_not_after is None
    assert by_id[org.general.user_id].email == org.general.email
    clock.advance(timedelta(minutes=10))
    assert users.list_users(
        db, contract_no=org.no, viewer_user_id=org.master.user_id, clock=clock
    )[2].status == "通常"

    own = users.list_users(db, contract_no=org.no, viewer_user_id=org.general.user_id)
    assert [r.user_id for r in own] == [org.general.user_id]
    assert users.list_users(db, contract_no=org.no, viewer_user_id=other.master.user_id) == ()
    assert users.list_users(db, contract_no=other.no, viewer_user_id=org.master.user_id) == ()


# ---------------------------------------------------------------------------- R-USER-3


def test_r_user_3_add_with_restrictions_and_r_user_8_notice(
    db: Session, clock: MovableClock
) -> None:
    """R-USER-3: the master adds a general user with 表示 / 非表示 / 閲覧のみ per menu; menus left
    out stay 未設定; R-USER-8: the master is e-mailed; audited in the contract's chain."""
    org = make_org(db)
    uid = factories.next_user_id("Gen")
    chosen = {
        "rokin.detail_inquiry": "view_only",
        "rokin.remit_confirm": "show",
        "ledger.check_list": "hide",
    }
    assert create(db, clock, org, user_id=uid, permissions=chosen) == Ok(uid)
    assert perms(db, uid) == chosen
    assert outbox(db, org.master.email, f"{uid.lower()}@example.co.jp") == [
        (org.master.email, "user_added")
    ]
    [entry] = entries(db, org.no, users.ACTION_CREATE_GENERAL)
    assert (entry.actor, entry.target, entry.result, entry.chain) == (
        org.master.user_id, uid, "success", f"contract:{org.no}"
    )
    assert entry.detail is not None and "rokin.remit_confirm" in entry.detail


def test_r_user_3_restrictions_validated_nothing_saved(
    db: Session, clock: MovableClock
) -> None:
    """R-USER-7a: change-only menus offer 表示 / 非表示 only; a menu of a service the contract
    lacks is refused; nothing is saved."""
    org = make_org(db, services="rokin")
    uid = factories.next_user_id("Gen")
    result = create(db, clock, org, user_id=uid, permissions={"rokin.detail_new": "view_only"})
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [
        ("perm:rokin.detail_new", "E-PERMISSION-LEVEL")
    ]
    result = create(db, clock, org, user_id=uid, permissions={"ledger.detail_inquiry": "show"})
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [
        ("perm:ledger.detail_inquiry", "E-PERMISSION-MENU")
    ]
    assert db.exec(select(User).where(User.user_id == uid)).first() is None
    db.commit()
    assert outbox(db, org.master.email) == []
    assert [e.result for e in entries(db, org.no, users.ACTION_CREATE_GENERAL)] == [
        "failure", "failure"
    ]


def test_r_sec_5_password_in_the_user_id_field_never_reaches_the_log(
    db: Session, clock: MovableClock
) -> None:
    """R-SEC-5 (invalid input is logged by its code only): on 契約ユーザー登録 a password typed
    into the ユーザーＩＤ box is refused per field and the entry names no target; a
    well-formed ID still names the attempt."""
    org = make_org(db)
    secret = f"{factories.next_user_id('Pw')}!#"  # unique: the log is shared with other tests
    result = create(db, clock, org, user_id=secret)
    assert isinstance(result, Invalid)
    assert result.errors[0].code == "E-USER-ID-FORMAT"
    uid = factories.next_user_id("Gen")
    assert isinstance(create(db, clock, org, user_id=uid, email="not-an-address"), Invalid)
    logged = entries(db, org.no, users.ACTION_CREATE_GENERAL)
    assert [(e.target, e.result) for e in logged] == [(None, "failure"), (uid, "failure")]
    assert all(secret not in repr(e.model_dump()) for e in logged)


def test_r_user_3_master_only_and_tenant_checked(db: Session, clock: MovableClock) -> None:
    """R-INFO-2a: 登録へ is master-only: a general user, another contract's master or a
    deleted master is refused (E-MASTER-ONLY) and the refusal is logged."""
    org = make_org(db)
    other = make_org(db)
    gone = factories.make_user(db, org.contract, role=UserRole.GENERAL.value,
                               deleted_at=clock.now())
    for actor in (org.general.user_id, other.master.user_id, gone.user_id):
        assert create(db, clock, org, actor=actor) == Err("E-MASTER-ONLY")
    assert [(e.actor, e.result) for e in entries(db, org.no, users.ACTION_CREATE_GENERAL)] == [
        (org.general.user_id, "refused"), (other.master.user_id, "refused"),
        (gone.user_id, "refused"),
    ]
    assert outbox(db, org.master.email, other.master.email) == []


def test_r_user_3_at_most_10_msg_user_limit(db: Session, clock: MovableClock) -> None:
    """R-USER-3 "At most 10" → MSG-USER-LIMIT (Appendix B); deleted users do not count."""
    org = make_org(db)  # one general user already
    factories.make_user(db, org.contract, deleted_at=clock.now())
    for _ in range(9):
        assert isinstance(create(db, clock, org), Ok)
    assert create(db, clock, org) == Err("MSG-USER-LIMIT")
    assert len(outbox(db, org.master.email)) == 9


def test_msg_id_taken_for_an_id_used_anywhere(db: Session, clock: MovableClock) -> None:
    """§3, Appendix B MSG-ID-TAKEN: an ID equal ignoring case to any user's (another
    contract's, deleted ones included) is refused at the field; nothing is mailed."""
    org = make_org(db)
    other = make_org(db)
    assert create(db, clock, org, user_id=other.general.user_id.upper()) == Err(
        "MSG-ID-TAKEN", "user_id"
    )
    assert outbox(db, org.master.email) == []


# ---------------------------------------------------------------------------- R-USER-5


def test_r_user_5_update_name_email_restrictions_and_r_user_8_old_address(
    db: Session, clock: MovableClock
) -> None:
    """R-USER-5: the master changes a general user's name, e-mail and restrictions; R-USER-8:
    the OLD address is notified; the version moves on; before/after are logged."""
    org = make_org(db)
    old_email = org.general.email
    new_email = f"new.{org.general.user_id.lower()}@example.co.jp"
    version = reload(db, org.general).version
    result = update(
        db, clock, org, version=version, user_name="新名前", email=new_email,
        email_again=new_email, permissions={"rokin.detail_inquiry": "view_only"},
    )
    assert isinstance(result, Ok) and result.value > version
    user = reload(db, org.general)
    assert (user.user_name, user.email, user.version) == ("新名前", new_email, result.value)
    assert perms(db, user.user_id) == {"rokin.detail_inquiry": "view_only"}
    assert outbox(db, old_email, new_email, org.master.email) == [(old_email, "email_changed")]
    [entry] = entries(db, org.no, users.ACTION_UPDATE_GENERAL)
    assert entry.detail is not None and old_email in entry.detail and new_email in entry.detail

    # Blank means unchanged; a restriction alone bumps the version too.
    again = update(db, clock, org, permissions={"rokin.detail_inquiry": "show"})
    assert isinstance(again, Ok) and again.value > result.value
    user = reload(db, org.general)
    assert (user.user_name, user.email) == ("新名前", new_email)
    assert perms(db, user.user_id) == {"rokin.detail_inquiry": "show"}
    assert len(outbox(db, old_email, new_email)) == 1


def test_r_user_5_field_errors_and_nothing_to_change(db: Session, clock: MovableClock) -> None:
    """§3: an e-mail change needs both entries, matching; field rules per field; all blank is
    E-NOTHING-TO-CHANGE; nothing is saved."""
    org = make_org(db)
    result = update(db, clock, org, user_name="名" * 21, email="x@docomo.ne.jp",
                    email_again="y@example.co.jp")
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [
        ("user_name", "E-USER-NAME-FORMAT"), ("email", "E-EMAIL-CARRIER"),
        ("email_again", "E-REENTRY-MISMATCH"),
    ]
    result = update(db, clock, org, email_again="y@example.co.jp")
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [("email", "E-FIELD-REQUIRED")]
    assert update(db, clock, org, user_name="", email="") == Err("E-NOTHING-TO-CHANGE")
    assert reload(db, org.general).version == org.general.version


def test_r_user_5_optimistic_lock_conflict(db: Session, clock: MovableClock) -> None:
    """A form read before another change is refused with E-USER-CONFLICT; nothing changes."""
    org = make_org(db)
    stale = reload(db, org.general).version
    assert isinstance(update(db, clock, org, version=stale, user_name="先の変更"), Ok)
    assert update(db, clock, org, version=stale, user_name="後の変更") == Err("E-USER-CONFLICT")
    assert reload(db, org.general).user_name == "先の変更"
    assert entries(db, org.no, users.ACTION_UPDATE_GENERAL)[-1].result == "refused"


def test_r_user_5_master_only_and_tenant_isolation(db: Session, clock: MovableClock) -> None:
    """R-INFO-2a: 更新へ is master-only; another contract's user is "not found"; the master's
    own entry is not edited here; a deleted user is not found."""
    org = make_org(db)
    other = make_org(db)
    gone = factories.make_user(db, org.contract, deleted_at=clock.now())
    assert update(db, clock, org, actor=org.general.user_id, user_name="乗っ取り") == Err(
        "E-MASTER-ONLY"
    )
    assert update(db, clock, org, user_id=other.general.user_id, version=1,
                  user_name="他社") == Err("E-USER-NOT-FOUND", "user_id")
    assert update(db, clock, org, user_id=org.master.user_id, version=1,
                  user_name="自分") == Err("E-USER-IS-MASTER", "user_id")
    assert update(db, clock, org, user_id=gone.user_id, version=1, user_name="故人") == Err(
        "E-USER-NOT-FOUND", "user_id"
    )
    assert update(db, clock, other, actor=org.master.user_id, version=1,
                  user_id=other.general.user_id, user_name="越境") == Err("E-MASTER-ONLY")
    assert reload(db, other.general).user_name == other.general.user_name
    assert [e.result for e in entries(db, org.no, users.ACTION_UPDATE_GENERAL)] == ["refused"] * 4


# ---------------------------------------------------------------------------- R-USER-5a


def test_r_user_5a_temporary_password_ends_sessions_keeps_lock_block_and_cert(
    db: Session, clock: MovableClock
) -> None:
    """R-USER-5a: a new temporary password ends the user's sessions and forces a change at the
    next login; it does not lift ロック or 閉塞 and does not touch the certificate; R-USER-8: the
    master is e-mailed."""
    org = make_org(db)
    until = clock.now() + timedelta(minutes=30)
    user = factories.make_user(db, org.contract, locked_until=until, lock_count=2,
                               failure_count=6, blocked=True)
    cert = factories.make_certificate(db, user)
    assert user.id is not None and org.contract.id is not None
    sessions.open_session(db, user_pk=user.id, contract_id=org.contract.id,
                          cert_serial=cert.serial_hex, payment_group_id=None, now=clock.now())
    db.commit()

    assert users.set_temporary_password(
        db, contract_no=org.no, actor_user_id=org.master.user_id, user_id=user.user_id,
        password=NEW_TEMP, password_again=NEW_TEMP, clock=clock,
    ) == Ok(None)
    fresh = reload(db, user)
    assert fresh.password_is_temporary and passwords.verify_secret(fresh.password_hash, NEW_TEMP)
    assert (fresh.locked_until, fresh.lock_count, fresh.failure_count, fresh.blocked) == (
        until, 2, 6, True
    )
    status = db.exec(select(Certificate.status).where(Certificate.id == cert.id)).one()
    [(ended, reason)] = db.exec(
        select(LoginSession.ended_at, LoginSession.end_reason).where(
            LoginSession.user_pk == user.id
        )
    ).all()
    db.commit()
    assert status == CertificateStatus.CURRENT.value
    assert (ended, reason) == (clock.now(), "temporary_password")
    assert outbox(db, org.master.email, user.email) == [(org.master.email, "user_temp_password")]
    [entry] = entries(db, org.no, users.ACTION_TEMPORARY_PASSWORD)
    assert entry.detail is not None and NEW_TEMP not in entry.detail


def test_r_user_5a_refusals(db: Session, clock: MovableClock) -> None:
    """§3 rules and re-entry per field; master-only; other contracts' users not found."""
    org = make_org(db)
    other = make_org(db)

    def temp(actor: str, user_id: str, pw: str = NEW_TEMP, again: str = NEW_TEMP) -> object:
        return users.set_temporary_password(
            db, contract_no=org.no, actor_user_id=actor, user_id=user_id, password=pw,
            password_again=again, clock=clock,
        )

    result = temp(org.master.user_id, org.general.user_id, "weak", "other")
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [
        ("password", "E-PASSWORD-FORMAT"), ("password_again", "E-REENTRY-MISMATCH")
    ]
    assert temp(org.general.user_id, org.general.user_id) == Err("E-MASTER-ONLY")
    assert temp(org.master.user_id, other.general.user_id) == Err("E-USER-NOT-FOUND", "user_id")
    fresh = reload(db, org.general)
    assert not fresh.password_is_temporary
    assert passwords.verify_secret(fresh.password_hash, factories.PASSWORD)
    assert outbox(db, org.master.email) == []


# ---------------------------------------------------------------------------- R-USER-6


def test_r_user_6_delete_revokes_certificate_into_the_crl(
    db: Session, clock: MovableClock, ca_ready: pki.CAHierarchy
) -> None:
    """R-USER-6: deleting a general user revokes their certificate (published in the CRL),
    ends their sessions, keeps the ID reserved; R-USER-8: the master is e-mailed."""
    org = make_org(db)
    user = org.general
    cert = factories.make_certificate(db, user)
    assert user.id is not None and org.contract.id is not None
    sessions.open_session(db, user_pk=user.id, contract_id=org.contract.id,
                          cert_serial=cert.serial_hex, payment_group_id=None, now=clock.now())
    db.commit()
    version = reload(db, user).version

    assert users.delete_general_user(
        db, contract_no=org.no, actor_user_id=org.master.user_id, user_id=user.user_id,
        expected_version=version, clock=clock,
    ) == Ok(None)
    fresh = reload(db, user)
    assert fresh.deleted_at == clock.now()
    row = db.exec(select(Certificate).where(Certificate.id == cert.id)).one()
    reason = db.exec(
        select(LoginSession.end_reason).where(LoginSession.user_pk == user.id)
    ).one()
    db.commit()
    assert (row.status, row.revocation_reason) == ("revoked", "affiliationChanged")
    assert reason == "deleted"
    assert outbox(db, org.master.email) == [(org.master.email, "user_deleted")]
    [entry] = entries(db, org.no, users.ACTION_DELETE_GENERAL)
    assert entry.detail is not None and cert.serial_hex in entry.detail

    crl.refresh(settings(), force=True)
    issuing_crl = x509.load_pem_x509_crl((settings().pki_dir / "issuing.crl.pem").read_bytes())
    assert issuing_crl.get_revoked_certificate_by_serial_number(int(cert.serial_hex, 16))

    # The ID stays reserved and the user is gone from the list.
    assert create(db, clock, org, user_id=user.user_id) == Err("MSG-ID-TAKEN", "user_id")
    listed = users.list_users(db, contract_no=org.no, viewer_user_id=org.master.user_id)
    assert user.user_id not in [r.user_id for r in listed]


def test_r_user_6_refusals_conflict_and_tenant(db: Session, clock: MovableClock) -> None:
    """R-USER-6 is master-only; a stale version is E-USER-CONFLICT; another contract's user is
    not found; the master is not deleted here; a deleted user frees a place (R-USER-3)."""
    org = make_org(db)
    other = make_org(db)

    def delete(actor: str, user_id: str, version: int) -> object:
        return users.delete_general_user(
            db, contract_no=org.no, actor_user_id=actor, user_id=user_id,
            expected_version=version, clock=clock,
        )

    version = reload(db, org.general).version
    assert delete(org.general.user_id, org.general.user_id, version) == Err("E-MASTER-ONLY")
    assert delete(org.master.user_id, org.general.user_id, version + 1) == Err(
        "E-USER-CONFLICT"
    )
    assert delete(org.master.user_id, other.general.user_id, 1) == Err(
        "E-USER-NOT-FOUND", "user_id"
    )
    assert delete(org.master.user_id, org.master.user_id, 1) == Err(
        "E-USER-IS-MASTER", "user_id"
    )
    assert reload(db, org.general).deleted_at is None
    assert reload(db, other.general).deleted_at is None
    assert [e.result for e in entries(db, org.no, users.ACTION_DELETE_GENERAL)] == ["refused"] * 4

    for _ in range(9):
        assert isinstance(create(db, clock, org), Ok)
    assert create(db, clock, org) == Err("MSG-USER-LIMIT")
    assert delete(org.master.user_id, org.general.user_id, version) == Ok(None)
    assert isinstance(create(db, clock, org), Ok)


# ---------------------------------------------------------------------------- R-USER-2


def test_r_user_2_master_changes_own_name_and_email(db: Session, clock: MovableClock) -> None:
    """R-USER-2: the master changes their own user name and e-mail; R-USER-8: the old address
    is notified; a general user's own entry is read-only (R-INFO-2a)."""
    org = make_org(db)
    old = org.master.email
    new = f"mst.{org.master.user_id.lower()}@example.co.jp"

    def own(user_id: str, **kw: str | None) -> object:
        fields: dict[str, str | None] = {
            "user_name": None, "email": None, "email_again": None, **kw
        }
        return users.update_own_profile(
            db, contract_no=org.no, user_id=user_id, clock=clock, **fields
        )

    result = own(org.master.user_id, user_name="管理 次郎", email=new, email_again=new)
    assert isinstance(result, Ok)
    fresh = reload(db, org.master)
    assert (fresh.user_name, fresh.email, fresh.version) == ("管理　次郎", new, result.value)
    assert outbox(db, old, new) == [(old, "email_changed")]
    assert own(org.general.user_id, user_name="一般") == Err("E-MASTER-ONLY")
    assert own(org.master.user_id) == Err("E-NOTHING-TO-CHANGE")
    result = own(org.master.user_id, email=new, email_again="")
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [("email_again", "E-FIELD-REQUIRED")]
    assert [e.result for e in entries(db, org.no, users.ACTION_UPDATE_OWN)] == [
        "success", "refused", "failure", "failure"
    ]


# ---------------------------------------------------------------------------- R-USER-1


def test_r_user_1_change_password(db: Session, clock: MovableClock) -> None:
    """R-USER-1 パスワード変更: current + new (twice); a wrong current password counts like a
    wrong login (the same rules as the first change, R-LOGIN-3)."""
    org = make_org(db)
    cert = factories.make_certificate(db, org.general)
    facts = CertFacts("current", org.general.user_id, cert.serial_hex, cert.sha256)
    signed_in = login.login(db, facts=facts, password=factories.PASSWORD, clock=clock,
                            ip="192.0.2.1")
    assert isinstance(signed_in, Ok)
    token = signed_in.value.session_token

    def change(current: str, new: str, again: str) -> object:
        return users.change_password(
            db, session_token=token, facts=facts, current=current, new=new, new_again=again,
            clock=clock, ip="192.0.2.1",
        )

    assert change("Wrong0pw!", "N3w-pass!", "N3w-pass!") == Err(
        "MSG-PW-WRONG", "current_password"
    )
    assert reload(db, org.general).failure_count == 1
    result = change(factories.PASSWORD, "N3w-pass!", "N3w-pass?")
    assert isinstance(result, Invalid)
    assert change(factories.PASSWORD, "N3w-pass!", "N3w-pass!") == Ok(None)
    fresh = reload(db, org.general)
    assert passwords.verify_secret(fresh.password_hash, "N3w-pass!")
    assert fresh.failure_count == 0
    assert change("N3w-pass!", "Th1rd-pw!", "Th1rd-pw!") == Ok(None)


def test_r_user_7a_shortcut_restrictions_round_trip(db: Session, clock: MovableClock) -> None:
    """R-USER-7a すべて表示 for the contract's menus is accepted as a whole form."""
    org = make_org(db, services="batch")
    uid = factories.next_user_id("Gen")
    form = {k: v.value for k, v in show_all(menus_for(["batch"])).items()}
    assert create(db, clock, org, user_id=uid, permissions=form) == Ok(uid)
    assert perms(db, uid) == form
