"""The 賃控元帳 cycle's output menus (SPEC §11 RL-5 賃控元帳控除依頼リスト出力, RL-6 賃控元帳控除
依頼データエクスポート, RL-7 賃控元帳結果リスト出力; RL-CYCLE-3, RL-CYCLE-4): which requests a
user may choose, the chosen list on screen one page at a time, and the files — list PDFs and the
CSV — each logged in the operation log (R-LOG-1 "export and print").

The shape of the 労金控除 outputs (``services/rokin/outputs``) over the ledger's requests:
tenant scope is the session's contract **and** payment group (``tenant.scope_of``); a request id
from the client is used only when it is one of that group's requests of the kept cycles
(``cycle.list_ledger_requests``), so another contract's — or group's — request is never read.
The builders run in a worker thread (``state/outputs.run_output``) with their own database
session; they read, render, then log and commit once. Lists are rebuilt from data each time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from sqlmodel import Session

from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.ledger_cycle import LedgerLine, LedgerStatus
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import parse_row_id
from chingin_app.reports import csv_columns
from chingin_app.reports import ledger_cycle_lists as lists
from chingin_app.reports.lists import ListHeader, ListKind, month_label, screen_rows
from chingin_app.services.ledger import cycle
from chingin_app.services.ledger.cycle import LedgerRequestView
from chingin_app.services.outputs import (
    EXPORT_FORMATS,
    PAGE_SIZE,
    LinePage,
    Preview,
    Progress,
    export_bytes,
    export_ext,
    export_media_type,
    file_name,
    log_output,
    page_of,
    prepared,
)
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.tenant import OutputSession, Scope, scope_of

__all__ = [
    "ACTION_COMBINED_EXPORT",
    "ACTION_COMBINED_LIST",
    "ACTION_REQUEST_EXPORT",
    "ACTION_REQUEST_LIST",
    "ACTION_RESULT_LIST",
    "choices",
    "find_request",
    "header",
    "log",
    "preview",
    "request_csv",
    "request_list_pdf",
    "request_page",
    "resolve",
    "result_list_pdf",
    "result_page",
    "target_file_name",
]

ACTION_REQUEST_LIST: Final = "ledger.request_list.print"
ACTION_REQUEST_EXPORT: Final = "ledger.request.export"
ACTION_RESULT_LIST: Final = "ledger.result_list.print"
ACTION_COMBINED_LIST: Final = "ledger.combined_list.print"
ACTION_COMBINED_EXPORT: Final = "ledger.combined.export"

#: The menu each action is logged under (the screen's name, P.22).
_SCREENS: Final[dict[str, str]] = {
    ACTION_REQUEST_LIST: "賃控元帳控除依頼リスト出力",
    ACTION_REQUEST_EXPORT: "賃控元帳控除依頼データエクスポート",
    ACTION_RESULT_LIST: "賃控元帳結果リスト出力",
    ACTION_COMBINED_LIST: "労金控除賃控元帳依頼リスト出力",
    ACTION_COMBINED_EXPORT: "労金控除賃控元帳依頼データエクスポート",
}
#: Request lines read per query while a CSV is written (a long request streams).
_CSV_BATCH: Final = 2000
_NOT_FOUND: Final = Err("E-LEDGER-OUT-REQUEST", field="request_id")
_NO_LIST: Final = Err("E-OUT-LIST", field="list_kind")


def _choices(db: Session, scope: Scope, results_only: bool) -> list[LedgerRequestView]:
    views = cycle.list_ledger_requests(db, contract_id=scope.contract_id,
                                       payment_group_id=scope.payment_group_id)
    if results_only:
        views = [v for v in views if v.status == LedgerStatus.RESULTS.value]
    return views


def choices(
    db: Session, session: OutputSession, *, results_only: bool = False
) -> list[LedgerRequestView]:
    """The session's group's ledger requests of the kept cycles, newest 控除年月 first
    (RL-CYCLE-4); ``results_only``: those with results (結果受信済, RL-7)."""
    scope = scope_of(db, session)
    return [] if scope is None else _choices(db, scope, results_only)


def resolve(
    db: Session, session: OutputSession, request_id: object, *, results_only: bool = False
) -> tuple[Scope, LedgerRequestView] | None:
    """The session's scope and the request when it is one of ``choices``; None otherwise —
    whoever's it is."""
    number = parse_row_id(request_id)
    scope = scope_of(db, session)
    if number is None or scope is None:
        return None
    for found in _choices(db, scope, results_only):
        if found.id == number:
            return scope, found
    return None


