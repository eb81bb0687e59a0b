"""RL-12 労金控除賃控元帳依頼リスト出力 and RL-13 労金控除賃控元帳依頼データエクスポート (SPEC
§11): for one cycle of the session's payment group, every employee's 労金控除 and 賃控元帳
request lines together, the employee's total — the figure payroll deducts — with 所属 subtotals
and a grand total (``domain.combined_deductions``); as a PDF through the shared list writer, or
as the CSV a payroll system imports (one row per employee with a column per product and per
種目 and 合計; one row per line as an option). Each output is logged (R-LOG-1).

The cycle is chosen among the group's ledger requests of the kept cycles (``services/ledger/
outputs``: every cycle published for a contract with 賃控元帳 has one, RL-CYCLE-1); the
労金控除 lines are those of the 労金控除 request of the same (group, 控除年月, 支給区分), when
there is one. Both read within the session's contract and group only.
"""

from __future__ import annotations

from typing import Final

from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.combined_deductions import (
    CombinedDeductions,
    DeductionLine,
    Source,
    WideColumn,
    combine,
    wide_columns,
)
from chingin_app.domain.contract import Service
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.domain.result import Err, Ok
from chingin_app.models import Contract, DeductionRequest, LedgerItemType, RokinProduct
from chingin_app.reports import csv_columns
from chingin_app.reports import ledger_cycle_lists as lists
from chingin_app.services.collation import code_point
from chingin_app.services.ledger import cycle
from chingin_app.services.ledger.cycle import LedgerRequestView
from chingin_app.services.ledger.outputs import (
    ACTION_COMBINED_EXPORT,
    ACTION_COMBINED_LIST,
    header,
    log,
    resolve,
    target_file_name,
)
from chingin_app.services.outputs import (
    EXPORT_FORMATS,
    Progress,
    export_bytes,
    export_ext,
    export_media_type,
    prepared,
)
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.services.tenant import OutputSession, Scope

__all__ = [
    "FORMS",
    "combined_csv",
    "combined_list_pdf",
    "combined_of",
    "summary",
]

#: RL-13's two layouts: the payroll import (default) and one row per line (the option).
FORMS: Final[dict[str, str]] = {
    "wide": "職員ごと（1人1行・商品／種目ごとの列と合計）",
    "long": "明細ごと（1明細1行）",
}
_NOT_FOUND: Final = Err("E-LEDGER-OUT-REQUEST", field="request_id")


def _rokin_lines(db: Session, scope: Scope, request: LedgerRequestView) -> list[DeductionLine]:
    """The 労金控除 request of the same cycle's lines (解約 aside), or none."""
    found = db.exec(
        select(DeductionRequest.id).where(
            DeductionRequest.contract_id == scope.contract_id,
            DeductionRequest.payment_group_id == scope.payment_group_id,
            DeductionRequest.deduct_month == request.deduct_month,
            DeductionRequest.pay_kind == request.pay_kind,
        )
    ).first()
    if found is None:
        return []
    return [
        DeductionLine(Source.ROKIN, ln.department, ln.staff_no, ln.name_kana, ln.name_kanji,
                      ln.product_code, ln.product_name, ln.amount)
        for ln in rokin_cycle.request_lines(db, contract_id=scope.contract_id, request_id=found)
        if ln.change_kind != ChangeKind.ENDED.value
    ]


def _combined(db: Session, scope: Scope, request: LedgerRequestView) -> CombinedDeductions:
    ledger = [
        DeductionLine(Source.LEDGER, ln.department, ln.staff_no, ln.name_kana, ln.name_kanji,
                      ln.item_code, ln.item_name, ln.amount)
        for ln in cycle.ledger_lines(db, contract_id=scope.contract_id, request_id=request.id)
        if ln.change_kind != ChangeKind.ENDED.value
    ]
    return combine([*_rokin_lines(db, scope, request), *ledger])


def combined_of(
    db: Session, session: OutputSession, request_id: object
) -> tuple[LedgerRequestView, CombinedDeductions] | None:
    """The cycle (one of the session's group's ledger requests of the kept cycles) and its
    employees with both kinds (RL-12); None for a request the session may not have."""
    found = resolve(db, session, request_id)
    if found is None:
        return None
    scope, request = found
    return request, _combined(db, scope, request)


