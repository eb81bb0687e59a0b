"""The bank's 賃控元帳控除結果ファイル (``chingin bank load-ledger-results``, RL-CYCLE-2; README
「賃控元帳控除結果ファイル」): parsed and checked whole, stored all or nothing. The columns and
checks it shares with the 控除結果ファイル are ``services/bank_results``'s."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from sqlmodel import Session

from chingin_app.domain.clock import Clock
from chingin_app.domain.deduction_cycle import CycleAction, ResultKind
from chingin_app.domain.ledger_cycle import LedgerStatus, ledger_transition
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.domain.notices import RequestKind
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import LedgerRequest, LedgerRequestItem, LedgerResultItem
from chingin_app.reports.csv_reader import read_rows
from chingin_app.services import contract_records, notices, oplog
from chingin_app.services.bank_results import (
    COMMON_RULES,
    DEDUCTED_CODE,
    RESULT_CODES,
    ResultCells,
    results_file,
)
from chingin_app.services.ledger.cycle.common import (
    ACTION_LOAD_RESULTS,
    LedgerResultsLoaded,
    find_request,
    items,
    key_text,
)
from chingin_app.services.rokin.cycle.common import _groups

__all__ = ["LEDGER_RESULTS_HEADER", "ledger_results_csv", "load_ledger_results"]

#: The file's header (README 「賃控元帳控除結果ファイル」).
LEDGER_RESULTS_HEADER: Final[tuple[str, ...]] = (
    "入金グループ",
    "控除年月",
    "支給区分",
    "職員番号",
    "種目コード",
    "控除額",
    "結果コード",
    "不能理由",
)
_COL: Final = {name: index for index, name in enumerate(LEDGER_RESULTS_HEADER)}
_FREE_TEXT_COLUMNS: Final = (_COL["不能理由"],)
_RULES: Final[dict[str, str]] = {**COMMON_RULES, "種目コード": "半角数字4桁以内"}
_ITEM_CODE_RE: Final = re.compile(r"[0-9]{1,4}")


@dataclass(frozen=True)
class _Row:
    row: int
    group_no: str
    month: str
    kind: PayKind
    staff_no: str
    item_code: str
    amount: int
    code: str
    reason: str | None


def _parse(row_no: int, cells: Sequence[str]) -> _Row | list[Err]:
    row = ResultCells(row_no, cells, _COL, _RULES)
    group_no, month, kind = row.group_no(), row.month(), row.pay_kind()
    staff_no = row.staff_no()
    item_code = row.matching("種目コード", _ITEM_CODE_RE)
    amount = row.amount()
    code = row.result_code()
    reason = row.reason(code)
    if row.errors:
        return row.errors
    assert kind is not None
    return _Row(row_no, group_no, month, kind, staff_no, item_code, amount, code, reason)


_Key = tuple[str, str, str]  # (group, month, pay kind)


def _check_amount(res: _Row, item: LedgerRequestItem) -> Err | None:
    if res.code == DEDUCTED_CODE and res.amount != item.amount:
        return Err("E-RESULTS-AMOUNT", "控除額", {"row": res.row, "requested": f"{item.amount:,}",
                                                "amount": f"{res.amount:,}"})
    if res.code != DEDUCTED_CODE and res.amount != 0:
        return Err("E-RESULTS-AMOUNT-NOT-DEDUCTED", "控除額", {"row": res.row})
    return None


def load_ledger_results(
    db: Session,
    *,
    contract_no: str,
    data: bytes,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
    max_errors: int = 100,
) -> Ok[LedgerResultsLoaded] | Invalid:
    """Store the bank's 賃控元帳控除結果ファイル (RL-CYCLE-2, RL-7).

    All or nothing: ``Invalid`` lists every problem (``row``/``column`` from 1, the header is
    row 1) and nothing is stored: E-CSV-* for the file itself, E-RESULTS-VALUE per cell, per
    row E-LEDGER-RESULTS-NO-REQUEST / -CLOSED (the request is unknown or has its results),
    E-LEDGER-RESULTS-NO-ITEM, E-RESULTS-DUPLICATE, E-RESULTS-AMOUNT (済 is the requested
    amount), E-RESULTS-AMOUNT-NOT-DEDUCTED (不能 is 0), and E-RESULTS-MISSING per request
    whose lines (解約 aside) lack a result. On success each named request is 結果受信済, with
    one log entry each."""
    who = oplog.operator_actor(actor)
    now = clock.now()

    def refuse(errors: Sequence[Err]) -> Invalid:
        oplog.operator_refusal(
            db, at=now, actor=who, action=ACTION_LOAD_RESULTS, target=contract_no[:40],
            ticket=ticket,
            detail={"codes": sorted({e.code for e in errors}), "count": len(errors)},
        )
        return Invalid(tuple(errors[:max_errors]))

    contract = contract_records.find_contract(db, contract_no)
    if contract is None or contract.id is None:
        return refuse([Err("E-CONTRACT-NOT-FOUND", "contract_no")])
    contract_id = contract.id
    parsed, errors = read_rows(data, header=LEDGER_RESULTS_HEADER, parse_row=_parse,
                               free_text_columns=_FREE_TEXT_COLUMNS, max_errors=max_errors)
    if errors and not parsed:
        return refuse(errors)  # the file itself (encoding, header, empty) or every row

    groups = {g.number: g for g in _groups(db, contract_id).values()}
    requests: dict[_Key, LedgerRequest | None] = {}
    lines: dict[int, dict[tuple[str, str], LedgerRequestItem]] = {}
    matched: dict[int, _Row] = {}  # request item id → its row
    for res in parsed:
        key = (res.group_no, res.month, res.kind.value)
        params = {"row": res.row, "group": res.group_no, "month": res.month,
                  "pay_kind": res.kind.label}
        if key not in requests:
            group = groups.get(res.group_no)
            request = None if group is None or group.id is None else find_request(
                db, contract_id, group.id, res.month, res.kind.value, lock=True)
            requests[key] = request
            if request is None:
                errors.append(Err("E-LEDGER-RESULTS-NO-REQUEST", None, params))
            else:
                assert request.id is not None
                if isinstance(ledger_transition(request.status, CycleAction.LOAD_RESULTS), Err):
                    errors.append(Err("E-LEDGER-RESULTS-CLOSED", None, params))
                lines[request.id] = {(i.staff_no, i.item_code): i for i in items(db, request.id)
                                     if i.change_kind != ChangeKind.ENDED.value}
        request = requests[key]
        if request is None or request.id is None:
            continue
        item = lines[request.id].get((res.staff_no, res.item_code))
        if item is None or item.id is None:
            errors.append(Err("E-LEDGER-RESULTS-NO-ITEM", None, {
                "row": res.row, "staff_no": res.staff_no, "item_code": res.item_code}))
            continue
        if item.id in matched:
            errors.append(Err("E-RESULTS-DUPLICATE", None,
                              {"row": res.row, "first": matched[item.id].row}))
            continue
        matched[item.id] = res
        wrong = _check_amount(res, item)
        if wrong is not None:
            errors.append(wrong)

    for (group_no, month, kind), request in requests.items():
        if request is None or request.id is None:
            continue
        missing = sorted((i for i in lines[request.id].values() if i.id not in matched),
                         key=lambda i: (i.staff_no, i.item_code))
        if missing:
            errors.append(Err("E-RESULTS-MISSING", None, {
                "group": group_no, "month": month, "pay_kind": PayKind(kind).label,
                "count": len(missing), "staff_no": missing[0].staff_no}))
    if errors:
        errors.sort(key=lambda e: int(e.params.get("row", 10**9)))
        return refuse(errors)

    summary: list[tuple[str, str, str, int, int]] = []
    refs: list[notices.RequestRef] = []
    for (group_no, month, kind), request in requests.items():
        assert request is not None and request.id is not None
        counts: dict[bool, int] = defaultdict(int)
        for item in lines[request.id].values():
            assert item.id is not None
            res = matched[item.id]
            deducted = res.code == DEDUCTED_CODE
            counts[deducted] += 1
            db.add(LedgerResultItem(
                contract_id=contract_id, request_id=request.id, request_item_id=item.id,
                deducted_amount=res.amount,
                result=(ResultKind.DEDUCTED if deducted else ResultKind.NOT_DEDUCTED).value,
                result_code=res.code,
                reason=None if deducted else (res.reason or RESULT_CODES[res.code]),
                loaded_at=now,
            ))
        request.status = LedgerStatus.RESULTS.value
        request.results_received_at = now
        db.add(request)
        summary.append((group_no, month, kind, counts[True], counts[False]))
        refs.append(notices.RequestRef(RequestKind.LEDGER, request.id, group_no, month, kind,
                                       not_deducted=counts[False]))
        oplog.operator_success(
            db, contract_no=contract_no, at=now, actor=who, action=ACTION_LOAD_RESULTS,
            target=key_text(group_no, month, kind), ticket=ticket,
            detail={"request_id": request.id, "deducted": counts[True],
                    "not_deducted": counts[False]},
        )
    # R-PLUS-7: results received, to the users who hold 賃控元帳結果リスト出力.
    notices.notify_results(db, contract_id=contract_id, refs=refs, clock=clock)
    db.flush()
    db.commit()
    return Ok(LedgerResultsLoaded(tuple(summary)))


def ledger_results_csv(rows: Iterable[Sequence[object]]) -> bytes:
    """A file in the format ``load_ledger_results`` reads (CP932, CRLF, header): for the demo,
    tests and the README's example."""
    return results_file(LEDGER_RESULTS_HEADER, rows)
