"""賃控元帳明細: search, view, 追加登録, 新規登録, 変更, 解除 and the 更新履歴 (SPEC §11 RL-1,
RL-2, RL-4, §3 input rules, A.1, A.6).

A ledger detail is one employee × one 種目 (``services/ledger/items.py``) with 月例額, 一時金額,
開始年月 and 終了年月. The employees are the contract's ``Employee`` rows the 労金控除 details
use too; the tenant comes from ``services/tenant.py`` and the field rules, the refusal log,
paging and the 更新履歴 formatting from ``services/detail_rules.py`` (shared, not copied).
Each changing function is one transaction: every field is validated first (``Invalid``,
nothing changed), the row locked, the version the screen showed compared
(E-RL-VERSION-CONFLICT), the change, a ``LedgerDetailHistory`` row (before/after) and the
operation log written, committed once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import normalise_fullwidth_text
from chingin_app.models import (
    Employee,
    LedgerDetail,
    LedgerDetailHistory,
    LedgerItemType,
)
from chingin_app.models.rokin import DetailStatus, HistoryAction
from chingin_app.services import detail_rules as rules
from chingin_app.services.collation import code_point
from chingin_app.services.detail_rules import (
    AmountsAndMonths,
    EmployeeForm,
    HistoryBase,
    PageOf,
    current_month,
)
from chingin_app.services.tenant import Scope, TenantSession, scope_of, tenant_clauses

__all__ = [
    "ACTION_ADD",
    "ACTION_CANCEL",
    "ACTION_CHANGE",
    "ACTION_REGISTER",
    "SCREEN_NEW",
    "SORT_KEYS",
    "LedgerChange",
    "LedgerFilter",
    "LedgerForm",
    "LedgerHistoryPage",
    "LedgerHistoryRow",
    "LedgerPage",
    "LedgerRow",
    "add_detail",
    "cancel_detail",
    "change_detail",
    "end_detail",
    "get_detail",
    "history",
    "register_new",
    "search",
]

ACTION_ADD: Final = "ledger.detail.add"
ACTION_REGISTER: Final = "ledger.detail.register"
ACTION_CHANGE: Final = "ledger.detail.change"
ACTION_CANCEL: Final = "ledger.detail.cancel"
_SCREEN_INQUIRY: Final = "賃控元帳明細照会"
#: The 新規登録 screen, as the log names it (its 追加登録 of a registered employee too).
SCREEN_NEW: Final = "賃控元帳明細新規登録"


@dataclass(frozen=True)
class LedgerRow:
    """One ledger detail as the list and the forms show it; ``state`` active/ended/cancelled."""

    id: int
    version: int
    employee_id: int
    group_no: str
    staff_no: str
    name_kana: str
    name_kanji: str
    department: str
    item_code: str
    item_name: str
    monthly_amount: int
    bonus_amount: int
    start_month: str
    end_month: str | None
    state: str
    state_label: str


@dataclass(frozen=True)
class LedgerPage(PageOf[LedgerRow]):
    """One page of RL-1's list."""


@dataclass(frozen=True)
class LedgerFilter:
    """RL-1's search (SPEC §11: 職員番号 from the start, カナ氏名 normalised per A.1 and
    anywhere, 所属 anywhere, 種目 by code, 状態 ''/active/ended/cancelled; 漢字氏名 anywhere,
    R-PLUS-8). Blank = all."""

    staff_no: str = ""
    name_kana: str = ""
    department: str = ""
    item_code: str = ""
    status: str = ""
    name_kanji: str = ""


SORT_KEYS: Final[dict[str, Any]] = {
    "staff_no": code_point(col(Employee.staff_no)),
    "name_kana": code_point(col(Employee.name_kana)),
    "department": code_point(col(Employee.department)),
    "item": code_point(col(LedgerItemType.code)),
    "monthly_amount": col(LedgerDetail.monthly_amount),
    "bonus_amount": col(LedgerDetail.bonus_amount),
    "start_month": code_point(col(LedgerDetail.start_month)),
    "end_month": code_point(col(LedgerDetail.end_month)),
    "status": code_point(col(LedgerDetail.status)),
}


_JOINS: Final[rules.Joins] = rules.detail_joins(
    LedgerDetail, (LedgerItemType, col(LedgerItemType.id) == col(LedgerDetail.item_type_id)))

