"""`chingin manual add|list`: manuals and forms for マニュアル照会 (SPEC R-OPS-3, R-MAN-1,
R-INFO-3, R-ENV-6; DESIGN §2):

    chingin manual add FILE --title 表題 --kind member|employer|both
    chingin manual list

``add`` registers a PDF (at most 10 MB; the service logs it and its refusals in the system
chain); ``list`` shows every registered manual and is logged here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from chingin_app.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Refusal,
    Subparsers,
    branch,
    jst_text,
    leaf,
    log_success,
    open_db,
    out,
    unwrap,
)
from chingin_app.domain.messages import message

__all__ = ["ACTION_LIST", "register"]

ACTION_LIST: Final = "manual.list"
_KIND_LABELS: Final = {"member": "会員", "employer": "事業主", "both": "会員・事業主"}
#: The row of a manual kept for the record but never shown (R-MAN-1: no IE mode material).
_IE_MODE_HIDDEN_LABEL: Final = "（IEモード資料のため表示しません）"


def register(top: Subparsers) -> None:
    """Add ``manual`` (add, list)."""
    manual = branch(top, "manual", "マニュアル・帳票（PDF）の登録・一覧")
    p = leaf(manual, "add", _add, "マニュアル・帳票（PDF）を登録します（R-OPS-3）")
    p.add_argument("file", metavar="FILE", help="登録するPDFファイル（10MBまで）")
    p.add_argument("--title", required=True, help="マニュアル照会に表示する表題")
    p.add_argument(
        "--kind",
        required=True,
        choices=["member", "employer", "both"],
        help="対象: member（会員）、employer（事業主）、both（両方）",
    )
    leaf(manual, "list", _list, "登録されているマニュアル・帳票を一覧表示します")


def _add(args: argparse.Namespace, ctx: Context) -> int:
    """マニュアル・帳票の登録 (R-OPS-3)."""
    from chingin_app.services.manuals import ACTION_REGISTER, MAX_BYTES, register_manual

    path = Path(args.file)
    try:
        with path.open("rb") as fh:
            # One byte more than allowed is enough for the service to refuse the size.
            content = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise Refusal(
            message("E-MANUAL-FILE-READ", path=path, reason=exc.strerror or type(exc).__name__),
            EXIT_REFUSED,
            code="E-MANUAL-FILE-READ",
            log_action=ACTION_REGISTER,
            log_target=args.title,
        ) from None
    with open_db() as db:
        manual_id = unwrap(
            register_manual(
                db,
                title=args.title,
                kind=args.kind,
                filename=path.name,
                content=content,
                actor=ctx.actor,
                clock=ctx.clock,
            )
        )
    out(message("I-MANUAL-ADDED", title=args.title.strip(), number=manual_id,
                kind=_KIND_LABELS[args.kind]))
    return EXIT_OK


def _list(args: argparse.Namespace, ctx: Context) -> int:
    """マニュアル・帳票の一覧 (R-MAN-1)."""
    from chingin_app.services.manuals import is_ie_mode_title, list_all_manuals

    with open_db() as db:
        views = list_all_manuals(db)
        log_success(db, ctx, action=ACTION_LIST, detail={"count": len(views)})
        db.commit()
    if not views:
        out(message("I-MANUAL-NONE"))
        return EXIT_OK
    for v in views:
        hidden = _IE_MODE_HIDDEN_LABEL if is_ie_mode_title(v.title) else ""
        out(
            f"{v.manual_id}\t{_KIND_LABELS.get(v.kind, v.kind)}\t{jst_text(v.registered_at)}\t"
            f"{v.title}\t{v.filename}\t{v.sha256[:16]}{hidden}"
        )
    return EXIT_OK