def find_request(
    db: Session, session: OutputSession, request_id: object, *, results_only: bool = False
) -> LedgerRequestView | None:
    """The request when it is one of ``choices``; None otherwise."""
    found = resolve(db, session, request_id, results_only=results_only)
    return None if found is None else found[1]


def _request_lines(db: Session, scope: Scope, request: LedgerRequestView,
                   which: str) -> Sequence[Any]:
    if which == "mismatch":
        return cycle.mismatch_lines(db, contract_id=scope.contract_id, request_id=request.id)
    return cycle.ledger_lines(db, contract_id=scope.contract_id, request_id=request.id)


def _result_lines(db: Session, scope: Scope, request: LedgerRequestView,
                  which: str) -> Sequence[Any]:
    return cycle.ledger_result_lines(db, contract_id=scope.contract_id, request_id=request.id,
                                     which="not_deducted" if which == "not_deducted" else "all")


def _page(kind: ListKind, lines: Sequence[Any], page: int, page_size: int) -> LinePage:
    page, pages = page_of(len(lines), page, page_size)
    shown = lines[(page - 1) * page_size: page * page_size]
    return LinePage(screen_rows(kind, shown), len(lines), page, pages)


def request_page(
    db: Session, session: OutputSession, *, request_id: object, which: str, page: int,
    page_size: int = PAGE_SIZE,
) -> LinePage | None:
    """One page of an RL-5 list (``which`` of ``REQUEST_LISTS``); None for a request or list
    the session may not have. The 賃控元帳控除依頼リスト is paged in SQL; the 相違リスト compares
    kana in Python (A.1), so it is cut here."""
    found = resolve(db, session, request_id)
    kind = lists.REQUEST_LISTS.get(which) if isinstance(which, str) else None
    if found is None or kind is None:
        return None
    scope, request = found
    if kind.code == "mismatch":
        return _page(kind, _request_lines(db, scope, request, kind.code), page, page_size)
    total = cycle.count_ledger_lines(db, contract_id=scope.contract_id, request_id=request.id)
    page, pages = page_of(total, page, page_size)
    shown = cycle.ledger_lines(db, contract_id=scope.contract_id, request_id=request.id,
                               offset=(page - 1) * page_size, limit=page_size)
    return LinePage(screen_rows(kind, shown), total, page, pages)


def result_page(
    db: Session, session: OutputSession, *, request_id: object, which: str, page: int,
    page_size: int = PAGE_SIZE,
) -> LinePage | None:
    """One page of an RL-7 list (``which`` of ``RESULT_LISTS``) of a request with results;
    None for a request or list the session may not have."""
    found = resolve(db, session, request_id, results_only=True)
    kind = lists.RESULT_LISTS.get(which) if isinstance(which, str) else None
    if found is None or kind is None:
        return None
    scope, request = found
    return _page(kind, _result_lines(db, scope, request, kind.code), page, page_size)


def preview(
    db: Session, session: OutputSession, *, request_id: object, which: str = "all",
    results_only: bool = False,
) -> Preview | None:
    """件数確認: the lines the output will hold and their 依頼額; None for a request or list the
    session may not have."""
    found = resolve(db, session, request_id, results_only=results_only)
    table = lists.RESULT_LISTS if results_only else lists.REQUEST_LISTS
    if found is None or not isinstance(which, str) or which not in table:
        return None
    scope, request = found
    got = (_result_lines if results_only else _request_lines)(db, scope, request, which)
    return Preview(len(got), sum(getattr(r, "line", r).amount for r in got))


# ---------------------------------------------------------------------------- files


def header(session: OutputSession, request: LedgerRequestView) -> ListHeader:
    """Every page's header: the contract, the group and the request's month, kind and days."""
    return ListHeader(
        contract_no=session.contract_no, contract_name=session.contract_name,
        group_no=request.group_no, group_name=request.group_name,
        deduct_month=request.deduct_month, pay_kind_label=request.pay_kind_label,
        deduction_date=request.deduction_date, remittance_date=request.remittance_date,
    )


def target_file_name(
    title: str, request: LedgerRequestView, clock: Clock, ext: str, *, contract_no: str
) -> str:
    """The delivered file's name: title, contract, group, month, kind and the time it was
    made."""
    return file_name(title, contract_no=contract_no,
                     group_no=request.group_no, month=request.deduct_month,
                     kind=request.pay_kind_label, clock=clock, ext=ext)


