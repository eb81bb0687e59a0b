"""Bank operators of the operator console (SPEC R-OPS-7, R-PLUS-6).

Operators are people with their own certificate from the separate operator CA
(``services.ca.ensure_operator_hierarchy``) and an argon2id password. The console listens only
on the internal operator listener (``runtime.nginx``); every console event re-checks here that
it came through that listener with the operator's current certificate and an open console
session bound to that certificate (``check_session``). Sign-in failures count like the
customer login (``domain.lockout``). Everything is logged in the system chain with the actor
``operator:<login id>``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import update
from sqlmodel import Session, col, select

import pki
from chingin_app.db import session_scope
from chingin_app.domain import lockout
from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import check_password, check_required
from chingin_app.models import (
    ActorKind,
    Certificate,
    Contract,
    LogResult,
    Operator,
    OperatorCertificate,
    OperatorSession,
    OperatorStatus,
    User,
)
from chingin_app.reports.notice import render_notice
from chingin_app.services import jobs, oplog, passwords
from chingin_app.services.cert_gate import CertFacts, StoredCert
from chingin_app.services.certs import ca, crl
from chingin_app.services.contract_users import STATUS_BLOCKED, STATUS_LOCKED, STATUS_NORMAL
from chingin_app.services.contracts import get_contract
from chingin_app.settings import Settings

__all__ = [
    "ACTION_CREATE",
    "ACTION_REVOKE",
    "ACTION_SIGNIN",
    "ACTION_SIGNOUT",
    "LISTENER_OPERATOR",
    "NewOperator",
    "OperatorInfo",
    "OperatorRow",
    "check_session",
    "check_user_of",
    "create_operator",
    "list_operators",
    "lookup_certificate",
    "revoke_operator",
    "sign_in",
    "sign_out",
]

log = logging.getLogger(__name__)

ACTION_CREATE: Final = "operator.create"
ACTION_REVOKE: Final = "operator.revoke"
ACTION_SIGNIN: Final = "operator.signin"
ACTION_SIGNOUT: Final = "operator.signout"

#: What the gate says about the listener an event came through (``x-chingin-listener``).
LISTENER_OPERATOR: Final = "operator"

#: The console's limits, as the customer screens' (R-SESS-1, R-SEC-1).
IDLE_LIMIT: Final = timedelta(minutes=60)
ABSOLUTE_LIFETIME: Final = timedelta(hours=12)

_LOGIN_ID_RE: Final = re.compile(r"[A-Za-z0-9]{3,32}")
_NAME_MAX: Final = 40


def _actor(login_id: str) -> str:
    return oplog.operator_actor(login_id)


def _system_success(
    db: Session, *, at: datetime, actor: str, action: str, target: str | None,
    ip: str | None = None, detail: dict[str, object] | None = None,
) -> None:
    oplog.append(
        db, chain=oplog.SYSTEM_CHAIN, at=at, actor_kind=ActorKind.OPERATOR, actor=actor,
        action=action, result=LogResult.SUCCESS, ip=ip, screen="オペレーターコンソール",
        target=target, detail=detail,
    )


def _system_failure(
    db: Session, *, at: datetime, actor: str, action: str, target: str | None,
    ip: str | None = None, code: str,
) -> None:
    oplog.log_failure(
        db, chain=oplog.SYSTEM_CHAIN, at=at, actor_kind=ActorKind.OPERATOR, actor=actor,
        action=action, result=LogResult.FAILURE, ip=ip, screen="オペレーターコンソール",
        target=target, detail={"code": code},
    )


# ---------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class NewOperator:
    """A registered operator and the .p12 to hand over (its password is the operator's)."""

    login_id: str
    p12: bytes
    serial_hex: str
    not_after: datetime


def _check_account(login_id: str, name: str, password: str, p12_password: str) -> list[Err]:
    errors: list[Err] = []
    if (err := check_required(login_id, field="login_id", label="オペレーターＩＤ")) is not None:
        errors.append(err)
    elif _LOGIN_ID_RE.fullmatch(login_id) is None:
        errors.append(Err("E-OP-ID-FORMAT", "login_id"))
    if (err := check_required(name, field="name", label="氏名")) is not None:
        errors.append(err)
    elif len(name) > _NAME_MAX or not name.isprintable() or name.strip() != name:
        errors.append(Err("E-OP-NAME-FORMAT", "name"))
    for value, field, label in (
        (password, "password", "パスワード"),
        (p12_password, "p12_password", "証明書ファイルのパスワード"),
    ):
        if (err := check_password(value, field=field, label=label, user_id=login_id)) is not None:
            errors.append(err)
    return errors


def create_operator(
    db: Session,
    *,
    s: Settings,
    login_id: str,
    name: str,
    password: str,
    p12_password: str,
    actor: str,
    clock: Clock,
) -> Ok[NewOperator] | Invalid | Err:
    """Register an operator and issue their certificate from the operator CA (R-OPS-7).

    Returns the .p12 (key, certificate, operator chain) protected with ``p12_password``; the
    key is never stored. Nothing is saved on bad input (``Invalid``) or a taken ID
    (``E-OP-EXISTS``). Logged in the system chain; the passwords never are. Commits."""
    now = clock.now()
    errors = _check_account(login_id, name, password, p12_password)
    if errors:
        return Invalid(tuple(errors))
    if db.exec(select(Operator).where(Operator.login_id == login_id)).first() is not None:
        err = Err("E-OP-EXISTS", "login_id")
        _system_failure(db, at=now, actor=actor, action=ACTION_CREATE, target=login_id,
                        code=err.code)
        return err
    hierarchy = ca.ensure_operator_hierarchy(s, now=datetime.now(UTC))
    # Real time for the certificate: nginx and OpenSSL keep real time (DESIGN §4).
    issued = pki.issue_client_cert(
        hierarchy.issuing, user_id=login_id, now=datetime.now(UTC),
        crl_url=crl.operator_crl_url(s),
    )
    operator = Operator(
        login_id=login_id, name=name, password_hash=passwords.hash_secret(password),
        created_at=now, updated_at=now,
    )
    db.add(operator)
    db.flush()
    assert operator.id is not None
    serial_hex = format(issued.cert.serial_number, "x")
    db.add(
        OperatorCertificate(
            operator_pk=operator.id, serial_hex=serial_hex,
            sha256=pki.sha256_fingerprint(issued.cert),
            not_after=issued.cert.not_valid_after_utc, issued_at=now,
        )
    )
    _system_success(db, at=now, actor=actor, action=ACTION_CREATE, target=login_id,
                    detail={"serial": serial_hex})
    p12 = pki.to_p12(
        issued, password=p12_password, chain=[hierarchy.issuing.cert, hierarchy.root.cert],
        friendly_name=login_id,
    )
    db.commit()
    return Ok(NewOperator(login_id, p12, serial_hex, issued.cert.not_valid_after_utc))


def revoke_operator(
    db: Session, *, s: Settings, login_id: str, actor: str, clock: Clock
) -> Ok[int] | Err:
    """Revoke an operator: status revoked, every certificate revoked, console sessions ended
    (R-OPS-7). Returns how many certificates were revoked. Commits; the caller then publishes
    the CRLs (``crl.publish``), as after a customer revocation."""
    now = clock.now()
    operator = db.exec(select(Operator).where(Operator.login_id == login_id)).first()
    if operator is None or operator.id is None:
        err = Err("E-OP-NOT-FOUND", "login_id")
        _system_failure(db, at=now, actor=actor, action=ACTION_REVOKE, target=login_id[:40],
                        code=err.code)
        return err
    operator.status = OperatorStatus.REVOKED.value
    operator.updated_at = now
    db.add(operator)
    certs = db.exec(
        select(OperatorCertificate).where(
            OperatorCertificate.operator_pk == operator.id, OperatorCertificate.status == "current"
        )
    ).all()
    for cert in certs:
        cert.status = "revoked"
        cert.revoked_at = now
        db.add(cert)
    _end_sessions(db, operator.id, now=now, reason="revoked")
    _system_success(db, at=now, actor=actor, action=ACTION_REVOKE, target=login_id,
                    detail={"certificates": len(certs)})
    db.commit()
    return Ok(len(certs))


@dataclass(frozen=True)
class OperatorRow:
    """One line of ``chingin operator-account list``."""

    login_id: str
    name: str
    status: str
    certificate_until: datetime | None


def list_operators(db: Session) -> list[OperatorRow]:
    """Every operator with the end of their current certificate."""
    rows: list[OperatorRow] = []
    for operator in db.exec(select(Operator).order_by(col(Operator.login_id))).all():
        current = db.exec(
            select(OperatorCertificate).where(
                OperatorCertificate.operator_pk == operator.id,
                OperatorCertificate.status == "current",
            )
        ).first()
        rows.append(OperatorRow(operator.login_id, operator.name, operator.status,
                                current.not_after if current else None))
    return rows


# ---------------------------------------------------------------------------- certificates


def lookup_certificate(db: Session, sha256: str) -> StoredCert | None:
    """What our records say about an operator certificate (the gate's operator classifier)."""
    found = db.exec(
        select(OperatorCertificate).where(OperatorCertificate.sha256 == sha256.lower())
    ).first()
    if found is None:
        return None
    status = "current" if found.status == "current" else "revoked"
    return StoredCert(status=status, not_after=found.not_after)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- console sessions


@dataclass(frozen=True)
class OperatorInfo:
    """The signed-in operator, re-read at every console event."""

    login_id: str
    name: str

    @property
    def actor(self) -> str:
        """How the operation log records this operator (``operator:<login id>``)."""
        return _actor(self.login_id)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _end_sessions(db: Session, operator_pk: int, *, now: datetime, reason: str) -> None:
    table = OperatorSession.__table__  # type: ignore[attr-defined]
    db.execute(
        update(table)
        .where(table.c.operator_pk == operator_pk, table.c.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def _listener_err(listener: str | None, facts: CertFacts) -> Err | None:
    """Only the operator listener with a current operator certificate reaches the console
    (R-OPS-7): anything else — the public listener, a direct connection — gets nothing."""
    if listener != LISTENER_OPERATOR:
        return Err("E-OP-LISTENER")
    if not facts.usable or not facts.subject or not facts.sha256:
        return Err("E-OP-CERT")
    return None


def _operator_of(db: Session, facts: CertFacts) -> Operator | None:
    """The operator whose current certificate this is (CN and SHA-256 must both match)."""
    row = db.exec(
        select(Operator, OperatorCertificate)
        .join(OperatorCertificate, col(OperatorCertificate.operator_pk) == col(Operator.id))
        .where(
            OperatorCertificate.sha256 == (facts.sha256 or "").lower(),
            OperatorCertificate.status == "current",
        )
    ).first()
    if row is None:
        return None
    operator, _ = row
    return operator if operator.login_id == facts.subject else None


def _state(operator: Operator) -> lockout.LockState:
    return lockout.LockState(
        failure_count=operator.failure_count, locked_until=operator.locked_until,
        lock_count=operator.lock_count, blocked=operator.blocked,
    )


def _store_state(operator: Operator, state: lockout.LockState, now: datetime) -> None:
    operator.failure_count = state.failure_count
    operator.locked_until = state.locked_until
    operator.lock_count = state.lock_count
    operator.blocked = state.blocked
    operator.updated_at = now


def sign_in(
    db: Session,
    *,
    listener: str | None,
    facts: CertFacts,
    password: str,
    clock: Clock,
    ip: str | None,
) -> Ok[tuple[str, OperatorInfo]] | Err:
    """Console sign-in with the operator certificate and password (R-OPS-7, R-PLUS-6).

    The certificate names the operator; the password is checked with the customer login's
    lockout rules (6 failures lock for 60 minutes, the 3rd lock blocks; attempts during a lock
    are not counted). Returns a new session token (older sessions of the operator end).
    Commits."""
    now = clock.now()
    if (err := _listener_err(listener, facts)) is not None:
        return err
    operator = _operator_of(db, facts)
    if operator is None or operator.id is None or operator.status != OperatorStatus.ACTIVE:
        passwords.verify_secret(None, password)  # same work as a wrong password
        _system_failure(db, at=now, actor=_actor(facts.subject or "unknown"),
                        action=ACTION_SIGNIN, target=facts.subject, ip=ip, code="E-OP-CERT")
        return Err("E-OP-CERT")
    actor = _actor(operator.login_id)
    state = _state(operator)
    gate = lockout.gate(state, now)
    if gate is lockout.Gate.BLOCKED:
        _system_failure(db, at=now, actor=actor, action=ACTION_SIGNIN, target=operator.login_id,
                        ip=ip, code="MSG-BLOCKED")
        return Err("MSG-BLOCKED")
    if gate is lockout.Gate.LOCKED:
        assert state.locked_until is not None
        _system_failure(db, at=now, actor=actor, action=ACTION_SIGNIN, target=operator.login_id,
                        ip=ip, code="MSG-LOCKED")
        return Err("MSG-LOCKED", None, {"unlock_at": lockout.unlock_at_text(state.locked_until)})
    if not password or not passwords.verify_secret(operator.password_hash, password):
        new_state, outcome = lockout.after_failure(state, now)
        _store_state(operator, new_state, now)
        db.add(operator)
        oplog.append(
            db, chain=oplog.SYSTEM_CHAIN, at=now, actor_kind=ActorKind.OPERATOR, actor=actor,
            action=ACTION_SIGNIN, result=LogResult.FAILURE, ip=ip,
            screen="オペレーターコンソール", target=operator.login_id,
            detail={"code": "MSG-PW-WRONG", "outcome": outcome.value},
        )
        db.commit()  # the counters and the failure entry stand together
        if outcome is lockout.Outcome.BLOCKED:
            return Err("MSG-BLOCKED", "password")
        if outcome is lockout.Outcome.LOCKED:
            assert new_state.locked_until is not None
            return Err("MSG-LOCKED", "password",
                       {"unlock_at": lockout.unlock_at_text(new_state.locked_until)})
        return Err("MSG-PW-WRONG", "password")
    _store_state(operator, lockout.after_success(state), now)
    db.add(operator)
    _end_sessions(db, operator.id, now=now, reason="duplicate")
    token = secrets.token_urlsafe(32)
    db.add(
        OperatorSession(
            token_hash=_hash_token(token), operator_pk=operator.id,
            cert_sha256=(facts.sha256 or "").lower(), created_at=now, last_activity_at=now,
            expires_at=now + ABSOLUTE_LIFETIME,
        )
    )
    _system_success(db, at=now, actor=actor, action=ACTION_SIGNIN, target=operator.login_id,
                    ip=ip)
    db.commit()
    return Ok((token, OperatorInfo(operator.login_id, operator.name)))


def check_session(
    db: Session,
    *,
    listener: str | None,
    facts: CertFacts,
    token: str | None,
    clock: Clock,
    touch: bool = True,
) -> Ok[OperatorInfo] | Err:
    """Every console event (R-OPS-7): the operator listener, a current operator certificate,
    and an open session opened with that very certificate, not idle for 60 minutes, at most
    12 hours old, of an active operator. A failing session ends. Commits when it changes."""
    now = clock.now()
    if (err := _listener_err(listener, facts)) is not None:
        return err
    if not token:
        return Err("E-OP-SESSION")
    sess = db.exec(
        select(OperatorSession).where(
            OperatorSession.token_hash == _hash_token(token),
            col(OperatorSession.ended_at).is_(None),
        )
    ).first()
    if sess is None:
        return Err("E-OP-SESSION")
    operator = db.get(Operator, sess.operator_pk)
    reason: str | None = None
    if operator is None or operator.status != OperatorStatus.ACTIVE:
        reason = "revoked"
    elif sess.cert_sha256 != (facts.sha256 or "").lower() or operator.login_id != facts.subject:
        reason = "certificate"
    elif now >= sess.expires_at:
        reason = "expired"
    elif now - sess.last_activity_at >= IDLE_LIMIT:
        reason = "idle"
    if reason is not None or operator is None:
        sess.ended_at = now
        sess.end_reason = reason
        db.add(sess)
        db.commit()
        return Err("E-OP-SESSION")
    if touch:
        sess.last_activity_at = now
        db.add(sess)
        db.commit()
    return Ok(OperatorInfo(operator.login_id, operator.name))


def sign_out(db: Session, *, token: str, clock: Clock, ip: str | None) -> None:
    """End a console session and log it; an unknown token changes nothing. Commits."""
    now = clock.now()
    sess = db.exec(
        select(OperatorSession).where(
            OperatorSession.token_hash == _hash_token(token),
            col(OperatorSession.ended_at).is_(None),
        )
    ).first()
    if sess is None:
        return
    operator = db.get(Operator, sess.operator_pk)
    sess.ended_at = now
    sess.end_reason = "logout"
    db.add(sess)
    if operator is not None:
        _system_success(db, at=now, actor=_actor(operator.login_id), action=ACTION_SIGNOUT,
                        target=operator.login_id, ip=ip)
    db.commit()


# ---------------------------------------------------------------------------- console reads


@dataclass(frozen=True)
class ContractLine:
    """One contract in the console's search result."""

    contract_no: str
    name: str
    status: str


@dataclass(frozen=True)
class UserLine:
    """One user of a contract as the console shows it (no secrets)."""

    user_id: str
    user_name: str
    role: str
    status: str
    certificate: str


SEARCH_LIMIT: Final = 50


def search_contracts(db: Session, *, query: str) -> list[ContractLine]:
    """Contracts whose number starts with, or whose name contains, ``query`` (at most 50,
    newest first). Read-only."""
    text = query.strip()
    stmt = select(Contract).order_by(col(Contract.id).desc()).limit(SEARCH_LIMIT)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            col(Contract.contract_no).like(f"{escaped}%", escape="\\")
            | col(Contract.name).like(f"%{escaped}%", escape="\\")
        )
    rows = [ContractLine(c.contract_no, c.name, c.status) for c in db.exec(stmt).all()]
    db.rollback()
    return rows


def contract_users(db: Session, *, contract_no: str, now: datetime) -> list[UserLine]:
    """Every live user of a contract with lock state and certificate state. Read-only."""
    contract = db.exec(select(Contract).where(Contract.contract_no == contract_no)).first()
    if contract is None:
        db.rollback()
        return []
    lines: list[UserLine] = []
    users = db.exec(
        select(User).where(User.contract_id == contract.id, col(User.deleted_at).is_(None))
        .order_by(col(User.role).desc(), col(User.id))
    ).all()
    for user in users:
        if user.blocked:
            status = STATUS_BLOCKED
        elif user.locked_until is not None and user.locked_until > now:
            status = STATUS_LOCKED
        else:
            status = STATUS_NORMAL
        cert = db.exec(
            select(Certificate).where(Certificate.user_pk == user.id)
            .order_by(col(Certificate.issued_at).desc())
        ).first()
        if cert is None:
            cert_text = "未発行"
        elif cert.status == "current":
            cert_text = "有効" if cert.not_after > now else "期限切れ"
        else:
            cert_text = "失効" if cert.status == "revoked" else "更新済み"
        role = "マスター" if user.role == "master" else "一般"
        lines.append(UserLine(user.user_id, user.user_name, role, status, cert_text))
    db.rollback()
    return lines


def check_user_of(
    db: Session, *, contract_no: str, user_id: str, action: str, actor: str, clock: Clock,
    ticket: str | None,
) -> Err | None:
    """The console's procedures on one user act only on a live user of the contract the
    dialog names (R-OPS-2: the 依頼書 is the contract's): None when ``user_id`` is one, else
    E-OP-USER-OTHER-CONTRACT (at the field), logged as a refusal of ``action`` with the
    受付番号. The caller's service then checks the user itself. Commits a refusal only."""
    found = db.exec(
        select(User.id)
        .join(Contract, col(Contract.id) == col(User.contract_id))
        .where(Contract.contract_no == contract_no, User.user_id == user_id,
               col(User.deleted_at).is_(None))
    ).first()
    if found is not None:
        return None
    err = Err("E-OP-USER-OTHER-CONTRACT", "user_id")
    oplog.operator_refusal(db, at=clock.now(), actor=actor, action=action,
                           target=user_id[:40] or None, ticket=ticket,
                           detail={"code": err.code, "contract_no": contract_no})
    return err


def notice_pdf(
    db: Session, *, s: Settings, contract_no: str, change: bool, actor: str, clock: Clock,
    ticket: str | None,
) -> Ok[tuple[str, bytes]] | Err:
    """ご利用開始（変更）のお知らせ as the console's download, logged like ``chingin notice``
    (R-OPS-1, R-OPS-2 reissue, R-OPS-5). Commits."""
    now = clock.now()
    view = get_contract(db, contract_no)
    if view is None:
        oplog.operator_refusal(db, at=now, actor=actor, action="contract.notice",
                               target=contract_no[:40], ticket=ticket,
                               detail={"code": "E-CONTRACT-NOT-FOUND"})
        return Err("E-CONTRACT-NOT-FOUND", "contract_no")
    issued_on = to_jst(now).date()
    pdf = render_notice(
        view, issued_on=issued_on, change=change,
        helpdesk=(s.helpdesk_name, s.helpdesk_tel, s.helpdesk_hours), service_url=s.base_url,
    )
    oplog.operator_success(
        db, contract_no=contract_no, at=now, actor=actor, action="contract.notice",
        target=contract_no, ticket=ticket, detail={"change": change, "issued_on": issued_on},
    )
    db.commit()
    return Ok((f"notice-{contract_no}.pdf", pdf))


def run_jobs(*, actor: str, clock: Clock, ticket: str | None) -> int:
    """The scheduled jobs run from the console (R-OPS-4): CRLs of both CAs, notices, purges,
    outbox; logged in the system chain. Returns the jobs' exit status."""
    status = jobs.run_jobs()
    with session_scope() as db:
        oplog.append(
            db, chain=oplog.SYSTEM_CHAIN, at=clock.now(), actor_kind=ActorKind.OPERATOR,
            actor=actor, action="jobs.run",
            result=LogResult.SUCCESS if status == 0 else LogResult.FAILURE,
            screen="オペレーターコンソール", detail={"status": status, "ticket": ticket},
        )
        db.commit()
    return status
