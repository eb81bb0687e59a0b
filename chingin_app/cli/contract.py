"""`chingin contract …` and `chingin notice`: the bank operator's contract commands (SPEC
R-OPS-1, R-OPS-2, R-OPS-5, R-OPS-7; DESIGN §2):

    chingin contract create --number N --name NAME --kind member|employer --services LIST
                            --group NNN:名称 [--group …] [--staff-no-digits N]
                            [--initial-password -] [--ticket 受付番号]
    chingin contract show N
    chingin contract set-initial-password N [--initial-password -] [--ticket 受付番号]
    chingin contract unblock N [--ticket 受付番号]
    chingin notice N -o FILE.pdf [--change] [--ticket 受付番号]

The services log their own changes; ``show`` and ``notice`` are logged here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chingin_app.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Refusal,
    Subparsers,
    add_contract_no,
    add_initial_password,
    add_staff_no_digits,
    add_ticket,
    branch,
    invalid,
    jst_text,
    leaf,
    log_success,
    open_db,
    out,
    read_secret,
    require_contract_no,
    unwrap,
)
from chingin_app.domain.clock import to_jst
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err

if TYPE_CHECKING:
    from chingin_app.services.contracts import ContractView

__all__ = ["ACTION_NOTICE", "ACTION_SHOW", "register"]

# Actions this module logs itself (reads and prints); the services log their own changes.
ACTION_SHOW = "contract.show"
ACTION_NOTICE = "contract.notice"

_STATUS_LABELS = {"active": "利用中", "suspended": "一時停止中", "terminated": "解約済み"}
_REGISTERED_LABELS = {True: "登録済み", False: "未登録"}
_BLOCKED_LABELS = {True: "閉塞中", False: "なし"}
#: 職員番号桁数 not set by the bank (RL-CYCLE-3: the most common length is used).
_DIGITS_UNSET_LABEL = "未設定（最も多い桁数）"
_NOTICE_TITLE_LABELS = {False: "ご利用開始のお知らせ", True: "ご利用開始（変更）のお知らせ"}


def register(top: Subparsers) -> None:
    """Add ``contract`` (create, show, set-initial-password, unblock) and ``notice``."""
    contract = branch(top, "contract", "契約の登録・照会・初期パスワード・閉塞解除")
    p = leaf(contract, "create", _contract_create, "契約を登録します（R-OPS-1）")
    p.add_argument("--number", required=True, help="契約番号（半角数字8桁）")
    p.add_argument("--name", required=True, help="団体名／事業所名")
    p.add_argument("--kind", required=True, help="member（会員）または employer（事業主）")
    p.add_argument(
        "--services",
        required=True,
        help="rokin,ledger,batch から1つ以上、または zaikei[,zaikei-balance][,zaikei-incentive]",
    )
    p.add_argument(
        "--group", action="append", default=None, help="入金グループ「NNN:名称」（複数指定可）"
    )
    add_staff_no_digits(p)
    add_initial_password(p)
    add_ticket(p)
    p = leaf(contract, "show", _contract_show, "契約の内容を表示します（秘密情報は表示しません）")
    add_contract_no(p)
    p = leaf(
        contract,
        "set-initial-password",
        _contract_set_initial_password,
        "初期パスワードを登録します",
    )
    add_contract_no(p)
    add_initial_password(p)
    add_ticket(p)
    p = leaf(contract, "unblock", _contract_unblock, "初期パスワード誤りによる閉塞を解除します")
    add_contract_no(p)
    add_ticket(p)

    p = leaf(top, "notice", _notice, "ご利用開始（変更）のお知らせ（PDF）を出力します")
    add_contract_no(p)
    p.add_argument("-o", "--output", required=True, help="出力するPDFファイル")
    p.add_argument("--change", action="store_true", help="ご利用開始（変更）のお知らせとして出力")
    add_ticket(p)


def _contract_create(args: argparse.Namespace, ctx: Context) -> int:
    """契約の登録 (R-OPS-1)."""
    from chingin_app.services.contracts import ACTION_CREATE, create_contract

    require_contract_no(args.number, action=ACTION_CREATE)
    secret = read_secret(args.initial_password, action=ACTION_CREATE, target=args.number)
    with open_db() as db:
        view = unwrap(
            create_contract(
                db,
                contract_no=args.number,
                name=args.name,
                kind=args.kind,
                services=args.services,
                groups=list(args.group or []),
                initial_password=secret,
                actor=ctx.actor,
                clock=ctx.clock,
                ticket=args.ticket,
                staff_no_digits=args.staff_no_digits,
            )
        )
    out(message("I-CONTRACT-CREATED", number=view.contract_no))
    out(message("I-CONTRACT-NOTICE-NEXT", number=view.contract_no))
    return EXIT_OK


def _contract_show(args: argparse.Namespace, ctx: Context) -> int:
    """契約の照会 (R-OPS-1): never shows a secret, only whether one is registered."""
    from chingin_app.services.contracts import get_contract

    require_contract_no(args.number, action=ACTION_SHOW)
    with open_db() as db:
        view = get_contract(db, args.number)
        if view is None:
            invalid(
                Err("E-CONTRACT-NOT-FOUND", "contract_no"), action=ACTION_SHOW, target=args.number
            )
        log_success(db, ctx, action=ACTION_SHOW, contract_no=args.number, target=args.number)
        db.commit()
    _print_contract(view)
    return EXIT_OK


def _print_contract(view: ContractView) -> None:
    from chingin_app.domain.contract import ContractKind, Service

    def label(code: str, kind: type[Service] | type[ContractKind]) -> str:
        try:
            return kind(code).label
        except ValueError:
            return code

    out(message(
        "I-CONTRACT-SHOW",
        contract_no=view.contract_no,
        name=view.name,
        kind=label(view.kind, ContractKind),
        services="、".join(label(s, Service) for s in view.services),
        groups="".join(f"\n　{number}　{name}" for number, name in view.groups),
        status=_STATUS_LABELS.get(view.status, view.status),
        initial_password=_REGISTERED_LABELS[view.initial_password_set],
        failures=view.initial_password_failures,
        blocked=_BLOCKED_LABELS[view.initial_password_blocked],
        master=_REGISTERED_LABELS[view.has_master],
        staff_no_digits=(_DIGITS_UNSET_LABEL if view.staff_no_digits is None
                         else view.staff_no_digits),
        created_at=jst_text(view.created_at),
    ))


def _contract_set_initial_password(args: argparse.Namespace, ctx: Context) -> int:
    """初期パスワードの登録・変更 (R-OPS-1, R-OPS-2)."""
    from chingin_app.services.contracts import ACTION_SET_INITIAL_PASSWORD, set_initial_password

    require_contract_no(args.number, action=ACTION_SET_INITIAL_PASSWORD)
    secret = read_secret(
        args.initial_password, action=ACTION_SET_INITIAL_PASSWORD, target=args.number
    )
    with open_db() as db:
        unwrap(
            set_initial_password(
                db,
                contract_no=args.number,
                initial_password=secret,
                actor=ctx.actor,
                clock=ctx.clock,
                ticket=args.ticket,
            )
        )
    out(message("I-CONTRACT-INITIAL-PASSWORD", number=args.number))
    return EXIT_OK


def _contract_unblock(args: argparse.Namespace, ctx: Context) -> int:
    """初期パスワード誤りによる閉塞の解除 (R-OPS-2)."""
    from chingin_app.services.contracts import ACTION_UNBLOCK, unblock_contract

    require_contract_no(args.number, action=ACTION_UNBLOCK)
    with open_db() as db:
        unwrap(
            unblock_contract(
                db, contract_no=args.number, actor=ctx.actor, clock=ctx.clock, ticket=args.ticket
            )
        )
    out(message("I-CONTRACT-UNBLOCKED", number=args.number))
    return EXIT_OK


def _notice(args: argparse.Namespace, ctx: Context) -> int:
    """ご利用開始（変更）のお知らせ (R-OPS-1; reissue R-OPS-2; 変更 R-OPS-5)."""
    from chingin_app.reports.notice import render_notice
    from chingin_app.services.contracts import get_contract
    from chingin_app.settings import settings

    require_contract_no(args.number, action=ACTION_NOTICE)
    out_path = Path(args.output)
    conf = settings()
    with open_db() as db:
        view = get_contract(db, args.number)
        if view is None:
            invalid(
                Err("E-CONTRACT-NOT-FOUND", "contract_no"), action=ACTION_NOTICE, target=args.number
            )
        issued_on = to_jst(ctx.clock.now()).date()
        pdf = render_notice(
            view,
            issued_on=issued_on,
            change=args.change,
            helpdesk=(conf.helpdesk_name, conf.helpdesk_tel, conf.helpdesk_hours),
            service_url=conf.base_url,
        )
        detail: dict[str, Any] = {
            "change": args.change,
            "issued_on": issued_on,
            "file": out_path.name,
        }
        if args.ticket is not None:
            detail["ticket"] = args.ticket
        # The entry is written first and committed only once the file is: a notice that
        # could not be written leaves a failure entry instead.
        log_success(
            db,
            ctx,
            action=ACTION_NOTICE,
            contract_no=args.number,
            target=args.number,
            detail=detail,
        )
        try:
            out_path.write_bytes(pdf)
        except OSError as exc:
            db.rollback()
            raise Refusal(
                message("E-FILE-WRITE", path=out_path, reason=exc.strerror or exc),
                EXIT_REFUSED,
                code="E-FILE-WRITE",
                log_action=ACTION_NOTICE,
                log_target=args.number,
            ) from None
        db.commit()
    out(message("I-NOTICE-WRITTEN", number=args.number, path=out_path,
                title=_NOTICE_TITLE_LABELS[bool(args.change)]))
    return EXIT_OK
