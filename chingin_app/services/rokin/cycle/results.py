"""The bank's results file (``chingin bank load-results``; README 「控除結果ファイル」): parsed and
checked whole, stored all or nothing."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlmodel import Session, select

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import Clock
from chingin_app.domain.deduction_cycle import CycleStatus, ResultKind
from chingin_app.domain.kana import check_name_kana, normalise_kana
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.domain.notices import RequestKind
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    DeductionRequest,
    DeductionRequestItem,
    DeductionResultItem,
)
from chingin_app.reports.csv_reader import read_rows
from chingin_app.services import contract_records, notices, oplog
from chingin_app.services.bank_results import (
    COMMON_RULES,
    DEDUCTED_CODE,
    RESULT_CODES,
    ResultCells,
    results_file,
)
from chingin_app.services.rokin.cycle.common import (
    _ACCOUNT_RE,
    ACTION_LOAD_RESULTS,
    ResultsLoaded,
    _groups,
    _items,
    _key_text,
)

#: The results file's header (README "控除結果ファイル").
RESULTS_HEADER: Final[tuple[str, ...]] = (
    "入金グループ",
    "控除年月",
    "支給区分",
    "職員番号",
    "口座番号",
    "商品コード",
    "控除額",
    "結果コード",
    "不能理由",
    "金庫登録カナ",
    "入金日",
)
_COL = {name: index for index, name in enumerate(RESULTS_HEADER)}
_FREE_TEXT_COLUMNS: Final = (_COL["不能理由"],)

# What each column must look like (E-RESULTS-VALUE's {rule}): the shared ones and this file's.
_RULES: Final[dict[str, str]] = {
    **COMMON_RULES,
    "口座番号": "半角数字7桁",
    "商品コード": "半角英数字4桁以内",
    "金庫登録カナ": "銀行で使える半角カナ30バイト以内",
    "入金日": "「YYYY-MM-DD」の形式（結果コードが0のときは必須）",
}
_PRODUCT_RE: Final = re.compile(r"[0-9A-Za-z]{1,4}")
_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KANA_MAX_BYTES: Final = 30


@dataclass
class _ResultRow:
    row: int
    group_no: str
    month: str
    kind: PayKind
    staff_no: str
    account_no: str
    product_code: str
    amount: int
    code: str
    reason: str | None
    bank_kana: str
    paid: date | None


def _parse_result_row(row_no: int, cells: Sequence[str]) -> _ResultRow | list[Err]:
    row = ResultCells(row_no, cells, _COL, _RULES)
    group_no = row.group_no()
    month = row.month()
    kind = row.pay_kind()
    staff_no = row.staff_no()
    account_no = row.matching("口座番号", _ACCOUNT_RE)
    product = row.matching("商品コード", _PRODUCT_RE)
    amount = row.amount()
    code = row.result_code()
    reason = row.reason(code)
    kana = check_name_kana(row.text("金庫登録カナ"), max_bytes=_KANA_MAX_BYTES)
    if isinstance(kana, Err):
        row.bad("金庫登録カナ")
    paid_text = row.text("入金日")
    paid: date | None = None
    if paid_text:
        try:
            if _DATE_RE.fullmatch(paid_text) is None:
                raise ValueError(paid_text)
            paid = date.fromisoformat(paid_text)
        except ValueError:
            row.bad("入金日")
    elif code == DEDUCTED_CODE:
        row.bad("入金日")
    if row.errors:
        return row.errors
    assert kind is not None and isinstance(kana, Ok)
    return _ResultRow(
        row=row_no,
        group_no=group_no,
        month=month,
        kind=kind,
        staff_no=staff_no,
        account_no=account_no,
        product_code=product,
        amount=amount,
        code=code,
        reason=reason,
        bank_kana=kana.value,
        paid=paid,
    )


def load_results(
    db: Session,
    *,
    contract_no: str,
    data: bytes,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
    max_errors: int = 100,
) -> Ok[ResultsLoaded] | Invalid:
    """``chingin bank load-results``: store the bank's 控除結果 file (RK-11; A.4 結果受信;
    README "控除結果ファイル").

    All or nothing: ``Invalid`` lists every problem (``row``/``column`` from 1, the header is
    row 1) and nothing is stored; E-CSV-* for the file itself, E-RESULTS-* per row, E-RESULTS-
    MISSING per request that lacks lines. Each request named must be まとめ入金確定済; a held
    line must be 不能; a 済 line's amount is the requested amount, a 不能 line's 0. On success
    every named request moves to 結果受信済, with one log entry each.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()
    contract = contract_records.find_contract(db, contract_no)

    def refuse(errors: Sequence[Err]) -> Invalid:
        oplog.operator_refusal(
            db,
            at=now,
            actor=who,
            action=ACTION_LOAD_RESULTS,
            target=contract_no[:40],
            ticket=ticket,
            detail={"codes": sorted({e.code for e in errors}), "count": len(errors)},
        )
        return Invalid(tuple(errors[:max_errors]))

    if contract is None or contract.id is None:
        return refuse([Err("E-CONTRACT-NOT-FOUND", "contract_no")])
    contract_id = contract.id
    parsed, errors = read_rows(data, header=RESULTS_HEADER, parse_row=_parse_result_row,
                               free_text_columns=_FREE_TEXT_COLUMNS, max_errors=max_errors)
    if errors and not parsed:
        return refuse(errors)  # the file itself (encoding, header, empty) or every row

    groups = {g.number: g for g in _groups(db, contract_id).values()}
    requests: dict[tuple[str, str, str], DeductionRequest | None] = {}
    matched: dict[int, _ResultRow] = {}  # request item id → its row
    item_index: dict[int, dict[tuple[str, str, str], list[DeductionRequestItem]]] = {}
    for res in parsed:
        key = (res.group_no, res.month, res.kind.value)
        params = {
            "row": res.row,
            "group": res.group_no,
            "month": res.month,
            "pay_kind": res.kind.label,
        }
        if key not in requests:
            group = groups.get(res.group_no)
            request = (
                None
                if group is None
                else db.exec(
                    select(DeductionRequest)
                    .where(
                        DeductionRequest.contract_id == contract_id,
                        DeductionRequest.payment_group_id == group.id,
                        DeductionRequest.deduct_month == res.month,
                        DeductionRequest.pay_kind == res.kind.value,
                    )
                    .with_for_update()
                ).first()
            )
            requests[key] = request
            if request is not None:
                step = cyc.transition(
                    request.status, cyc.CycleAction.LOAD_RESULTS, now=now, deadline=request.deadline
                )
                if isinstance(step, Err):
                    errors.append(
                        Err(
                            "E-RESULTS-REQUEST-STATE",
                            None,
                            {**params, "state": cyc.CycleStatus(request.status).label},
                        )
                    )
                assert request.id is not None
                index: dict[tuple[str, str, str], list[DeductionRequestItem]] = defaultdict(list)
                for item in _items(db, request.id):
                    if item.change_kind != ChangeKind.ENDED.value:
                        index[(item.staff_no, item.account_no, item.product_code)].append(item)
                item_index[request.id] = index
            else:
                errors.append(Err("E-RESULTS-NO-REQUEST", None, params))
        request = requests[key]
        if request is None or request.id is None:
            continue
        candidates = item_index[request.id].get((res.staff_no, res.account_no, res.product_code))
        if not candidates:
            errors.append(
                Err(
                    "E-RESULTS-NO-ITEM",
                    None,
                    {
                        "row": res.row,
                        "staff_no": res.staff_no,
                        "account_no": res.account_no,
                        "product_code": res.product_code,
                    },
                )
            )
            continue
        free = [c for c in candidates if c.id not in matched]
        if not free:
            first = min(matched[c.id].row for c in candidates if c.id is not None)
            errors.append(Err("E-RESULTS-DUPLICATE", None, {"row": res.row, "first": first}))
            continue
        item = free[0]
        assert item.id is not None
        matched[item.id] = res
        if res.code == "0":
            if item.hold:
                errors.append(Err("E-RESULTS-HELD-DEDUCTED", "結果コード", {"row": res.row}))
            elif res.amount != item.amount:
                errors.append(
                    Err(
                        "E-RESULTS-AMOUNT",
                        "控除額",
                        {
                            "row": res.row,
                            "requested": f"{item.amount:,}",
                            "amount": f"{res.amount:,}",
                        },
                    )
                )
        elif res.amount != 0:
            errors.append(Err("E-RESULTS-AMOUNT-NOT-DEDUCTED", "控除額", {"row": res.row}))

    for (group_no, month, kind), request in requests.items():
        if request is None or request.id is None:
            continue
        missing = [
            item
            for items in item_index[request.id].values()
            for item in items
            if item.id not in matched
        ]
        if missing:
            missing.sort(key=lambda i: i.staff_no)
            errors.append(
                Err(
                    "E-RESULTS-MISSING",
                    None,
                    {
                        "group": group_no,
                        "month": month,
                        "pay_kind": PayKind(kind).label,
                        "count": len(missing),
                        "staff_no": missing[0].staff_no,
                    },
                )
            )
    if errors:
        errors.sort(key=lambda e: int(e.params.get("row", 10**9)))
        return refuse(errors)

    summary: list[tuple[str, str, str, int, int, int]] = []
    refs: list[notices.RequestRef] = []
    for (group_no, month, kind), request in requests.items():
        assert request is not None and request.id is not None
        deducted = not_deducted = mismatches = 0
        for items in item_index[request.id].values():
            for item in items:
                assert item.id is not None
                res = matched[item.id]
                ok = res.code == "0"
                deducted += ok
                not_deducted += not ok
                mismatches += normalise_kana(item.name_kana) != normalise_kana(res.bank_kana)
                db.add(
                    DeductionResultItem(
                        contract_id=contract_id,
                        request_id=request.id,
                        request_item_id=item.id,
                        deducted_amount=res.amount,
                        result=(ResultKind.DEDUCTED if ok else ResultKind.NOT_DEDUCTED).value,
                        result_code=res.code,
                        reason=None
                        if ok
                        else (res.reason or item.hold_reason or RESULT_CODES[res.code]),
                        bank_name_kana=res.bank_kana,
                        paid_date=res.paid,
                        loaded_at=now,
                    )
                )
        request.status = CycleStatus.RESULTS.value
        request.results_received_at = now
        db.add(request)
        summary.append((group_no, month, kind, deducted, not_deducted, mismatches))
        refs.append(notices.RequestRef(RequestKind.ROKIN, request.id, group_no, month, kind,
                                       not_deducted=not_deducted))
        oplog.operator_success(
            db,
            contract_no=contract_no,
            at=now,
            actor=who,
            action=ACTION_LOAD_RESULTS,
            target=_key_text(group_no, month, kind),
            ticket=ticket,
            detail={
                "request_id": request.id,
                "deducted": deducted,
                "not_deducted": not_deducted,
                "kana_mismatch": mismatches,
            },
        )
    # R-PLUS-7: results received, to the users who hold 労金控除結果リスト出力.
    notices.notify_results(db, contract_id=contract_id, refs=refs, clock=clock)
    db.flush()
    db.commit()
    return Ok(ResultsLoaded(tuple(summary)))


def results_csv(rows: Iterable[Sequence[object]]) -> bytes:
    """A results file in the format ``load_results`` reads (CP932, CRLF, header): for the
    demo, tests and the README's example."""
    return results_file(RESULTS_HEADER, rows)
