"""一斉積立事務 for the signed-in organisation (SPEC §11 RS-1, RS-2, RS-3; R-INFO-1 最新受信情報):
the statements a user may choose, their lines on screen (filtered, sorted and paged in SQL),
and the files — 内訳明細表 and 変更明細表 PDFs, the CSV export — each logged in the operation
log. The bank's file that brings the statements is ``services/batch_savings_bank.py``.

Tenant scope: every screen function takes the signed-in session and resolves its contract and
payment group (``tenant.scope_of``), and the contract must have the 一斉積立
service; a statement id from the client is used only when it is one of that group's kept
statements (the last ``CHINGIN_KEEP_CYCLES`` received, R-PLUS-8), so another contract's or
group's is never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.domain import dates
from chingin_app.domain.batch_savings import (
    kind_label,
)
from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.contract import Service
from chingin_app.domain.kana import normalise_kana
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import parse_row_id
from chingin_app.models import BatchSavingsItem, BatchSavingsStatement, PaymentGroup
from chingin_app.reports import batch_savings_lists as lists
from chingin_app.reports.list_pdf import format_cell
from chingin_app.reports.lists import month_label
from chingin_app.services.collation import code_point
from chingin_app.services.detail_rules import kanji_name_clauses
from chingin_app.services.outputs import (
    EXPORT_FORMATS,
    Progress,
    export_bytes,
    export_ext,
    export_media_type,
    file_name,
    log_output,
    prepared,
)
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.tenant import OutputSession, Scope, scope_of
from chingin_app.settings import settings

__all__ = [
    "ACTION_DETAIL_EXPORT",
    "ACTION_DETAIL_LIST",
    "LIST_TITLES",
    "PAGE_SIZE",
    "SORT_KEYS",
    "ItemPage",
    "Preview",
    "StatementView",
    "choices",
    "export_csv",
    "find_statement",
    "info_text",
    "item_page",
    "latest",
    "list_pdf",
    "preview",
    "statement_label",
]

ACTION_DETAIL_LIST: Final = "batch.detail_list.print"
ACTION_DETAIL_EXPORT: Final = "batch.detail.export"
_SCREENS: Final[dict[str, str]] = {
    ACTION_DETAIL_LIST: "一斉積立内訳明細表出力",
    ACTION_DETAIL_EXPORT: "一斉積立内訳明細データエクスポート",
}
PAGE_SIZE: Final = 50
#: RS-2 / RS-3's choice of list.
LIST_TITLES: Final[dict[str, str]] = {code: kind.title for code, kind in lists.LISTS.items()}
#: RS-1's sortable columns → the item column (a whitelist: nothing else reaches SQL).
_SORTS: Final[dict[str, Any]] = {
    "staff_no": BatchSavingsItem.staff_no,
    "name_kana": BatchSavingsItem.name_kana,
    "department": BatchSavingsItem.department,
    "product_name": BatchSavingsItem.product_name,
    "amount": BatchSavingsItem.amount,
    "previous_amount": BatchSavingsItem.previous_amount,
    "change_kind": BatchSavingsItem.change_kind,
}
SORT_KEYS: Final = tuple(_SORTS)
_FILTER_MAX: Final = 40


@dataclass(frozen=True)
class StatementView:
    """A statement as the choice lists and the information screen name it."""

    id: int
    group_no: str
    group_name: str
    savings_month: str
    kind: str
    received_at: datetime
    item_count: int
    total_amount: int

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


@dataclass(frozen=True)
class ItemPage:
    """One page of RS-1's list (text cells by column key) and the filtered set's totals."""

    rows: list[dict[str, str]]
    total: int
    page: int
    pages: int
    amount: int
    previous_amount: int


@dataclass(frozen=True)
class Preview:
    """件数確認: the lines an output will hold and their 積立額."""

    count: int
    amount: int


def statement_label(view: StatementView) -> str:
    """The statement in a choice list: 2026年10月 月例（2026/10/20 受信）."""
    return (f"{month_label(view.savings_month)} {view.kind_label}"
            f"（{dates.date_label(view.received_at)} 受信）")


def info_text(view: StatementView) -> str:
    """The information screen's line (R-INFO-1):
    2026年10月 月例 一斉積立内訳明細（2026/10/20 受信）."""
    return (f"{month_label(view.savings_month)} {view.kind_label} 一斉積立内訳明細"
            f"（{dates.date_label(view.received_at)} 受信）")


# ---------------------------------------------------------------------------- the screens


def _scope(db: Session, session: OutputSession) -> Scope | None:
    """The session's contract and selected group, when the contract has 一斉積立."""
    if session.group_no is None:
        return None
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return None
    return scope if Service.BATCH.value in scope.services else None


