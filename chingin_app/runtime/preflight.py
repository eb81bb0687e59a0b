"""What production needs before `chingin serve` may start (SPEC R-DEP-1, R-DEP-2, R-DEP-3).

Each check only looks (files, settings, the schema's revision) and never creates anything, so
a refused start leaves the machine as it was. A problem is one line that names the step that
fixes it (``chingin pki init``, ``chingin migrate``, ``chingin build``, a setting). The texts
are for the operator at the console, printed only by these commands (as in ``cli.common``).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Final

from sqlalchemy.exc import SQLAlchemyError

from chingin_app.db import make_engine, schema_status, session_scope
from chingin_app.runtime.build import build_problem
from chingin_app.services import deployment
from chingin_app.services.certs import ca
from chingin_app.settings import Settings

__all__ = [
    "CA_FILES",
    "ca_problem",
    "deployment_problems",
    "passphrase_problem",
    "production_problems",
    "schema_problem",
]

#: A hierarchy is complete once its issuing key exists (``pki.save_hierarchy`` writes it last).
CA_FILES: Final = ("root.pem", "issuing.pem", "chain.pem", "root.key", "issuing.key")

_PKI_INIT: Final = "`chingin pki init` を実行してください。"
_MIGRATE: Final = "`chingin migrate` を実行してください。"


def passphrase_problem(s: Settings) -> str | None:
    """The CA passphrase file must exist, hold something and be the owner's only, read-only
    (0400, R-DEP-1)."""
    path = s.ca_passphrase_file
    try:
        info = path.stat()
    except FileNotFoundError:
        return (
            f"CA のパスフレーズファイル（CHINGIN_CA_PASSPHRASE_FILE={path}）がありません。"
            "データディレクトリの外に作成し、chmod 0400 にしてください。"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o377:
        return (
            f"CA のパスフレーズファイル（{path}）のモードが {mode:04o} です。"
            f"chmod 0400 {path} を実行してください。"
        )
    if info.st_size == 0:
        return f"CA のパスフレーズファイル（{path}）が空です。"
    return None


def _ca_dirs(s: Settings) -> tuple[tuple[str, Path], ...]:
    return (("顧客用", s.pki_dir), ("オペレーター用", ca.operator_dir(s)))


def ca_problem(s: Settings) -> str | None:
    """Both CA hierarchies must exist (R-DEP-1: serve never creates one)."""
    incomplete = []
    for label, directory in _ca_dirs(s):
        missing = [name for name in CA_FILES if not (directory / name).exists()]
        if len(missing) == len(CA_FILES):
            incomplete.append(f"{label}（{directory}）")
        elif missing:
            incomplete.append(f"{label}（{directory} に {', '.join(missing)} がない）")
    if not incomplete:
        return None
    return f"CA がありません：{'、'.join(incomplete)}。" + _PKI_INIT


def schema_problem(s: Settings) -> str | None:
    """The database's schema must be the code's (R-DEP-3: production never migrates by itself).
    """
    try:
        status = schema_status(s.database_url)
    except SQLAlchemyError as exc:
        return (
            f"データベースに接続できません（{type(exc).__name__}）。"
            "CHINGIN_DATABASE_URL を確認してください。"
        )
    if status.up_to_date:
        return None
    if status.current is None:
        return "データベースにスキーマがありません。" + _MIGRATE
    if status.newer:
        return (
            f"データベースのスキーマ（{status.current}）はこのリリース（{status.head}）より"
            "新しいリリースのものです。このリリースでは使えません"
            "（新しいリリースに戻し、`chingin migrate` はそのリリースで実行してください）。"
        )
    return (
        f"データベースのスキーマ（{status.current}）がこのリリース（{status.head}）より古いです。"
        + _MIGRATE
    )


def deployment_problems(s: Settings) -> list[str]:
    """R-DEP-5: the CA files, secret-box key and proxy secret this VM holds must be those the
    database recorded (the first VM's); each line names the file to copy. Reads only; call it
    on a schema that is up to date. Its own engine, closed at once: a refused start leaves no
    SQLite journal behind."""
    eng = make_engine(s.database_url)
    try:
        with session_scope(read_only=True, bind=eng) as db:
            return deployment.mismatches(s, db)
    finally:
        eng.dispose()


def _tls_problem(s: Settings) -> str | None:
    if not (s.tls_cert and s.tls_key):
        return (
            "TLS サーバー証明書と鍵（CHINGIN_TLS_CERT / CHINGIN_TLS_KEY）を設定してください。"
        )
    missing = [str(p) for p in (s.tls_cert, s.tls_key) if not p.is_file()]
    if missing:
        return f"TLS サーバー証明書または鍵のファイルがありません（{', '.join(missing)}）。"
    return None


def production_problems(s: Settings, env: dict[str, str]) -> list[str]:
    """Everything that stops a production start, each naming its remedy (R-DEP-1..3); empty
    when serve may start. Looks only: nothing is created, not even the data dir."""
    problems: list[str] = []
    if env.get("CHINGIN_TEST_CLOCK_FILE"):
        problems.append(
            "本番環境ではテスト用の時計（CHINGIN_TEST_CLOCK_FILE）は使えません。設定を外してください。"
        )
    if not s.smtp_host:
        problems.append(
            "本番環境では送信メールサーバー（CHINGIN_SMTP_HOST）の設定が必要です"
            "（開発用受信箱は起動しません）。"
        )
    if (problem := passphrase_problem(s)) is not None:
        problems.append(problem)
    if (problem := ca_problem(s)) is not None:
        problems.append(problem)
    if (problem := _tls_problem(s)) is not None:
        problems.append(problem)
    if (problem := build_problem(s)) is not None:
        problems.append(problem + "`chingin build` を実行してください。")
    if (problem := schema_problem(s)) is not None:  # a missing SQLite file is not created
        problems.append(problem)
    else:
        problems.extend(deployment_problems(s))
    return problems
