"""Several VMs behind one balancer share their CRLs through the database (SPEC R-DEP-5), on
SQLite and PostgreSQL: signed once, written by every VM atomically, nginx reloaded once per
change. Two "VMs" here are two data dirs holding the same CA files over one database."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

import pki
from chingin_app.cli import main
from chingin_app.db import session_scope
from chingin_app.domain.clock import SystemClock
from chingin_app.domain.result import Ok
from chingin_app.proxy import nginx
from chingin_app.services.certs import ca, crl, revocation
from chingin_app.settings import Settings, settings
from tests import factories

CRL_FILES = ("crl.pem", "issuing.crl.pem", "root.crl.pem", "public/issuing.crl",
             "public/root.crl")


def _second_vm(s: Settings, tmp_path: Path) -> Settings:
    """A second VM: the first one's CA files copied (deployed identically), no CRL files."""
    other = tmp_path / "vm-b"
    other.mkdir()
    shutil.copytree(s.pki_dir, other / "pki",
                    ignore=shutil.ignore_patterns("*.crl.pem", "crl.pem", "public"))
    return replace(s, data_dir=other)


def _revoke_one() -> int:
    """A user with a current certificate, revoked by the bank; returns its serial."""
    with session_scope() as db:
        contract = factories.make_contract(db)
        user = factories.make_user(db, contract)
        cert = factories.make_certificate(db, user)
        serial, user_id = int(cert.serial_hex, 16), user.user_id
        db.commit()
    with session_scope() as db:
        result = revocation.revoke_user_certificate(
            db, user_id=user_id, reason="lost", actor="cli", clock=SystemClock())
    assert isinstance(result, Ok), result
    return serial


def _identity(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns


def test_r_dep_5_crls_signed_once_and_synced_atomically_reloading_once_per_change(
    app_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-DEP-5: VM A revokes and signs; VM B's sync signs nothing, writes A's CRL into its
    files by temp + rename, reloads its own nginx once; a second sync changes nothing and
    reloads nothing. B's CRL is byte for byte the one in the database."""
    a = settings()
    ca.ensure_hierarchy(a, now=datetime.now(UTC))
    crl.refresh(a)
    b = _second_vm(a, tmp_path)
    crl.refresh(b)  # B's first sync: the files appear, nothing is signed (none due)
    before = {name: _identity(b.pki_dir / name) for name in CRL_FILES}

    serial = _revoke_one()
    crl.publish(a)  # A re-signs at once (after the revocation committed)

    reloads: list[Path] = []
    monkeypatch.setattr(nginx, "reload", lambda files: reloads.append(files.prefix) or True)
    renamed: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy_replace(src: str | Path, dst: str | Path) -> None:
        renamed.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(crl.os, "replace", spy_replace)

    def no_signing(*args: object, **kwargs: object) -> x509.CertificateRevocationList:
        raise AssertionError("a VM that syncs must not sign what another VM signed")

    monkeypatch.setattr(crl.pki, "build_crl", no_signing)
    report = crl.scheduled_refresh(b)
    assert report.changed
    assert reloads == [b.nginx_dir]  # its own nginx, once
    issuing = x509.load_pem_x509_crl((b.pki_dir / "issuing.crl.pem").read_bytes())
    assert issuing.get_revoked_certificate_by_serial_number(serial) is not None
    assert (b.pki_dir / "issuing.crl.pem").read_bytes() == (
        a.pki_dir / "issuing.crl.pem").read_bytes()
    # Atomic: every changed file came from a temporary file in its own directory.
    for src, dst in renamed:
        assert Path(src).parent == Path(dst).parent and Path(src).name.endswith(".tmp")
    changed = {name for name in CRL_FILES if _identity(b.pki_dir / name) != before[name]}
    assert changed == {"crl.pem", "issuing.crl.pem", "public/issuing.crl"}
    assert {Path(dst) for _, dst in renamed} == {b.pki_dir / name for name in changed}
    assert not list(b.pki_dir.glob(".*.tmp")) and not list(b.pki_dir.glob("public/.*.tmp"))

    renamed.clear()
    again = crl.scheduled_refresh(b)
    assert not again.changed and reloads == [b.nginx_dir] and renamed == []


def test_r_dep_5_two_vms_due_at_once_sign_once(
    app_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-DEP-5 "signed once": when the daily re-signing is due on both VMs, the one that
    comes second finds the fresh CRL under the lock and signs nothing."""
    a = settings()
    ca.ensure_hierarchy(a, now=datetime.now(UTC))
    crl.refresh(a)
    b = _second_vm(a, tmp_path)
    tomorrow = datetime.now(UTC).replace(microsecond=0) + crl.ISSUING_CRL_RESIGN_AFTER * 2
    signed: list[str] = []
    real_build = pki.build_crl

    def counting(authority: pki.CertificateAuthority, *args: object,
                 **kwargs: object) -> x509.CertificateRevocationList:
        signed.append(authority.cert.subject.rfc4514_string())
        return real_build(authority, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(crl.pki, "build_crl", counting)
    # Both VMs saw "due" before either signed: the lock makes the second one re-read.
    crl._sign_due(a, crl._HIERARCHIES[0], _fingerprints(a), force=False, now=tomorrow)
    crl._sign_due(b, crl._HIERARCHIES[0], _fingerprints(b), force=False, now=tomorrow)
    assert len(signed) == 1
    assert crl.refresh(a, now=tomorrow).changed and crl.refresh(b, now=tomorrow).changed
    assert len(signed) == 1  # nothing more was due
    assert (b.pki_dir / "crl.pem").read_bytes() == (a.pki_dir / "crl.pem").read_bytes()


def _fingerprints(s: Settings) -> tuple[str, str]:
    issuing = x509.load_pem_x509_certificate((s.pki_dir / "issuing.pem").read_bytes())
    root = x509.load_pem_x509_certificate((s.pki_dir / "root.pem").read_bytes())
    return pki.sha256_fingerprint(issuing), pki.sha256_fingerprint(root)


def test_r_dep_5_crl_sync_command(app_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R-DEP-5: `chingin crl sync` (the timer on every VM) writes this VM's CRL files."""
    s = settings()
    ca.ensure_hierarchy(s, now=datetime.now(UTC))
    assert main(["crl", "sync"]) == 0
    assert x509.load_pem_x509_crl((s.pki_dir / "issuing.crl.pem").read_bytes())
