"""Revoking a user's certificate on the bank's paper request, and publishing revocations
(SPEC R-CERT-5, R-CERT-7, R-OPS-2; DESIGN §3 "reload after each revocation").

``revoke_user_certificate`` is one transaction: the user's current certificate becomes
'revoked' (reason from the 依頼書) and the operation-log entry (``certificate.revoke``, actor
``operator:NAME``, the 受付番号 as ``ticket``) commits with it; a refusal is logged in the
system chain after the rollback. From the commit on the app refuses the serial: every event
re-checks the session's certificate (``services.sessions``), which ends the session with
MSG-CERT-REVOKED. The caller then calls ``publish_revocations()`` — after commit, so the CRL
is built from committed rows: the issuing CA's CRL is re-signed at once and a running nginx
re-reads it (R-CERT-7 "takes effect at the TLS layer and in the app at once").

``revoke_current_certificate`` is the building block for use cases that own a bigger
transaction (initialising a master, terminating a contract): it neither commits nor logs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlmodel import Session, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import check_user_id
from chingin_app.models import (
    Certificate,
    CertificateStatus,
    Contract,
    RevocationReason,
    User,
)
from chingin_app.services import oplog
from chingin_app.services.certs import crl
from chingin_app.settings import settings

__all__ = [
    "ACTION_REVOKE",
    "REASONS",
    "publish_revocations",
    "revocation_reason",
    "revoke_current_certificate",
    "revoke_user_certificate",
]

ACTION_REVOKE: Final = "certificate.revoke"

#: ``--reason`` of ``chingin cert revoke`` → the CRL reason code (RFC 5280).
#: pc-change: the user moves to another PC; lost: the PC or the file may be in other hands.
REASONS: Final[dict[str, RevocationReason]] = {
    "pc-change": RevocationReason.CESSATION_OF_OPERATION,
    "lost": RevocationReason.KEY_COMPROMISE,
    "other": RevocationReason.UNSPECIFIED,
}



def revocation_reason(reason: str) -> RevocationReason | None:
    """A ``--reason`` (pc-change, lost, other) or a CRL reason name (``RevocationReason``
    value, e.g. 'affiliationChanged') as the reason to record; None when it is neither."""
    if reason in REASONS:
        return REASONS[reason]
    try:
        return RevocationReason(reason)
    except ValueError:
        return None


def revoke_current_certificate(
    db: Session, *, user_pk: int, reason: RevocationReason, now: datetime
) -> Certificate | None:
    """Mark the user's current certificate revoked (row locked); None when there is none.
    Runs in the caller's transaction: no commit, no log entry, no publication — the caller
    does all three (``publish_revocations`` after its commit)."""
    if reason is RevocationReason.SUPERSEDED:
        raise ValueError("superseded is recorded by issuance (certificates.record_issued)")
    cert = db.exec(
        select(Certificate)
        .where(
            Certificate.user_pk == user_pk,
            Certificate.status == CertificateStatus.CURRENT.value,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if cert is None:
        return None
    cert.status = CertificateStatus.REVOKED.value
    cert.revoked_at = now
    cert.revocation_reason = reason.value
    db.add(cert)
    db.flush()
    return cert


def revoke_user_certificate(
    db: Session,
    *,
    user_id: str,
    reason: str,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
) -> Ok[str] | Err:
    """Revoke ``user_id``'s current certificate (R-OPS-2, R-CERT-7); Ok(serial as lower-case
    hex). The user may then be issued a new one (R-CERT-5: none valid). ``reason``: pc-change,
    lost or other (``REASONS``), or a CRL reason name ('affiliationChanged', …). Commits.

    Errors: E-USER-ID-FORMAT / E-FIELD-REQUIRED, E-REVOKE-REASON, E-USER-NOT-FOUND (also for
    a user ID that differs only in case), E-CERT-NONE-TO-REVOKE (no current certificate; an
    expired current one is revoked). Call ``publish_revocations()`` after an Ok.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    def refuse(err: Err) -> Err:
        oplog.operator_refusal(
            db, at=now, actor=who, action=ACTION_REVOKE, target=user_id[:40], ticket=ticket,
            detail={"code": err.code, "reason": reason},
        )
        return err

    if (err := check_user_id(user_id)) is not None:
        return refuse(err)
    flag = revocation_reason(reason)
    if flag is None or flag is RevocationReason.SUPERSEDED:
        return refuse(Err("E-REVOKE-REASON", "reason"))
    row = db.exec(
        select(User, Contract)
        .join(Contract, Contract.id == User.contract_id)  # type: ignore[arg-type]
        .where(User.user_id == user_id)
        .with_for_update(of=User)  # type: ignore[arg-type]
    ).first()
    if row is None:
        return refuse(Err("E-USER-NOT-FOUND", "user_id"))
    user, contract = row
    assert user.id is not None
    cert = revoke_current_certificate(db, user_pk=user.id, reason=flag, now=now)
    if cert is None:
        return refuse(Err("E-CERT-NONE-TO-REVOKE", "user_id"))
    detail: dict[str, Any] = {
        "serial": cert.serial_hex,
        "reason": reason,
        "crl_reason": flag.value,
        "not_after": cert.not_after,
    }
    oplog.operator_success(
        db, contract_no=contract.contract_no, at=now, actor=who, action=ACTION_REVOKE,
        target=user.user_id, ticket=ticket, detail=detail,
    )
    serial = cert.serial_hex
    db.commit()
    return Ok(serial)


def publish_revocations() -> None:
    """``crl.publish`` with this process's settings, for the use cases that revoke: call it
    after the revocation committed (R-CERT-5, R-CERT-7; DESIGN §3)."""
    crl.publish(settings())
