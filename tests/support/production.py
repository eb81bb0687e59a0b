"""Helpers for the production-mode tests (integration and e2e): a self-signed server
certificate, a passphrase file as the operator keeps it, and looks at a data dir."""

from __future__ import annotations

import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path

import pki


def write_tls_files(directory: Path) -> tuple[Path, Path]:
    """A self-signed server certificate for 127.0.0.1 (production accepts one, issue 11) and
    its key; ``directory / "root.pem"`` is what a client must trust."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    tls = pki.create_hierarchy(name="test server", now=now)
    server = pki.issue_server_cert(tls.issuing, hostnames=["localhost"], ips=["127.0.0.1"],
                                   now=now)
    cert, key = directory / "server.pem", directory / "server.key"
    cert.write_bytes(server.cert_pem() + tls.issuing.pem())
    key.write_bytes(server.key_pem())
    key.chmod(0o600)
    (directory / "root.pem").write_bytes(tls.root.pem())
    return cert, key


def write_passphrase(path: Path) -> None:
    """The CA passphrase file: random, mode 0400 (R-DEP-1)."""
    path.write_text(secrets.token_urlsafe(32), encoding="ascii")
    path.chmod(0o400)


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its mode and size: equal before and after means nothing
    was created, removed or rewritten."""
    out = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        out[str(path.relative_to(root))] = (info.st_mode, info.st_size)
    return out


def not_private(root: Path) -> list[str]:
    """Entries under ``root`` (and itself) that group or others may use (R-SEC-5)."""
    found = []
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
            found.append(f"{path} {stat.S_IMODE(info.st_mode):o}")
    return found
