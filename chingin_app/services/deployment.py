"""The files every VM behind the balancer holds identically (SPEC R-DEP-5; DESIGN §1): both CA
hierarchies, the secret-box key and the proxy secret.

The first VM makes them (``chingin pki init``) and records a fingerprint of each in the
database (``DeploymentFile``). From then on the database is "initialised": nothing is generated
on another VM — a missing or different file is refused with a message naming the file to copy
from the first VM. A CA is fingerprinted by its root certificate (public); a secret by an HMAC
keyed with the secret itself, which reveals nothing of it (the database archive never holds a
secret, R-DEP-6).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from chingin_app.models import DeploymentFile
from chingin_app.settings import Settings

__all__ = [
    "DeployedFile",
    "deployed_files",
    "initialised",
    "mismatches",
    "record",
]

_SECRET_LABEL: Final = b"chingin deployment fingerprint v1"


@dataclass(frozen=True)
class DeployedFile:
    """One file (or, for a CA, the directory it stands for) every VM must hold identically."""

    name: str  # the database key
    label: str  # what the operator reads
    path: Path  # the file fingerprinted
    copy: Path  # what to copy from the first VM
    secret: bool


def deployed_files(s: Settings) -> tuple[DeployedFile, ...]:
    """The files of R-DEP-5 for these settings."""
    operator = s.pki_dir / "operator"
    return (
        DeployedFile("customer-ca", "顧客用 CA", s.pki_dir / "root.pem", s.pki_dir, False),
        DeployedFile("operator-ca", "オペレーター用 CA", operator / "root.pem", operator, False),
        DeployedFile("secretbox-key", "秘密鍵ファイル（secretbox.key）",
                     s.data_dir / "secretbox.key", s.data_dir / "secretbox.key", True),
        DeployedFile("proxy-secret", "プロキシ共有秘密（proxy-secret）",
                     s.proxy_secret_file, s.proxy_secret_file, True),
    )


def _fingerprint(f: DeployedFile) -> str | None:
    try:
        data = f.path.read_bytes()
    except FileNotFoundError:
        return None
    if f.secret:
        return hmac.new(data.strip(), _SECRET_LABEL, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def _has_table(db: Session) -> bool:
    try:
        return inspect(db.connection()).has_table(DeploymentFile.__tablename__)
    except SQLAlchemyError:
        return False


def _recorded(db: Session) -> dict[str, str]:
    if not _has_table(db):  # before `chingin migrate`: nothing can be recorded yet
        return {}
    return {row.name: row.fingerprint for row in db.exec(select(DeploymentFile)).all()}


def initialised(db: Session) -> bool:
    """Whether a VM already recorded its files in this database (it is not the first VM)."""
    return bool(_recorded(db))


def mismatches(s: Settings, db: Session) -> list[str]:
    """One line per recorded file this VM lacks or holds differently, naming what to copy
    from the first VM; empty when this VM matches (or nothing is recorded yet). Reads only."""
    recorded = _recorded(db)
    problems = []
    for f in deployed_files(s):
        expected = recorded.get(f.name)
        if expected is None:
            continue
        actual = _fingerprint(f)
        if actual is None:
            problems.append(
                f"{f.label}（{f.path}）がありません。このデータベースは別の VM で初期化済みのため"
                f"生成しません。最初の VM から {f.copy} をコピーしてください。"
            )
        elif not hmac.compare_digest(actual, expected):
            problems.append(
                f"{f.label}（{f.path}）が他の VM のものと異なります。最初の VM から {f.copy} を"
                "コピーしてください。"
            )
    return problems


def record(s: Settings, db: Session, *, now: datetime) -> list[str]:
    """Record the fingerprint of each file this VM holds that is not recorded yet (the first
    VM, or an install older than R-DEP-5); commits. Returns the names recorded. Does nothing
    before the schema exists."""
    if not _has_table(db):
        return []
    recorded = _recorded(db)
    added = []
    for f in deployed_files(s):
        if f.name in recorded or (fingerprint := _fingerprint(f)) is None:
            continue
        db.add(DeploymentFile(name=f.name, fingerprint=fingerprint, recorded_at=now))
        added.append(f.name)
    db.commit()
    return added
