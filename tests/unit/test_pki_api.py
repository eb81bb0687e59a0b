"""STYLE §5 (trustme's shape): a complete ``__all__``; DESIGN §1: ``pki/`` imports only the
standard library and ``cryptography``."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pki

PKI_DIR = Path(pki.__file__).parent

PUBLIC = {
    "KeyType", "CertificateAuthority", "CAHierarchy", "IssuedCert", "Revocation",
    "create_hierarchy", "save_hierarchy", "load_hierarchy",
    "client_validity", "issue_client_cert", "issue_server_cert", "to_p12",
    "build_crl", "crl_pem_bundle", "parse_forwarded_cert", "sha256_fingerprint",
    "sha1_fingerprint", "verify_client_cert", "PkiError", "ChainInvalid", "CertExpired",
    "CertRevoked",
}  # fmt: skip


def test_public_api_is_complete() -> None:
    """STYLE §5 "a complete `__all__`": exactly the agreed names, all importable."""
    assert set(pki.__all__) == PUBLIC
    assert len(pki.__all__) == len(PUBLIC)
    for name in pki.__all__:
        assert getattr(pki, name) is not None


def test_pki_imports_only_stdlib_and_cryptography() -> None:
    """DESIGN §1: `pki/` may import `cryptography` only (plus the standard library)."""
    allowed = set(sys.stdlib_module_names) | {"cryptography", "__future__"}
    for path in sorted(PKI_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= allowed, f"{path.name} imports {roots}"
