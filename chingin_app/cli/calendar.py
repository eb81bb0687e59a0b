"""`chingin maintenance …` and `chingin holiday …`: the service calendar (SPEC R-ENV-1,
R-ENV-1a; DESIGN §2). Times are typed and shown in Japan time:

    chingin maintenance add --from "YYYY-MM-DD HH:MM" --to "YYYY-MM-DD HH:MM" [--message TEXT]
    chingin maintenance list | maintenance remove ID
    chingin holiday add YYYY-MM-DD [--note TEXT] | holiday remove YYYY-MM-DD | holiday list

The services log their own changes; the lists are logged here.
"""

from __future__ import annotations

import argparse

from chingin_app.cli.common import (
    EXIT_OK,
    Context,
    Subparsers,
    branch,
    invalid,
    jst_text,
    leaf,
    log_success,
    open_db,
    out,
    parse_day,
    parse_jst,
    unwrap,
)
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err

__all__ = ["ACTION_CLOSED_DAY_LIST", "ACTION_MAINTENANCE_LIST", "register"]

# Actions this module logs itself (reads and prints); the services log their own changes.
ACTION_MAINTENANCE_LIST = "calendar.maintenance.list"
ACTION_CLOSED_DAY_LIST = "calendar.closed_day.list"

#: The lists' header rows.
_MAINTENANCE_LIST_LABELS = ("番号", "開始（日本時間）", "終了（日本時間）", "メッセージ")
_HOLIDAY_LIST_LABELS = ("日付", "メモ")


def register(top: Subparsers) -> None:
    """Add ``maintenance`` (add, list, remove) and ``holiday`` (add, remove, list)."""
    maint = branch(top, "maintenance", "メンテナンス時間の登録・一覧・削除（R-ENV-1a）")
    p = leaf(maint, "add", _maintenance_add, "メンテナンス時間を登録します（日本時間）")
    p.add_argument("--from", dest="start", required=True, help="開始 YYYY-MM-DD HH:MM")
    p.add_argument("--to", dest="end", required=True, help="終了 YYYY-MM-DD HH:MM")
    p.add_argument("--message", default=None, help="画面に表示するメッセージ")
    leaf(maint, "list", _maintenance_list, "終了していないメンテナンス時間を表示します")
    p = leaf(maint, "remove", _maintenance_remove, "メンテナンス時間を削除します")
    p.add_argument("id", help="番号（maintenance list で表示されます）")

    hol = branch(top, "holiday", "臨時休業日の登録・一覧・削除（R-ENV-1a）")
    p = leaf(hol, "add", _holiday_add, "臨時休業日を登録します")
    p.add_argument("day", help="日付 YYYY-MM-DD")
    p.add_argument("--note", default=None, help="メモ")
    p = leaf(hol, "remove", _holiday_remove, "臨時休業日の登録を削除します")
    p.add_argument("day", help="日付 YYYY-MM-DD")
    leaf(hol, "list", _holiday_list, "臨時休業日を表示します")


def _maintenance_add(args: argparse.Namespace, ctx: Context) -> int:
    """メンテナンス時間の登録 (R-ENV-1, R-ENV-1a)."""
    from chingin_app.services.service_calendar import ACTION_MAINTENANCE_ADD, add_maintenance

    start = parse_jst(args.start, label="開始日時", action=ACTION_MAINTENANCE_ADD)
    end = parse_jst(args.end, label="終了日時", action=ACTION_MAINTENANCE_ADD)
    with open_db() as db:
        window_id = unwrap(
            add_maintenance(
                db, start=start, end=end, message=args.message, actor=ctx.actor, clock=ctx.clock
            )
        )
    out(message("I-MAINT-ADDED", number=window_id, start=jst_text(start), end=jst_text(end)))
    return EXIT_OK


def _maintenance_list(args: argparse.Namespace, ctx: Context) -> int:
    """メンテナンス時間の一覧: the windows not yet ended (R-ENV-1a)."""
    from chingin_app.services.service_calendar import list_maintenance

    with open_db() as db:
        windows = list_maintenance(db, now=ctx.clock.now())
        log_success(db, ctx, action=ACTION_MAINTENANCE_LIST, detail={"count": len(windows)})
        db.commit()
    if not windows:
        out(message("I-MAINT-NONE"))
        return EXIT_OK
    out("\t".join(_MAINTENANCE_LIST_LABELS))
    for w in windows:
        out(f"{w.id}\t{jst_text(w.start)}\t{jst_text(w.end)}\t{w.message or ''}")
    return EXIT_OK


def _maintenance_remove(args: argparse.Namespace, ctx: Context) -> int:
    """メンテナンス時間の削除 (R-ENV-1a)."""
    from chingin_app.services.service_calendar import ACTION_MAINTENANCE_REMOVE, remove_maintenance

    if not (args.id.isascii() and args.id.isdigit()):
        invalid(Err("E-ID-FORMAT", "id", {"label": "番号"}), action=ACTION_MAINTENANCE_REMOVE,
                target=None)
    window_id = int(args.id)
    with open_db() as db:
        unwrap(remove_maintenance(db, window_id=window_id, actor=ctx.actor, clock=ctx.clock))
    out(message("I-MAINT-REMOVED", number=window_id))
    return EXIT_OK


def _holiday_add(args: argparse.Namespace, ctx: Context) -> int:
    """臨時休業日の登録 (R-ENV-1a)."""
    from chingin_app.services.service_calendar import ACTION_CLOSED_DAY_ADD, add_closed_day

    day = parse_day(args.day, action=ACTION_CLOSED_DAY_ADD)
    with open_db() as db:
        unwrap(add_closed_day(db, day=day, note=args.note, actor=ctx.actor, clock=ctx.clock))
    out(message("I-HOLIDAY-ADDED", day=day.isoformat()))
    return EXIT_OK


def _holiday_remove(args: argparse.Namespace, ctx: Context) -> int:
    """臨時休業日の削除 (R-ENV-1a)."""
    from chingin_app.services.service_calendar import ACTION_CLOSED_DAY_REMOVE, remove_closed_day

    day = parse_day(args.day, action=ACTION_CLOSED_DAY_REMOVE)
    with open_db() as db:
        unwrap(remove_closed_day(db, day=day, actor=ctx.actor, clock=ctx.clock))
    out(message("I-HOLIDAY-REMOVED", day=day.isoformat()))
    return EXIT_OK


def _holiday_list(args: argparse.Namespace, ctx: Context) -> int:
    """臨時休業日の一覧 (R-ENV-1a)."""
    from chingin_app.services.service_calendar import list_closed_days

    with open_db() as db:
        days = list_closed_days(db)
        log_success(db, ctx, action=ACTION_CLOSED_DAY_LIST, detail={"count": len(days)})
        db.commit()
    if not days:
        out(message("I-HOLIDAY-NONE"))
        return EXIT_OK
    out("\t".join(_HOLIDAY_LIST_LABELS))
    for d in days:
        out(f"{d.day.isoformat()}\t{d.note or ''}")
    return EXIT_OK
