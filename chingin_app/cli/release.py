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
from chingin_app.domain.messages import message

__all__ = ["register"]

#: What ``chingin migrate`` calls a database without a schema yet.
EMPTY_SCHEMA_LABEL = "（空）"


def register(top: Subparsers) -> None:
    """Add ``build``, ``migrate`` and ``pki init``."""
    p = leaf(top, "build", _build, "フロントエンドをビルドします（リリースごとに1回）")
    p.add_argument("--check", action="store_true",
                   help="ビルドせず、このリリースのビルドがあれば 0、なければ 1 で終了します")
    p = leaf(top, "migrate", _migrate, "データベースのスキーマを更新します（ロックを取って実行）")
    p.add_argument("--check", action="store_true",
                   help="更新せず、スキーマが最新なら 0、そうでなければ 1 で終了します")
    pki = branch(top, "pki", "認証局（CA）")
    leaf(pki, "init", _pki_init, "顧客用とオペレーター用の CA を作成します（1回だけ）")


def _build(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.runtime.build import BuildError, build_front_end, build_problem
    from chingin_app.settings import settings

    s = settings()
    if args.check:  # deploy/install builds only when needed (R-DEP-7: a second run is a no-op)
        if (problem := build_problem(s)) is not None:
            print(message("E-BUILD-NEEDED", problem=problem), file=sys.stderr)
            return EXIT_REFUSED
        out(message("I-BUILD-CURRENT", web_dir=s.web_dir))
        return EXIT_OK
    try:
        stamp = build_front_end(s)
    except BuildError as exc:
        print(message("E-BUILD-FAILED", reason=exc), file=sys.stderr)
        return EXIT_REFUSED
    out(message("I-BUILD-DONE", web_dir=s.web_dir, base_url=stamp.base_url,
                scripts=len(stamp.script_hashes)))
    return EXIT_OK


def _migrate(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.db import migrate
    from chingin_app.runtime.private_files import make_private_dir
    from chingin_app.settings import settings

    s = settings()
    if args.check:  # deploy/install migrates only when needed (R-DEP-7); creates nothing
        from chingin_app.runtime.preflight import schema_problem

        if (problem := schema_problem(s)) is not None:
            print(message("E-SCHEMA", problem=problem), file=sys.stderr)
            return EXIT_REFUSED
        out(message("I-MIGRATE-CURRENT", after=_code_head(s.database_url)))
        return EXIT_OK
    make_private_dir(s.data_dir)  # the SQLite file and its lock file live there
    done = migrate(s.database_url)
    if done.upgraded:
        out(message("I-MIGRATE-DONE", before=done.before or EMPTY_SCHEMA_LABEL, after=done.after))
    else:
        out(message("I-MIGRATE-CURRENT", after=done.after))
    return EXIT_OK


def _code_head(url: str) -> str:
    """The code's schema revision (also the database's once ``--check`` found it current)."""
    from chingin_app.db import schema_status

    return schema_status(url).head


def _pki_init(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.runtime.pki_init import PkiInitRefused, init_cas
    from chingin_app.settings import settings

    try:
        created = init_cas(settings(), now=datetime.now(UTC))
    except PkiInitRefused as exc:
        print(exc.text, file=sys.stderr)
        return EXIT_REFUSED
    for directory in created:
        out(message("I-CA-CREATED", directory=directory))
    return EXIT_OK