#: What a list row reads, by LedgerRow's field names.
_COLUMNS: Final[dict[str, Any]] = rules.detail_columns(
    LedgerDetail, item_code=LedgerItemType.code, item_name=LedgerItemType.name)


#: The list's SELECT, built once (a statement is immutable: ``where`` makes a new one).
_JOINED: Final[Any] = rules.joined_details(LedgerDetail, _COLUMNS, _JOINS)


def _filter_clauses(flt: LedgerFilter, this_month: str) -> list[ColumnElement[bool]] | Invalid:
    errors: list[Err] = []
    clauses: list[ColumnElement[bool]] = []
    if flt.staff_no:
        if (err := rules.check_search_staff_no(flt.staff_no)) is not None:
            errors.append(err)
        clauses.append(col(Employee.staff_no).startswith(flt.staff_no, autoescape=True))
    if flt.name_kana.strip():
        checked = check_name_kana(flt.name_kana, field="カナ氏名", key="name_kana")
        if isinstance(checked, Err):
            errors.append(checked)
        else:
            clauses.append(col(Employee.name_kana).like(rules.like(checked.value),
                                                         escape="\\"))
    department = normalise_fullwidth_text(flt.department.strip())
    if department:
        clauses.append(col(Employee.department).like(rules.like(department), escape="\\"))
    clauses += rules.kanji_name_clauses(col(Employee.name_kanji), flt.name_kanji)
    if flt.item_code:
        clauses.append(col(LedgerItemType.code) == flt.item_code)
    clauses += rules.status_clauses(flt.status, col(LedgerDetail.status),
                                    col(LedgerDetail.end_month), this_month)
    return Invalid(tuple(errors)) if errors else clauses


def search(
    db: Session, *, session: TenantSession, clock: Clock, flt: LedgerFilter | None = None,
    sort: str = "staff_no", descending: bool = False, page: int = 1, page_size: int = 50,
) -> LedgerPage | Invalid | Err:
    """RL-1 賃控元帳明細照会: one page of the session's ledger details, filtered, sorted and
    paged by the database (ties by 職員番号, then id). ``Invalid`` for a malformed 職員番号 or
    カナ氏名; Err E-SORT for an unknown sort key; E-RL-DETAIL-NOT-FOUND without a tenant."""
    rules.check_page_size(page_size)
    if sort not in SORT_KEYS:
        return Err("E-SORT", "sort")
    this_month = current_month(clock)
    clauses = _filter_clauses(flt or LedgerFilter(), this_month)
    if isinstance(clauses, Invalid):
        return clauses
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RL-DETAIL-NOT-FOUND")
    where = and_(*tenant_clauses(LedgerDetail, scope), *clauses)
    key = SORT_KEYS[sort]
    order = [key.desc() if descending else key.asc()]
    if sort != "staff_no":
        order.append(code_point(col(Employee.staff_no)).asc())
    order.append(col(LedgerDetail.id).asc())
    # The employee's contract as well, as in 労金控除明細照会 (the 職員番号 index, 0015).
    rows = _JOINED.where(where, col(Employee.contract_id) == scope.contract_id)
    found = rules.fetch_page(db, rows, order, page, page_size,
                             count=rules.count_details(LedgerDetail, _JOINS, where))
    return LedgerPage(tuple(rules.list_row(LedgerRow, r, this_month) for r in found.rows),
                      found.total, found.page, found.pages)


def get_detail(
    db: Session, *, session: TenantSession, clock: Clock, detail_id: int
) -> Ok[LedgerRow] | Err:
    """One ledger detail of the session's contract (and group); E-RL-DETAIL-NOT-FOUND else."""
    scope = scope_of(db, session)
    found = None if scope is None else db.exec(
        _JOINED.where(col(LedgerDetail.id) == detail_id, *tenant_clauses(LedgerDetail, scope))
    ).first()
    if found is None:
        return Err("E-RL-DETAIL-NOT-FOUND")
    return Ok(rules.list_row(LedgerRow, found, current_month(clock)))


# --- input rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerForm:
    """A ledger detail's fields as typed (終了年月 blank = no end)."""

    item_code: str
    monthly_amount: str
    bonus_amount: str
    start_month: str
    end_month: str = ""


