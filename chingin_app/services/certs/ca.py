"""The service's certificate authorities on disk (R-CERT-8, R-CERT-9): the customer hierarchy
(root + issuing CA, keys encrypted with the passphrase file) and, for the demo only, a separate
TLS hierarchy for the server certificate — customer and server certificates never share a CA."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pki
from chingin_app.settings import Settings, settings


class CaSetupError(RuntimeError):
    """The CA cannot be used as configured (missing or unreadable passphrase file)."""


def ensure_passphrase(s: Settings) -> bytes:
    """Read the CA passphrase; outside production, create one (mode 0400) on first run."""
    path = s.ca_passphrase_file
    if not path.exists():
        if s.env == "production":
            raise CaSetupError(f"CA passphrase file missing: {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(32))
    value = path.read_bytes().strip()
    if not value:
        raise CaSetupError(f"CA passphrase file is empty: {path}")
    return value


def _refuse_in_production(s: Settings, directory: Path) -> None:
    """Production never creates a CA by itself (R-DEP-1): `chingin pki init` does, once."""
    if s.is_production:
        raise CaSetupError(f"no CA in {directory}: run `chingin pki init`")


def ensure_hierarchy(s: Settings, *, now: datetime) -> pki.CAHierarchy:
    """Load the customer CA hierarchy, creating it on first run."""
    directory = s.pki_dir
    passphrase = ensure_passphrase(s)
    if (directory / "issuing.key").exists():
        return pki.load_hierarchy(directory, passphrase=passphrase)
    _refuse_in_production(s, directory)
    directory.mkdir(parents=True, exist_ok=True)
    hierarchy = pki.create_hierarchy(name="chingin", now=now)
    pki.save_hierarchy(hierarchy, directory, passphrase=passphrase)
    return hierarchy


@lru_cache(maxsize=1)
def hierarchy() -> pki.CAHierarchy:
    """The customer CA hierarchy of this process (loaded once)."""
    s = settings()
    return pki.load_hierarchy(s.pki_dir, passphrase=ensure_passphrase(s))


def tls_files(s: Settings, *, now: datetime) -> tuple[Path, Path, Path | None]:
    """The server certificate and key for nginx, and the CA a client must trust for it.

    Production uses the bank's publicly trusted certificate (CHINGIN_TLS_CERT/KEY); otherwise a
    demo TLS hierarchy and a server certificate for the base URL's host are made on first run.
    """
    if s.tls_cert and s.tls_key:
        return s.tls_cert, s.tls_key, None
    if s.env == "production":
        raise CaSetupError("production needs CHINGIN_TLS_CERT and CHINGIN_TLS_KEY")
    directory = s.pki_dir / "demo-tls"
    cert_path, key_path = directory / "server.pem", directory / "server.key"
    host = s.base_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    if not cert_path.exists() or _host_changed(directory, host):
        passphrase = ensure_passphrase(s)
        directory.mkdir(parents=True, exist_ok=True)
        if (directory / "issuing.key").exists():
            tls_ca = pki.load_hierarchy(directory, passphrase=passphrase)
        else:
            tls_ca = pki.create_hierarchy(name="chingin demo TLS", now=now)
            pki.save_hierarchy(tls_ca, directory, passphrase=passphrase)
        is_ip = host.replace(".", "").isdigit() or ":" in host
        names = ["localhost"] if is_ip else [host, "localhost"]
        ips = sorted({"127.0.0.1", host} if is_ip else {"127.0.0.1"})
        server = pki.issue_server_cert(tls_ca.issuing, hostnames=names, ips=ips, now=now)
        cert_path.write_bytes(server.cert_pem() + tls_ca.issuing.pem())
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(server.key_pem())
        (directory / "host").write_text(host, encoding="utf-8")
    return cert_path, key_path, directory / "root.pem"


def _host_changed(directory: Path, host: str) -> bool:
    try:
        return (directory / "host").read_text(encoding="utf-8") != host
    except FileNotFoundError:
        return True


def operator_dir(s: Settings) -> Path:
    """The operator CA's directory: a hierarchy of its own next to the customer one (R-OPS-7)."""
    return s.pki_dir / "operator"


def ensure_operator_hierarchy(s: Settings, *, now: datetime) -> pki.CAHierarchy:
    """Load the operator CA hierarchy, creating it on first run (R-OPS-7).

    Customer and operator certificates never cross: the public listener trusts only the
    customer chain, the operator listener only this one."""
    directory = operator_dir(s)
    passphrase = ensure_passphrase(s)
    if (directory / "issuing.key").exists():
        return pki.load_hierarchy(directory, passphrase=passphrase)
    _refuse_in_production(s, directory)
    directory.mkdir(parents=True, exist_ok=True)
    hierarchy = pki.create_hierarchy(name="chingin operator", now=now)
    pki.save_hierarchy(hierarchy, directory, passphrase=passphrase)
    return hierarchy
