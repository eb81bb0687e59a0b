"""Production mode (SPEC R-DEP-1, R-DEP-3, R-SEC-5): `chingin serve` refuses, having created
nothing, until the release steps and the settings are in place; `chingin pki init` makes the
CAs once; production never migrates or makes a CA by itself; every command leaves its files
private. The started service is tested in tests/e2e/test_production.py."""

from __future__ import annotations

import getpass
import io
import os
import sys
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

import pki
from chingin_app.cli import main
from chingin_app.db import alembic_config, make_engine, schema_status
from chingin_app.runtime.private_files import secure_tree
from chingin_app.services.certs import ca, crl
from chingin_app.settings import settings
from tests.integration.production_support import (
    fresh_database,
    not_private,
    production_env,
    release,
    restore_umask,
    tree,
    use_env,
)

__all__ = ["restore_umask"]  # a fixture, used by name

pytestmark = pytest.mark.usefixtures("restore_umask")


@pytest.fixture
def prod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A production environment in ``tmp_path`` (SQLite in the data dir, not yet created)."""
    use_env(monkeypatch, production_env(tmp_path))
    monkeypatch.setattr(getpass, "getpass", _no_prompt)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    yield tmp_path


def _no_prompt(prompt: str = "") -> str:
    raise AssertionError("production commands never prompt")


def _serve(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["serve"])
    return status, capsys.readouterr().err


def test_r_dep_1_serve_on_a_blank_machine_creates_nothing(
    prod: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-DEP-1: before any release step, serve names every missing step and leaves the data
    dir uncreated."""
    status, err = _serve(capsys)
    assert status == 1
    for step in ("`chingin pki init`", "`chingin build`", "`chingin migrate`"):
        assert step in err
    assert "何も作成・変更していません" in err
    assert not (prod / "data").exists()


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("pki init", "`chingin pki init`"),
        ("passphrase file", "CHINGIN_CA_PASSPHRASE_FILE"),
        ("passphrase mode", "chmod 0400"),
        ("smtp host", "CHINGIN_SMTP_HOST"),
        ("tls certificate", "CHINGIN_TLS_CERT"),
        ("test clock", "CHINGIN_TEST_CLOCK_FILE"),
        ("build", "`chingin build`"),
        ("migrate", "`chingin migrate`"),
    ],
)
def test_r_dep_1_serve_refuses_without_each_step_and_creates_nothing(
    prod: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    missing: str, named: str,
) -> None:
    """R-DEP-1: "serve refuses to start without the CAs, the CA passphrase file (0400) or the
    TLS server certificate"; an SMTP host is required and the test clock refused; R-DEP-2/3:
    without the release's build or schema. The message names the step; nothing is created."""
    release(migrate=missing != "migrate", pki_init=missing != "pki init")
    passphrase = prod / "ca-passphrase"
    if missing == "passphrase file":
        passphrase.unlink()
    elif missing == "passphrase mode":
        passphrase.chmod(0o440)
    elif missing == "smtp host":
        monkeypatch.delenv("CHINGIN_SMTP_HOST")
    elif missing == "tls certificate":
        monkeypatch.delenv("CHINGIN_TLS_CERT")
    elif missing == "test clock":
        monkeypatch.setenv("CHINGIN_TEST_CLOCK_FILE", str(prod / "clock"))
    elif missing == "build":
        (settings().web_dir / "chingin-build.json").unlink()
    settings.cache_clear()
    before = tree(prod)
    status, err = _serve(capsys)
    assert status == 1
    assert named in err
    assert err.count("\n  - ") <= 1, err  # only what is missing
    assert tree(prod) == before


