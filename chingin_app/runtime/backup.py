"""`chingin backup DIR` and `chingin restore DIR` (SPEC R-DEP-6), for SQLite and PostgreSQL.

A backup is one directory ``DIR/chingin-backup-YYYYmmdd-HHMMSS/`` (0700) holding

- ``database.sqlite`` (SQLite's online backup API: a consistent copy while the service runs) or
  ``database.pgdump`` (``pg_dump --format=custom``);
- ``data.tar.gz``: the data dir's ``pki/`` — CA certificates, the CA keys *encrypted* with the
  passphrase, CRLs (the demo's TLS hierarchy is left out: the demo remakes it);
- ``manifest.json``: what it holds, with a SHA-256 of each part, and what it does not hold.

Never in a backup (R-DEP-6): the CA passphrase file, the secret-box key (it opens the sealed
columns of the database) and the proxy secret. They are deployed identically on every VM
(R-DEP-5) and kept apart by the operator; a restore names the ones still to put back.

PostgreSQL's password never reaches a command line (``ps`` shows it to every user): the
connection comes from ``CHINGIN_DATABASE_URL`` into ``PGHOST``/``PGPORT``/``PGUSER``/
``PGDATABASE`` and a temporary ``PGPASSFILE`` (0600), removed afterwards.

A restore refuses a target that is not empty — a database with tables, a data dir with a CA —
unless ``force``; it checks the parts' digests before it changes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from chingin_app.db import make_engine, normalise_url, schema_status, session_scope
from chingin_app.runtime.private_files import make_private_dir, secure_tree
from chingin_app.services import deployment
from chingin_app.settings import Settings

__all__ = [
    "ARCHIVE_PREFIX",
    "NOT_INCLUDED",
    "BackupError",
    "Restored",
    "backup",
    "restore",
]

ARCHIVE_PREFIX: Final = "chingin-backup-"
MANIFEST: Final = "manifest.json"
SQLITE_PART: Final = "database.sqlite"
PG_PART: Final = "database.pgdump"
DATA_PART: Final = "data.tar.gz"
FORMAT: Final = 1
#: What a backup never holds (R-DEP-6), as the manifest and the README name it.
NOT_INCLUDED: Final = ("CA passphrase file", "secretbox.key", "proxy-secret")
#: Under pki/: the demo's own TLS hierarchy (its server key is not encrypted; the demo remakes it).
_SKIPPED_UNDER_PKI: Final = ("demo-tls",)


class BackupError(Exception):
    """Nothing (more) was done; ``text`` says why, for the operator."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Restored:
    """What a restore did and what the operator must still do."""

    database: str  # "sqlite" | "postgresql"
    schema: str | None  # the backup's schema revision
    to_put_back: list[str]  # R-DEP-5/6: the deployed files this VM still lacks


def _kind(url: str) -> str:
    backend = make_url(normalise_url(url)).get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise BackupError(f"対応していないデータベースです（{backend}）。")
    return backend


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("SQLite のファイルが CHINGIN_DATABASE_URL にありません。")
    return Path(database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pgpass_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


@contextmanager
def _pg_environment(url: str) -> Iterator[dict[str, str]]:
    """The environment for pg_dump/pg_restore/psql: the connection from the URL, the password
    in a temporary PGPASSFILE (0600) — never in argv, never in PGPASSWORD."""
    u = make_url(normalise_url(url))
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    host = str(u.query.get("host") or u.host or "")
    for name, value in (("PGHOST", host), ("PGPORT", str(u.port or "")),
                        ("PGUSER", u.username or ""), ("PGDATABASE", u.database or ""),
                        ("PGSSLMODE", str(u.query.get("sslmode") or ""))):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="chingin-pg-") as scratch:
        passfile = Path(scratch) / "pgpass"
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            if u.password is not None:
                f.write(":".join(["*", "*", "*", _pgpass_field(u.username or "*"),
                                  _pgpass_field(str(u.password))]) + "\n")
        env["PGPASSFILE"] = str(passfile)
        yield env


def _run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} が失敗しました：{result.stderr.strip()}")


def _pack_data(s: Settings, out: Path) -> None:
    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = Path(info.name).parts
        if len(parts) > 1 and parts[1] in _SKIPPED_UNDER_PKI:
            return None
        if Path(info.name).name.endswith(".tmp"):
            return None  # a CRL being written (R-DEP-5)
        return info

    with tarfile.open(out, "w:gz") as tar:
        if s.pki_dir.exists():
            tar.add(s.pki_dir, arcname="pki", filter=keep)


def _prune(dest: Path, keep: int) -> None:
    """Keep the newest ``keep`` backups in ``dest`` (the timer's retention)."""
    backups = sorted(p for p in dest.glob(f"{ARCHIVE_PREFIX}*") if p.is_dir())
    for old in backups[:-keep] if keep > 0 else []:
        shutil.rmtree(old)


