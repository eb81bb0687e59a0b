"""The 労金控除 output menus (SPEC §11 RK-4, RK-5, RK-6, RK-7, RK-11; A.4, A.6): which requests
a user may choose, the chosen list on screen one page at a time, and the files — list PDFs,
the 企業宛控除依頼書 and the CSV exports — each logged in the operation log (R-LOG-1 "export
and print").

Tenant scope: every function takes the signed-in session and resolves its contract **and**
payment group (``tenant.scope_of``); a request id from the client is used only when
it is one of that group's requests in the kept cycles (``cycle.list_requests``, A.4 "lists
keep the last cycles"), so another contract's — or another group's — request is never read.

The builders run in a worker thread (``state/outputs.run_output``) with their own database
session; they read, render, then log and commit once. Lists are rebuilt from data each time
(A.4), never stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from sqlmodel import Session

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.deduction_cycle import RequestLine
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import parse_row_id
from chingin_app.reports import rokin_csv, rokin_lists
from chingin_app.reports.lists import ListKind, month_label, screen_rows
from chingin_app.reports.rokin_company_request import (
    TITLE as COMPANY_REQUEST_TITLE,
)
from chingin_app.reports.rokin_company_request import (
    CompanyRequest,
    product_totals,
    render_company_request,
)
from chingin_app.reports.rokin_lists import REQUEST_LISTS, RESULT_LISTS, ListHeader
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
from chingin_app.services.rokin import cycle
from chingin_app.services.rokin.cycle import RequestView
from chingin_app.services.tenant import OutputSession, Scope, scope_of

__all__ = [
    "ACTION_COMPANY_EXPORT",
    "ACTION_COMPANY_REQUEST",
    "ACTION_REQUEST_EXPORT",
    "ACTION_REQUEST_LIST",
    "ACTION_RESULT_LIST",
    "COMPANY_EXPORT_LISTS",
    "PAGE_SIZE",
    "LinePage",
    "Preview",
    "choices",
    "company_request_pdf",
    "find_request",
    "preview",
    "request_csv",
    "request_list_pdf",
    "request_page",
    "result_list_pdf",
    "result_page",
]

ACTION_REQUEST_LIST: Final = "rokin.request_list.print"
ACTION_REQUEST_EXPORT: Final = "rokin.request.export"
ACTION_COMPANY_REQUEST: Final = "rokin.company_request.print"
ACTION_COMPANY_EXPORT: Final = "rokin.company_request.export"
ACTION_RESULT_LIST: Final = "rokin.result_list.print"

_SCREENS: Final[dict[str, str]] = {
    ACTION_REQUEST_LIST: "労金控除依頼リスト出力",
    ACTION_REQUEST_EXPORT: "労金控除依頼データエクスポート",
    ACTION_COMPANY_REQUEST: "企業宛控除依頼書出力",
    ACTION_COMPANY_EXPORT: "企業宛控除依頼データエクスポート",
    ACTION_RESULT_LIST: "労金控除結果リスト出力",
}

#: RK-7's choice: all lines or the changes only (異動分: 新規・変更・解約).
COMPANY_EXPORT_LISTS: Final[dict[str, str]] = {
    "all": "すべての明細",
    "changes": "異動分のみ（新規・変更・解約）",
}
#: Request lines read per query while a CSV is written (a 100,000-line request streams).
_CSV_BATCH: Final = 2000


def _choices(db: Session, scope: Scope, results_only: bool) -> list[RequestView]:
    views = cycle.list_requests(
        db, contract_id=scope.contract_id, payment_group_id=scope.payment_group_id
    )
    if results_only:
        views = [v for v in views if v.status == cyc.CycleStatus.RESULTS.value]
    return views


def choices(
    db: Session, session: OutputSession, *, results_only: bool = False
) -> list[RequestView]:
    """The session's group's requests of the kept cycles, newest 控除年月 first (A.4);
    ``results_only``: those with results (結果受信済, RK-11)."""
    scope = scope_of(db, session)
    return [] if scope is None else _choices(db, scope, results_only)


def _resolve(
    db: Session, session: OutputSession, request_id: object, results_only: bool
) -> tuple[Scope, RequestView] | None:
    number = parse_row_id(request_id)
    scope = scope_of(db, session)
    if number is None or scope is None:
        return None
    for view in _choices(db, scope, results_only):
        if view.id == number:
            return scope, view
    return None


def find_request(
    db: Session, session: OutputSession, request_id: object, *, results_only: bool = False
) -> RequestView | None:
    """The request when it is one of ``choices`` (the session's contract and group, kept
    cycles); None otherwise — whoever's it is."""
    found = _resolve(db, session, request_id, results_only)
    return None if found is None else found[1]


