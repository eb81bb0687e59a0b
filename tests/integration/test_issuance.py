"""電子証明書発行 on SQLite and PostgreSQL, with the code mail through a real SMTP server
(SPEC R-CERT-1, R-CERT-1a, R-CERT-1c, R-CERT-2, R-CERT-4, R-CERT-5, R-CERT-11, R-SEC-2,
R-LOCK-4, R-LOCK-5). Every time rule runs on the MovableClock; no test sleeps."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine, event, text
from sqlmodel import Session, col, select

import pki
from chingin_app.db import session_scope
from chingin_app.domain import certificate
from chingin_app.domain.clock import JST, MovableClock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    AuthCodeChallenge,
    Certificate,
    CertificateStatus,
    Contract,
    MailOutbox,
    OperationLog,
    User,
    UserRole,
)
from chingin_app.services import mail, passwords
from chingin_app.services.certs import ca, issuance
from chingin_app.services.certs.issuance import Challenge, Entry, IssuedFile
from chingin_app.settings import settings
from tests import factories
from tests.integration.test_mail import Inbox, code_in, running_inbox
from tests.support.pki_testing import shared_hierarchy

IP = "198.51.100.7"
WRONG = "Wr0ng!pass"


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def ca_ready(app_env: Path) -> Iterator[pki.CAHierarchy]:
    """The shared test hierarchy saved as this data dir's customer CA (``ca.hierarchy()``)."""
    s = settings()
    hierarchy = shared_hierarchy()
    pki.save_hierarchy(hierarchy, s.pki_dir, passphrase=ca.ensure_passphrase(s))
    ca.hierarchy.cache_clear()
    yield hierarchy
    ca.hierarchy.cache_clear()


