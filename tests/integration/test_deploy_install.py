"""`deploy/install` (SPEC R-DEP-7) against a scratch root: the first run lays out the user,
directories, code, settings, units, timers and log rotation; a second run changes nothing
(the whole tree hashes the same, modes, owners and times included) and says so; the units
pass `systemd-analyze verify`."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from chingin_app.settings import PROJECT_ROOT

INSTALL = PROJECT_ROOT / "deploy" / "install"
UNITS = ("chingin.service", "chingin-jobs.service", "chingin-jobs.timer",
         "chingin-crl-sync.service", "chingin-crl-sync.timer", "chingin-backup.service",
         "chingin-backup.timer")


def _install(root: Path) -> str:
    done = subprocess.run([str(INSTALL), "--root", str(root), "--no-start"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _tree_hash(root: Path) -> str:
    """Every entry's path, type, mode, owner, times and content in one digest."""
    digest = hashlib.sha256()
    for directory, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in ["", *sorted(dirs), *sorted(files)]:
            path = Path(directory, name)
            info = path.lstat()
            digest.update(f"{path.relative_to(root)}|{info.st_mode:o}|{info.st_uid}|"
                          f"{info.st_gid}|{info.st_size}|{info.st_mtime_ns}\n".encode())
            if stat.S_ISREG(info.st_mode):
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _systemd_analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:  # Debian: apt-get install systemd (the tests never skip it)
        subprocess.run(["apt-get", "install", "-y", "-q", "systemd"], check=True,
                       capture_output=True)
        tool = shutil.which("systemd-analyze")
    assert tool is not None
    return tool


def test_r_dep_7_install_twice_changes_nothing_and_the_units_verify(tmp_path: Path) -> None:
    """R-DEP-7: `deploy/install --root DIR --no-start` twice: the second run prints "nothing
    changed" and leaves the tree byte for byte, mode for mode, as the first left it; the
    settings and the CA passphrase are private; the units pass `systemd-analyze verify`."""
    root = tmp_path / "root"
    first = _install(root)
    assert "changed: user chingin" in first
    for unit in UNITS:
        assert f"changed: /etc/systemd/system/{unit}" in first
    assert "changed: /etc/logrotate.d/chingin" in first
    after_first = _tree_hash(root)

    second = _install(root)
    assert "changed:" not in second and "nothing changed" in second
    assert _tree_hash(root) == after_first

    # What the operator must keep private is private (R-SEC-5).
    assert stat.S_IMODE((root / "etc/chingin/env").stat().st_mode) == 0o640
    assert stat.S_IMODE((root / "etc/chingin/ca-passphrase").stat().st_mode) == 0o400
    assert stat.S_IMODE((root / "var/lib/chingin/data").stat().st_mode) == 0o700
    assert "chingin:" in (root / "etc/passwd").read_text()
    service = (root / "etc/systemd/system/chingin.service").read_text()
    assert "AmbientCapabilities=CAP_NET_BIND_SERVICE" in service  # nginx binds 443 as chingin
    assert "chingin backup --keep 14" in (
        root / "etc/systemd/system/chingin-backup.service").read_text()
    assert "OnUnitActiveSec=30s" in (root / "etc/systemd/system/chingin-crl-sync.timer").read_text()

    # A unit edited by hand is put back, and only it is reported.
    (root / "etc/systemd/system/chingin-jobs.timer").write_text("[Timer]\n")
    third = _install(root)
    assert [line for line in third.splitlines() if line.startswith("changed:")] == [
        "changed: /etc/systemd/system/chingin-jobs.timer"]

    # systemd-analyze verify needs the target's systemd units and the venv's entry point
    # (made by the release steps, which --root skips): lend both.
    shutil.copytree("/lib/systemd/system", root / "usr/lib/systemd/system",
                    dirs_exist_ok=True, symlinks=True)
    entry = root / "opt/chingin/.venv/bin/chingin"
    entry.parent.mkdir(parents=True)
    entry.write_text("#!/bin/sh\n")
    entry.chmod(0o755)
    verified = subprocess.run(
        [_systemd_analyze(), "verify", "--root", str(root),
         *(str(root / "etc/systemd/system" / unit) for unit in UNITS)],
        capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.strip() == "", verified.stderr


@pytest.mark.parametrize("argument", ["--bogus", "--root"])
def test_r_dep_7_install_refuses_unknown_arguments(argument: str, tmp_path: Path) -> None:
    """R-DEP-7: a mistyped option changes nothing."""
    done = subprocess.run([str(INSTALL), argument], capture_output=True, text=True,
                          check=False, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