def request_page(
    db: Session, session: OutputSession, *, request_id: object, which: str, page: int,
    page_size: int = PAGE_SIZE,
) -> LinePage | None:
    """One page of an RK-4 list (``which`` of ``REQUEST_LISTS``), paged in SQL; None for a
    request or list the session may not have."""
    found = _resolve(db, session, request_id, False)
    kind = REQUEST_LISTS.get(which) if isinstance(which, str) else None
    if found is None or kind is None:
        return None
    scope, view = found
    total = cycle.count_request_lines(
        db, contract_id=scope.contract_id, request_id=view.id, which=kind.code  # type: ignore[arg-type]
    )
    page, pages = page_of(total, page, page_size)
    lines = cycle.request_lines(
        db, contract_id=scope.contract_id, request_id=view.id, which=kind.code,  # type: ignore[arg-type]
        offset=(page - 1) * page_size, limit=page_size,
    )
    return LinePage(screen_rows(kind, lines), total, page, pages)


def _result_lines(db: Session, scope: Scope, view: RequestView, kind: ListKind) -> list[Any]:
    return cycle.result_lines(
        db, contract_id=scope.contract_id, request_id=view.id, which=kind.code  # type: ignore[arg-type]
    )


def result_page(
    db: Session, session: OutputSession, *, request_id: object, which: str, page: int,
    page_size: int = PAGE_SIZE,
) -> LinePage | None:
    """One page of an RK-11 list (``which`` of ``RESULT_LISTS``) of a request with results;
    None for a request or list the session may not have."""
    found = _resolve(db, session, request_id, True)
    kind = RESULT_LISTS.get(which) if isinstance(which, str) else None
    if found is None or kind is None:
        return None
    scope, view = found
    # result_lines compares kana in Python (A.1), so the page is cut here.
    lines = _result_lines(db, scope, view, kind)
    page, pages = page_of(len(lines), page, page_size)
    shown = lines[(page - 1) * page_size : page * page_size]
    return LinePage(screen_rows(kind, shown), len(lines), page, pages)


def preview(
    db: Session, session: OutputSession, *, request_id: object, which: str = "all",
    results_only: bool = False,
) -> Preview | None:
    """件数確認: the lines the output will hold and their 依頼額 total; None for a request or
    list the session may not have."""
    found = _resolve(db, session, request_id, results_only)
    if found is None:
        return None
    scope, view = found
    if results_only:
        kind = RESULT_LISTS.get(which) if isinstance(which, str) else None
        if kind is None:
            return None
        results = _result_lines(db, scope, view, kind)
        return Preview(len(results), sum(r.line.amount for r in results))
    if which not in REQUEST_LISTS:
        return None
    lines = cycle.request_lines(
        db, contract_id=scope.contract_id, request_id=view.id, which=which  # type: ignore[arg-type]
    )
    ended = [line for line in lines if line.change_kind == ChangeKind.ENDED.value]
    counted = [line for line in lines if line.change_kind != ChangeKind.ENDED.value]
    return Preview(len(counted), sum(line.amount for line in counted),
                   len(ended), sum(line.amount for line in ended))


# ---------------------------------------------------------------------------- files


def _header(session: OutputSession, view: RequestView) -> ListHeader:
    return ListHeader(
        contract_no=session.contract_no,
        contract_name=session.contract_name,
        group_no=view.group_no,
        group_name=view.group_name,
        deduct_month=view.deduct_month,
        pay_kind_label=view.pay_kind_label,
        deduction_date=view.deduction_date,
        remittance_date=view.remittance_date,
    )


def _file_name(title: str, contract_no: str, view: RequestView, clock: Clock, ext: str) -> str:
    return file_name(title, contract_no=contract_no, group_no=view.group_no,
                     month=view.deduct_month,
                     kind=view.pay_kind_label, clock=clock, ext=ext)


def _log(
    db: Session, session: OutputSession, *, action: str, view: RequestView, clock: Clock,
    ip: str | None, detail: dict[str, Any],
) -> None:
    """The print or export logged with the request it was of (the list and the count in
    ``detail``)."""
    log_output(
        db, session, action=action, screen=_SCREENS[action], clock=clock, ip=ip,
        target=f"入金グループ{view.group_no} {month_label(view.deduct_month)} "
               f"{view.pay_kind_label}",
        detail=detail,
    )


_NOT_FOUND: Final = Err("E-OUT-REQUEST", field="request_id")
_NO_LIST: Final = Err("E-OUT-LIST", field="list_kind")


