"""RL-3 賃控元帳確認リスト出力 (SPEC §11; manual: 賃控元帳内訳リスト, 賃控元帳種目合計リスト,
賃控元帳異動分リスト; A.6): the session's payment group's ledger as of one 控除年月 — on screen
one page at a time, and as PDFs logged in the operation log (R-LOG-1 "print").

What a month holds (``active_in``): a detail whose 開始年月 ≤ the month ≤ its 終了年月 (none =
open-ended) and that was not 解除 before the month ended (a detail 解除 in a later month still
shows in the earlier months' lists, with its last amounts).

What changed in a month against the month before (``change_kind``, first rule that fits):
解除 (cancelled in the month) · 終了 (its 終了年月 is the month before) · 新規 (active in the
month and it starts in the month or was registered in it) · 変更 (active, and the 更新履歴
of the month changed 月例額 or 一時金額: before = before the month's first change, after =
after its last one).

Tenant scope: the session's contract **and** payment group (``tenant.scope_of``);
without a group nothing is read. Months are Japan time (``domain.clock.to_jst``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import or_
from sqlmodel import Session, col, select

from chingin_app.domain.clock import JST, Clock, to_jst
from chingin_app.domain.deduction_cycle import month_add
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    Employee,
    LedgerDetail,
    LedgerDetailHistory,
    LedgerItemType,
    PaymentGroup,
)
from chingin_app.models.rokin import DetailStatus, HistoryAction
from chingin_app.reports import ledger_check_lists as ledger_lists
from chingin_app.reports.ledger_check_lists import CHANGES, CHECK_LISTS, DETAILS, CheckListHeader
from chingin_app.reports.lists import month_label, screen_rows
from chingin_app.services.detail_rules import load_snapshots, parse_month
from chingin_app.services.outputs import Progress, file_name, log_output, prepared
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.tenant import OutputSession, Scope, scope_of

__all__ = [
    "ACTION_PRINT",
    "PAGE_SIZE",
    "ChangeLine",
    "CheckLists",
    "DetailLine",
    "ItemTotal",
    "ListPage",
    "active_in",
    "change_kind",
    "check_lists",
    "check_month",
    "list_page",
    "list_pdf",
]

ACTION_PRINT: Final = "ledger.check_list.print"
_SCREEN: Final = "賃控元帳確認リスト出力"
PAGE_SIZE: Final = 50
MONTH_FIELD: Final = "month"

NEW: Final = "新規"
CHANGED: Final = "変更"
ENDED: Final = "終了"
CANCELLED: Final = "解除"
_CHANGE_ORDER: Final = {NEW: 0, CHANGED: 1, ENDED: 2, CANCELLED: 3}





# ------------------------------------------------------------------------------- rules


def check_month(value: object) -> Ok[str] | Err:
    """The 控除年月 as typed (``YYYY-MM`` or ``YYYY/MM``) → ``YYYY-MM``; E-FIELD-REQUIRED or
    E-MONTH-FORMAT at the field ``month`` otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    found = parse_month(text, MONTH_FIELD, "控除年月")
    return found if isinstance(found, Err) else Ok(found)


def active_in(month: str, *, start_month: str, end_month: str | None,
              cancelled_month: str | None) -> bool:
    """Whether a detail is deducted in ``month`` (see the module's docstring)."""
    if cancelled_month is not None and cancelled_month <= month:
        return False
    return start_month <= month and (end_month is None or month <= end_month)


def change_kind(month: str, *, start_month: str, end_month: str | None,
                cancelled_month: str | None, added_month: str | None,
                amount_changed: bool) -> str | None:
    """異動区分 of a detail in ``month`` against the month before: 解除, 終了, 新規, 変更 or
    None (unchanged, or not in either month)."""
    if cancelled_month == month:
        return CANCELLED
    previous = month_add(month, -1)
    if end_month == previous and start_month <= previous and (
        cancelled_month is None or cancelled_month > previous
    ):
        return ENDED
    if not active_in(month, start_month=start_month, end_month=end_month,
                     cancelled_month=cancelled_month):
        return None
    if start_month == month or added_month == month:
        return NEW
    return CHANGED if amount_changed else None


# ------------------------------------------------------------------------------- lines


@dataclass(frozen=True)
class DetailLine:
    """One line of the 内訳リスト (A.6 賃控元帳 columns)."""

    department: str
    staff_no: str
    name_kana: str
    name_kanji: str
    item_code: str
    item_name: str
    monthly_amount: int
    bonus_amount: int
    start_month: str
    end_month: str | None


@dataclass(frozen=True)
class ItemTotal:
    """One line of the 種目合計リスト."""

    item_code: str
    item_name: str
    count: int
    monthly_total: int
    bonus_total: int


