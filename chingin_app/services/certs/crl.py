"""The CRLs of both CA hierarchies, customer and operator, in one place (R-CERT-5, R-CERT-7,
R-OPS-4, R-OPS-7; DESIGN §3 "nginx needs a CRL for every CA in the chain").

``refresh`` keeps them fresh: each issuing CA's CRL (7 days) is re-signed daily, or at once
when forced (after a revocation); each root's (400 days) when fewer than 60 days remain. It
writes what nginx reads (``crl.pem``: issuing + root, per hierarchy) and, for the customer
hierarchy, the DER copies at the distribution point written into client certificates
(``crl_url``). ``publish`` is the step after a revocation commits: re-sign at once and have a
running nginx re-read the files. ``scheduled_refresh`` is the job of ``chingin serve``'s loop
and ``chingin jobs run``: refresh, reload nginx when anything changed, log the warnings.

CRLs use real time, never the test clock: nginx and OpenSSL keep real time (DESIGN §4).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlmodel import Session, select

import pki
from chingin_app.db import session_scope
from chingin_app.models import OperatorCertificate
from chingin_app.proxy import nginx
from chingin_app.services.certs import ca, certificates
from chingin_app.settings import Settings

__all__ = [
    "CRL_ALARM",
    "ISSUING_CA_ALARM",
    "ISSUING_CRL_LIFETIME",
    "ISSUING_CRL_RESIGN_AFTER",
    "ROOT_CRL_LIFETIME",
    "ROOT_CRL_RESIGN_WHEN_LEFT",
    "CrlReport",
    "crl_url",
    "operator_crl_url",
    "publish",
    "refresh",
    "scheduled_refresh",
]

log = logging.getLogger(__name__)

#: DESIGN §3: the issuing CA's CRL lives 7 days and is re-signed daily (and at each revocation).
ISSUING_CRL_LIFETIME: Final = timedelta(days=7)
ISSUING_CRL_RESIGN_AFTER: Final = timedelta(days=1)
#: DESIGN §3: the root's CRL lives 400 days and is re-signed when under 60 days remain.
ROOT_CRL_LIFETIME: Final = timedelta(days=400)
ROOT_CRL_RESIGN_WHEN_LEFT: Final = timedelta(days=60)
#: DESIGN §3: ``chingin jobs run`` fails and logs an error when a CRL expires within 48 hours.
CRL_ALARM: Final = timedelta(hours=48)
#: DESIGN §3: the jobs warn 400 days before an issuing CA expires.
ISSUING_CA_ALARM: Final = timedelta(days=400)


@dataclass(frozen=True)
class CrlReport:
    """What a refresh did and what the operator must know.

    ``next_updates`` has one entry per CRL: ``issuing``, ``root`` (customer hierarchy),
    ``operator-issuing``, ``operator-root`` (once the operator hierarchy exists).
    ``expiring`` names those that end within 48 hours (``chingin jobs run`` then exits
    non-zero); ``warnings`` says that, and any issuing CA nearing its end, for the log."""

    changed: bool
    next_updates: dict[str, datetime]
    expiring: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Hierarchy:
    """One CA hierarchy whose CRLs nginx reads."""

    prefix: str  # of the report's keys and the warnings' names: "" or "operator-"
    directory: Callable[[Settings], Path]
    ensure: Callable[[Settings, datetime], pki.CAHierarchy]
    revoked: Callable[[Session, datetime], list[pki.Revocation]]
    public: bool  # DER copies for the distribution point in the certificates
    optional: bool  # refreshed only once it exists (created by serve or the first operator)


def _customer_revoked(db: Session, now: datetime) -> list[pki.Revocation]:
    return [
        pki.Revocation(serial=serial, revoked_at=at, reason=reason)
        for serial, at, reason in certificates.revocations(db)
    ]


def _operator_revoked(db: Session, now: datetime) -> list[pki.Revocation]:
    rows = db.exec(
        select(OperatorCertificate).where(OperatorCertificate.status == "revoked")
    ).all()
    return [pki.Revocation(serial=int(c.serial_hex, 16), revoked_at=c.revoked_at or now)
            for c in rows]


_HIERARCHIES: Final = (
    _Hierarchy(
        prefix="", directory=lambda s: s.pki_dir,
        ensure=lambda s, now: ca.ensure_hierarchy(s, now=now),
        revoked=_customer_revoked, public=True, optional=False,
    ),
    _Hierarchy(
        prefix="operator-", directory=ca.operator_dir,
        ensure=lambda s, now: ca.ensure_operator_hierarchy(s, now=now),
        revoked=_operator_revoked, public=False, optional=True,
    ),
)


def _load_crl(path: Path) -> x509.CertificateRevocationList | None:
    try:
        return x509.load_pem_x509_crl(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class _Refreshed:
    changed: bool
    issuing: x509.CertificateRevocationList
    root: x509.CertificateRevocationList
    issuing_ca_not_after: datetime


def _refresh_one(
    s: Settings, h: _Hierarchy, *, force: bool, now: datetime
) -> _Refreshed:
    hierarchy = h.ensure(s, now)
    d = h.directory(s)
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
            revoked = h.revoked(db, now)
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
        (d / "issuing.crl.pem").write_bytes(issuing.public_bytes(Encoding.PEM))
        (d / "root.crl.pem").write_bytes(root.public_bytes(Encoding.PEM))
        if h.public:
            public = d / "public"
            public.mkdir(parents=True, exist_ok=True)
            (public / "issuing.crl").write_bytes(issuing.public_bytes(Encoding.DER))
            (public / "root.crl").write_bytes(root.public_bytes(Encoding.DER))
        (d / "crl.pem").write_bytes(pki.crl_pem_bundle(issuing, root))
    return _Refreshed(changed, issuing, root, hierarchy.issuing.cert.not_valid_after_utc)


def refresh(s: Settings, *, force: bool = False, now: datetime | None = None) -> CrlReport:
    """Re-sign what is due in both hierarchies, customer and operator (R-OPS-4, R-OPS-7;
    DESIGN §3): each issuing CA's CRL daily, or at once when ``force`` (after a revocation),
    each root's when under 60 days remain; write the files nginx reads. Creates the customer
    hierarchy on first run (``ca.ensure_hierarchy``); the operator hierarchy is refreshed once
    it exists (``chingin serve`` and the first operator account create it). Does not reload
    nginx (``publish``, ``scheduled_refresh`` do). Real time by default."""
    now = now or datetime.now(UTC)
    changed = False
    next_updates: dict[str, datetime] = {}
    expiring: list[str] = []
    warnings: list[str] = []
    for h in _HIERARCHIES:
        if h.optional and not (h.directory(s) / "issuing.key").exists():
            continue
        done = _refresh_one(s, h, force=force, now=now)
        changed = changed or done.changed
        for kind, crl in (("issuing", done.issuing), ("root", done.root)):
            name = f"{h.prefix}{kind}"
            assert crl.next_update_utc is not None  # pki.build_crl always sets it
            next_updates[name] = crl.next_update_utc
            if crl.next_update_utc - now < CRL_ALARM:
                expiring.append(name)
                warnings.append(f"CRL of the {name.replace('-', ' ')} CA expires within 48 "
                                f"hours ({crl.next_update_utc})")
        if done.issuing_ca_not_after - now < ISSUING_CA_ALARM:
            warnings.append(f"{h.prefix.replace('-', ' ')}issuing CA expires "
                            f"{done.issuing_ca_not_after}: plan its renewal")
    return CrlReport(changed, next_updates, tuple(expiring), tuple(warnings))


def publish(s: Settings) -> bool:
    """After a revocation committed (R-CERT-5, R-CERT-7, R-OPS-7; DESIGN §3 "reload after each
    revocation"): re-sign the issuing CAs' CRLs now and have a running nginx re-read them.
    Returns False when no nginx runs for this data dir (tests, the CLI on a machine without
    the service): then only the files are written."""
    refresh(s, force=True)
    return nginx.reload(nginx.files_for(s))


def scheduled_refresh(s: Settings, *, force: bool = False) -> CrlReport:
    """The scheduled CRL job (R-OPS-4): ``refresh``, reload a running nginx when anything
    changed, and log each warning as an error (the operator must act on them)."""
    report = refresh(s, force=force)
    if report.changed:
        nginx.reload(nginx.files_for(s))
    for warning in report.warnings:
        log.error(warning)
    return report


def crl_url(s: Settings) -> str:
    """The CRL distribution point written into customer certificates."""
    return f"{s.base_url}/crl/issuing.crl"


def operator_crl_url(s: Settings) -> str:
    """The CRL distribution point written into operator certificates (R-OPS-7)."""
    return f"{s.base_url}/crl/operator-issuing.crl"
