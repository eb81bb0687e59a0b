"""Scheduled jobs (R-OPS-4, DESIGN §3): CRL refresh for both CAs, with the checks an operator
needs; certificate expiry notices (R-CERT-6); purge of expired issuance attempts and old
outbox rows; the outbox flush. `chingin serve` runs them every 10 minutes; production runs
`chingin jobs run` from a systemd timer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from sqlalchemy import update

import pki
from chingin_app.db import session_scope
from chingin_app.domain.clock import Clock
from chingin_app.proxy import nginx
from chingin_app.services.certs import ca, certificates
from chingin_app.settings import Settings, settings

log = logging.getLogger(__name__)

ISSUING_CRL_LIFETIME = timedelta(days=7)
ISSUING_CRL_RESIGN_AFTER = timedelta(days=1)
ROOT_CRL_LIFETIME = timedelta(days=400)
ROOT_CRL_RESIGN_WHEN_LEFT = timedelta(days=60)
CRL_ALARM = timedelta(hours=48)
ISSUING_CA_ALARM = timedelta(days=400)


@dataclass(frozen=True)
class CrlReport:
    """What a refresh did and what the operator must know."""

    changed: bool
    issuing_next_update: datetime
    root_next_update: datetime
    warnings: tuple[str, ...]


def _load_crl(path: object) -> x509.CertificateRevocationList | None:
    try:
        return x509.load_pem_x509_crl(path.read_bytes())  # type: ignore[attr-defined]
    except (FileNotFoundError, ValueError):
        return None


def refresh_crls(s: Settings, *, force: bool = False, now: datetime | None = None) -> CrlReport:
    """Re-sign the issuing CA's CRL daily (or at once when forced, after a revocation) and the
    root's when under 60 days remain; write the bundle nginx reads.

    CRLs use real time, never the test clock: nginx and OpenSSL keep real time (DESIGN §4)."""
    now = now or datetime.now(UTC)
    hierarchy = ca.ensure_hierarchy(s, now=now)
    d = s.pki_dir
    public = d / "public"
    public.mkdir(parents=True, exist_ok=True)
    issuing = _load_crl(d / "issuing.crl.pem")
    root = _load_crl(d / "root.crl.pem")
    changed = False
    if (
        force
        or issuing is None
        or issuing.next_update_utc is None
        or now - issuing.last_update_utc >= ISSUING_CRL_RESIGN_AFTER
    ):
        with session_scope(read_only=True) as db:
            revoked = [
                pki.Revocation(serial=serial, revoked_at=at, reason=reason)
                for serial, at, reason in certificates.revocations(db)
            ]
        issuing = pki.build_crl(
            hierarchy.issuing, revoked, now=now, next_update=ISSUING_CRL_LIFETIME
        )
        changed = True
    if root is None or root.next_update_utc is None or (
        root.next_update_utc - now < ROOT_CRL_RESIGN_WHEN_LEFT
    ):
        root = pki.build_crl(hierarchy.root, [], now=now, next_update=ROOT_CRL_LIFETIME)
        changed = True
    if changed:
        from cryptography.hazmat.primitives.serialization import Encoding

        (d / "issuing.crl.pem").write_bytes(issuing.public_bytes(Encoding.PEM))
        (d / "root.crl.pem").write_bytes(root.public_bytes(Encoding.PEM))
        (public / "issuing.crl").write_bytes(issuing.public_bytes(Encoding.DER))
        (public / "root.crl").write_bytes(root.public_bytes(Encoding.DER))
        (d / "crl.pem").write_bytes(pki.crl_pem_bundle(issuing, root))
    assert issuing.next_update_utc is not None and root.next_update_utc is not None
    warnings: list[str] = []
    for name, crl in (("issuing", issuing), ("root", root)):
        left = crl.next_update_utc - now  # type: ignore[operator]
        if left < CRL_ALARM:
            warnings.append(f"CRL of the {name} CA expires within 48 hours ({crl.next_update_utc})")
    if hierarchy.issuing.cert.not_valid_after_utc - now < ISSUING_CA_ALARM:
        warnings.append(
            f"issuing CA expires {hierarchy.issuing.cert.not_valid_after_utc}: plan its renewal"
        )
    return CrlReport(changed, issuing.next_update_utc, root.next_update_utc, tuple(warnings))


def crl_url(s: Settings) -> str:
    """The CRL distribution point written into client certificates."""
    return f"{s.base_url}/crl/issuing.crl"


@dataclass(frozen=True)
class NoticeReport:
    """How many R-CERT-6 notices a run queued."""

    expiring: int
    expired: int


def send_certificate_notices(*, clock: Clock) -> NoticeReport:
    """R-CERT-6 (dates from R-CERT-4): queue the 30-days-before notice from 00:00 JST on (last
    day − 30) while the certificate is still valid, and the expiry notice from the day after
    the last day (notAfter is 23:59:59 JST on the last day), once each per current certificate
    of a user not deleted. ``renewal_notice_sent_at`` / ``expiry_notice_sent_at`` are set by a
    conditional UPDATE in the transaction that queues the mail, so concurrent runs send once.
    A certificate whose 30-day window passed unnoticed (jobs not run) gets only the expiry
    notice. Each notice is logged in the contract's chain (actor system)."""
    from sqlmodel import col, select

    from chingin_app.models import (
        ActorKind,
        Certificate,
        CertificateStatus,
        Contract,
        LogResult,
        User,
    )
    from chingin_app.services import mail, mail_templates, oplog
    from chingin_app.services.certs import issuance

    now = clock.now()
    table = Certificate.__table__  # type: ignore[attr-defined]
    window = issuance.RENEWAL_WINDOW + timedelta(days=1)  # 00:00 JST on (last day − 30) or later
    counts = {"expiring": 0, "expired": 0}
    with session_scope() as db:
        rows = db.exec(
            select(Certificate, User, Contract.contract_no)
            .join(User, col(User.id) == col(Certificate.user_pk))
            .join(Contract, col(Contract.id) == col(User.contract_id))
            .where(
                Certificate.status == CertificateStatus.CURRENT.value,
                col(User.deleted_at).is_(None),
                col(Certificate.not_after) <= now + window,
                col(Certificate.expiry_notice_sent_at).is_(None),
            )
            .order_by(col(Certificate.not_after), col(Certificate.id))
        ).all()
        for cert, user, contract_no in rows:
            if now > cert.not_after:
                kind, flag = "expired", table.c.expiry_notice_sent_at
                message = mail_templates.certificate_expired(
                    user_name=user.user_name, not_after=cert.not_after
                )
            elif cert.renewal_notice_sent_at is None and now >= issuance.renewal_opens_at(
                cert.not_after
            ):
                kind, flag = "expiring", table.c.renewal_notice_sent_at
                message = mail_templates.certificate_expiring(
                    user_name=user.user_name, not_after=cert.not_after
                )
            else:
                continue
            claimed = db.execute(
                update(table)
                .where(table.c.id == cert.id, flag.is_(None))
                .values({flag.name: now})
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue  # another run sent it
            mail.enqueue(db, to=user.email, message=message, clock=clock, user_pk=user.id)
            oplog.append(
                db,
                chain=oplog.chain_for(contract_no),
                at=now,
                actor_kind=ActorKind.SYSTEM,
                actor="system",
                action=f"certificate.notice_{kind}",
                result=LogResult.SUCCESS,
                contract_no=contract_no,
                target=user.user_id,
                detail={"serial": cert.serial_hex, "not_after": cert.not_after},
            )
            db.commit()
            counts[kind] += 1
    return NoticeReport(expiring=counts["expiring"], expired=counts["expired"])


def run_jobs(*, force_crl: bool = False) -> int:
    """Run every scheduled job once; non-zero exit when the operator must act."""
    from chingin_app.services import operators  # operators' CRLs too: nginx needs them all

    s = settings()
    report = refresh_crls(s, force=force_crl)
    operator_changed = operators.refresh_crls(s, force=force_crl)
    if report.changed or operator_changed:
        nginx.reload(nginx.files_for(s))
    for warning in report.warnings:
        log.error(warning)
    _run_certificate_and_mail_jobs()
    return 1 if any("CRL" in w for w in report.warnings) else 0


def _run_certificate_and_mail_jobs() -> None:
    """R-CERT-6 notices, R-OPS-4 purge of expired issuance attempts and old outbox rows, then
    the outbox (R-SEC-2). Mail that cannot be sent now stays queued with its retries."""
    from chingin_app.domain.clock import clock_from_env
    from chingin_app.services import mail
    from chingin_app.services.certs import issuance

    clock = clock_from_env()
    notices = send_certificate_notices(clock=clock)
    with session_scope() as db:
        voided = issuance.purge_expired_challenges(db, clock=clock)
        purged = mail.purge(db, clock=clock)
    sent = mail.deliver_pending(clock=clock, limit=500)
    log.info(
        "certificate notices: %d expiring, %d expired; attempts voided: %d; "
        "outbox rows purged: %d; mails sent: %d",
        notices.expiring, notices.expired, voided, purged, sent,
    )
