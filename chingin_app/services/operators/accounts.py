"""Operator accounts and their certificates (SPEC R-OPS-7): registered with a certificate from
the separate operator CA (``certs.ca.ensure_operator_hierarchy``) and an argon2id password,
listed, revoked; the gate's lookup of an operator certificate. ``chingin operator-account``
calls these; everything is logged in the system chain."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlmodel import Session, col, select

import pki
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import check_password, check_required
from chingin_app.models import Operator, OperatorCertificate, OperatorStatus
from chingin_app.services import passwords
from chingin_app.services.cert_gate import StoredCert
from chingin_app.services.certs import ca, crl
from chingin_app.services.collation import code_point
from chingin_app.services.operators._log import system_failure, system_success
from chingin_app.services.operators.console import end_sessions
from chingin_app.settings import Settings

__all__ = [
    "ACTION_CREATE",
    "ACTION_REVOKE",
    "NewOperator",
    "OperatorRow",
    "create_operator",
    "list_operators",
    "lookup_certificate",
    "revoke_operator",
]

ACTION_CREATE: Final = "operator.create"
ACTION_REVOKE: Final = "operator.revoke"

_LOGIN_ID_RE: Final = re.compile(r"[A-Za-z0-9]{3,32}")
_NAME_MAX: Final = 40


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
        system_failure(db, at=now, actor=actor, action=ACTION_CREATE, target=login_id,
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
    system_success(db, at=now, actor=actor, action=ACTION_CREATE, target=login_id,
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
        system_failure(db, at=now, actor=actor, action=ACTION_REVOKE, target=login_id[:40],
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
    end_sessions(db, operator.id, now=now, reason="revoked")
    system_success(db, at=now, actor=actor, action=ACTION_REVOKE, target=login_id,
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
    for operator in db.exec(select(Operator).order_by(code_point(col(Operator.login_id)))).all():
        current = db.exec(
            select(OperatorCertificate).where(
                OperatorCertificate.operator_pk == operator.id,
                OperatorCertificate.status == "current",
            )
        ).first()
        rows.append(OperatorRow(operator.login_id, operator.name, operator.status,
                                current.not_after if current else None))
    return rows


def lookup_certificate(db: Session, sha256: str) -> StoredCert | None:
    """What our records say about an operator certificate (the gate's operator classifier)."""
    found = db.exec(
        select(OperatorCertificate).where(OperatorCertificate.sha256 == sha256.lower())
    ).first()
    if found is None:
        return None
    status = "current" if found.status == "current" else "revoked"
    return StoredCert(status=status, not_after=found.not_after)  # type: ignore[arg-type]
