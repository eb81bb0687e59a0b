"""The CRLs of both CA hierarchies, customer and operator, in one place (R-CERT-5, R-CERT-7,
R-OPS-4, R-OPS-7, R-DEP-5; DESIGN §3 "nginx needs a CRL for every CA in the chain").

CRLs are signed once and kept in the database (``StoredCrl``, one row per CA, keyed by the
CA certificate's fingerprint), so every VM behind the balancer serves the same ones (R-DEP-5).
``refresh`` first signs what is due into the database — each issuing CA's CRL (7 days) daily,
or at once when forced (after a revocation); each root's (400 days) when fewer than 60 days
remain — under a lock, so two VMs never sign the same thing twice nor lose a revocation; then
it writes this VM's files from the database, each atomically (temporary file + rename) and only
when its bytes differ: what nginx reads (``crl.pem``: issuing + root, per hierarchy) and, for
the customer hierarchy, the DER copies at the distribution point written into client
certificates (``crl_url``). ``publish`` is the step after a revocation commits: re-sign at once
and have this VM's nginx re-read the files. ``scheduled_refresh`` is the sync every VM runs at
least every minute (``chingin serve``'s loop every ``SYNC_INTERVAL_SECONDS``, the
``chingin crl sync`` timer, ``chingin jobs run``): refresh, reload its own nginx only when its
files changed, log the warnings.

CRLs use real time, never the test clock: nginx and OpenSSL keep real time (DESIGN §4).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import text
from sqlmodel import Session, select

import pki
from chingin_app.db import session_scope
from chingin_app.models import OperatorCertificate, StoredCrl
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
    "SYNC_INTERVAL_SECONDS",
    "CrlReport",
    "crl_url",
    "operator_crl_url",
    "publish",
    "refresh",
    "scheduled_refresh",
    "store_signed",
    "write_atomic",
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
#: R-DEP-5: every VM writes a new CRL within a minute of a revocation on another VM.
SYNC_INTERVAL_SECONDS: Final = 30
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


#: Serialises CRL signing across workers and VMs on PostgreSQL (``pg_advisory_xact_lock``;
#: "crl" in ASCII). SQLite's writing transactions (BEGIN IMMEDIATE) are serial already.
_PG_SIGN_LOCK_KEY: Final = 0x63726C


@dataclass(frozen=True)
class _Refreshed:
    changed: bool  # this VM's files changed (nginx must re-read them)
    issuing: x509.CertificateRevocationList
    root: x509.CertificateRevocationList
    issuing_ca_not_after: datetime


def _issuing_due(row: StoredCrl | None, now: datetime) -> bool:
    return row is None or now - row.this_update >= ISSUING_CRL_RESIGN_AFTER


def _root_due(row: StoredCrl | None, now: datetime) -> bool:
    return row is None or row.next_update - now < ROOT_CRL_RESIGN_WHEN_LEFT


def _store(db: Session, issuer_sha256: str, crl: x509.CertificateRevocationList) -> StoredCrl:
    """Put ``crl`` in the database as its CA's current CRL (insert or replace)."""
    assert crl.next_update_utc is not None  # pki.build_crl always sets it
    row = db.get(StoredCrl, issuer_sha256) or StoredCrl(
        issuer_sha256=issuer_sha256, der=b"", this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
    )
    row.der = crl.public_bytes(Encoding.DER)
    row.this_update = crl.last_update_utc
    row.next_update = crl.next_update_utc
    db.add(row)
    return row


def store_signed(issuer: x509.Certificate, crl: x509.CertificateRevocationList) -> None:
    """Make ``crl`` the stored CRL of the CA ``issuer`` (R-DEP-5), as a signing VM does; every
    VM's next sync writes it to its files. For tests and repairs: ``refresh`` signs."""
    with session_scope() as db:
        _store(db, pki.sha256_fingerprint(issuer), crl)
        db.commit()


