"""Scheduled jobs (R-OPS-4, DESIGN §3): CRL refresh for both CAs, with the checks an operator
needs. `chingin serve` runs them every 10 minutes; production runs `chingin jobs run` from a
systemd timer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509

import pki
from chingin_app.db import session_scope
from chingin_app.runtime import nginx
from chingin_app.services import ca, certificates
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


def run_jobs(*, force_crl: bool = False) -> int:
    """Run every scheduled job once; non-zero exit when the operator must act."""
    s = settings()
    report = refresh_crls(s, force=force_crl)
    if report.changed:
        nginx.reload(nginx.files_for(s))
    for warning in report.warnings:
        log.error(warning)
    return 1 if any("CRL" in w for w in report.warnings) else 0