@pytest.fixture
def inbox(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with running_inbox(monkeypatch) as box:
        yield box


@dataclass
class CountingVerifier:
    """An injected ``passwords.verify_secret`` recording each call: True when a real hash was
    checked, False for the dummy verify (R-LOCK-5 "same work")."""

    calls: list[bool] = field(default_factory=list)

    def __call__(self, stored_hash: str | None, secret: str) -> bool:
        self.calls.append(stored_hash is not None)
        return passwords.verify_secret(stored_hash, secret)


@dataclass(frozen=True)
class Person:
    """What the tests need of a user, read once: ORM objects expire when a service rolls back,
    and reading them again would open a transaction that holds SQLite's write lock."""

    id: int
    user_id: str
    email: str
    contract_no: str


def _person(db: Session, user: User) -> Person:
    contract = db.get(Contract, user.contract_id)
    assert user.id is not None and contract is not None
    person = Person(user.id, user.user_id, user.email, contract.contract_no)
    db.commit()
    return person


def _user(
    db: Session, *, role: str = UserRole.GENERAL.value, contract_status: str = "active",
    **kw: Any,
) -> Person:
    contract = factories.make_contract(db, status=contract_status)
    return _person(db, factories.make_user(db, contract, role=role, **kw))


def _certificate(db: Session, user: Person, **kw: Any) -> Certificate:
    orm = db.get(User, user.id)
    assert orm is not None
    cert = factories.make_certificate(db, orm, **kw)
    db.commit()
    return cert


def _start(
    db: Session,
    user: Person | str,
    clock: MovableClock,
    *,
    password: str = factories.PASSWORD,
    entry: Entry = "any",
    verify: CountingVerifier | None = None,
) -> Ok[Challenge] | Err | Invalid:
    user_id = user if isinstance(user, str) else user.user_id
    if verify is None:
        return issuance.start_issuance(
            db, user_id=user_id, password=password, entry=entry, clock=clock, ip=IP
        )
    return issuance.start_issuance(
        db, user_id=user_id, password=password, entry=entry, clock=clock, ip=IP,
        verify_password=verify,
    )


def _challenge(result: Ok[Challenge] | Err | Invalid) -> Challenge:
    assert isinstance(result, Ok), result
    return result.value


def _code_for(db: Session, user: Person, clock: MovableClock, inbox: Inbox) -> str:
    """Flush the outbox and read the newest code mailed to ``user``."""
    db.commit()
    mail.deliver_pending(clock=clock)
    received = inbox.to(user.email)
    assert received, "no code mail arrived"
    return code_in(received[-1])


def _attempts(db: Session, user: Person) -> list[AuthCodeChallenge]:
    db.expire_all()
    rows = list(
        db.exec(
            select(AuthCodeChallenge)
            .where(AuthCodeChallenge.user_pk == user.id)
            .order_by(col(AuthCodeChallenge.id))
        )
    )
    db.commit()
    return rows


def _reload(db: Session, user: Person) -> User:
    db.expire_all()
    fresh = db.get(User, user.id)
    db.commit()
    assert fresh is not None
    return fresh


def _entries(db: Session, *, action: str, target: str) -> list[OperationLog]:
    rows = list(
        db.exec(
            select(OperationLog)
            .where(OperationLog.action == action, OperationLog.target == target)
            .order_by(col(OperationLog.id))
        )
    )
    db.commit()
    return rows


def _issue(
    db: Session, user: Person, clock: MovableClock, inbox: Inbox, *, entry: Entry = "any"
) -> IssuedFile:
    """The whole flow: 認証 → code mail → 認証 → 発行."""
    challenge = _challenge(_start(db, user, clock, entry=entry))
    code = _code_for(db, user, clock, inbox)
    assert issuance.verify_code(db, token=challenge.token, code=code, clock=clock, ip=IP) == Ok(
        None
    )
    result = issuance.issue_certificate(db, token=challenge.token, clock=clock, ip=IP)
    assert isinstance(result, Ok), result
    return result.value


# ---------------------------------------------------------------------------- the flow


def test_r_cert_1_whole_flow_mail_code_verify_issue_p12(
    db: Session, clock: MovableClock, inbox: Inbox, ca_ready: pki.CAHierarchy
) -> None:
    """R-CERT-1: ID + password → 認証 → code mailed to the registered address → code → 認証 →
    発行 → ``<userID><YYYYMMDDhhmmss>.p12``; R-CERT-2: key, certificate and CA chain,
    encrypted with the password typed at 認証; R-CERT-3: CN = user ID; R-CERT-1b: the root's
    SHA-1 thumbprint."""
    user = _user(db, email=f"{factories.next_user_id('tanaka')}@example.co.jp")
    challenge = _challenge(_start(db, user, clock))
    assert challenge.user_id == user.user_id
    assert challenge.masked_email == certificate.mask_email(user.email)
    assert challenge.masked_email.startswith(user.email[:2] + "****@")
    assert challenge.resend_after == clock.now() + timedelta(seconds=60)
    assert challenge.expires_at == clock.now() + timedelta(minutes=10)

    code = _code_for(db, user, clock, inbox)
    [code_mail] = inbox.to(user.email)
    assert code_mail["Subject"] == "【賃金控除事務支援サービス】認証コードのお知らせ"
    clock.advance(timedelta(minutes=3))
    assert issuance.verify_code(db, token=challenge.token, code=code, clock=clock, ip=IP) == Ok(
        None
    )
    clock.advance(timedelta(seconds=20))
    issued_at = clock.now()
    result = issuance.issue_certificate(db, token=challenge.token, clock=clock, ip=IP)
    assert isinstance(result, Ok), result
    issued = result.value

    stamp = issued_at.astimezone(JST).strftime("%Y%m%d%H%M%S")
    assert issued.filename == f"{user.user_id}{stamp}.p12"
    assert issued.filename == f"{user.user_id}20260401100320.p12"
    bundle = pkcs12.load_pkcs12(issued.p12, factories.PASSWORD.encode())
    assert bundle.key is not None and bundle.cert is not None
    cert = bundle.cert.certificate
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == user.user_id
    assert bundle.cert.friendly_name == user.user_id.encode()
    chain = [c.certificate for c in bundle.additional_certs]
    assert ca_ready.issuing.cert in chain and ca_ready.root.cert in chain
    assert issued.root_sha1 == pki.sha1_fingerprint(ca_ready.root.cert)
    assert (cert.not_valid_before_utc, cert.not_valid_after_utc) == pki.client_validity(issued_at)
    assert issued.not_after == cert.not_valid_after_utc
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(issued.p12, WRONG.encode())

    db.expire_all()
    [row] = db.exec(select(Certificate).where(Certificate.user_pk == user.id)).all()
    assert row.status == CertificateStatus.CURRENT.value
    assert row.sha256 == pki.sha256_fingerprint(cert)
    assert int(row.serial_hex, 16) == cert.serial_number
    db.commit()
    [attempt] = _attempts(db, user)
    assert attempt.consumed_at == issued_at and attempt.encrypted_password is None
    assert attempt.code_hash == ""
    [entry] = _entries(db, action=issuance.ACTION_ISSUE, target=user.user_id)
    assert entry.chain == f"contract:{user.contract_no}" and entry.ip == IP
    assert entry.result == "success" and entry.screen == "電子証明書発行"

    mail.deliver_pending(clock=clock)
    subjects = [m["Subject"] for m in inbox.to(user.email)]
    assert subjects[-1] == "【賃金控除事務支援サービス】電子証明書発行のお知らせ"  # R-PLUS-4


def test_r_cert_11_password_never_in_clear_in_attempts_or_outbox(
    db: Session, clock: MovableClock, inbox: Inbox, ca_ready: pki.CAHierarchy
) -> None:
    """R-CERT-11: between 認証 and 発行 the typed password is in the database only encrypted
    (AES-256-GCM); R-SEC-2 "stored hashed": neither the password nor the code appears in any
    column of any row of ``auth_code_challenges`` or ``mail_outbox``; the password is gone
    at 発行."""
    user = _user(db)
    password = factories.PASSWORD
    challenge = _challenge(_start(db, user, clock))
    db.commit()

    def dump(*, with_hex: bool = True) -> str:
        """Every column of every row, bytes also as hex (random hex is left out for the code
        check: six given digits turn up in enough random hex)."""
        parts: list[str] = []
        for table in ("auth_code_challenges", "mail_outbox"):
            for row in db.execute(text(f"SELECT * FROM {table}")):  # noqa: S608 (fixed names)
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        raw = bytes(value)
                        parts.append(raw.decode("latin-1"))
                        if with_hex:
                            parts.append(raw.hex())
                    else:
                        parts.append(str(value))
        db.commit()
        return "\n".join(parts)

    [attempt] = _attempts(db, user)
    assert attempt.encrypted_password is not None
    assert attempt.token_hash == issuance.hash_token(challenge.token)
    before = dump()
    assert password not in before and password.encode().hex() not in before
    assert challenge.token not in before
    code = _code_for(db, user, clock, inbox)
    assert code not in dump(with_hex=False)  # the mail body was sealed, then cleared once sent
    assert issuance.verify_code(db, token=challenge.token, code=code, clock=clock, ip=IP) == Ok(
        None
    )
    assert isinstance(issuance.issue_certificate(db, token=challenge.token, clock=clock, ip=IP),
                      Ok)
    [attempt] = _attempts(db, user)
    assert attempt.encrypted_password is None
    assert password not in dump()


def test_r_cert_11_password_purged_after_ten_minutes(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """R-CERT-11 "deleted … after 10 minutes": the jobs' purge voids the expired attempt."""
    user = _user(db)
    _challenge(_start(db, user, clock))
    clock.advance(timedelta(minutes=9, seconds=59))
    with session_scope() as own:
        issuance.purge_expired_challenges(own, clock=clock)
    assert _attempts(db, user)[0].encrypted_password is not None
    clock.advance(timedelta(seconds=1))
    with session_scope() as own:
        assert issuance.purge_expired_challenges(own, clock=clock) >= 1
    [attempt] = _attempts(db, user)
    assert attempt.encrypted_password is None and attempt.code_hash == ""
    assert attempt.void_reason == "expired" and attempt.voided_at == clock.now()


def test_r_sec_2_five_wrong_codes_void_the_attempt(
    db: Session, clock: MovableClock, inbox: Inbox
) -> None:
    """R-SEC-2: "After 5 wrong codes the attempt is void and the user starts again at ID +
    password (this does not count toward any lock)"; R-CERT-11: its password is deleted."""
    user = _user(db)
    challenge = _challenge(_start(db, user, clock))
    code = _code_for(db, user, clock, inbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        result = issuance.verify_code(db, token=challenge.token, code=wrong, clock=clock, ip=IP)
        assert result == Err("MSG-CODE-WRONG")
    result = issuance.verify_code(db, token=challenge.token, code=wrong, clock=clock, ip=IP)
    assert result == Err("MSG-CODE-EXHAUSTED")
    [attempt] = _attempts(db, user)
    assert attempt.tries == 5 and attempt.void_reason == "exhausted"
    assert attempt.encrypted_password is None
    # Even the right code is refused now, and issuing is impossible.
    assert issuance.verify_code(
        db, token=challenge.token, code=code, clock=clock, ip=IP
    ) == Err("MSG-CODE-EXHAUSTED")
    assert issuance.issue_certificate(db, token=challenge.token, clock=clock, ip=IP) == Err(
        "E-ISSUANCE-RESTART"
    )
    fresh = _reload(db, user)
    assert (fresh.issuance_failure_count, fresh.failure_count, fresh.lock_count) == (0, 0, 0)
    assert fresh.locked_until is None and fresh.issuance_locked_until is None
    assert not fresh.blocked
    assert isinstance(_start(db, user, clock), Ok)  # starting again works


@pytest.mark.parametrize(
    ("code", "expected"),
    [("", "E-FIELD-REQUIRED"), ("12345", "E-CODE-FORMAT"), ("１２３４５６", "E-CODE-FORMAT")],
)
def test_r_sec_2_code_format_is_checked_per_field_and_not_counted(
    db: Session, clock: MovableClock, app_env: Path, code: str, expected: str
) -> None:
    """SPEC §3: format errors are per field; they are not a wrong try."""
    user = _user(db)
    challenge = _challenge(_start(db, user, clock))
    result = issuance.verify_code(db, token=challenge.token, code=code, clock=clock, ip=IP)
    assert isinstance(result, Err) and result.code == expected and result.field == "code"
    assert _attempts(db, user)[0].tries == 0


def test_r_sec_2_code_valid_ten_minutes(
    db: Session, clock: MovableClock, inbox: Inbox, ca_ready: pki.CAHierarchy
) -> None:
    """R-SEC-2 "valid 10 minutes": accepted at 9:59, refused (MSG-CODE-WRONG) at 10:00, and an
    expired attempt cannot be issued."""
    user = _user(db)
    first = _challenge(_start(db, user, clock))
    code = _code_for(db, user, clock, inbox)
    clock.advance(timedelta(minutes=9, seconds=59))
    assert issuance.verify_code(db, token=first.token, code=code, clock=clock, ip=IP) == Ok(None)

    clock.advance(timedelta(minutes=1))
    second = _challenge(_start(db, user, clock))
    code = _code_for(db, user, clock, inbox)
    clock.advance(timedelta(minutes=10))
    assert issuance.verify_code(db, token=second.token, code=code, clock=clock, ip=IP) == Err(
        "MSG-CODE-WRONG"
    )
    attempt = _attempts(db, user)[-1]
    assert attempt.void_reason == "expired" and attempt.encrypted_password is None
    assert issuance.issue_certificate(db, token=second.token, clock=clock, ip=IP) == Err(
        "E-ISSUANCE-RESTART"
    )


def test_r_cert_11_verified_attempt_expires_before_issue(
    db: Session, clock: MovableClock, inbox: Inbox, ca_ready: pki.CAHierarchy
) -> None:
    """発行 after the attempt's 10 minutes: refused, and the password is deleted at once."""
    user = _user(db)
    challenge = _challenge(_start(db, user, clock))
    code = _code_for(db, user, clock, inbox)
    assert issuance.verify_code(db, token=challenge.token, code=code, clock=clock, ip=IP) == Ok(
        None
    )
    clock.advance(timedelta(minutes=10))
    assert issuance.issue_certificate(db, token=challenge.token, clock=clock, ip=IP) == Err(
        "E-ISSUANCE-RESTART"
    )
    [attempt] = _attempts(db, user)
    assert attempt.encrypted_password is None and attempt.void_reason == "expired"
    assert db.exec(select(Certificate).where(Certificate.user_pk == user.id)).first() is None
    db.commit()


def test_r_sec_2_resend_not_before_60_seconds_new_code(
    db: Session, clock: MovableClock, inbox: Inbox
) -> None:
    """R-SEC-2 "resend after 60 seconds at the earliest": E-CODE-RESEND-TOO-SOON with the wait;
    then a new code (the old one stops working) for the same attempt and expiry."""
    user = _user(db)
    challenge = _challenge(_start(db, user, clock))
    old_code = _code_for(db, user, clock, inbox)
    clock.advance(timedelta(seconds=30))
    result = issuance.resend_code(db, token=challenge.token, clock=clock, ip=IP)
    assert result == Err("E-CODE-RESEND-TOO-SOON", None, {"seconds": 30})
    clock.advance(timedelta(seconds=29, microseconds=500_000))
    result = issuance.resend_code(db, token=challenge.token, clock=clock, ip=IP)
    assert result == Err("E-CODE-RESEND-TOO-SOON", None, {"seconds": 1})
    clock.advance(timedelta(microseconds=500_000))
    again = issuance.resend_code(db, token=challenge.token, clock=clock, ip=IP)
    assert isinstance(again, Ok), again
    assert again.value.token == challenge.token
    assert again.value.expires_at == challenge.expires_at  # R-CERT-11: no extension
    assert again.value.resend_after == clock.now() + timedelta(seconds=60)
    new_code = _code_for(db, user, clock, inbox)
    assert len(inbox.to(user.email)) == 2
    if new_code != old_code:  # one in a million they coincide
        assert issuance.verify_code(
            db, token=challenge.token, code=old_code, clock=clock, ip=IP
        ) == Err("MSG-CODE-WRONG")
    assert issuance.verify_code(
        db, token=challenge.token, code=new_code, clock=clock, ip=IP
    ) == Ok(None)


def test_r_sec_2_at_most_ten_code_mails_per_id_per_day(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """R-SEC-2 "At most 10 code mails per ID per day" (resends included; the day is Japan's)."""
    user = _user(db)
    clock.set(datetime(2026, 4, 1, 23, 0, tzinfo=JST))
    for _attempt in range(2):  # 2 attempts x (認証 + 4 x 再送信) = 10 mails
        challenge = _challenge(_start(db, user, clock))
        for _ in range(4):
            clock.advance(timedelta(seconds=60))
            result = issuance.resend_code(db, token=challenge.token, clock=clock, ip=IP)
            assert isinstance(result, Ok), result
        clock.advance(timedelta(seconds=60))
    assert issuance.resend_code(db, token=challenge.token, clock=clock, ip=IP) == Err(
        "E-CODE-MAIL-LIMIT"
    )
    assert _start(db, user, clock) == Err("E-CODE-MAIL-LIMIT")
    codes = db.exec(
        select(MailOutbox).where(MailOutbox.user_pk == user.id, MailOutbox.kind == "auth_code")
    ).all()
    db.commit()
    assert len(codes) == 10
    clock.set(datetime(2026, 4, 2, 0, 0, tzinfo=JST))  # a new day in Japan
    assert isinstance(_start(db, user, clock), Ok)


def test_r_cert_1_starting_again_voids_the_previous_attempt(
    db: Session, clock: MovableClock, inbox: Inbox
) -> None:
    """One live attempt per user: 認証 again voids the earlier attempt and its password."""
    user = _user(db)
    first = _challenge(_start(db, user, clock))
    first_code = _code_for(db, user, clock, inbox)
    second = _challenge(_start(db, user, clock))
    assert second.token != first.token
    old, new = _attempts(db, user)
    assert old.void_reason == "restarted" and old.encrypted_password is None
    assert new.encrypted_password is not None and new.voided_at is None
    assert issuance.verify_code(
        db, token=first.token, code=first_code, clock=clock, ip=IP
    ) == Err("MSG-CODE-WRONG")


def test_r_cert_1_issue_needs_a_verified_attempt_and_happens_once(
    db: Session, clock: MovableClock, inbox: Inbox, ca_ready: pki.CAHierarchy
) -> None:
    """発行 without a verified code, with an unknown token, or a second time: refused; there is
    no re-download (R-CERT-11)."""
    user = _user(db)
    challenge = _challenge(_start(db, user, clock))
    assert issuance.issue_certificate(db, token=challenge.token, clock=clock, ip=IP) == Err(
        "E-ISSUANCE-RESTART"
    )
    assert issuance.issue_certificate(db, token="x" * 22, clock=clock, ip=IP) == Err(
        "E-ISSUANCE-RESTART"
    )
    code = _code_for(db, user, clock, inbox)
    assert issuance.verify_code(db, token=challenge.token, code=code, clock=clock, ip=IP) == Ok(
        None
    )
    # A repeated 認証 after success answers the same and changes nothing.
    assert issuance.verify_code(db, token=challenge.token, code=code, clock=clock, ip=IP) == Ok(
        None
    )
    assert isinstance(issuance.issue_certificate(db, token=challenge.token, clock=clock, ip=IP),
                      Ok)
    assert issuance.issue_certificate(db, token=challenge.token, clock=clock, ip=IP) == Err(
        "E-ISSUANCE-RESTART"
    )
    assert issuance.resend_code(db, token=challenge.token, clock=clock, ip=IP) == Err(
        "E-ISSUANCE-RESTART"
    )
    certs = db.exec(select(Certificate).where(Certificate.user_pk == user.id)).all()
    db.commit()
    assert len(certs) == 1


# ---------------------------------------------------------------------------- who may start


@pytest.mark.parametrize(
    ("user_id", "password", "fields"),
    [
        ("", "", {"user_id": "E-FIELD-REQUIRED", "password": "E-FIELD-REQUIRED"}),
        ("abc", factories.PASSWORD, {"user_id": "E-USER-ID-FORMAT"}),
        ("tanaka01", "password", {"password": "E-PASSWORD-FORMAT"}),
        (" tanaka01", factories.PASSWORD, {"user_id": "E-FIELD-SPACES"}),
    ],
)
def test_r_lock_5_format_errors_are_per_field_and_not_counted(
    db: Session, clock: MovableClock, app_env: Path, user_id: str, password: str,
    fields: dict[str, str],
) -> None:
    """SPEC §3, R-LOCK-5 "format errors are always per field": Invalid, nothing verified or
    counted."""
    verify = CountingVerifier()
    result = _start(db, user_id, clock, password=password, verify=verify)
    assert isinstance(result, Invalid)
    assert {f: e.code for f, e in result.by_field().items()} == fields
    assert verify.calls == []


def test_r_cert_1c_general_first_only_for_general_users_without_a_certificate(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """R-CERT-1c: 一般ユーザーの初期登録 accepts only general users who never had a certificate
    (others are told to use 電子証明書発行: MSG-USE-CERT-ISSUE); 電子証明書発行 accepts
    masters and general users, with the current password (own or temporary)."""
    contract = factories.make_contract(db)
    master = _person(db, factories.make_user(db, contract, role=UserRole.MASTER.value))
    veteran = _person(db, factories.make_user(db, contract))
    _certificate(db, veteran, status=CertificateStatus.REVOKED.value)
    newcomer = _person(db, factories.make_user(db, contract, password_is_temporary=True))
    assert _start(db, master, clock, entry="general_first") == Err("MSG-USE-CERT-ISSUE")
    assert _start(db, veteran, clock, entry="general_first") == Err("MSG-USE-CERT-ISSUE")
    assert isinstance(_start(db, newcomer, clock, entry="general_first"), Ok)
    assert isinstance(_start(db, master, clock, entry="any"), Ok)
    assert isinstance(_start(db, veteran, clock, entry="any"), Ok)
    [entry] = _entries(db, action=issuance.ACTION_START, target=master.user_id)[:1]
    assert entry.detail is not None and "MSG-USE-CERT-ISSUE" in entry.detail
    assert entry.screen == "一般ユーザーの初期登録"


@pytest.mark.parametrize(
    "setup",
    ["unknown", "wrong_password", "deleted", "blocked", "suspended", "issuance_locked",
     "case_differs"],
)
def test_r_lock_5_every_refusal_without_a_certificate_is_generic(
    db: Session, clock: MovableClock, app_env: Path, setup: str
) -> None:
    """R-LOCK-5: "unknown ID, wrong password, issuance lock and 閉塞 all answer
    MSG-AUTH-GENERIC" — with exactly one argon2 verify each; only a usable user's real hash is
    ever checked, and no attempt is opened."""
    overrides: dict[str, Any] = {}
    if setup == "deleted":
        overrides["deleted_at"] = clock.now()
    if setup == "blocked":
        overrides["blocked"] = True
    if setup == "issuance_locked":
        overrides["issuance_locked_until"] = clock.now() + timedelta(minutes=1)
    status = "suspended" if setup == "suspended" else "active"
    user = _user(db, contract_status=status, **overrides)
    user_id = {
        "unknown": factories.next_user_id("nobody"),
        "case_differs": user.user_id.upper(),
    }.get(setup, user.user_id)
    password = WRONG if setup == "wrong_password" else factories.PASSWORD
    verify = CountingVerifier()
    assert _start(db, user_id, clock, password=password, verify=verify) == Err("MSG-AUTH-GENERIC")
    assert verify.calls == [setup == "wrong_password"]
    assert _attempts(db, user) == []
    [entry] = _entries(db, action=issuance.ACTION_START, target=user_id)
    assert entry.chain == "system" and entry.result == "failure" and entry.ip == IP


def test_r_lock_5_unknown_id_and_wrong_password_do_the_same_work(
    db: Session, db_engine: Engine, clock: MovableClock, app_env: Path
) -> None:
    """R-LOCK-5 "unknown user IDs get the same answer and the same timing as wrong passwords",
    asserted structurally (DESIGN §4): one argon2 verify each and the same SQL statements."""
    user = _user(db)
    user_id = user.user_id
    _start(db, factories.next_user_id("warm"), clock)  # the system chain's head exists

    def observe(user_id: str, password: str) -> tuple[Any, list[bool], list[str]]:
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(" ".join(statement.split()))

        verify = CountingVerifier()
        event.listen(db_engine, "before_cursor_execute", record)
        try:
            result = _start(db, user_id, clock, password=password, verify=verify)
        finally:
            event.remove(db_engine, "before_cursor_execute", record)
        return result, verify.calls, statements

    unknown = observe(factories.next_user_id("ghost"), WRONG)
    wrong = observe(user_id, WRONG)
    assert unknown[0] == wrong[0] == Err("MSG-AUTH-GENERIC")
    assert unknown[1] == [False] and wrong[1] == [True]
    assert unknown[2] == wrong[2]
    assert any(s.startswith("UPDATE users SET issuance_failure_count") for s in wrong[2])


def test_r_lock_5_coarse_timing_unknown_id_vs_wrong_password(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """DESIGN §4 "plus one coarse check (medians of 30 tries within 25%)", interleaved, with
    the production argon2id profile as an attacker would meet it (the structural test above
    checks the work itself)."""
    unknown_times: list[float] = []
    wrong_times: list[float] = []
    passwords.use_production_profile()
    try:
        user = _user(db)  # hashed with the production profile too
        _start(db, factories.next_user_id("warm"), clock)
        for i in range(30):
            for user_id, sink in ((factories.next_user_id("ghost"), unknown_times),
                                  (user.user_id, wrong_times)):
                issuance.ISSUANCE_THROTTLE.clear()  # the per-IP throttle is not measured
                begin = time.perf_counter()
                assert _start(db, user_id, clock, password=WRONG) == Err("MSG-AUTH-GENERIC")
                sink.append(time.perf_counter() - begin)
            if i % 4 == 3:  # stay below the lock; the counter is not what is measured
                db.execute(text("UPDATE users SET issuance_failure_count = 0 WHERE id = :id"),
                           {"id": user.id})
                db.commit()
    finally:
        passwords.use_test_profile()
    a, b = statistics.median(unknown_times), statistics.median(wrong_times)
    assert abs(a - b) <= 0.25 * max(a, b), (a, b)


# ---------------------------------------------------------------------------- R-LOCK-4


def test_r_lock_4_six_failures_lock_issuance_for_60_minutes(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """R-LOCK-4: "6 consecutive failures lock issuance for that ID for 60 minutes, e-mail the
    user and are logged; they never count toward the login lock or 閉塞 … A correct password
    resets only this counter.\""""
    user = _user(db, failure_count=2, lock_count=1)
    for i in range(1, 6):
        assert _start(db, user, clock, password=WRONG) == Err("MSG-AUTH-GENERIC")
        assert _reload(db, user).issuance_failure_count == i
    assert _start(db, user, clock, password=WRONG) == Err("MSG-AUTH-GENERIC")
    fresh = _reload(db, user)
    until = clock.now() + timedelta(minutes=60)
    assert fresh.issuance_locked_until == until
    # Login counters untouched: no login lock, no 閉塞.
    assert (fresh.failure_count, fresh.lock_count, fresh.blocked) == (2, 1, False)
    assert fresh.locked_until is None
    locked_mails = db.exec(
        select(MailOutbox).where(
            MailOutbox.user_pk == user.id,
            MailOutbox.to_addr == user.email,
            MailOutbox.kind == "issuance_locked",
        )
    ).all()
    db.commit()
    assert len(locked_mails) == 1
    [lock_entry] = _entries(db, action=issuance.ACTION_LOCK, target=user.user_id)
    assert lock_entry.chain == f"contract:{user.contract_no}"

    # During the lock even the right password is refused before it is checked, uncounted.
    clock.advance(timedelta(minutes=59, seconds=59))
    verify = CountingVerifier()
    assert _start(db, user, clock, verify=verify) == Err("MSG-AUTH-GENERIC")
    assert verify.calls == [False]
    assert _reload(db, user).issuance_failure_count == 6

    clock.advance(timedelta(seconds=1))
    assert isinstance(_start(db, user, clock), Ok)
    fresh = _reload(db, user)
    assert (fresh.issuance_failure_count, fresh.issuance_locked_until) == (0, None)
    assert (fresh.failure_count, fresh.lock_count) == (2, 1)  # "resets only this counter"


def test_r_lock_4_first_failure_after_the_lock_starts_a_new_series(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """After the 60 minutes a wrong password counts 1 of a new series of 6."""
    user = _user(db, issuance_failure_count=6,
                    issuance_locked_until=factories.NOW - timedelta(seconds=1))
    assert _start(db, user, clock, password=WRONG) == Err("MSG-AUTH-GENERIC")
    fresh = _reload(db, user)
    assert (fresh.issuance_failure_count, fresh.issuance_locked_until) == (1, None)


def test_r_lock_4_parallel_guesses_never_count_past_six(
    db: Session, db_engine: Engine, clock: MovableClock, app_env: Path
) -> None:
    """R-LOCK-5 "counters update atomically, so parallel guesses cannot pass 6": 20 threads,
    each with its own session, on the SQLite file and on PostgreSQL. Exactly one lock, one
    lock mail and one lock entry; the login counters stay untouched."""
    user = _user(db)
    barrier = threading.Barrier(20)
    results: list[Any] = []
    errors: list[BaseException] = []

    def guess() -> None:
        try:
            barrier.wait()
            with session_scope(bind=db_engine) as own:
                results.append(_start(own, user, clock, password=WRONG))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [Err("MSG-AUTH-GENERIC")] * 20
    fresh = _reload(db, user)
    assert fresh.issuance_failure_count == 6
    assert fresh.issuance_locked_until == clock.now() + timedelta(minutes=60)
    assert (fresh.failure_count, fresh.lock_count, fresh.blocked, fresh.locked_until) == (
        0, 0, False, None,
    )
    assert len(_entries(db, action=issuance.ACTION_LOCK, target=user.user_id)) == 1
    lock_mails = db.exec(
        select(MailOutbox).where(MailOutbox.to_addr == user.email,
                                 MailOutbox.kind == "issuance_locked")
    ).all()
    db.commit()
    assert len(lock_mails) == 1
    failures = _entries(db, action=issuance.ACTION_START, target=user.user_id)
    assert len(failures) == 20


# ---------------------------------------------------------------------------- R-CERT-5


def _cert_ending(db: Session, user: Person, last_day: datetime) -> Certificate:
    """A current certificate whose last day (JST) is ``last_day``'s date."""
    not_after = datetime.combine(last_day.date(), datetime.max.time(), tzinfo=JST).replace(
        microsecond=0
    )
    return _certificate(db, user, issued_at=not_after - timedelta(days=366), not_after=not_after)


def test_r_cert_5_valid_certificate_refused_until_the_renewal_window(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """R-CERT-5: "A new one is issued only when the user has none valid, or as a renewal from
    30 days before expiry"; R-CERT-4: "The renewal window opens at 00:00 JST on (last day −
    30)". Last day 2027-03-01 → window from 2027-01-30 00:00 JST."""
    user = _user(db)
    cert = _cert_ending(db, user, datetime(2027, 3, 1, tzinfo=JST))
    assert certificate.renewal_opens_at(cert.not_after) == datetime(2027, 1, 30, tzinfo=JST)
    clock.set(datetime(2027, 1, 29, 23, 59, 59, tzinfo=JST))
    assert _start(db, user, clock) == Err("MSG-CERT-EXISTS")
    assert _reload(db, user).issuance_failure_count == 0
    clock.set(datetime(2027, 1, 30, 0, 0, tzinfo=JST))
    assert isinstance(_start(db, user, clock), Ok)


@pytest.mark.parametrize("state", ["expired", "revoked", "superseded"])
def test_r_cert_5_no_valid_certificate_means_a_new_one_may_be_issued(
    db: Session, clock: MovableClock, app_env: Path, state: str
) -> None:
    """R-CERT-5 "only when the user has none valid": expired (the day after the last day),
    revoked or superseded certificates do not block."""
    user = _user(db)
    if state == "expired":
        _cert_ending(db, user, clock.now().astimezone(JST) - timedelta(days=1))
    else:
        _certificate(db, user, status=state)
    assert isinstance(_start(db, user, clock), Ok)


def test_r_cert_5_renewal_supersedes_and_revokes_the_old_serial_in_the_crl(
    db: Session, inbox: Inbox, ca_ready: pki.CAHierarchy
) -> None:
    """R-CERT-5: "On renewal the new certificate becomes current at 発行 and the previous one is
    revoked at once (reason superseded: CRL regenerated, nginx reloaded …)". The clock runs
    near real time here: the CRL is signed with real time (DESIGN §4)."""
    real_now = datetime.now(UTC).replace(microsecond=0)
    clock = MovableClock(real_now - timedelta(days=340))
    user = _user(db)
    first = _issue(db, user, clock, inbox)
    old = pkcs12.load_pkcs12(first.p12, factories.PASSWORD.encode()).cert
    assert old is not None
    old_serial = old.certificate.serial_number

    clock.set(real_now)
    assert clock.now() >= certificate.renewal_opens_at(first.not_after)
    second = _issue(db, user, clock, inbox)
    assert second.not_after > first.not_after

    db.expire_all()
    rows = {
        int(c.serial_hex, 16): c
        for c in db.exec(select(Certificate).where(Certificate.user_pk == user.id))
    }
    db.commit()
    assert rows[old_serial].status == CertificateStatus.SUPERSEDED.value
    assert rows[old_serial].revoked_at == real_now
    assert rows[old_serial].revocation_reason == "superseded"
    [current] = [c for c in rows.values() if c.status == CertificateStatus.CURRENT.value]
    crl = x509.load_pem_x509_crl((settings().pki_dir / "issuing.crl.pem").read_bytes())
    revoked = crl.get_revoked_certificate_by_serial_number(old_serial)
    assert revoked is not None
    assert crl.get_revoked_certificate_by_serial_number(int(current.serial_hex, 16)) is None
    assert (settings().pki_dir / "crl.pem").exists()
    entry = _entries(db, action=issuance.ACTION_ISSUE, target=user.user_id)[-1]
    assert entry.detail is not None and format(old_serial, "x") in entry.detail


def test_r_lock_5_issuance_page_is_throttled_per_ip(db: Session, clock: MovableClock) -> None:
    """R-LOCK-5: "pages reachable without a certificate show only generic errors and are
    throttled per IP" — past 30 attempts in 10 minutes one address gets the generic answer
    without a password check; another address is unaffected, and the window moves on."""
    verify = CountingVerifier()
    for _ in range(30):
        issuance.start_issuance(db, user_id="nobody12", password=factories.PASSWORD,
                                entry="any", clock=clock, ip="198.51.100.7")
    refused = issuance.start_issuance(db, user_id="nobody12", password=factories.PASSWORD,
                                      entry="any", clock=clock, ip="198.51.100.7",
                                      verify_password=verify)
    assert refused == Err("MSG-AUTH-GENERIC")
    assert verify.calls == []
    issuance.start_issuance(db, user_id="nobody12", password=factories.PASSWORD, entry="any",
                            clock=clock, ip="198.51.100.8", verify_password=verify)
    assert len(verify.calls) == 1
    clock.advance(timedelta(minutes=11))
    issuance.start_issuance(db, user_id="nobody12", password=factories.PASSWORD, entry="any",
                            clock=clock, ip="198.51.100.7", verify_password=verify)
    assert len(verify.calls) == 2
