"""`chingin pki init`: create the customer and the operator CA once (SPEC R-DEP-1, R-CERT-8,
R-OPS-7).

The passphrase comes from ``CHINGIN_CA_PASSPHRASE_FILE`` (0400, outside the data dir), never
from a prompt or the command line; nothing is created unless that file is in order and neither
CA exists — a CA is never replaced: every certificate it issued would be orphaned.

It also makes the other files every VM holds identically (R-DEP-5): the secret-box key and
the proxy secret, and records their fingerprints in the database (``services.deployment``).
On a second VM — the database already initialised by the first — nothing is generated: it
refuses, naming the files to copy from the first VM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pki
from chingin_app.db import schema_status, session_scope
from chingin_app.proxy import nginx
from chingin_app.runtime.preflight import passphrase_problem
from chingin_app.runtime.private_files import make_private_dir, secure_tree
from chingin_app.services import deployment, secretbox
from chingin_app.services.certs import ca
from chingin_app.settings import Settings

__all__ = ["PkiInitRefused", "init_cas"]


class PkiInitRefused(Exception):
    """Nothing was created; ``text`` says why and what to do."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class _Ca:
    label: str
    directory: Path
    name: str  # the subject prefix services.certs.ca uses for this hierarchy


def _cas(s: Settings) -> tuple[_Ca, ...]:
    return (
        _Ca("顧客用", s.pki_dir, "chingin"),
        _Ca("オペレーター用", ca.operator_dir(s), "chingin operator"),
    )


def init_cas(s: Settings, *, now: datetime) -> list[Path]:
    """Create both CA hierarchies (keys encrypted with the passphrase file) and return their
    directories. Raises PkiInitRefused, having created nothing, when the passphrase file is
    missing or not 0400, or when either CA exists."""
    if (problem := passphrase_problem(s)) is not None:
        raise PkiInitRefused(problem)
    existing = [
        f"{one.label}（{one.directory}）"
        for one in _cas(s)
        if (one.directory / "issuing.key").exists() or (one.directory / "root.key").exists()
    ]
    if existing:
        raise PkiInitRefused(
            f"CA は作成済みです：{'、'.join(existing)}。作り直しません（発行済みの証明書が"
            "使えなくなるため）。何も変更していません。"
        )
    if _schema_exists(s):
        with session_scope(read_only=True) as db:
            taken = deployment.initialised(db)
        if taken:  # R-DEP-5: a second VM copies the first one's files, never makes its own
            files = "、".join([*(str(f.copy) for f in deployment.deployed_files(s)),
                              f"CA パスフレーズファイル {s.ca_passphrase_file}"])
            raise PkiInitRefused(
                "このデータベースは別の VM で初期化済みです。CA・鍵を新しく作ると他の VM と"
                f"合わなくなるため作成しません。最初の VM から次をコピーしてください：{files}。"
                "何も変更していません。"
            )
    passphrase = s.ca_passphrase_file.read_bytes().strip()
    make_private_dir(s.data_dir)
    for one in _cas(s):
        hierarchy = pki.create_hierarchy(name=one.name, now=now)
        pki.save_hierarchy(hierarchy, one.directory, passphrase=passphrase)
    # pki writes certificates 0644 (they are public in themselves); files at rest are private.
    secure_tree(s.pki_dir)
    secretbox.ensure_key()  # R-DEP-5: made here, once, on the first VM
    nginx.ensure_proxy_secret(s)
    if _schema_exists(s):
        with session_scope() as db:
            deployment.record(s, db, now=now)
    return [one.directory for one in _cas(s)]


def _schema_exists(s: Settings) -> bool:
    """Whether the database has a schema (never creates a SQLite file to find out)."""
    return schema_status(s.database_url).current is not None
