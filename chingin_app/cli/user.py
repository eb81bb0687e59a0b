"""`chingin user …`: the bank operator's user procedures from the 依頼書 (SPEC R-OPS-2,
R-OPS-2a, R-OPS-2b; DESIGN §2):

    chingin user unblock ID [--ticket 受付番号]
    chingin user init-master --contract N [--ticket 受付番号]

The services log their own changes and refusals. Exit status: 0 done; 1 refused (no such
user or contract, user deleted, no master); 2 bad input.
"""

from __future__ import annotations

import argparse
from typing import Final, TypeVar

from chingin_app.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Refusal,
    Subparsers,
    add_ticket,
    branch,
    leaf,
    open_db,
    out,
    unwrap,
)
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok

__all__ = ["register"]

T = TypeVar("T")

# Well-formed requests refused because of what is stored (exit 1).
_REFUSED_CODES: Final = frozenset(
    {"E-USER-NOT-FOUND", "E-USER-DELETED", "E-MASTER-NOT-FOUND", "E-CONTRACT-NOT-FOUND"}
)


def register(top: Subparsers) -> None:
    """Add ``user`` (unblock, init-master)."""
    user = branch(top, "user", "ユーザーの閉塞解除・マスターユーザーの初期化（依頼書の処理）")
    p = leaf(
        user,
        "unblock",
        _unblock,
        "ユーザーのロック・閉塞を解除し、誤り回数を0回にします（パスワードは変わりません）",
    )
    p.add_argument("user_id", metavar="ID", help="ユーザーＩＤ（大文字・小文字を区別します）")
    add_ticket(p)
    p = leaf(
        user,
        "init-master",
        _init_master,
        "マスターユーザーＩＤ・パスワードを初期化します（電子証明書を失効し、"
        "マスターユーザーの初期登録をやり直せるようにします）",
    )
    p.add_argument("--contract", required=True, help="契約番号（半角数字8桁）")
    add_ticket(p)


def _unwrap(result: Ok[T] | Err) -> T:
    """``unwrap`` with this family's refusals exiting 1."""
    try:
        return unwrap(result)
    except Refusal as exc:
        if exc.code in _REFUSED_CODES:
            exc.status = EXIT_REFUSED
        raise


def _unblock(args: argparse.Namespace, ctx: Context) -> int:
    """閉塞解除 (R-OPS-2, R-OPS-2b)."""
    from chingin_app.services.user_procedures import unblock_user

    with open_db() as db:
        _unwrap(
            unblock_user(
                db, user_id=args.user_id, actor=ctx.actor, clock=ctx.clock, ticket=args.ticket
            )
        )
    out(message("I-USER-UNBLOCKED", user_id=args.user_id))
    return EXIT_OK


def _init_master(args: argparse.Namespace, ctx: Context) -> int:
    """マスターユーザーＩＤ・パスワード初期化 (R-OPS-2, R-OPS-2a)."""
    from chingin_app.services.user_procedures import init_master

    with open_db() as db:
        user_id = _unwrap(
            init_master(
                db, contract_no=args.contract, actor=ctx.actor, clock=ctx.clock,
                ticket=args.ticket,
            )
        )
    out(message("I-MASTER-INITIALISED", number=args.contract, user_id=user_id))
    return EXIT_OK