@dataclass(frozen=True)
class LedgerChange:
    """変更: blank = unchanged (SPEC §3); ``clear_end_month`` removes the end month."""

    monthly_amount: str = ""
    bonus_amount: str = ""
    start_month: str = ""
    end_month: str = ""
    clear_end_month: bool = False


def _item(db: Session, scope: Scope, code: str) -> LedgerItemType | None:
    if not code:
        return None
    return db.exec(select(LedgerItemType).where(
        LedgerItemType.contract_id == scope.contract_id, LedgerItemType.code == code
    )).first()


def _form_values(form: LedgerForm, item: LedgerItemType | None) -> AmountsAndMonths | list[Err]:
    errors = [] if item is not None else [Err("E-RL-ITEM-UNKNOWN", "item_code", {"label": "種目"})]
    checked = rules.check_amounts_and_months(form.monthly_amount, form.bonus_amount,
                                             form.start_month, form.end_month)
    if isinstance(checked, list):
        return errors + checked
    return errors or checked


def has_active_duplicate(db: Session, employee_id: int, item_id: int) -> bool:
    """Whether the employee already has an active detail of this 種目 (one each)."""
    return db.exec(select(LedgerDetail.id).where(
        LedgerDetail.employee_id == employee_id, LedgerDetail.item_type_id == item_id,
        LedgerDetail.status == DetailStatus.ACTIVE.value,
    )).first() is not None


# --- history ----------------------------------------------------------------------------


def snapshot(d: LedgerDetail, e: Employee, t: LedgerItemType) -> dict[str, Any]:
    """The detail as its history stores it (before / after)."""
    return {
        "staff_no": e.staff_no, "name_kana": e.name_kana, "name_kanji": e.name_kanji,
        "department": e.department, "item_code": t.code, "item_name": t.name,
        "monthly_amount": d.monthly_amount, "bonus_amount": d.bonus_amount,
        "start_month": d.start_month, "end_month": d.end_month, "status": d.status,
    }


