"""`chingin backup` (DESIGN §3, R-DEP-6): the database and the data dir are saved without the CA
passphrase; after a restore an old certificate still verifies and a revocation still works."""

from __future__ import annotations

import sqlite3
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

import pki
from chingin_app.db import migrate, session_scope
from chingin_app.domain.clock import SystemClock
from chingin_app.domain.result import Ok
from chingin_app.runtime import backup
from chingin_app.services.certs import ca, certificates, crl, revocation
from chingin_app.settings import settings
from tests import factories


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CHINGIN_DATA_DIR", str(data))
    monkeypatch.setenv("CHINGIN_DATABASE_URL", f"sqlite:///{data / 'chingin.db'}")
    monkeypatch.setenv("CHINGIN_CA_PASSPHRASE_FILE", str(tmp_path / "passphrase"))
    settings.cache_clear()
    from chingin_app import db as chingin_db

    chingin_db.engine.cache_clear()
    migrate(settings().database_url)
    yield data
    chingin_db.engine.cache_clear()
    settings.cache_clear()


def test_backup_restore_keeps_certificates_working(sqlite_env: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings()
    now = datetime.now(UTC)
    hierarchy = ca.ensure_hierarchy(s, now=now)
    with session_scope() as db:
        contract = factories.make_contract(db)
        user = factories.make_user(db, contract, role="master")
        issued = pki.issue_client_cert(hierarchy.issuing, user_id=user.user_id, now=now,
                                       crl_url=crl.crl_url(s))
        assert user.id is not None
        certificates.record_issued(
            db, user_pk=user.id, serial_hex=format(issued.cert.serial_number, "x"),
            sha256_hex=pki.sha256_fingerprint(issued.cert),
            not_before=issued.cert.not_valid_before_utc,
            not_after=issued.cert.not_valid_after_utc, issued_at=now,
        )
        db.commit()
        user_id = user.user_id
    crl.refresh(s, force=True)

    saved = backup.backup(s, tmp_path / "backups")
    with tarfile.open(saved / "data.tar.gz") as tar:
        names = tar.getnames()
    assert "pki/issuing.key" in names
    passphrase = s.ca_passphrase_file.read_bytes().strip()
    assert not any("passphrase" in n for n in names)
    for member in names:  # the passphrase itself is never in the archive
        with tarfile.open(saved / "data.tar.gz") as tar:
            f = tar.extractfile(member)
            if f is not None:
                assert passphrase not in f.read()

    # Restore into a new place, as on a rebuilt VM (the passphrase kept apart comes back).
    restored = tmp_path / "restored"
    restored.mkdir()
    with tarfile.open(saved / "data.tar.gz") as tar:
        tar.extractall(restored, filter="data")
    sqlite3.connect(saved / backup.SQLITE_PART).backup(sqlite3.connect(restored / "chingin.db"))
    monkeypatch.setenv("CHINGIN_DATA_DIR", str(restored))
    monkeypatch.setenv("CHINGIN_DATABASE_URL", f"sqlite:///{restored / 'chingin.db'}")
    settings.cache_clear()
    from chingin_app import db as chingin_db

    chingin_db.engine.cache_clear()
    r = settings()
    again = pki.load_hierarchy(r.pki_dir, passphrase=passphrase)
    pki.verify_client_cert(issued.cert, again, now=datetime.now(UTC))  # the old .p12 still works

    with session_scope() as db:
        result = revocation.revoke_user_certificate(
            db, user_id=user_id, reason="lost", actor="cli", clock=SystemClock()
        )
    assert isinstance(result, Ok), result
    crl.refresh(r, force=True)
    restored_crl = x509.load_pem_x509_crl((r.pki_dir / "issuing.crl.pem").read_bytes())
    assert restored_crl.get_revoked_certificate_by_serial_number(issued.cert.serial_number)
    with pytest.raises(pki.CertRevoked):
        pki.verify_client_cert(issued.cert, again, now=datetime.now(UTC),
                               revoked_serials={issued.cert.serial_number})
