"""`chingin backup` / `chingin restore` (SPEC R-DEP-6) on SQLite and PostgreSQL: a backup
restored into an empty database and an empty data dir signs the same user in with the same
certificate; no secret travels in the backup; PostgreSQL's password never reaches argv; a
non-empty target is refused unless --force."""

from __future__ import annotations

import os
import secrets
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import pki
from chingin_app import db as chingin_db
from chingin_app.cli import main
from chingin_app.db import migrate, session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Ok
from chingin_app.proxy import nginx
from chingin_app.runtime import backup as backup_module
from chingin_app.services import login, secretbox
from chingin_app.services.certs import ca, crl
from chingin_app.settings import settings
from tests import factories
from tests.integration.conftest import PG_URL_TEMPLATE, _pg_admin
from tests.integration.test_login import facts_for


def _use(monkeypatch: pytest.MonkeyPatch, data: Path, url: str, passphrase: Path) -> None:
    monkeypatch.setenv("CHINGIN_DATA_DIR", str(data))
    monkeypatch.setenv("CHINGIN_DATABASE_URL", url)
    monkeypatch.setenv("CHINGIN_CA_PASSPHRASE_FILE", str(passphrase))
    monkeypatch.delenv("CHINGIN_ENV", raising=False)
    monkeypatch.delenv("CHINGIN_TEST_CLOCK_FILE", raising=False)
    settings.cache_clear()
    if chingin_db.engine.cache_info().currsize:
        chingin_db.engine().dispose()
    chingin_db.engine.cache_clear()
    ca.hierarchy.cache_clear()


@pytest.fixture(params=["sqlite", "postgresql"])
def two_databases(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """An empty source and an empty target database of one kind."""
    if request.param == "sqlite":
        yield (f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'target.db'}")
        return
    names = [f"chingin_bk_{secrets.token_hex(5)}" for _ in range(2)]
    with _pg_admin() as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        # A password in the URL (trust ignores it): it must reach pg_dump through PGPASSFILE.
        yield tuple(  # type: ignore[misc]
            PG_URL_TEMPLATE.format(name=n).replace("postgres@", "postgres:s3cr%3At@")
            for n in names)
    finally:
        with _pg_admin() as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _files(root: Path) -> Iterator[bytes]:
    """Every file's bytes under ``root``, and every member's inside its tar archives."""
    for path in root.rglob("*"):
        if path.is_file():
            yield path.read_bytes()
            if path.name.endswith(".tar.gz"):
                with tarfile.open(path) as tar:
                    for member in tar.getmembers():
                        f = tar.extractfile(member)
                        if f is not None:
                            yield f.read()


def test_r_dep_6_backup_restore_into_an_empty_data_dir_then_sign_in(
    two_databases: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R-DEP-6: backup → restore into an empty database and data dir → the same user signs
    in with the same certificate, which still verifies against the restored CA; the CA
    passphrase, secretbox.key and proxy-secret are in no part of the backup; restore refuses
    the now non-empty target without --force and restores over it with --force."""
    source_url, target_url = two_databases
    passphrase = tmp_path / "ca-passphrase"
    _use(monkeypatch, tmp_path / "source", source_url, passphrase)
    migrate(source_url)
    s = settings()
    hierarchy = ca.ensure_hierarchy(s, now=factories.NOW)
    crl.refresh(s)
    key = secretbox.ensure_key().read_bytes()
    proxy_secret = nginx.ensure_proxy_secret(s)
    with session_scope() as db:
        contract = factories.make_contract(db)
        user = factories.make_user(db, contract)
        cert = factories.make_certificate(db, user)
        db.commit()
    facts = facts_for(cert, subject=user.user_id)

    calls: list[tuple[list[str], dict[str, str]]] = []
    real_run = subprocess.run

    def spy(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        env = kwargs.get("env")
        assert isinstance(env, dict)
        calls.append((list(argv), dict(env)))
        return real_run(argv, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(backup_module.subprocess, "run", spy)
    assert main(["backup", str(tmp_path / "backups")]) == 0
    [saved] = list((tmp_path / "backups").iterdir())
    assert str(saved) in capsys.readouterr().out
    for blob in _files(saved):
        for secret in (key, proxy_secret, passphrase.read_bytes().strip()):
            assert secret not in blob
    for argv, env in calls:  # PostgreSQL only: the password through PGPASSFILE
        assert not any("s3cr" in arg for arg in argv) and "PGPASSWORD" not in env
        assert "PGPASSFILE" in env and not Path(env["PGPASSFILE"]).exists()  # removed
    assert bool(calls) == source_url.startswith("postgresql")
    assert oct(saved.stat().st_mode & 0o777) == oct(0o700)

    # A rebuilt VM: empty data dir, empty database; the passphrase kept apart comes back.
    _use(monkeypatch, tmp_path / "target", target_url, passphrase)
    capsys.readouterr()
    assert main(["restore", str(saved)]) == 0
    assert "secretbox.key" in capsys.readouterr().out  # to be put back by hand
    r = settings()
    again = pki.load_hierarchy(r.pki_dir, passphrase=passphrase.read_bytes().strip())
    assert again.issuing.cert == hierarchy.issuing.cert
    assert not (r.data_dir / "secretbox.key").exists()
    clock = MovableClock()
    with session_scope() as db:
        signed_in = login.login(db, facts=facts, password=factories.PASSWORD, clock=clock,
                                ip="192.0.2.7")
    assert isinstance(signed_in, Ok), signed_in

    # Now the target is not empty: refused, then replaced with --force.
    capsys.readouterr()
    assert main(["restore", str(saved)]) == 1
    assert "--force" in capsys.readouterr().err
    chingin_db.engine().dispose()
    assert main(["restore", "--force", str(saved)]) == 0
    with session_scope() as db:
        assert isinstance(login.identify(db, facts=facts, clock=clock), Ok)


def test_r_dep_6_a_damaged_backup_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """R-DEP-6: a part whose SHA-256 does not match the manifest is refused before anything
    is written."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    _use(monkeypatch, tmp_path / "source", url, tmp_path / "ca-passphrase")
    migrate(url)
    ca.ensure_hierarchy(settings(), now=factories.NOW)
    saved = backup_module.backup(settings(), tmp_path / "backups")
    with (saved / backup_module.DATA_PART).open("ab") as f:
        f.write(b"x")
    _use(monkeypatch, tmp_path / "target", f"sqlite:///{tmp_path / 'target.db'}",
         tmp_path / "ca-passphrase")
    assert main(["restore", str(saved)]) == 1
    assert "SHA-256" in capsys.readouterr().err
    assert not (tmp_path / "target.db").exists() and not (tmp_path / "target").exists()


def test_r_dep_6_keep_prunes_the_oldest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """R-DEP-6: the daily timer's `--keep N` leaves the newest N backups."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    _use(monkeypatch, tmp_path / "source", url, tmp_path / "ca-passphrase")
    migrate(url)
    from datetime import timedelta

    for day in range(4):
        backup_module.backup(settings(), tmp_path / "b", now=factories.NOW + timedelta(days=day),
                             keep=2)
    kept = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(kept) == 2 and kept[-1].endswith(
        (factories.NOW + timedelta(days=3)).strftime("%Y%m%d-%H%M%S"))
    assert os.stat(tmp_path / "b").st_mode & 0o077 == 0