def record_history(db: Session, scope: Scope, d: LedgerDetail, action: HistoryAction, actor: str,
            at: datetime, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> None:
    """Add the 更新履歴 row of a change (RL-4): who, when, before and after."""
    assert d.id is not None
    db.add(LedgerDetailHistory(**rules.history_values(
        contract_id=scope.contract_id, detail_id=d.id, at=at, actor=actor, action=action.value,
        before=before, after=after,
    )))


@dataclass(frozen=True, kw_only=True)
class LedgerHistoryRow(HistoryBase):
    """One 更新履歴 entry (RL-4), with the 種目's name."""

    item_name: str


@dataclass(frozen=True)
class LedgerHistoryPage(PageOf[LedgerHistoryRow]):
    """One page of RL-4's history, newest first."""


_FIELD_LABELS: Final[dict[str, str]] = {
    "staff_no": "職員番号", "name_kana": "カナ氏名", "name_kanji": "漢字氏名",
    "department": "所属", "item_name": "種目", "monthly_amount": "月例額",
    "bonus_amount": "一時金額", "start_month": "開始年月", "end_month": "終了年月",
    "status": "状態",
}


def history(
    db: Session, *, session: TenantSession, detail_id: int | None = None, staff_no: str = "",
    start: datetime | None = None, end: datetime | None = None, page: int = 1,
    page_size: int = 50,
) -> LedgerHistoryPage | Err:
    """RL-4 賃控元帳明細更新履歴照会: the session's history newest first, for one detail or
    the employees whose 職員番号 starts with ``staff_no``, changed in [``start``, ``end``)."""
    found = rules.history_entries(
        db, session=session, not_found="E-RL-DETAIL-NOT-FOUND",
        history_model=LedgerDetailHistory, detail_model=LedgerDetail,
        what_model=LedgerItemType, what_id=LedgerDetail.item_type_id, labels=_FIELD_LABELS,
        detail_id=detail_id, staff_no=staff_no, start=start, end=end, page=page,
        page_size=page_size,
    )
    if isinstance(found, Err):
        return found
    out = tuple(LedgerHistoryRow(**e.common(), item_name=e.what) for e in found.rows)
    return LedgerHistoryPage(out, found.total, found.page, found.pages)


# --- changes ----------------------------------------------------------------------------


def insert_detail(db: Session, scope: Scope, employee: Employee, item: LedgerItemType,
            values: AmountsAndMonths, now: datetime) -> LedgerDetail:
    """A new active detail of ``employee`` for ``item`` (the caller records its history)."""
    assert employee.id is not None and item.id is not None
    detail = LedgerDetail(
        contract_id=scope.contract_id, payment_group_id=employee.payment_group_id,
        employee_id=employee.id, item_type_id=item.id, monthly_amount=values.monthly_amount,
        bonus_amount=values.bonus_amount, start_month=values.start_month,
        end_month=values.end_month, status=DetailStatus.ACTIVE.value, created_at=now,
        updated_at=now,
    )
    db.add(detail)
    db.flush()
    return detail


def _target(staff_no: str, item_code: str) -> str:
    return f"{staff_no}/{item_code}"[:40]


def _added(db: Session, scope: Scope, session: TenantSession, now: datetime, action: str,
           screen: str, ip: str | None, employee: Employee, item: LedgerItemType,
           values: AmountsAndMonths) -> Ok[int] | Err:
    """The insert both 追加登録 and 新規登録 end with (duplicate check, history, log)."""
    assert employee.id is not None and item.id is not None
    if has_active_duplicate(db, employee.id, item.id):
        return Err("E-RL-DETAIL-DUPLICATE")
    detail = insert_detail(db, scope, employee, item, values, now)
    record_history(db, scope, detail, HistoryAction.ADD, session.user_id, now, None,
            snapshot(detail, employee, item))
    rules.commit_logged(db, contract_no=scope.contract_no, at=now, session=session,
                        action=action, ip=ip, target=_target(employee.staff_no, item.code),
                        screen=screen, detail={"detail_id": detail.id})
    assert detail.id is not None
    return Ok(detail.id)


def add_detail(
    db: Session, *, session: TenantSession, clock: Clock, employee_id: int, form: LedgerForm,
    ip: str | None = None, screen: str = _SCREEN_INQUIRY,
) -> Ok[int] | Invalid | Err:
    """RL-1 追加登録 (and RL-2 for an employee already registered): a ledger detail for an
    employee of the session's contract (and group). Returns the detail id. ``Invalid`` with
    every field error; Err E-RL-EMPLOYEE-NOT-FOUND, E-RL-DETAIL-DUPLICATE (the employee has
    this 種目 active already). Logged as ``ledger.detail.add`` with a 追加 history row."""
    target = form.item_code[:40] or None

    def refuse(err: Err | Invalid) -> Err | Invalid:
        return rules.refuse(db, err, session=session, clock=clock, action=ACTION_ADD,
                             screen=screen, ip=ip, target=target)

    now = clock.now()
    scope = scope_of(db, session)
    employee = None if scope is None else rules.locked_employee(
        db, contract_id=scope.contract_id, payment_group_id=scope.payment_group_id,
        employee_id=employee_id)
    if scope is None or employee is None:
        return refuse(Err("E-RL-EMPLOYEE-NOT-FOUND"))
    target = _target(employee.staff_no, form.item_code)
    item = _item(db, scope, form.item_code)
    values = _form_values(form, item)
    if isinstance(values, list):
        return refuse(Invalid(tuple(values)))
    assert item is not None
    result = _added(db, scope, session, now, ACTION_ADD, screen, ip, employee, item, values)
    return refuse(result) if isinstance(result, Err) else result


def register_new(
    db: Session, *, session: TenantSession, clock: Clock, employee: EmployeeForm,
    form: LedgerForm, ip: str | None = None,
) -> Ok[int] | Invalid | Err:
    """RL-2 賃控元帳明細新規登録: a new employee in the session's payment group (カナ氏名
    normalised per A.1) with the first ledger detail. Returns the detail id. ``Invalid`` with
    every field error; Err E-GROUP-NOT-SELECTED, E-RL-STAFF-NO-TAKEN (field ``staff_no``).
    Logged as ``ledger.detail.register`` with a 追加 history row."""
    def refuse(err: Err | Invalid) -> Err | Invalid:
        return rules.refuse(db, err, session=session, clock=clock, action=ACTION_REGISTER,
                             screen=SCREEN_NEW, ip=ip,
                             target=_target(employee.staff_no, form.item_code))

    now = clock.now()
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return refuse(Err("E-GROUP-NOT-SELECTED"))
    item = _item(db, scope, form.item_code)
    person = rules.check_employee(employee)
    values = _form_values(form, item)
    errors = (person if isinstance(person, list) else []) + (
        values if isinstance(values, list) else [])
    if errors:
        return refuse(Invalid(tuple(errors)))
    assert not isinstance(person, list) and not isinstance(values, list) and item is not None
    if rules.staff_no_taken(db, contract_id=scope.contract_id, staff_no=employee.staff_no):
        return refuse(Err("E-RL-STAFF-NO-TAKEN", "staff_no", {"label": "職員番号"}))
    row = rules.new_employee(db, contract_id=scope.contract_id,
                             payment_group_id=scope.payment_group_id,
                             staff_no=employee.staff_no, person=person, now=now)
    result = _added(db, scope, session, now, ACTION_REGISTER, SCREEN_NEW, ip, row, item, values)
    return refuse(result) if isinstance(result, Err) else result


_Editable = tuple[Scope, LedgerDetail, Employee, LedgerItemType, str]


def _editable_in(db: Session, scope: Scope, detail_id: int, version: int
                 ) -> tuple[LedgerDetail, Employee, LedgerItemType, str] | tuple[Err, str | None]:
    """The scope's live detail, locked, with its log target; or the refusal."""
    detail = db.exec(
        select(LedgerDetail)
        .where(col(LedgerDetail.id) == detail_id, *tenant_clauses(LedgerDetail, scope))
        .with_for_update().execution_options(populate_existing=True)
    ).first()
    if detail is None:
        return Err("E-RL-DETAIL-NOT-FOUND"), None
    employee = db.get(Employee, detail.employee_id)
    item = db.get(LedgerItemType, detail.item_type_id)
    assert employee is not None and item is not None
    target = _target(employee.staff_no, item.code)
    if detail.version != version:
        return Err("E-RL-VERSION-CONFLICT"), target
    if detail.status == DetailStatus.CANCELLED.value:
        return Err("E-ALREADY-CANCELLED"), target
    return detail, employee, item, target


def _editable(db: Session, session: TenantSession, detail_id: int,
              version: int) -> _Editable | tuple[Err, str | None]:
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RL-DETAIL-NOT-FOUND"), None
    found = _editable_in(db, scope, detail_id, version)
    if len(found) == 2:
        return found  # type: ignore[return-value]
    return (scope, *found)  # type: ignore[return-value]


def _write_change(db: Session, *, scope: Scope, detail: LedgerDetail, employee: Employee,
                  item: LedgerItemType, change: LedgerChange, actor: str, now: datetime,
                  ) -> tuple[dict[str, Any], dict[str, Any]] | Err | Invalid:
    """変更's rules and write in the caller's transaction (no commit, no log): the snapshots
    before and after, or the refusal."""
    typed = (change.monthly_amount, change.bonus_amount, change.start_month, change.end_month)
    if not any(typed) and not change.clear_end_month:
        return Err("E-NO-CHANGE")
    kept = rules.kept
    checked = rules.check_amounts_and_months(
        kept(change.monthly_amount, detail.monthly_amount),
        kept(change.bonus_amount, detail.bonus_amount),
        kept(change.start_month, detail.start_month),
        "" if change.clear_end_month else kept(change.end_month, detail.end_month),
    )
    if isinstance(checked, list):
        return Invalid(tuple(checked))
    before = snapshot(detail, employee, item)
    detail.monthly_amount, detail.bonus_amount = checked.monthly_amount, checked.bonus_amount
    detail.start_month, detail.end_month = checked.start_month, checked.end_month
    after = snapshot(detail, employee, item)
    if after == before:
        return Err("E-NO-CHANGE")
    detail.updated_at = now
    if not rules.flushed(db, detail):
        return Err("E-RL-VERSION-CONFLICT")
    record_history(db, scope, detail, HistoryAction.CHANGE, actor, now, before, after)
    return before, after


def _write_cancel(db: Session, *, scope: Scope, detail: LedgerDetail, employee: Employee,
                  item: LedgerItemType, actor: str, now: datetime) -> Err | None:
    """解除's write in the caller's transaction (no commit, no log)."""
    before = snapshot(detail, employee, item)
    detail.status = DetailStatus.CANCELLED.value
    detail.cancelled_at = detail.updated_at = now
    if not rules.flushed(db, detail):
        return Err("E-RL-VERSION-CONFLICT")
    record_history(db, scope, detail, HistoryAction.CANCEL, actor, now, before,
                   snapshot(detail, employee, item))
    return None


def change_detail(
    db: Session, *, session: TenantSession, clock: Clock, detail_id: int, version: int,
    change: LedgerChange, ip: str | None = None,
) -> Ok[int] | Invalid | Err:
    """RL-1 変更: amounts and months (blank = unchanged, checked as a whole). Returns the new
    version. Err E-RL-DETAIL-NOT-FOUND, E-RL-VERSION-CONFLICT, E-ALREADY-CANCELLED,
    E-NO-CHANGE; ``Invalid`` with every field error. Logged as ``ledger.detail.change``."""
    def refuse(err: Err | Invalid, target: str | None = None) -> Err | Invalid:
        return rules.refuse(db, err, session=session, clock=clock, action=ACTION_CHANGE,
                             screen=_SCREEN_INQUIRY, ip=ip, target=target)

    now = clock.now()
    editable = _editable(db, session, detail_id, version)
    if len(editable) == 2:
        return refuse(*editable)  # type: ignore[arg-type]
    scope, detail, employee, item, target = editable  # type: ignore[misc]
    written = _write_change(db, scope=scope, detail=detail, employee=employee, item=item,
                            change=change, actor=session.user_id, now=now)
    if isinstance(written, Err | Invalid):
        return refuse(written, target)
    before, after = written
    rules.commit_logged(db, contract_no=scope.contract_no, at=now, session=session,
                        action=ACTION_CHANGE, ip=ip, target=target, screen=_SCREEN_INQUIRY,
                        detail={"detail_id": detail.id,
                                "fields": sorted(k for k in after if after[k] != before[k])})
    return Ok(detail.version)


def cancel_detail(
    db: Session, *, session: TenantSession, clock: Clock, detail_id: int, version: int,
    ip: str | None = None,
) -> Ok[int] | Err:
    """RL-1 解除: the detail stops (kept for the history). Returns the new version. Err
    E-RL-DETAIL-NOT-FOUND, E-RL-VERSION-CONFLICT, E-ALREADY-CANCELLED. Logged as
    ``ledger.detail.cancel`` with a 解除 history row."""
    def refuse(err: Err, target: str | None = None) -> Err:
        rules.refuse(db, err, session=session, clock=clock, action=ACTION_CANCEL,
                      screen=_SCREEN_INQUIRY, ip=ip, target=target)
        return err

    now = clock.now()
    editable = _editable(db, session, detail_id, version)
    if len(editable) == 2:
        return refuse(*editable)  # type: ignore[arg-type]
    scope, detail, employee, item, target = editable  # type: ignore[misc]
    if (err := _write_cancel(db, scope=scope, detail=detail, employee=employee, item=item,
                             actor=session.user_id, now=now)) is not None:
        return refuse(err, target)
    rules.commit_logged(db, contract_no=scope.contract_no, at=now, session=session,
                        action=ACTION_CANCEL, ip=ip, target=target, screen=_SCREEN_INQUIRY,
                        detail={"detail_id": detail.id})
    return Ok(detail.version)


def end_detail(
    db: Session, *, scope: Scope, detail_id: int, version: int, month: str, actor: str,
    now: datetime,
) -> HistoryAction | Err | Invalid:
    """退職 (RK-12) of one ledger detail inside the caller's transaction (no commit, no log):
    変更 with 終了年月 = ``month`` under 変更's rules, or 解除 when it starts after ``month``
    (``rules.ends_by_cancelling``). Returns what was done, or 変更's / 解除's refusal."""
    found = _editable_in(db, scope, detail_id, version)
    if len(found) == 2:
        return found[0]  # type: ignore[return-value]
    detail, employee, item, _target_text = found  # type: ignore[misc]
    if rules.ends_by_cancelling(detail.start_month, month):
        err = _write_cancel(db, scope=scope, detail=detail, employee=employee, item=item,
                            actor=actor, now=now)
        return HistoryAction.CANCEL if err is None else err
    written = _write_change(db, scope=scope, detail=detail, employee=employee, item=item,
                            change=LedgerChange(end_month=month), actor=actor, now=now)
    return written if isinstance(written, Err | Invalid) else HistoryAction.CHANGE
