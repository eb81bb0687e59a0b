"""`chingin bank …`: the bank's side of the monthly deduction cycle (SPEC §11 RK-4, RK-11,
RL-CYCLE-1, RL-CYCLE-2, Appendix A.4; issues 5, 13):

    chingin bank publish-request --contract N --month YYYY-MM [--pay-kind monthly|bonus]
                                 [--group NNN] [--replace] [--ticket 受付番号]
    chingin bank load-results --contract N FILE [--ticket 受付番号]
    chingin bank load-ledger-results --contract N FILE [--ticket 受付番号]
    chingin bank load-batch --contract N FILE [--ticket 受付番号]
    chingin bank load-zaikei --contract N --kind deposit|balance FILE [--ticket 受付番号]

``publish-request`` builds the month's 控除依頼 from the active details (every payment group
unless ``--group``) and, when the contract has 賃控元帳, the 賃控元帳控除依頼 beside it
(``services/cycle_publishing``); ``--replace`` rebuilds them while still 依頼受信.
``load-results`` reads the bank's 控除結果 file (README "控除結果ファイル") and
``load-ledger-results`` the 賃控元帳控除結果 file (README "賃控元帳控除結果ファイル"): all or
nothing, every problem listed by row and column on standard error, exit 2, nothing stored. The
services log their own changes and refusals (``services/rokin/cycle/``,
``services/ledger/cycle/``).
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
#: What ``load-zaikei --kind`` loads, as its messages name it.
_ZAIKEI_KIND_LABELS: Final = {"deposit": "財形預入依頼書", "balance": "加入者残高一覧表"}
_MAX_SHOWN_ERRORS: Final = 100


def register(top: Subparsers) -> None:
    """Add ``bank`` (publish-request, load-results, load-ledger-results, load-batch,
    load-zaikei)."""
    bank = branch(top, "bank", "労金控除・賃控元帳：控除依頼の作成・控除結果の登録（金庫側）")
    p = leaf(
        bank,
        "publish-request",
        _publish_request,
        "控除依頼を作成します（有効な労金控除明細から、入金グループごと。"
        "賃控元帳をご契約の場合は賃控元帳控除依頼も）",
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
    p = leaf(bank, "load-ledger-results", _load_ledger_results,
             "賃控元帳控除結果ファイル（CSV）を登録します")
    p.add_argument("--contract", required=True, help="契約番号（半角数字8桁）")
    p.add_argument("file", help="賃控元帳控除結果ファイル（CP932・CRLF・見出し行付きCSV）")
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


def _publish_request(args: argparse.Namespace, ctx: Context) -> int:
    """控除依頼の作成 (A.4 依頼受信, RK-4) and the 賃控元帳控除依頼 beside it (RL-CYCLE-1)."""
    from chingin_app.domain.deduction_cycle import PayKind
    from chingin_app.services.cycle_publishing import publish_month
    from chingin_app.services.rokin.cycle import ACTION_PUBLISH

    require_contract_no(args.contract, action=ACTION_PUBLISH)
    with open_db() as db:
        got = publish_month(
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
    for pub in got.value.rokin:
        d = pub.dates
        out(message(
            "I-BANK-REQUEST-REPLACED" if pub.replaced else "I-BANK-REQUEST-CREATED",
            group=pub.group_no, month=pub.deduct_month, pay_kind=PayKind(pub.pay_kind).label,
            count=pub.totals.requested_count, amount=f"{pub.totals.requested_amount:,}",
            errors=pub.error_count, ended=pub.ended_count,
        ))
        out("  " + message(
            "I-BANK-REQUEST-DATES", request_date=d.request_date, deduction_date=d.deduction_date,
            deadline=d.deadline, remittance_date=d.remittance_date,
        ))
    for led in got.value.ledger:
        out(message(
            "I-BANK-LEDGER-REQUEST-REPLACED" if led.replaced else "I-BANK-LEDGER-REQUEST-CREATED",
            group=led.group_no, month=led.deduct_month, pay_kind=PayKind(led.pay_kind).label,
            count=led.count, amount=f"{led.amount:,}", ended=led.ended_count,
        ))
    return EXIT_OK


def _bank_file(args: argparse.Namespace, *, action: str) -> bytes:
    """The bank file's bytes, or the refusal (logged under ``action``)."""
    path = Path(args.file)
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        invalid(Err("E-FILE-READ", "file", {"path": path, "reason": reason}),
                action=action, target=args.contract)


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
        out(message(
            "I-BANK-RESULTS-LOADED", group=group_no, month=month, pay_kind=PayKind(kind).label,
            deducted=deducted, not_deducted=not_deducted, mismatches=mismatches,
        ))
    return EXIT_OK


def _load_ledger_results(args: argparse.Namespace, ctx: Context) -> int:
    """賃控元帳控除結果の登録 (RL-CYCLE-2): all or nothing."""
    from chingin_app.domain.deduction_cycle import PayKind
    from chingin_app.services.ledger.cycle import ACTION_LOAD_RESULTS, load_ledger_results

    require_contract_no(args.contract, action=ACTION_LOAD_RESULTS)
    data = _bank_file(args, action=ACTION_LOAD_RESULTS)
    with open_db() as db:
        got = load_ledger_results(
            db, contract_no=args.contract, data=data, actor=ctx.actor, clock=ctx.clock,
            ticket=args.ticket, max_errors=_MAX_SHOWN_ERRORS,
        )
    if isinstance(got, Invalid):
        raise _file_refused(got, "E-LEDGER-RESULTS-FAILED")
    for group_no, month, kind, deducted, not_deducted in got.value.requests:
        out(message(
            "I-BANK-LEDGER-RESULTS-LOADED", group=group_no, month=month,
            pay_kind=PayKind(kind).label, deducted=deducted, not_deducted=not_deducted,
        ))
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
        out(message(
            "I-BANK-BATCH-LOADED", group=group_no, month=month, kind=kind_label(kind),
            count=count, new=new, changed=changed, ended=ended,
        ))
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
    what = _ZAIKEI_KIND_LABELS[args.kind]
    if isinstance(got, Invalid):
        raise _file_refused(got, "E-ZAIKEI-FAILED", what=what)
    for group_no, label, count in got.value.parts:
        out(message("I-BANK-ZAIKEI-LOADED", group=group_no, label=label, what=what,
                    count=count))
    return EXIT_OK