def summary(db: Session, session: OutputSession, request_id: object) -> CombinedDeductions | None:
    """件数確認 of RL-12 / RL-13: the employees and the totals of each kind."""
    found = combined_of(db, session, request_id)
    return None if found is None else found[1]


def combined_list_pdf(
    db: Session, session: OutputSession, *, request_id: object, clock: Clock,
    ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RL-12: the 労金控除賃控元帳依頼リスト of the cycle as a PDF (A4 landscape, contract and
    group in the header, 本人合計, 小計 per 所属, 合計), logged."""
    found = combined_of(db, session, request_id)
    if found is None:
        return _NOT_FOUND
    request, combined = found
    data = lists.render(lists.COMBINED, header(session, request), lists.combined_rows(combined),
                        output_date=to_jst(clock.now()).date(), on_progress=on_progress)
    log(db, session, action=ACTION_COMBINED_LIST, request=request, clock=clock, ip=ip,
        detail={"list": lists.COMBINED.title, "employees": len(combined.employees),
                "rows": combined.line_count})
    return Ok(prepared(session, target_file_name(lists.COMBINED.title, request, clock, "pdf",
                           contract_no=session.contract_no),
                       data, "application/pdf"))


def _defined_columns(db: Session, contract_id: int) -> list[WideColumn]:
    """Every product (with 労金控除) and 種目 of the contract: the wide form keeps its columns
    from month to month, whoever has a line."""
    services = db.exec(select(Contract.services).where(Contract.id == contract_id)).first() or ""
    columns = [WideColumn(Source.LEDGER, t.code, t.name) for t in db.exec(
        select(LedgerItemType).where(LedgerItemType.contract_id == contract_id)
        .order_by(code_point(col(LedgerItemType.code))))]
    if Service.ROKIN.value in services.split(","):
        columns += [WideColumn(Source.ROKIN, p.code, p.name) for p in db.exec(
            select(RokinProduct).where(RokinProduct.contract_id == contract_id)
            .order_by(code_point(col(RokinProduct.code))))]
    return columns


def combined_csv(
    db: Session, session: OutputSession, *, request_id: object, form: str, encoding: str,
    clock: Clock, ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RL-13 労金控除賃控元帳依頼データ as CSV (CP932 by default or UTF-8 with BOM, CRLF,
    header row): ``form`` ``wide`` — one row per employee: 職員番号, カナ氏名, 漢字氏名, 所属, a
    column per product and per 種目, 合計 — or ``long``, one row per line; logged. A character
    the encoding cannot hold is refused naming its row and column."""
    if not isinstance(form, str) or form not in FORMS:
        return Err("E-OUT-LIST", field="list_kind")
    if encoding not in EXPORT_FORMATS:
        return Err("E-OUT-ENCODING", field="encoding")
    found = resolve(db, session, request_id)
    if found is None:
        return _NOT_FOUND
    scope, request = found
    combined = _combined(db, scope, request)
    if form == "wide":
        columns = wide_columns(combined, _defined_columns(db, scope.contract_id))
        data = export_bytes(lists.wide_header(columns), lists.wide_rows(combined, columns),
                            encoding=encoding, free_text_columns=lists.WIDE_FREE_TEXT,
                            total=len(combined.employees), on_progress=on_progress)
        rows = len(combined.employees)
    else:
        layout = lists.COMBINED_LONG_COLUMNS
        data = export_bytes(
            csv_columns.header(layout),
            csv_columns.rows(layout, lists.long_lines(
                combined, deduct_month=request.deduct_month, pay_kind=request.pay_kind,
                group_no=request.group_no)),
            encoding=encoding, free_text_columns=csv_columns.free_text_indexes(layout),
            total=combined.line_count, on_progress=on_progress,
        )
        rows = combined.line_count
    if isinstance(data, Err):
        return data
    log(db, session, action=ACTION_COMBINED_EXPORT, request=request, clock=clock, ip=ip,
        detail={"form": form, "rows": rows, "encoding": encoding})
    title = "労金控除賃控元帳依頼データ" + ("" if form == "wide" else "_明細")
    name = target_file_name(title, request, clock, export_ext(encoding),
                           contract_no=session.contract_no)
    return Ok(prepared(session, name, data, export_media_type(encoding)))