def backup(s: Settings, dest: Path, *, now: datetime | None = None,
           keep: int | None = None) -> Path:
    """Back up the database and the data dir's CA files into a new directory under ``dest``
    (R-DEP-6); returns it. ``keep``: then remove all but the newest ``keep`` backups."""
    kind = _kind(s.database_url)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    make_private_dir(dest)
    out = dest / f"{ARCHIVE_PREFIX}{stamp}"
    try:
        out.mkdir(mode=0o700)
    except FileExistsError:
        raise BackupError(f"{out} は既にあります。") from None
    try:
        if kind == "sqlite":
            source = _sqlite_path(s.database_url)
            if not source.exists():
                raise BackupError(f"データベース（{source}）がありません。")
            part = out / SQLITE_PART
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dst = sqlite3.connect(part)
            try:
                src.backup(dst)  # consistent while the service writes
            finally:
                dst.close()
                src.close()
        else:
            part = out / PG_PART
            with _pg_environment(s.database_url) as env:
                _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                      "--file", str(part)], env)
        _pack_data(s, out / DATA_PART)
        manifest = {
            "format": FORMAT,
            "created_at": (now or datetime.now(UTC)).isoformat(),
            "database": kind,
            "schema": schema_status(s.database_url).current,
            "parts": {p.name: _sha256(p) for p in (part, out / DATA_PART)},
            "not_included": list(NOT_INCLUDED),
        }
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        secure_tree(out)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # never leave half a backup looking whole
        raise
    if keep is not None:
        _prune(dest, keep)
    return out


def _manifest(source: Path) -> dict[str, object]:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        raise BackupError(f"{source} は chingin のバックアップではありません"
                          f"（{MANIFEST} がない）。") from None
    parts = manifest.get("parts")
    if manifest.get("format") != FORMAT or not isinstance(parts, dict):
        raise BackupError(f"{source / MANIFEST} の形式が違います。")
    for name, digest in parts.items():
        part = source / name
        if not part.is_file() or _sha256(part) != digest:
            raise BackupError(f"{part} が壊れているか、ありません（SHA-256 が合わない）。")
    return dict(manifest)


def _database_empty(s: Settings, kind: str) -> bool:
    if kind == "sqlite":
        path = _sqlite_path(s.database_url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    eng = make_engine(s.database_url)
    try:
        with eng.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        eng.dispose()


def _data_empty(s: Settings) -> bool:
    return not s.pki_dir.exists() or not any(s.pki_dir.iterdir())


def restore(s: Settings, source: Path, *, force: bool = False) -> Restored:
    """Restore the backup in ``source`` into this configuration's database and data dir
    (R-DEP-6). Refuses, changing nothing, a target that is not empty unless ``force`` (then
    replaces it), a backup of the other database kind, or a damaged backup. The service must
    be stopped. Returns what the operator must still put back (secret-box key, proxy
    secret)."""
    manifest = _manifest(source)
    kind = _kind(s.database_url)
    if manifest["database"] != kind:
        raise BackupError(
            f"このバックアップは {manifest['database']} のものです（復元先は {kind}）。")
    busy = []
    if not _database_empty(s, kind):
        busy.append(f"データベース（{make_url(normalise_url(s.database_url)).render_as_string()}）")
    if not _data_empty(s):
        busy.append(f"データディレクトリの CA（{s.pki_dir}）")
    if busy and not force:
        raise BackupError(f"復元先が空ではありません：{'、'.join(busy)}。上書きするには --force "
                          "を付けてください。何も変更していません。")
    make_private_dir(s.data_dir)
    if kind == "sqlite":
        target = _sqlite_path(s.database_url)
        src = sqlite3.connect(f"file:{source / SQLITE_PART}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # replaces the whole target database, journal included
        finally:
            dst.close()
            src.close()
    else:
        with _pg_environment(s.database_url) as env:
            argv = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                    "--single-transaction"]
            if force:
                argv += ["--clean", "--if-exists"]
            _run([*argv, "--dbname", env.get("PGDATABASE", ""), str(source / PG_PART)], env)
    if force and s.pki_dir.exists():
        shutil.rmtree(s.pki_dir)
    with tarfile.open(source / DATA_PART) as tar:
        tar.extractall(s.data_dir, filter="data")
    secure_tree(s.data_dir)
    eng = make_engine(s.database_url)
    try:
        with session_scope(read_only=True, bind=eng) as db:
            missing = deployment.mismatches(s, db)
    finally:
        eng.dispose()
    schema = manifest.get("schema")
    return Restored(database=kind, schema=schema if isinstance(schema, str) else None,
                    to_put_back=missing)
