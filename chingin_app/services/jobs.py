"""Scheduled jobs (R-OPS-4, DESIGN §3), run once by ``chingin jobs run`` (production: a systemd
timer): the CRLs of both CAs (``certs.crl``, with the checks an operator needs); certificate
expiry notices (R-CERT-6); the まとめ入金期限 notices (R-PLUS-7, ``services.notices``); purge of
expired issuance attempts and old outbox rows; the outbox flush. ``chingin serve`` syncs the CRLs
itself every ``crl.SYNC_INTERVAL_SECONDS`` (R-DEP-5) and sends the outbox in the background."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from chingin_app.db import session_scope
from chingin_app.domain.certificate import RENEWAL_WINDOW, renewal_opens_at
from chingin_app.domain.clock import Clock, clock_from_env
from chingin_app.models import (
    ActorKind,
    Certificate,
    CertificateStatus,
    Contract,
    LogResult,
    User,
)
from chingin_app.services import mail, mail_templates, notices, oplog
from chingin_app.services.certs import crl, issuance
from chingin_app.settings import settings

log = logging.getLogger(__name__)


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
    now = clock.now()
    table = Certificate.__table__  # type: ignore[attr-defined]
    window = RENEWAL_WINDOW + timedelta(days=1)  # 00:00 JST on (last day − 30) or later
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
            elif cert.renewal_notice_sent_at is None and now >= renewal_opens_at(cert.not_after):
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


def run_jobs() -> int:
    """Run every scheduled job once (R-OPS-4): the CRLs of both CAs, then the certificate and
    mail jobs. Exit status 1 when a CRL expires within 48 hours (DESIGN §3: the operator must
    act), else 0."""
    report = crl.scheduled_refresh(settings())
    _run_certificate_and_mail_jobs()
    return 1 if report.expiring else 0


def run_for_operator(*, actor: str, clock: Clock, ticket: str | None) -> int:
    """``run_jobs`` from the operator console's 定期処理の実行 (R-OPS-4, R-PLUS-6), logged in the
    system chain with the operator and the 受付番号. Returns the jobs' exit status."""
    status = run_jobs()
    with session_scope() as db:
        oplog.append(
            db, chain=oplog.SYSTEM_CHAIN, at=clock.now(), actor_kind=ActorKind.OPERATOR,
            actor=actor, action="jobs.run",
            result=LogResult.SUCCESS if status == 0 else LogResult.FAILURE,
            screen="オペレーターコンソール", detail={"status": status, "ticket": ticket},
        )
        db.commit()
    return status


def _run_certificate_and_mail_jobs() -> None:
    """R-CERT-6 notices, R-PLUS-7 deadline notices, R-OPS-4 purge of expired issuance
    attempts and old outbox rows, then the outbox (R-SEC-2). Mail that cannot be sent now
    stays queued with its retries."""
    clock = clock_from_env()
    cert_notices = send_certificate_notices(clock=clock)
    deadline_notices = notices.send_deadline_notices(clock=clock)
    with session_scope() as db:
        voided = issuance.purge_expired_challenges(db, clock=clock)
        purged = mail.purge(db, clock=clock)
    sent = mail.deliver_pending(clock=clock, limit=500)
    log.info(
        "certificate notices: %d expiring, %d expired; deadline notices: %d; "
        "attempts voided: %d; outbox rows purged: %d; mails sent: %d",
        cert_notices.expiring, cert_notices.expired, deadline_notices, voided, purged, sent,
    )
