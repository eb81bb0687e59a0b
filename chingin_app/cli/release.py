"""The release steps, in their order (SPEC R-DEP-1, R-DEP-2, R-DEP-3; README 本番環境):
``chingin build`` → ``chingin migrate`` → ``chingin pki init`` → ``chingin serve``.

``build`` needs neither the database nor the CAs; ``migrate`` is the one command that changes
the schema in production (under a database lock); ``pki init`` creates both CAs once, from
the passphrase file, without a prompt.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from chingin_app.cli.common import EXIT_OK, EXIT_REFUSED, Context, Subparsers, branch, leaf, out

__all__ = ["register"]


def register(top: Subparsers) -> None:
    """Add ``build``, ``migrate`` and ``pki init``."""
    leaf(top, "build", _build, "フロントエンドをビルドします（リリースごとに1回）")
    leaf(top, "migrate", _migrate, "データベースのスキーマを更新します（ロックを取って実行）")
    pki = branch(top, "pki", "認証局（CA）")
    leaf(pki, "init", _pki_init, "顧客用とオペレーター用の CA を作成します（1回だけ）")


def _build(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.runtime.build import BuildError, build_front_end
    from chingin_app.settings import settings

    s = settings()
    try:
        stamp = build_front_end(s)
    except BuildError as exc:
        print(f"フロントエンドのビルドに失敗しました（{exc}）。", file=sys.stderr)
        return EXIT_REFUSED
    out(f"フロントエンドをビルドしました：{s.web_dir}（公開URL {stamp.base_url}、"
        f"インラインスクリプト {len(stamp.script_hashes)} 件を CSP に登録）")
    return EXIT_OK


def _migrate(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.db import migrate
    from chingin_app.runtime.private_files import make_private_dir
    from chingin_app.settings import settings

    s = settings()
    make_private_dir(s.data_dir)  # the SQLite file and its lock file live there
    done = migrate(s.database_url)
    if done.upgraded:
        out(f"スキーマを更新しました：{done.before or '（空）'} → {done.after}")
    else:
        out(f"スキーマは最新です：{done.after}")
    return EXIT_OK


def _pki_init(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.runtime.pki_init import PkiInitRefused, init_cas
    from chingin_app.settings import settings

    try:
        created = init_cas(settings(), now=datetime.now(UTC))
    except PkiInitRefused as exc:
        print(exc.text, file=sys.stderr)
        return EXIT_REFUSED
    for directory in created:
        out(f"CA を作成しました：{directory}")
    return EXIT_OK