def _views(db: Session, scope: Scope, limit: int) -> list[StatementView]:
    rows = db.exec(
        select(BatchSavingsStatement, PaymentGroup)
        .join(PaymentGroup, col(PaymentGroup.id) == BatchSavingsStatement.payment_group_id)
        .where(BatchSavingsStatement.contract_id == scope.contract_id,
               BatchSavingsStatement.payment_group_id == scope.payment_group_id)
        .order_by(col(BatchSavingsStatement.received_at).desc(),
                  code_point(col(BatchSavingsStatement.savings_month)).desc(),
                  col(BatchSavingsStatement.id).desc())
        .limit(limit)
    ).all()
    return [
        StatementView(s.id, g.number, g.name, s.savings_month, s.kind, s.received_at,
                      s.item_count, s.total_amount)
        for s, g in rows if s.id is not None
    ]


def choices(db: Session, session: OutputSession) -> list[StatementView]:
    """The session's group's last ``CHINGIN_KEEP_CYCLES`` statements (R-PLUS-8), newest
    received first."""
    scope = _scope(db, session)
    return [] if scope is None else _views(db, scope, settings().keep_cycles)


def latest(db: Session, session: OutputSession) -> StatementView | None:
    """The latest received statement of the session's group (R-INFO-1 最新受信情報); None
    without one, without a selected group or without the 一斉積立 service."""
    scope = _scope(db, session)
    if scope is None:
        return None
    views = _views(db, scope, 1)
    return views[0] if views else None


def _resolve(db: Session, session: OutputSession,
             statement_id: object) -> tuple[Scope, StatementView] | None:
    number = parse_row_id(statement_id)
    scope = _scope(db, session)
    if number is None or scope is None:
        return None
    for view in _views(db, scope, settings().keep_cycles):
        if view.id == number:
            return scope, view
    return None


def find_statement(db: Session, session: OutputSession,
                   statement_id: object) -> StatementView | None:
    """The statement when it is one of ``choices``; None otherwise — whoever's it is."""
    found = _resolve(db, session, statement_id)
    return None if found is None else found[1]


def _which_filter(which: str) -> Any:
    if which == "detail":
        return BatchSavingsItem.change_kind != ChangeKind.ENDED.value
    return col(BatchSavingsItem.change_kind).in_(
        [ChangeKind.NEW.value, ChangeKind.CHANGED.value, ChangeKind.ENDED.value])


def _clean(value: object) -> str:
    return value.strip()[:_FILTER_MAX] if isinstance(value, str) else ""