def test_r_dep_1_pki_init_creates_both_cas_once_from_the_passphrase_file(
    prod: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-DEP-1: `chingin pki init` creates the customer and operator CAs once, reading the
    passphrase from CHINGIN_CA_PASSPHRASE_FILE without prompting, and refuses if they exist;
    R-SEC-5: what it writes is private even from a umask-022 shell."""
    passphrase_file = prod / "ca-passphrase"
    passphrase_file.chmod(0o644)
    assert main(["pki", "init"]) == 1
    assert "chmod 0400" in capsys.readouterr().err
    assert not (prod / "data").exists()

    passphrase_file.chmod(0o400)
    os.umask(0o022)
    assert main(["pki", "init"]) == 0
    s = settings()
    passphrase = passphrase_file.read_bytes().strip()
    customer = pki.load_hierarchy(s.pki_dir, passphrase=passphrase)
    operator = pki.load_hierarchy(ca.operator_dir(s), passphrase=passphrase)
    assert customer.root.cert.subject != operator.root.cert.subject
    assert not_private(s.data_dir) == []

    key_before = (s.pki_dir / "issuing.key").read_bytes()
    capsys.readouterr()
    assert main(["pki", "init"]) == 1
    assert "作成済み" in capsys.readouterr().err
    assert (s.pki_dir / "issuing.key").read_bytes() == key_before


def test_r_dep_1_pki_init_without_the_passphrase_file_creates_nothing(
    prod: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (prod / "ca-passphrase").unlink()
    assert main(["pki", "init"]) == 1
    assert "CHINGIN_CA_PASSPHRASE_FILE" in capsys.readouterr().err
    assert not (prod / "data").exists()
    assert not (prod / "ca-passphrase").exists()  # never generated in production


def test_r_dep_1_production_never_creates_a_ca_by_itself(
    prod: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-DEP-1 "never creates a CA by itself": the CRL job (`chingin jobs run`, the timer)
    refuses instead of making a CA; nothing appears under the data dir."""
    release(pki_init=False)
    before = tree(prod)
    capsys.readouterr()
    assert main(["jobs", "run"]) == 1
    assert "`chingin pki init`" in capsys.readouterr().err
    with pytest.raises(ca.CaSetupError, match="chingin pki init"):
        crl.refresh(settings())
    with pytest.raises(ca.CaSetupError, match="chingin pki init"):
        ca.ensure_operator_hierarchy(settings(), now=datetime.now(UTC))
    assert tree(prod) == before


def test_r_dep_1_chingin_demo_is_refused_in_production(
    prod: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release()
    assert main(["demo"]) == 1
    assert "デモ" in capsys.readouterr().err
    eng = make_engine(settings().database_url)
    try:
        with eng.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM contracts")).scalar_one() == 0
    finally:
        eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request.param, tmp_path)


def _revision(url: str) -> str | None:
    return schema_status(url).current


def test_r_dep_3_operator_commands_refuse_an_old_or_newer_schema(
    fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R-DEP-3: "In production, `serve` and the operator commands refuse to run against a
    schema that is older or newer than the code, with a message naming `chingin migrate`;
    they never migrate implicitly." """
    use_env(monkeypatch, production_env(tmp_path, database_url=fresh_url))
    command.upgrade(alembic_config(fresh_url), "0007")
    for argv in (["contract", "show", "12345678"], ["jobs", "run"]):
        capsys.readouterr()
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "`chingin migrate`" in err and "0007" in err
    assert _revision(fresh_url) == "0007"  # not migrated

    assert main(["migrate"]) == 0
    head = schema_status(fresh_url).head
    assert _revision(fresh_url) == head
    assert main(["contract", "show", "12345678"]) == 1  # runs: no such contract
    assert "`chingin migrate`" not in capsys.readouterr().err

    eng = make_engine(fresh_url)
    try:
        with eng.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        eng.dispose()
    assert main(["contract", "show", "12345678"]) == 1
    err = capsys.readouterr().err
    assert "`chingin migrate`" in err and "新しいリリース" in err
    assert _revision(fresh_url) == "9999"


def test_r_dep_3_outside_production_commands_still_migrate(
    fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 item 4: outside production nothing changes — an operator command migrates."""
    env = production_env(tmp_path, database_url=fresh_url)
    env["CHINGIN_ENV"] = "demo"
    use_env(monkeypatch, env)
    command.upgrade(alembic_config(fresh_url), "0007")
    assert main(["contract", "show", "12345678"]) == 1  # no such contract, but migrated first
    assert schema_status(fresh_url).up_to_date


def test_r_sec_5_migrate_from_a_umask_022_shell_leaves_private_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-SEC-5: "every `chingin` command sets umask 077 itself": the database, its lock file and
    the data dir are the user's only, although the shell's umask was 022."""
    env = production_env(tmp_path)
    use_env(monkeypatch, env)
    os.umask(0o022)
    assert main(["migrate"]) == 0
    data = tmp_path / "data"
    assert {p.name for p in data.iterdir()} >= {"chingin.db", "chingin.db.migrate-lock"}
    assert not_private(data) == []


def test_r_sec_5_secure_tree_takes_group_and_other_bits_off(tmp_path: Path) -> None:
    """Reflex copies its templates 0644/0755: the sweep keeps only the owner's bits (scripts
    stay executable) and leaves what a link points to alone."""
    root = tmp_path / "web"
    (root / "node_modules" / ".bin").mkdir(parents=True)
    (root / "node_modules").chmod(0o755)
    page = root / "index.html"
    page.write_text("x")
    page.chmod(0o644)
    script = root / "node_modules" / "vite.js"
    script.write_text("x")
    script.chmod(0o755)
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    outside.chmod(0o644)
    (root / "node_modules" / ".bin" / "vite").symlink_to(outside)
    secure_tree(root)
    assert not_private(root) == []
    assert oct(script.stat().st_mode & 0o777) == oct(0o700)
    assert oct(page.stat().st_mode & 0o777) == oct(0o600)
    assert oct(outside.stat().st_mode & 0o777) == oct(0o644)


def test_r_sec_5_backup_keeps_the_secretbox_key_apart_from_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-SEC-5 (issue 11), R-DEP-6: `chingin backup` never puts secretbox.key beside the
    database (the key opens the sealed columns); what it writes is private."""
    from chingin_app.db import migrate
    from chingin_app.services import secretbox

    env = production_env(tmp_path)
    env["CHINGIN_ENV"] = "demo"
    use_env(monkeypatch, env)
    migrate(settings().database_url)
    key = secretbox.ensure_key()
    capsys.readouterr()
    assert main(["backup", str(tmp_path / "backups")]) == 0
    said = capsys.readouterr().out
    [saved] = list((tmp_path / "backups").iterdir())
    with tarfile.open(saved / "data.tar.gz") as tar:
        names = tar.getnames()
        contents = [tar.extractfile(m) for m in tar.getmembers()]
        blobs = [f.read() for f in contents if f is not None]
    blobs += [p.read_bytes() for p in saved.iterdir()]
    assert not any("secretbox" in name for name in names)
    assert not any(key.read_bytes() in blob for blob in blobs)
    assert "secretbox.key" in said
    assert not_private(tmp_path / "backups") == []
