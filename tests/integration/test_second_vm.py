"""A second VM behind the balancer (SPEC R-DEP-5): the CA files, the secret-box key and the
proxy secret come from the first VM, deployed identically — never generated on a second VM.
Two production "VMs" here are two roots over one database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from chingin_app.cli import main
from chingin_app.runtime import preflight
from chingin_app.settings import settings
from tests.integration.production_support import (
    fake_build,
    production_env,
    release,
    tree,
    use_env,
)


@pytest.fixture
def two_vms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """VM A released (migrate, pki init) over a shared SQLite database; VM B blank, with
    A's CA passphrase and its own TLS files. Yields both roots, B's settings in force."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    a, b = tmp_path / "vm-a", tmp_path / "vm-b"
    a.mkdir()
    b.mkdir()
    use_env(monkeypatch, production_env(a, database_url=url))
    release()
    env_b = production_env(b, database_url=url)
    (b / "ca-passphrase").chmod(0o600)
    shutil.copyfile(a / "ca-passphrase", b / "ca-passphrase")
    (b / "ca-passphrase").chmod(0o400)
    use_env(monkeypatch, env_b)
    yield a, b


def test_r_dep_5_pki_init_on_a_second_vm_generates_nothing_and_names_what_to_copy(
    two_vms: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """R-DEP-5 "never generated on a second VM": pki init (deploy/install runs it when the VM
    has no CA) refuses against a database the first VM initialised, names the CA directory,
    secretbox.key and proxy-secret to copy, and creates nothing."""
    _, b = two_vms
    before = tree(b)
    capsys.readouterr()
    assert main(["pki", "init"]) == 1
    err = capsys.readouterr().err
    assert "初期化済み" in err
    s = settings()
    for path in (s.pki_dir, s.data_dir / "secretbox.key", s.proxy_secret_file):
        assert str(path) in err
    assert tree(b) == before


def test_r_dep_5_serve_refuses_until_the_files_are_the_first_vms(
    two_vms: tuple[Path, Path],
) -> None:
    """R-DEP-5: with only the CA copied, serve's checks name the missing secret-box key and
    proxy secret; a different key is refused; once all are copied nothing stands in the
    way."""
    a, _ = two_vms
    s = settings()
    fake_build()  # B's release build (R-DEP-2), so only the deployed files are missing
    shutil.copytree(a / "data" / "pki", s.pki_dir)
    problems = preflight.production_problems(s, {})
    assert len(problems) == 2, problems
    assert "secretbox.key" in problems[0] and "がありません" in problems[0]
    assert "proxy-secret" in problems[1]
    (s.data_dir / "secretbox.key").write_bytes(b"x" * 32)  # a key of its own
    shutil.copyfile(a / "data" / "proxy-secret", s.proxy_secret_file)
    [different] = preflight.production_problems(s, {})
    assert "secretbox.key" in different and "異なります" in different
    shutil.copyfile(a / "data" / "secretbox.key", s.data_dir / "secretbox.key")
    assert preflight.production_problems(s, {}) == []


def test_r_dep_5_timers_refuse_on_a_vm_with_other_files(
    two_vms: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """R-DEP-5: the CRL sync and jobs timers never sign or seal with files the database does
    not know."""
    a, _ = two_vms
    s = settings()
    shutil.copytree(a / "data" / "pki", s.pki_dir)
    capsys.readouterr()
    assert main(["crl", "sync"]) == 1
    assert "secretbox.key" in capsys.readouterr().err
    assert not (s.pki_dir / "crl.pem").exists() or (
        (s.pki_dir / "crl.pem").read_bytes() == (a / "data" / "pki" / "crl.pem").read_bytes())