def item_page(
    db: Session, session: OutputSession, *, statement_id: object, staff_no: object = "",
    name_kana: object = "", department: object = "", sort_key: object = "",
    sort_desc: bool = False, page: int = 1, page_size: int = PAGE_SIZE,
    name_kanji: object = "",
) -> ItemPage | None:
    """RS-1: one page of the statement's lines (all of them, 解約 included) whose 職員番号
    starts with ``staff_no``, カナ氏名 contains ``name_kana`` (normalised to bank kana), 所属
    ``department`` and 漢字氏名 ``name_kanji`` (R-PLUS-8); sorted by ``sort_key`` (one of
    ``SORT_KEYS``, else 職員番号); the count and totals are of the filtered set. None for a
    statement the session may not have."""
    found = _resolve(db, session, statement_id)
    if found is None:
        return None
    scope, view = found
    conditions: list[Any] = [BatchSavingsItem.contract_id == scope.contract_id,
                             BatchSavingsItem.statement_id == view.id]
    if staff := _clean(staff_no):
        conditions.append(col(BatchSavingsItem.staff_no).startswith(staff, autoescape=True))
    if kana := normalise_kana(_clean(name_kana)):
        conditions.append(col(BatchSavingsItem.name_kana).contains(kana, autoescape=True))
    if dept := _clean(department):
        conditions.append(col(BatchSavingsItem.department).contains(dept, autoescape=True))
    conditions += kanji_name_clauses(col(BatchSavingsItem.name_kanji), _clean(name_kanji))
    total, amount, previous = db.exec(
        select(func.count(), func.coalesce(func.sum(BatchSavingsItem.amount), 0),
               func.coalesce(func.sum(BatchSavingsItem.previous_amount), 0))
        .select_from(BatchSavingsItem).where(*conditions)
    ).one()
    pages = max(1, -(-int(total) // page_size))
    page = max(1, min(pages, page if isinstance(page, int) else 1))
    column = _SORTS.get(sort_key if isinstance(sort_key, str) else "", BatchSavingsItem.staff_no)
    key = code_point(col(column))
    order = key.desc() if sort_desc else key.asc()
    items = db.exec(
        select(BatchSavingsItem).where(*conditions)
        .order_by(order, col(BatchSavingsItem.line_no))
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    rows = [{f.key: format_cell(f.value(i), amount=f.amount) for f in lists.FIELDS}
            for i in items]
    return ItemPage(rows, int(total), page, pages, int(amount), int(previous))


def _lines(db: Session, scope: Scope, view: StatementView, which: str) -> list[BatchSavingsItem]:
    return list(db.exec(
        select(BatchSavingsItem)
        .where(BatchSavingsItem.contract_id == scope.contract_id,
               BatchSavingsItem.statement_id == view.id, _which_filter(which))
        .order_by(col(BatchSavingsItem.line_no))
    ).all())


def preview(db: Session, session: OutputSession, *, statement_id: object,
            which: str) -> Preview | None:
    """件数確認 of RS-2 / RS-3: the lines of the list and their 積立額 total."""
    found = _resolve(db, session, statement_id)
    if found is None or which not in LIST_TITLES:
        return None
    scope, view = found
    lines = _lines(db, scope, view, which)
    return Preview(len(lines), sum(ln.amount for ln in lines))


# ---------------------------------------------------------------------------- files


def _header(session: OutputSession, view: StatementView) -> lists.StatementHeader:
    return lists.StatementHeader(session.contract_no, session.contract_name, view.group_no,
                                 view.group_name, view.savings_month, view.kind,
                                 view.received_at)


def _file_name(title: str, contract_no: str, view: StatementView, clock: Clock,
               ext: str) -> str:
    return file_name(title, contract_no=contract_no,
                     group_no=view.group_no, month=view.savings_month,
                     kind=view.kind_label, clock=clock, ext=ext)


def _log(db: Session, session: OutputSession, *, action: str, view: StatementView,
         clock: Clock, ip: str | None, detail: dict[str, Any]) -> None:
    """The print or export logged with the statement it was of."""
    log_output(
        db, session, action=action, screen=_SCREENS[action], clock=clock, ip=ip,
        target=f"入金グループ{view.group_no} {month_label(view.savings_month)} "
               f"{view.kind_label}",
        detail=detail,
    )


_NOT_FOUND: Final = Err("E-BATCH-STATEMENT", field="request_id")
_NO_LIST: Final = Err("E-OUT-LIST", field="list_kind")


def list_pdf(
    db: Session, session: OutputSession, *, statement_id: object, which: str, clock: Clock,
    ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RS-2: 一斉積立内訳明細表 (``detail``) or 一斉積立変更明細表 (``changes``) as a PDF,
    logged."""
    found = _resolve(db, session, statement_id)
    if found is None:
        return _NOT_FOUND
    kind = lists.LISTS.get(which) if isinstance(which, str) else None
    if kind is None:
        return _NO_LIST
    scope, view = found
    lines = _lines(db, scope, view, which)
    data = lists.render(kind, _header(session, view), lines,
                        output_date=to_jst(clock.now()).date(), on_progress=on_progress)
    _log(db, session, action=ACTION_DETAIL_LIST, view=view, clock=clock, ip=ip,
         detail={"list": kind.title, "rows": len(lines)})
    name = _file_name(kind.title, session.contract_no, view, clock, "pdf")
    return Ok(prepared(session, name, data, "application/pdf"))


def export_csv(
    db: Session, session: OutputSession, *, statement_id: object, which: str, encoding: str,
    clock: Clock, ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RS-3: the list's lines as CSV (``lists.CSV_COLUMNS``): CP932 (default) or UTF-8 with
    BOM, CRLF, header row; 漢字氏名・所属・商品 neutralised against formula injection; logged.
    A character the encoding cannot hold is refused, naming its row and column."""
    found = _resolve(db, session, statement_id)
    if found is None:
        return _NOT_FOUND
    if not isinstance(which, str) or which not in LIST_TITLES:
        return _NO_LIST
    if encoding not in EXPORT_FORMATS:
        return Err("E-OUT-ENCODING", field="encoding")
    scope, view = found
    lines = _lines(db, scope, view, which)
    data = export_bytes(lists.CSV_COLUMNS, lists.csv_rows(_header(session, view), lines),
                        encoding=encoding, free_text_columns=lists.CSV_FREE_TEXT,
                        total=len(lines), on_progress=on_progress)
    if isinstance(data, Err):
        return data
    _log(db, session, action=ACTION_DETAIL_EXPORT, view=view, clock=clock, ip=ip,
         detail={"list": LIST_TITLES[which], "rows": len(lines), "encoding": encoding})
    title = "一斉積立内訳明細データ" if which == "detail" else "一斉積立変更明細データ"
    name = _file_name(title, session.contract_no, view, clock, export_ext(encoding))
    return Ok(prepared(session, name, data, export_media_type(encoding)))