@dataclass(frozen=True)
class ChangeLine:
    """One line of the 異動分リスト (amounts None where there is no before or after)."""

    change: str
    department: str
    staff_no: str
    name_kana: str
    name_kanji: str
    item_code: str
    item_name: str
    before_monthly: int | None
    after_monthly: int | None
    before_bonus: int | None
    after_bonus: int | None
    start_month: str
    end_month: str | None


@dataclass(frozen=True)
class CheckLists:
    """The three lists of one month, and the group they are of."""

    month: str
    group_no: str
    group_name: str
    details: tuple[DetailLine, ...]
    items: tuple[ItemTotal, ...]
    changes: tuple[ChangeLine, ...]

    def lines(self, code: str) -> Sequence[Any]:
        """The lines of the list ``code`` (``reports.ledger_lists.CHECK_LISTS``)."""
        if code == DETAILS.code:
            return self.details
        if code == CHANGES.code:
            return self.changes
        return self.items


def _month_start(month: str) -> datetime:
    """The first instant of ``month`` in Japan time (in UTC, as the columns hold it)."""
    year, mon = (int(part) for part in month.split("-"))
    return datetime(year, mon, 1, tzinfo=JST).astimezone(UTC)


def _jst_month(when: datetime | None) -> str | None:
    return None if when is None else f"{to_jst(when):%Y-%m}"


def _amount_changes(db: Session, scope: Scope, ids: list[int],
                    month: str) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """Per detail, the snapshot before the month's first 変更 and after its last one."""
    if not ids:
        return {}
    start = _month_start(month)
    end = _month_start(month_add(month, 1))
    rows = db.exec(
        select(LedgerDetailHistory)
        .where(col(LedgerDetailHistory.contract_id) == scope.contract_id,
               col(LedgerDetailHistory.detail_id).in_(ids),
               col(LedgerDetailHistory.action) == HistoryAction.CHANGE.value,
               col(LedgerDetailHistory.changed_at) >= start,
               col(LedgerDetailHistory.changed_at) < end)
        .order_by(col(LedgerDetailHistory.changed_at), col(LedgerDetailHistory.id))
    ).all()
    found: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    for row in rows:
        before, after = load_snapshots(row.before_json, row.after_json)
        first = found[row.detail_id][0] if row.detail_id in found else (before or {})
        found[row.detail_id] = (first, after)
    return found


def _amounts_differ(change: tuple[dict[str, Any], dict[str, Any]] | None) -> bool:
    if change is None:
        return False
    before, after = change
    return any(before.get(k) != after.get(k) for k in ("monthly_amount", "bonus_amount"))


def _group(db: Session, scope: Scope) -> PaymentGroup | None:
    return None if scope.payment_group_id is None else db.get(PaymentGroup,
                                                               scope.payment_group_id)


def _collect(db: Session, scope: Scope, month: str) -> CheckLists | None:
    group = _group(db, scope)
    if group is None or scope.payment_group_id is None:
        return None
    previous = month_add(month, -1)
    found = db.exec(
        select(LedgerDetail, Employee, LedgerItemType)
        .join(Employee, col(Employee.id) == col(LedgerDetail.employee_id))
        .join(LedgerItemType, col(LedgerItemType.id) == col(LedgerDetail.item_type_id))
        .where(
            col(LedgerDetail.contract_id) == scope.contract_id,
            col(LedgerDetail.payment_group_id) == scope.payment_group_id,
            col(Employee.contract_id) == scope.contract_id,
            col(LedgerItemType.contract_id) == scope.contract_id,
            col(LedgerDetail.start_month) <= month,
            or_(col(LedgerDetail.end_month).is_(None), col(LedgerDetail.end_month) >= previous),
            or_(col(LedgerDetail.status) == DetailStatus.ACTIVE.value,
                col(LedgerDetail.cancelled_at) >= _month_start(month)),
        )
    ).all()
    # Sorted here, not in SQL: the database's collation must not change the order of 所属.
    found = sorted(found, key=lambda r: (r[1].department, r[1].staff_no, r[2].code, r[0].id))
    history = _amount_changes(db, scope, [d.id for d, _, _ in found if d.id is not None],
                              month)
    details: list[DetailLine] = []
    changes: list[ChangeLine] = []
    totals: dict[str, list[Any]] = {}
    for d, e, t in found:
        cancelled = (_jst_month(d.cancelled_at)
                     if d.status == DetailStatus.CANCELLED.value else None)
        common = {"department": e.department, "staff_no": e.staff_no,
                  "name_kana": e.name_kana, "name_kanji": e.name_kanji,
                  "item_code": t.code, "item_name": t.name}
        if active_in(month, start_month=d.start_month, end_month=d.end_month,
                     cancelled_month=cancelled):
            details.append(DetailLine(**common, monthly_amount=d.monthly_amount,
                                      bonus_amount=d.bonus_amount, start_month=d.start_month,
                                      end_month=d.end_month))
            total = totals.setdefault(t.code, [t.name, 0, 0, 0])
            total[1] += 1
            total[2] += d.monthly_amount
            total[3] += d.bonus_amount
        amounts = history.get(d.id) if d.id is not None else None
        kind = change_kind(month, start_month=d.start_month, end_month=d.end_month,
                           cancelled_month=cancelled, added_month=_jst_month(d.created_at),
                           amount_changed=_amounts_differ(amounts))
        if kind is None:
            continue
        now_amounts = (d.monthly_amount, d.bonus_amount)
        before: tuple[int | None, int | None]
        after: tuple[int | None, int | None]
        if kind == NEW:
            before, after = (None, None), now_amounts
        elif kind == CHANGED:
            assert amounts is not None
            before = (amounts[0].get("monthly_amount"), amounts[0].get("bonus_amount"))
            after = (amounts[1].get("monthly_amount"), amounts[1].get("bonus_amount"))
        else:
            before, after = now_amounts, (None, None)
        changes.append(ChangeLine(
            change=kind, **common, before_monthly=before[0], after_monthly=after[0],
            before_bonus=before[1], after_bonus=after[1], start_month=d.start_month,
            end_month=d.end_month,
        ))
    items = tuple(ItemTotal(code, name, count, monthly, bonus)
                  for code, (name, count, monthly, bonus) in sorted(totals.items()))
    changes.sort(key=lambda c: (_CHANGE_ORDER[c.change], c.department, c.staff_no,
                                c.item_code))
    return CheckLists(month=month, group_no=group.number, group_name=group.name,
                      details=tuple(details), items=items, changes=tuple(changes))