def log(
    db: Session, session: OutputSession, *, action: str, request: LedgerRequestView,
    clock: Clock, ip: str | None, detail: dict[str, Any],
) -> None:
    """The print or export logged with the request it was of (R-LOG-1), committed."""
    log_output(
        db, session, action=action, screen=_SCREENS[action], clock=clock, ip=ip,
        target=f"入金グループ{request.group_no} {month_label(request.deduct_month)} "
               f"{request.pay_kind_label}",
        detail=detail,
    )


def _list_pdf(
    db: Session, session: OutputSession, *, request_id: object, which: str, clock: Clock,
    ip: str | None, on_progress: Progress | None, results: bool,
) -> Ok[PreparedFile] | Err:
    found = resolve(db, session, request_id, results_only=results)
    if found is None:
        return _NOT_FOUND
    table = lists.RESULT_LISTS if results else lists.REQUEST_LISTS
    kind = table.get(which) if isinstance(which, str) else None
    if kind is None:
        return _NO_LIST
    scope, request = found
    got = (_result_lines if results else _request_lines)(db, scope, request, kind.code)
    data = lists.render(kind, header(session, request), got,
                        output_date=to_jst(clock.now()).date(), on_progress=on_progress)
    log(db, session, action=ACTION_RESULT_LIST if results else ACTION_REQUEST_LIST,
        request=request, clock=clock, ip=ip, detail={"list": kind.title, "rows": len(got)})
    return Ok(prepared(session, target_file_name(kind.title, request, clock, "pdf",
                           contract_no=session.contract_no), data,
                       "application/pdf"))


def request_list_pdf(
    db: Session, session: OutputSession, *, request_id: object, which: str, clock: Clock,
    ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RL-5: the 賃控元帳控除依頼リスト or the カナ氏名・職員番号桁数相違リスト as a PDF, logged."""
    return _list_pdf(db, session, request_id=request_id, which=which, clock=clock, ip=ip,
                     on_progress=on_progress, results=False)


def result_list_pdf(
    db: Session, session: OutputSession, *, request_id: object, which: str, clock: Clock,
    ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RL-7: the 賃控元帳控除結果リスト or 賃控元帳控除不能リスト of a request with results, as
    a PDF, logged."""
    return _list_pdf(db, session, request_id=request_id, which=which, clock=clock, ip=ip,
                     on_progress=on_progress, results=True)


def _streamed(db: Session, scope: Scope, request: LedgerRequestView) -> Iterator[LedgerLine]:
    """The lines in batches of ``_CSV_BATCH`` (one query each), so a long request streams."""
    offset = 0
    while True:
        batch = cycle.ledger_lines(db, contract_id=scope.contract_id, request_id=request.id,
                                   offset=offset, limit=_CSV_BATCH)
        yield from batch
        offset += len(batch)
        if len(batch) < _CSV_BATCH:
            return


def request_csv(
    db: Session, session: OutputSession, *, request_id: object, encoding: str, clock: Clock,
    ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RL-6 賃控元帳控除依頼データ: every line of the request as CSV (``LEDGER_REQUEST_COLUMNS``:
    CP932 by default or UTF-8 with BOM, CRLF, header row; R-ENV-3, A.2), streamed, logged. A
    character the encoding cannot hold is refused naming its row and column."""
    found = resolve(db, session, request_id)
    if found is None:
        return _NOT_FOUND
    if encoding not in EXPORT_FORMATS:
        return Err("E-OUT-ENCODING", field="encoding")
    scope, request = found
    total = cycle.count_ledger_lines(db, contract_id=scope.contract_id, request_id=request.id)
    columns = lists.LEDGER_REQUEST_COLUMNS
    data = export_bytes(
        csv_columns.header(columns), csv_columns.rows(columns, _streamed(db, scope, request)),
        encoding=encoding, free_text_columns=csv_columns.free_text_indexes(columns),
        total=total, on_progress=on_progress,
    )
    if isinstance(data, Err):
        return data
    log(db, session, action=ACTION_REQUEST_EXPORT, request=request, clock=clock, ip=ip,
        detail={"rows": total, "encoding": encoding})
    name = target_file_name("賃控元帳控除依頼データ", request, clock, export_ext(encoding),
                           contract_no=session.contract_no)
    return Ok(prepared(session, name, data, export_media_type(encoding)))