def request_list_pdf(
    db: Session, session: OutputSession, *, request_id: object, which: str, clock: Clock,
    ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RK-4: one of the four request lists as a PDF, logged."""
    found = _resolve(db, session, request_id, False)
    if found is None:
        return _NOT_FOUND
    kind = REQUEST_LISTS.get(which) if isinstance(which, str) else None
    if kind is None:
        return _NO_LIST
    scope, view = found
    lines = cycle.request_lines(
        db, contract_id=scope.contract_id, request_id=view.id, which=kind.code  # type: ignore[arg-type]
    )
    data = rokin_lists.render(kind, _header(session, view), lines,
                              output_date=to_jst(clock.now()).date(), on_progress=on_progress)
    _log(db, session, action=ACTION_REQUEST_LIST, view=view, clock=clock, ip=ip,
         detail={"list": kind.title, "rows": len(lines)})
    name = _file_name(kind.title, session.contract_no, view, clock, "pdf")
    return Ok(prepared(session, name, data, "application/pdf"))


def result_list_pdf(
    db: Session, session: OutputSession, *, request_id: object, which: str, clock: Clock,
    ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RK-11: 控除結果リスト, 控除不能リスト or カナ氏名不一致リスト of a request with results, as
    a PDF, logged."""
    found = _resolve(db, session, request_id, True)
    if found is None:
        return _NOT_FOUND
    kind = RESULT_LISTS.get(which) if isinstance(which, str) else None
    if kind is None:
        return _NO_LIST
    scope, view = found
    lines = _result_lines(db, scope, view, kind)
    data = rokin_lists.render(kind, _header(session, view), lines,
                              output_date=to_jst(clock.now()).date(), on_progress=on_progress)
    _log(db, session, action=ACTION_RESULT_LIST, view=view, clock=clock, ip=ip,
         detail={"list": kind.title, "rows": len(lines)})
    name = _file_name(kind.title, session.contract_no, view, clock, "pdf")
    return Ok(prepared(session, name, data, "application/pdf"))


def company_request_pdf(
    db: Session, session: OutputSession, *, request_id: object, clock: Clock, ip: str | None,
    on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RK-6: the 企業宛控除依頼書 of the request (per-product counts and amounts, totals),
    logged."""
    found = _resolve(db, session, request_id, False)
    if found is None:
        return _NOT_FOUND
    scope, view = found
    lines = cycle.request_lines(db, contract_id=scope.contract_id, request_id=view.id)
    if on_progress is not None:
        on_progress(1, 3)
    form = CompanyRequest(header=_header(session, view), products=product_totals(lines),
                          issued_on=to_jst(clock.now()).date())
    data = render_company_request(form)
    if on_progress is not None:
        on_progress(2, 3)
    _log(db, session, action=ACTION_COMPANY_REQUEST, view=view, clock=clock, ip=ip,
         detail={"count": form.count, "amount": form.amount})
    name = _file_name(COMPANY_REQUEST_TITLE, session.contract_no, view, clock, "pdf")
    return Ok(prepared(session, name, data, "application/pdf"))


def _streamed_lines(
    db: Session, scope: Scope, view: RequestView, which: str
) -> Iterator[RequestLine]:
    """The lines in batches of ``_CSV_BATCH`` (one query each), so a long request streams."""
    offset = 0
    while True:
        batch = cycle.request_lines(
            db, contract_id=scope.contract_id, request_id=view.id, which=which,  # type: ignore[arg-type]
            offset=offset, limit=_CSV_BATCH,
        )
        yield from batch
        offset += len(batch)
        if len(batch) < _CSV_BATCH:
            return


def request_csv(
    db: Session, session: OutputSession, *, request_id: object, which: str,
    encoding: str, company: bool, clock: Clock, ip: str | None,
    on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RK-5 労金控除依頼データ (``company=False``, all lines) or RK-7 企業宛控除依頼データ
    (``company=True``, ``which`` all or changes) as CSV in the ``REQUEST_COLUMNS`` layout:
    CP932 (default) or UTF-8 with BOM, CRLF, header row (R-ENV-3, A.2), written chunk by chunk
    from batched queries; logged. A character the encoding cannot hold is refused, naming its
    row and column (nothing is delivered)."""
    found = _resolve(db, session, request_id, False)
    if found is None:
        return _NOT_FOUND
    allowed = COMPANY_EXPORT_LISTS if company else {"all": ""}
    if not isinstance(which, str) or which not in allowed:
        return _NO_LIST
    if encoding not in EXPORT_FORMATS:
        return Err("E-OUT-ENCODING", field="encoding")
    scope, view = found
    total = cycle.count_request_lines(
        db, contract_id=scope.contract_id, request_id=view.id, which=which  # type: ignore[arg-type]
    )
    columns = rokin_csv.REQUEST_COLUMNS
    data = export_bytes(
        rokin_csv.header(columns),
        rokin_csv.rows(columns, _streamed_lines(db, scope, view, which)),
        encoding=encoding, free_text_columns=rokin_csv.free_text_indexes(columns),
        total=total, on_progress=on_progress,
    )
    if isinstance(data, Err):
        return data
    action = ACTION_COMPANY_EXPORT if company else ACTION_REQUEST_EXPORT
    _log(db, session, action=action, view=view, clock=clock, ip=ip,
         detail={"list": which, "rows": total, "encoding": encoding})
    title = "企業宛控除依頼データ" if company else "労金控除依頼データ"
    if company and which == "changes":
        title += "_異動分"
    name = _file_name(title, session.contract_no, view, clock, export_ext(encoding))
    return Ok(prepared(session, name, data, export_media_type(encoding)))