def check_lists(db: Session, session: OutputSession, *, month: str) -> CheckLists | Err:
    """The three lists of ``month`` (``YYYY-MM`` or ``YYYY/MM``) for the session's payment
    group. Err at the field ``month`` for a bad month; E-GROUP-NOT-SELECTED without a group."""
    checked = check_month(month)
    if isinstance(checked, Err):
        return checked
    scope = scope_of(db, session)
    found = None if scope is None else _collect(db, scope, checked.value)
    return Err("E-GROUP-NOT-SELECTED") if found is None else found


# ------------------------------------------------------------------------------- screen


@dataclass(frozen=True)
class ListPage:
    """One page of a list as the screen shows it, with the counts of all three lists."""

    rows: list[dict[str, str]]
    total: int
    page: int
    pages: int
    month: str
    counts: dict[str, int]


def list_page(db: Session, session: OutputSession, *, month: str, which: str, page: int,
              page_size: int = PAGE_SIZE) -> ListPage | Err:
    """One page of the list ``which`` of ``month``; Err E-OUT-LIST for an unknown list."""
    kind = CHECK_LISTS.get(which) if isinstance(which, str) else None
    if kind is None:
        return Err("E-OUT-LIST", "list_kind")
    found = check_lists(db, session, month=month)
    if isinstance(found, Err):
        return found
    lines = found.lines(kind.code)
    pages = max(1, -(-len(lines) // page_size))
    page = max(1, min(pages, page if isinstance(page, int) else 1))
    shown = lines[(page - 1) * page_size: page * page_size]
    counts = {code: len(found.lines(code)) for code in CHECK_LISTS}
    return ListPage(screen_rows(kind, shown), len(lines), page, pages, found.month, counts)


# ------------------------------------------------------------------------------- file


def list_pdf(
    db: Session, session: OutputSession, *, month: str, which: str, clock: Clock,
    ip: str | None, on_progress: Progress | None = None,
) -> Ok[PreparedFile] | Err:
    """RL-3: one of the three lists of ``month`` as an A4 PDF, logged as
    ``ledger.check_list.print`` (the list, the month and the count; never the contents)."""
    kind = CHECK_LISTS.get(which) if isinstance(which, str) else None
    if kind is None:
        return Err("E-OUT-LIST", "list_kind")
    found = check_lists(db, session, month=month)
    if isinstance(found, Err):
        return found
    lines = found.lines(kind.code)
    header = CheckListHeader(contract_no=session.contract_no,
                             contract_name=session.contract_name, group_no=found.group_no,
                             group_name=found.group_name, month=found.month)
    data = ledger_lists.render(kind, header, lines, output_date=to_jst(clock.now()).date(),
                               on_progress=on_progress)
    log_output(db, session, action=ACTION_PRINT, screen=_SCREEN, clock=clock, ip=ip,
               target=f"入金グループ{found.group_no} {month_label(found.month)}",
               detail={"list": kind.title, "rows": len(lines)})
    name = file_name(kind.title, contract_no=session.contract_no,
                     group_no=found.group_no, month=found.month, clock=clock,
                     ext="pdf")
    return Ok(prepared(session, name, data, "application/pdf"))
