"""`chingin bank …`: the bank's side of the monthly deduction cycle (SPEC §11 RK-4, RK-11,
Appendix A.4; issue 5):

    chingin bank publish-request --contract N --month YYYY-MM [--pay-kind monthly|bonus]
                                 [--group NNN] [--replace] [--ticket 受付番号]
    chingin bank load-results --contract N FILE [--ticket 受付番号]
    chingin bank load-batch --contract N FILE [--ticket 受付番号]
    chingin bank load-zaikei --contract N --kind deposit|balance FILE [--ticket 受付番号]

``publish-request`` builds the month's 控除依頼 from the active details (every payment group
unless ``--group``); ``--replace`` rebuilds one that is still 依頼受信. ``load-results`` reads
the bank's 控除結果 file (README "控除結果ファイル"): all or nothing, every problem listed by
row and column on standard error, exit 2, nothing stored. The services log their own changes
and refusals (``services/rokin/cycle/``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from chingin_app.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Refusal,
    Subparsers,
    add_ticket,
    branch,
    invalid,
    invalid_text,
    leaf,
    open_db,
    out,
    require_contract_no,
)
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid

__all__ = ["register"]

# Refusals because of what is stored (exit 1); other codes are bad input (exit 2).
_REFUSED: Final = frozenset(
    {
        "E-CONTRACT-NOT-FOUND",
        "E-GROUP-NOT-FOUND",
        "E-CYCLE-EXISTS",
        "E-CYCLE-REPLACE-CONFIRMED",
        "E-CYCLE-CLOSED",
        "E-CYCLE-NO-LINES",
    }
)
_FILE_READ_FAILED: Final = "ファイル {path} を読めませんでした（{reason}）。何も登録していません。"
_MAX_SHOWN_ERRORS: Final = 100


def register(top: Subparsers) -> None:
    """Add ``bank`` (publish-request, load-results, load-batch, load-zaikei)."""
    bank = branch(top, "bank", "労金控除：控除依頼の作成・控除結果の登録（金庫側）")
    p = leaf(
        bank,
        "publish-request",
        _publish_request,
        "控除依頼を作成します（有効な労金控除明細から、入金グループごと）",
    )
    p.add_argument("--contract", required=True, help="契約番号（半角数字8桁）")
    p.add_argument("--month", required=True, help="控除年月 YYYY-MM")
    p.add_argument(
        "--pay-kind", default="monthly", help="支給区分 monthly（月例、既定）または bonus（一時金）"
    )
    p.add_argument("--group", default=None, help="入金グループ番号（3桁）。省略時はすべて")
    p.add_argument("--replace", action="store_true", help="依頼受信のままの控除依頼を作り直します")
    add_ticket(p)
    p = leaf(bank, "load-results", _load_results, "控除結果ファイル（CSV）を登録します")
    p.add_argument("--contract", required=True, help="契約番号（半角数字8桁）")
    p.add_argument("file", help="控除結果ファイル（CP932・CRLF・見出し行付きCSV）")
    add_ticket(p)
    p = leaf(bank, "load-batch", _load_batch, "一斉積立内訳明細ファイル（CSV）を登録します")
    p.add_argument("--contract", required=True, help="契約番号（半角数字8桁）")
    p.add_argument("file", help="一斉積立内訳明細ファイル（CP932またはUTF-8・見出し行付きCSV）")
    add_ticket(p)
    p = leaf(bank, "load-zaikei", _load_zaikei,
             "財形の預入依頼書・加入者残高一覧表ファイル（CSV）を登録します")
    p.add_argument("--contract", required=True, help="契約番号（半角数字8桁）")
    p.add_argument("--kind", required=True,
                   help="deposit（財形預入依頼書）または balance（加入者残高一覧表）")
    p.add_argument("file", help="CP932またはUTF-8・見出し行付きCSV（README参照）")
    add_ticket(p)


def _refused(err: Err) -> Refusal:
    status = EXIT_REFUSED if err.code in _REFUSED else EXIT_BAD_INPUT
    return Refusal(message(err.code, **err.params), status, code=err.code)


def _yen(amount: int) -> str:
    return f"{amount:,}円"


def _publish_request(args: argparse.Namespace, ctx: Context) -> int:
    """控除依頼の作成 (A.4 依頼受信, RK-4)."""
    from chingin_app.domain.deduction_cycle import PayKind
    from chingin_app.services.rokin.cycle import ACTION_PUBLISH, publish_request

    require_contract_no(args.contract, action=ACTION_PUBLISH)
    with open_db() as db:
        got = publish_request(
            db,
            contract_no=args.contract,
            deduct_month=args.month,
            pay_kind=args.pay_kind,
            group_no=args.group,
            replace_existing=args.replace,
            actor=ctx.actor,
            clock=ctx.clock,
            ticket=args.ticket,
        )
    if isinstance(got, Err):
        raise _refused(got)
    for pub in got.value:
        verb = "作り直しました" if pub.replaced else "作成しました"
        d = pub.dates
        out(
            f"入金グループ{pub.group_no} {pub.deduct_month} {PayKind(pub.pay_kind).label}"
            f"の控除依頼を{verb}：依頼 {pub.totals.requested_count}件 "
            f"{_yen(pub.totals.requested_amount)}（明細エラー {pub.error_count}件、"
            f"解約 {pub.ended_count}件）"
        )
        out(
            f"  依頼データ作成日 {d.request_date} 控除日 {d.deduction_date} "
            f"まとめ入金期限 {d.deadline} 入金予定日 {d.remittance_date}"
        )
    return EXIT_OK


def _bank_file(args: argparse.Namespace, *, action: str) -> bytes:
    """The bank file's bytes, or the refusal (logged under ``action``)."""
    path = Path(args.file)
    try:
        return path.read_bytes()
    except OSError as exc:
        invalid_text(
            _FILE_READ_FAILED.format(path=path, reason=exc.strerror or type(exc).__name__),
            "E-FILE-READ", action=action, target=args.contract,
        )


