"""発行, the flow's last step (R-CERT-1, R-CERT-2, R-CERT-4, R-CERT-5, R-CERT-11): the key pair,
certificate and .p12 are made in memory outside any write transaction, then recorded with the
attempt consumed in one transaction; a superseded serial is published after the commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session

import pki
from chingin_app.domain.certificate import (
    may_issue_new,
    p12_filename,
)
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Ok
from chingin_app.services import mail, mail_templates, secretbox
from chingin_app.services.certs import ca, certificates, crl
from chingin_app.services.certs.issuance._attempts import (
    CHALLENGES,
    TOKEN_RE,
    USERS,
    begin_read,
    current_certificate,
    hash_token,
    is_live,
    lock_attempt,
    password_aad,
    usable,
    void,
)
from chingin_app.services.certs.issuance._log import (
    ACTION_ISSUE,
    AUTH_GENERIC,
    RESTART,
    SCREENS,
    log_user_success,
    refuse_step,
    unknown_attempt,
)
from chingin_app.settings import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedFile:
    """The .p12 for the one download (R-CERT-1, R-CERT-1b, R-CERT-11): never stored."""

    user_id: str
    filename: str
    p12: bytes
    root_sha1: str
    not_after: datetime


def issue_certificate(
    db: Session, *, token: str, clock: Clock, ip: str | None
) -> Ok[IssuedFile] | Err:
    """発行 (R-CERT-1, R-CERT-2, R-CERT-4, R-CERT-5, R-CERT-11).

    Needs a verified, unexpired, unconsumed attempt. Generates the key pair and certificate
    (``now = clock.now()``: nginx checks it against real time), records it — superseding the
    previous current certificate (its sessions end at their next event: ``services.sessions``
    re-checks the certificate) — builds the .p12 encrypted with the
    password typed at 認証 (chain: issuing CA, root; friendly name = user ID), deletes that
    password and consumes the attempt in the same transaction, queues the 発行 mail and logs
    ``certificate.issue``. After commit a superseded serial is published (CRL re-signed, nginx
    reloaded). The key and the .p12 exist only in the returned value.

    Errors: E-ISSUANCE-RESTART (unknown token, not verified, expired, voided or already
    issued), MSG-CERT-EXISTS (a valid certificate appeared meanwhile), MSG-AUTH-GENERIC (user
    or contract unusable meanwhile).
    """
    now = clock.now()
    found = _read_verified_attempt(db, token, now)
    if isinstance(found, Err):
        return _finish_refused_issue(db, found, token=token, now=now, ip=ip)
    challenge_id, user_id, password = found

    # The slow part, outside any write transaction: key pair, certificate, .p12.
    hierarchy = ca.hierarchy()
    issued = pki.issue_client_cert(
        hierarchy.issuing, user_id=user_id, now=now, crl_url=crl.crl_url(settings())
    )
    p12 = pki.to_p12(
        issued,
        password=password,
        chain=[hierarchy.issuing.cert, hierarchy.root.cert],
        friendly_name=user_id,
    )
    del password

    locked = lock_attempt(db, token)
    if locked is None or locked[0].id != challenge_id:
        return unknown_attempt(db, Err(RESTART), action=ACTION_ISSUE, now=now, ip=ip)
    challenge, user, contract = locked
    screen = SCREENS.get(challenge.entry, challenge.entry)
    contract_no = contract.contract_no
    assert user.id is not None

    def refuse(code: str, reason: str) -> Err:
        return refuse_step(
            db, Err(code), keep=False, user_id=user_id, contract_no=contract_no,
            action=ACTION_ISSUE, at=now, ip=ip, screen=screen,
            detail={"challenge_id": challenge_id, "reason": reason},
        )

    if not is_live(challenge) or challenge.verified_at is None or now >= challenge.expires_at:
        return refuse(RESTART, "finished_meanwhile")
    if not usable(user, contract):
        return refuse(AUTH_GENERIC, "user_not_usable")
    current = current_certificate(db, user.id)
    if current is not None and not may_issue_new(current.not_after, now):
        return refuse("MSG-CERT-EXISTS", "valid_certificate")
    superseded = current.serial_hex if current is not None else None

    cert = issued.cert
    serial_hex = certificates.normalise_serial(cert.serial_number)
    certificates.record_issued(
        db,
        user_pk=user.id,
        serial_hex=serial_hex,
        sha256_hex=pki.sha256_fingerprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        issued_at=now,
    )
    challenge.consumed_at = now
    challenge.encrypted_password = None
    challenge.code_hash = ""
    db.add(challenge)
    mail.enqueue(
        db,
        to=user.email,
        message=mail_templates.certificate_issued(
            user_name=user.user_name,
            user_id=user.user_id,
            issued_at=now,
            not_after=cert.not_valid_after_utc,
        ),
        clock=clock,
        user_pk=user.id,
    )
    log_user_success(
        db, user=user, contract_no=contract.contract_no, action=ACTION_ISSUE, at=now, ip=ip,
        screen=screen,
        detail={
            "challenge_id": challenge_id,
            "entry": challenge.entry,
            "serial": serial_hex,
            "not_after": cert.not_valid_after_utc,
            "superseded": superseded,
        },
    )
    db.commit()

    if superseded is not None:
        try:
            crl.publish(settings())
        except Exception:
            # The new certificate is committed and this response is the only copy of its key
            # (R-CERT-11): hand it over. The gate already refuses the superseded serial; the
            # jobs re-sign the CRL within the day. The operator must see this.
            log.exception("CRL publication after renewal failed (superseded %s)", superseded)
    return Ok(
        IssuedFile(
            user_id=user.user_id,
            filename=p12_filename(user.user_id, now),
            p12=p12,
            root_sha1=pki.sha1_fingerprint(hierarchy.root.cert),
            not_after=cert.not_valid_after_utc,
        )
    )


def _read_verified_attempt(db: Session, token: str, now: datetime) -> tuple[int, str, str] | Err:
    """(attempt id, user ID, decrypted password) of a verified, live attempt; read-only."""
    if not isinstance(token, str) or TOKEN_RE.fullmatch(token) is None:
        return Err(RESTART, None, {"reason": "unknown_token"})
    begin_read(db)
    row = db.execute(
        sa_select(
            CHALLENGES.c.id,
            CHALLENGES.c.user_pk,
            CHALLENGES.c.token_hash,
            CHALLENGES.c.encrypted_password,
            CHALLENGES.c.expires_at,
            CHALLENGES.c.verified_at,
            CHALLENGES.c.consumed_at,
            CHALLENGES.c.voided_at,
            USERS.c.user_id,
        )
        .join(USERS, USERS.c.id == CHALLENGES.c.user_pk)
        .where(CHALLENGES.c.token_hash == hash_token(token))
    ).one_or_none()
    db.rollback()
    if row is None:
        return Err(RESTART, None, {"reason": "unknown_token"})
    if row.consumed_at is not None or row.voided_at is not None or row.verified_at is None:
        return Err(RESTART, None, {"reason": "not_verified_or_finished"})
    if now >= row.expires_at or row.encrypted_password is None:
        return Err(RESTART, None, {"reason": "expired"})
    try:
        password = secretbox.unseal(
            row.encrypted_password, aad=password_aad(row.id, row.user_pk, row.token_hash)
        ).decode("utf-8")
    except secretbox.SecretboxError:
        return Err(RESTART, None, {"reason": "password_does_not_open"})
    return int(row.id), str(row.user_id), password


def _finish_refused_issue(
    db: Session, err: Err, *, token: str, now: datetime, ip: str | None
) -> Err:
    """A refused 発行: an expired attempt loses its secrets at once; log; E-ISSUANCE-RESTART."""
    reason = err.params.get("reason")
    found = lock_attempt(db, token) if reason != "unknown_token" else None
    if found is None:
        return unknown_attempt(db, Err(RESTART), action=ACTION_ISSUE, now=now, ip=ip)
    challenge, user, contract = found
    user_id, contract_no, challenge_id = user.user_id, contract.contract_no, challenge.id
    screen = SCREENS.get(challenge.entry, challenge.entry)
    keep = False
    if is_live(challenge) and (
        now >= challenge.expires_at or reason == "password_does_not_open"
    ):
        void(challenge, now, "expired")
        db.add(challenge)
        keep = True
    return refuse_step(
        db, Err(RESTART), keep=keep, user_id=user_id, contract_no=contract_no,
        action=ACTION_ISSUE, at=now, ip=ip, screen=screen,
        detail={"challenge_id": challenge_id, "reason": reason},
    )
