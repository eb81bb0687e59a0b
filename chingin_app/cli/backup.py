"""``chingin backup DIR`` and ``chingin restore DIR [--force]`` (SPEC R-DEP-6): dispatch only;
the work is in ``runtime.backup``. The daily timer runs ``chingin backup --keep 14 DIR``
(deploy/systemd/chingin-backup.timer)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chingin_app.cli.common import EXIT_OK, EXIT_REFUSED, Context, Subparsers, leaf, out
from chingin_app.domain.messages import message

__all__ = ["register"]


def register(top: Subparsers) -> None:
    """Add ``backup`` and ``restore``."""
    p = leaf(top, "backup", _backup,
             "データベースと CA ファイルを DIR の下にバックアップします（秘密鍵類は含みません）")
    p.add_argument("dir", metavar="DIR", type=Path, help="バックアップを置くディレクトリ")
    p.add_argument("--keep", type=int, default=None,
                   help="新しいものからこの数だけ残し、古いバックアップを削除します")
    p = leaf(top, "restore", _restore,
             "バックアップ DIR を空のデータベースとデータディレクトリに復元します")
    p.add_argument("dir", metavar="DIR", type=Path, help="chingin backup が作ったディレクトリ")
    p.add_argument("--force", action="store_true",
                   help="復元先が空でなくても上書きします")


def _backup(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.runtime.backup import BackupError, backup
    from chingin_app.settings import settings

    try:
        path = backup(settings(), args.dir, keep=args.keep)
    except BackupError as exc:
        print(message("E-BACKUP", reason=exc.text), file=sys.stderr)
        return EXIT_REFUSED
    out(message("I-BACKUP-DONE", path=path))
    return EXIT_OK


def _restore(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.runtime.backup import BackupError, restore
    from chingin_app.settings import settings

    try:
        done = restore(settings(), args.dir, force=args.force)
    except BackupError as exc:
        print(message("E-BACKUP", reason=exc.text), file=sys.stderr)
        return EXIT_REFUSED
    out(message("I-RESTORE-DONE", database=done.database, schema=done.schema))
    for problem in done.to_put_back:
        out(message("W-RESTORE-PUT-BACK", problem=problem))
    return EXIT_OK