def _file_refused(got: Invalid, code: str, **params: object) -> Refusal:
    """Nothing stored: the count, then every problem with its row and column (exit 2). An
    unknown contract is refused before the file is read, like every command's (exit 1)."""
    if [e.code for e in got.errors] == ["E-CONTRACT-NOT-FOUND"]:
        return _refused(got.errors[0])
    lines = [message(code, count=len(got.errors), **params)]
    lines += [message(e.code, **e.params) for e in got.errors]
    return Refusal("\n".join(lines), EXIT_BAD_INPUT, code=code)


def _load_results(args: argparse.Namespace, ctx: Context) -> int:
    """控除結果の登録 (A.4 結果受信, RK-11): all or nothing."""
    from chingin_app.domain.deduction_cycle import PayKind
    from chingin_app.services.rokin.cycle import ACTION_LOAD_RESULTS, load_results

    require_contract_no(args.contract, action=ACTION_LOAD_RESULTS)
    data = _bank_file(args, action=ACTION_LOAD_RESULTS)
    with open_db() as db:
        got = load_results(
            db,
            contract_no=args.contract,
            data=data,
            actor=ctx.actor,
            clock=ctx.clock,
            ticket=args.ticket,
            max_errors=_MAX_SHOWN_ERRORS,
        )
    if isinstance(got, Invalid):
        raise _file_refused(got, "E-RESULTS-FAILED")
    for group_no, month, kind, deducted, not_deducted, mismatches in got.value.requests:
        out(
            f"入金グループ{group_no} {month} {PayKind(kind).label}の控除結果を登録しました："
            f"済 {deducted}件、不能 {not_deducted}件、カナ氏名不一致 {mismatches}件"
        )
    return EXIT_OK


def _load_batch(args: argparse.Namespace, ctx: Context) -> int:
    """一斉積立内訳明細の登録 (RS-1..RS-3; README 「一斉積立内訳明細ファイル」): all or nothing."""
    from chingin_app.domain.batch_savings import kind_label
    from chingin_app.services.batch_savings_bank import ACTION_LOAD, load_batch

    require_contract_no(args.contract, action=ACTION_LOAD)
    data = _bank_file(args, action=ACTION_LOAD)
    with open_db() as db:
        got = load_batch(
            db,
            contract_no=args.contract,
            data=data,
            actor=ctx.actor,
            clock=ctx.clock,
            ticket=args.ticket,
            max_errors=_MAX_SHOWN_ERRORS,
        )
    if isinstance(got, Invalid):
        raise _file_refused(got, "E-BATCH-FAILED")
    for group_no, month, kind, count, new, changed, ended in got.value.statements:
        out(
            f"入金グループ{group_no} {month} {kind_label(kind)}の一斉積立内訳明細を登録しました："
            f"{count}件（新規 {new}件、変更 {changed}件、解約 {ended}件）"
        )
    return EXIT_OK


def _load_zaikei(args: argparse.Namespace, ctx: Context) -> int:
    """財形預入依頼書 / 加入者残高一覧表の登録 (RZ-1 … RZ-3, R-INFO-1; README 「財形預入依頼書
    ファイル」「加入者残高一覧表ファイル」): all or nothing."""
    from chingin_app.services.zaikei_bank import (
        ACTION_LOAD_BALANCE,
        ACTION_LOAD_DEPOSIT,
        load_balances,
        load_deposits,
    )

    deposit = args.kind == "deposit"
    action = ACTION_LOAD_DEPOSIT if deposit else ACTION_LOAD_BALANCE
    require_contract_no(args.contract, action=action)
    if args.kind not in ("deposit", "balance"):
        invalid(Err("E-ZAIKEI-KIND-ARG", "kind"), action=action, target=args.contract)
    data = _bank_file(args, action=action)
    load = load_deposits if deposit else load_balances
    with open_db() as db:
        got = load(db, contract_no=args.contract, data=data, actor=ctx.actor, clock=ctx.clock,
                   ticket=args.ticket, max_errors=_MAX_SHOWN_ERRORS)
    what = "財形預入依頼書" if deposit else "加入者残高一覧表"
    if isinstance(got, Invalid):
        raise _file_refused(got, "E-ZAIKEI-FAILED", what=what)
    for group_no, label, count in got.value.parts:
        out(f"入金グループ{group_no} {label}の{what}を登録しました：{count}件")
    return EXIT_OK