def _sign_due(
    s: Settings, h: _Hierarchy, fingerprints: tuple[str, str], *, force: bool, now: datetime
) -> None:
    """Sign what is due into the database, once for all VMs (R-DEP-5): under a lock, re-read
    the rows (another VM may just have signed) and the revocations, sign, commit. The CA keys
    are decrypted only when something is due."""
    issuing_fp, root_fp = fingerprints
    with session_scope() as db:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SIGN_LOCK_KEY})
        issuing_row, root_row = db.get(StoredCrl, issuing_fp), db.get(StoredCrl, root_fp)
        sign_issuing = force or _issuing_due(issuing_row, now)
        sign_root = _root_due(root_row, now)
        if not (sign_issuing or sign_root):
            return
        hierarchy = h.ensure(s, now)
        if sign_issuing:
            revoked = h.revoked(db, now)  # read under the lock: no revocation is lost
            _store(db, issuing_fp, pki.build_crl(
                hierarchy.issuing, revoked, now=now, next_update=ISSUING_CRL_LIFETIME))
        if sign_root:
            _store(db, root_fp, pki.build_crl(
                hierarchy.root, [], now=now, next_update=ROOT_CRL_LIFETIME))
        db.commit()


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it holds exactly that already; returns whether it
    wrote. A temporary file in the same directory is renamed over ``path``, so nginx (or the
    distribution point) never reads half a file (R-DEP-5)."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _write_files(
    d: Path, h: _Hierarchy,
    issuing: x509.CertificateRevocationList, root: x509.CertificateRevocationList,
) -> bool:
    """This VM's CRL files from the stored CRLs; True when any of them changed."""
    files = {
        d / "issuing.crl.pem": issuing.public_bytes(Encoding.PEM),
        d / "root.crl.pem": root.public_bytes(Encoding.PEM),
        d / "crl.pem": pki.crl_pem_bundle(issuing, root),
    }
    if h.public:
        files[d / "public" / "issuing.crl"] = issuing.public_bytes(Encoding.DER)
        files[d / "public" / "root.crl"] = root.public_bytes(Encoding.DER)
    changed = False
    for path, data in files.items():
        changed = write_atomic(path, data) or changed
    return changed


def _refresh_one(
    s: Settings, h: _Hierarchy, *, force: bool, now: datetime
) -> _Refreshed:
    d = h.directory(s)
    if not (d / "issuing.key").exists():
        h.ensure(s, now)  # the demo creates its CA here; production refuses (R-DEP-1)
    issuing_ca = x509.load_pem_x509_certificate((d / "issuing.pem").read_bytes())
    root_ca = x509.load_pem_x509_certificate((d / "root.pem").read_bytes())
    fingerprints = (pki.sha256_fingerprint(issuing_ca), pki.sha256_fingerprint(root_ca))
    with session_scope(read_only=True) as db:  # the usual case: nothing due, no lock taken
        rows = [db.get(StoredCrl, fp) for fp in fingerprints]
    if force or _issuing_due(rows[0], now) or _root_due(rows[1], now):
        _sign_due(s, h, fingerprints, force=force, now=now)
        with session_scope(read_only=True) as db:
            rows = [db.get(StoredCrl, fp) for fp in fingerprints]
    assert rows[0] is not None and rows[1] is not None  # signed above when missing
    issuing = x509.load_der_x509_crl(rows[0].der)
    root = x509.load_der_x509_crl(rows[1].der)
    changed = _write_files(d, h, issuing, root)
    return _Refreshed(changed, issuing, root, issuing_ca.not_valid_after_utc)


def refresh(s: Settings, *, force: bool = False, now: datetime | None = None) -> CrlReport:
    """Re-sign what is due in both hierarchies, customer and operator (R-OPS-4, R-OPS-7;
    DESIGN §3) into the database, once for all VMs (R-DEP-5): each issuing CA's CRL daily, or
    at once when ``force`` (after a revocation), each root's when under 60 days remain; then
    write this VM's files from the database where they differ (``changed`` says whether any
    did). Creates the customer hierarchy on first run outside production
    (``ca.ensure_hierarchy``); the operator hierarchy is refreshed once it exists (``chingin
    serve`` and the first operator account create it). Does not reload nginx (``publish``,
    ``scheduled_refresh`` do). Real time by default."""
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
    """The CRL sync every VM runs at least every minute (R-OPS-4, R-DEP-5): ``refresh``,
    reload this VM's running nginx only when its files changed, and log each warning as an
    error (the operator must act on them)."""
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
