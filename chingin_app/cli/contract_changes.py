"""`chingin contract change|suspend|resume|terminate`: contract changes and the contract's life
cycle (SPEC R-OPS-5, R-OPS-6; DESIGN §2):

    chingin contract change N [--name 名称] [--services LIST] [--add-group NNN:名称 …]
                              [--remove-group NNN …] [--staff-no-digits N] --ticket 受付番号
    chingin contract suspend N --ticket 受付番号
    chingin contract resume N --ticket 受付番号
    chingin contract terminate N --ticket 受付番号

These sub-commands join the ``contract`` family of ``cli.contract`` (register this module
after it). The services log their own changes and refusals, with the 受付番号. After a change,
print the お知らせ（変更） with ``chingin notice N -o FILE.pdf --change``.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Final, TypeVar

from chingin_app.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Parser,
    Refusal,
    Subparsers,
    add_contract_no,
    add_staff_no_digits,
    leaf,
    open_db,
    out,
    require_contract_no,
    unwrap,
)
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok

if TYPE_CHECKING:
    from chingin_app.services.contracts import ContractView

__all__ = ["register"]

T = TypeVar("T")

# Refusals because of what is stored (exit 1); other codes are bad input (exit 2).
_REFUSAL_CODES: Final = frozenset({"E-CONTRACT-STATUS", "E-GROUP-EXISTS", "E-GROUP-NOT-FOUND"})
#: The reason shown when the CRL publication failed without a cause.
_UNKNOWN_REASON_LABEL: Final = "不明"


def _contract_family(top: Subparsers) -> Subparsers:
    """The sub-commands of ``chingin contract`` that ``cli.contract`` created."""
    parser = top.choices.get("contract")
    if parser is None:
        raise RuntimeError("register cli.contract before cli.operator")
    for action in parser._actions:  # argparse has no public accessor
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("chingin contract has no sub-commands")


def _add_ticket(p: Parser) -> None:
    p.add_argument("--ticket", required=True, help="依頼書の受付番号（操作ログに記録）")


def register(top: Subparsers) -> None:
    """Add ``contract change|suspend|resume|terminate`` to the ``contract`` family."""
    contract = _contract_family(top)
    p = leaf(contract, "change", _change, "契約内容（名称・サービス・入金グループ）を変更します")
    add_contract_no(p)
    p.add_argument("--name", default=None, help="新しい団体名／事業所名")
    p.add_argument(
        "--services",
        default=None,
        help="変更後の契約サービス（contract create と同じ形式。指定したもので置き換えます）",
    )
    p.add_argument(
        "--add-group",
        action="append",
        default=None,
        help="追加する入金グループ「NNN:名称」（複数指定可）",
    )
    p.add_argument(
        "--remove-group",
        action="append",
        default=None,
        help="削除する入金グループの番号 NNN（複数指定可）",
    )
    add_staff_no_digits(p)
    _add_ticket(p)
    p = leaf(contract, "suspend", _suspend, "契約を一時停止します（ログイン不可）")
    add_contract_no(p)
    _add_ticket(p)
    p = leaf(contract, "resume", _resume, "一時停止中の契約を再開します")
    add_contract_no(p)
    _add_ticket(p)
    p = leaf(contract, "terminate", _terminate, "契約を解約します（全ユーザーの電子証明書を失効）")
    add_contract_no(p)
    _add_ticket(p)


def _unwrap(result: Ok[T] | Err) -> T:
    if isinstance(result, Err) and result.code in _REFUSAL_CODES:
        raise Refusal(message(result.code, **result.params), EXIT_REFUSED, code=result.code)
    return unwrap(result)


def _print_summary(view: ContractView) -> None:
    out(message("I-CONTRACT-SUMMARY", name=view.name, services=",".join(view.services),
                groups="、".join(f"{n}:{name}" for n, name in view.groups)))


def _change(args: argparse.Namespace, ctx: Context) -> int:
    """契約内容の変更 (R-OPS-5)."""
    from chingin_app.services.contracts import ACTION_CHANGE, change_contract

    require_contract_no(args.number, action=ACTION_CHANGE)
    with open_db() as db:
        view = _unwrap(
            change_contract(
                db,
                contract_no=args.number,
                name=args.name,
                services=args.services,
                add_groups=list(args.add_group or []),
                remove_groups=list(args.remove_group or []),
                staff_no_digits=args.staff_no_digits,
                actor=ctx.actor,
                clock=ctx.clock,
                ticket=args.ticket,
            )
        )
    out(message("I-CONTRACT-CHANGED", number=view.contract_no))
    _print_summary(view)
    out(message("I-CONTRACT-CHANGE-NOTICE-NEXT", number=view.contract_no))
    return EXIT_OK


def _suspend(args: argparse.Namespace, ctx: Context) -> int:
    """契約の一時停止 (R-OPS-6)."""
    from chingin_app.services.contracts import ACTION_SUSPEND, suspend_contract

    require_contract_no(args.number, action=ACTION_SUSPEND)
    with open_db() as db:
        _unwrap(
            suspend_contract(
                db, contract_no=args.number, actor=ctx.actor, clock=ctx.clock, ticket=args.ticket
            )
        )
    out(message("I-CONTRACT-SUSPENDED", number=args.number))
    return EXIT_OK


def _resume(args: argparse.Namespace, ctx: Context) -> int:
    """契約の再開 (R-OPS-6)."""
    from chingin_app.services.contracts import ACTION_RESUME, resume_contract

    require_contract_no(args.number, action=ACTION_RESUME)
    with open_db() as db:
        _unwrap(
            resume_contract(
                db, contract_no=args.number, actor=ctx.actor, clock=ctx.clock, ticket=args.ticket
            )
        )
    out(message("I-CONTRACT-RESUMED", number=args.number))
    return EXIT_OK


def _terminate(args: argparse.Namespace, ctx: Context) -> int:
    """契約の解約 (R-OPS-6): revokes every certificate and publishes the CRL."""
    from chingin_app.services.contracts import (
        ACTION_TERMINATE,
        RevocationsNotPublished,
        terminate_contract,
    )

    require_contract_no(args.number, action=ACTION_TERMINATE)
    with open_db() as db:
        try:
            _unwrap(
                terminate_contract(
                    db,
                    contract_no=args.number,
                    actor=ctx.actor,
                    clock=ctx.clock,
                    ticket=args.ticket,
                )
            )
        except RevocationsNotPublished as exc:
            reason = type(exc.__cause__).__name__ if exc.__cause__ else _UNKNOWN_REASON_LABEL
            print(
                message("E-CONTRACT-CRL-NOT-PUBLISHED", number=args.number, count=exc.revoked,
                        reason=reason),
                file=sys.stderr,
            )
            return EXIT_REFUSED
    out(message("I-CONTRACT-TERMINATED", number=args.number))
    return EXIT_OK
