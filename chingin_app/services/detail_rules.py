"""Rules every per-employee detail service shares (労金控除 RK-1/2/3 in
``services/rokin/detail_queries.py``, ``details.py`` and ``detail_history.py``, 賃控元帳
RL-1/2/4 in ``services/ledger/details.py``).

Field parsing and validation (SPEC §3, A.1, A.2), the refusal log, the 状態 of a detail and its
filter, LIKE escaping, paging arithmetic, the employee lookups of 追加登録 / 新規登録 and the
更新履歴 (recording snapshots, the shared query filters and the ``(label, before, after)``
change formatting). Plain Python: no Reflex."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.util import find_tables
from sqlmodel import Session, col, select

from chingin_app.domain import dates
from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.result import Err, Invalid
from chingin_app.domain.validation import (
    check_fullwidth_text,
    check_no_surrounding_spaces,
    normalise_fullwidth_text,
)
from chingin_app.models import ActorKind, Contract, Employee, LogResult, PaymentGroup
from chingin_app.models.rokin import DetailStatus
from chingin_app.services import oplog
from chingin_app.services.tenant import TenantSession, scope_of, tenant_clauses

__all__ = [
    "DEPARTMENT_MAX_LEN",
    "KANA_MAX_BYTES",
    "KANJI_NAME_MAX_LEN",
    "MAX_AMOUNT",
    "MAX_PAGE_SIZE",
    "STATUS_LABELS",
    "AmountsAndMonths",
    "EmployeeForm",
    "HistoryBase",
    "HistoryEntry",
    "PageOf",
    "Slice",
    "actor_label",
    "check_amounts_and_months",
    "check_employee",
    "check_page_size",
    "check_search_staff_no",
    "check_staff_no",
    "commit_logged",
    "current_month",
    "detail_state",
    "dump_snapshot",
    "ends_by_cancelling",
    "fetch_page",
    "find_employee",
    "flushed",
    "format_changes",
    "history_entries",
    "history_values",
    "kanji_name_clauses",
    "kept",
    "like",
    "list_row",
    "load_snapshots",
    "locked_employee",
    "new_employee",
    "normalise_month",
    "parse_amount",
    "parse_month",
    "refuse",
    "required",
    "shown",
    "staff_no_taken",
    "status_clauses",
]

#: Amounts are whole yen, 0 … 9,999,999 (7 digits, the width of the bank's amount fields).
MAX_AMOUNT: Final = 9_999_999
#: カナ氏名 in bytes as the bank counts them (A.1: a voiced kana is two).
KANA_MAX_BYTES: Final = 30
KANJI_NAME_MAX_LEN: Final = 20
DEPARTMENT_MAX_LEN: Final = 20
MAX_PAGE_SIZE: Final = 200

STAFF_NO_RE: Final = re.compile(r"[0-9]{1,10}")
# Bare integers: no sign, no comma, no leading zero (SPEC A.2 "amounts are bare integers").
AMOUNT_RE: Final = re.compile(r"0|[1-9][0-9]*")

T = TypeVar("T")
R = TypeVar("R")

STATUS_LABELS: Final[dict[str, str]] = {"active": "有効", "ended": "終了", "cancelled": "解除"}


@dataclass(frozen=True)
class EmployeeForm:
    """新規登録's employee fields as typed (strings)."""

    staff_no: str
    name_kana: str
    name_kanji: str
    department: str


def current_month(clock: Clock) -> str:
    """This month in Japan time as ``YYYY-MM`` (an end month before it has ended)."""
    return f"{to_jst(clock.now()):%Y-%m}"


def normalise_month(value: str) -> str | None:
    """``YYYY-MM`` for a month as typed — 2026-05, 2026/05, 202605, 2026年5月
    (``domain.dates.parse_month``, issue 14 item 6) — in the years 2000–2099, else None."""
    month = dates.parse_month(value)
    return month if month is not None and "2000" <= month[:4] <= "2099" else None


# --- fields -----------------------------------------------------------------------------


def required(value: str, field: str, label: str) -> Err | None:
    """E-FIELD-REQUIRED for a blank field; a value with surrounding spaces is refused."""
    if value == "":
        return Err("E-FIELD-REQUIRED", field, {"label": label})
    return check_no_surrounding_spaces(value, field=field, label=label)


def check_staff_no(value: str) -> Err | None:
    """A 職員番号 as a form field: required, 1–10 digits."""
    if (err := required(value, "staff_no", "職員番号")) is not None:
        return err
    return check_search_staff_no(value)


def check_search_staff_no(value: str) -> Err | None:
    """A 職員番号 search prefix: blank (all) or 1–10 digits."""
    if value and STAFF_NO_RE.fullmatch(value) is None:
        return Err("E-STAFF-NO-FORMAT", "staff_no", {"label": "職員番号"})
    return None


def parse_amount(value: str, field: str, label: str) -> int | Err:
    if (err := required(value, field, label)) is not None:
        return err
    if AMOUNT_RE.fullmatch(value) is None or int(value) > MAX_AMOUNT:
        return Err("E-AMOUNT-FORMAT", field, {"label": label, "max_amount": f"{MAX_AMOUNT:,}"})
    return int(value)


def parse_month(value: str, field: str, label: str) -> str | Err:
    if (err := required(value, field, label)) is not None:
        return err
    month = normalise_month(value)
    if month is None:
        return Err("E-MONTH-FORMAT", field, {"label": label})
    return month


@dataclass(frozen=True)
class AmountsAndMonths:
    monthly_amount: int
    bonus_amount: int
    start_month: str
    end_month: str | None


def check_amounts_and_months(
    monthly: str, bonus: str, start: str, end: str
) -> AmountsAndMonths | list[Err]:
    """月例額, 一時金額 (not both 0), 開始年月 and 終了年月 (blank = no end, not before the
    start): the values or every field error."""
    monthly_v = parse_amount(monthly, "monthly_amount", "月例額")
    bonus_v = parse_amount(bonus, "bonus_amount", "一時金額")
    start_v = parse_month(start, "start_month", "開始年月")
    end_v: str | Err | None = None if end == "" else parse_month(end, "end_month", "終了年月")
    errors = [v for v in (monthly_v, bonus_v, start_v, end_v) if isinstance(v, Err)]
    if isinstance(monthly_v, int) and isinstance(bonus_v, int) and monthly_v == bonus_v == 0:
        errors.append(Err("E-AMOUNT-ZERO", "monthly_amount", {"label": "月例額"}))
    if isinstance(start_v, str) and isinstance(end_v, str) and end_v < start_v:
        errors.append(Err("E-MONTH-ORDER", "end_month", {"label": "終了年月"}))
    if errors:
        return errors
    assert isinstance(monthly_v, int) and isinstance(bonus_v, int) and isinstance(start_v, str)
    assert not isinstance(end_v, Err)
    return AmountsAndMonths(monthly_v, bonus_v, start_v, end_v)


def ends_by_cancelling(start_month: str, month: str) -> bool:
    """退職 (RK-12) from ``month``: a detail starting after it would never deduct and its 終了年月
    cannot precede its 開始年月 (``check_amounts_and_months``), so it is 解除'd; any other
    active detail ends with 終了年月 = ``month``."""
    return start_month > month


def kept(value: str, current: object) -> str:
    """変更's rule: a blank field keeps the stored value (SPEC §3)."""
    return value if value != "" else ("" if current is None else str(current))


def check_employee(form: EmployeeForm) -> tuple[str, str, str] | list[Err]:
    """(カナ氏名 normalised, 漢字氏名 and 所属 converted) or the field errors."""
    errors: list[Err] = []
    if (err := check_staff_no(form.staff_no)) is not None:
        errors.append(err)
    kana: str | None = None
    if (err := required(form.name_kana, "name_kana", "カナ氏名")) is not None:
        errors.append(err)
    else:
        checked = check_name_kana(
            form.name_kana, field="カナ氏名", key="name_kana", max_bytes=KANA_MAX_BYTES
        )
        if isinstance(checked, Err):
            errors.append(checked)
        else:
            kana = checked.value
    for value, field, label, max_len, code in (
        (form.name_kanji, "name_kanji", "漢字氏名", KANJI_NAME_MAX_LEN, "E-NAME-KANJI-FORMAT"),
        (form.department, "department", "所属", DEPARTMENT_MAX_LEN, "E-DEPARTMENT-FORMAT"),
    ):
        if (err := check_fullwidth_text(
            value, field=field, label=label, max_len=max_len, format_code=code
        )) is not None:
            errors.append(err)
    if errors:
        return errors
    assert kana is not None
    return (
        kana,
        normalise_fullwidth_text(form.name_kanji),
        normalise_fullwidth_text(form.department),
    )


# --- employees --------------------------------------------------------------------------


def locked_employee(
    db: Session, *, contract_id: int, payment_group_id: int | None, employee_id: int
) -> Employee | None:
    """The contract's employee (in the selected group), locked for 追加登録; None else."""
    employee = db.exec(
        select(Employee)
        .where(col(Employee.id) == employee_id, Employee.contract_id == contract_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if employee is None or (
        payment_group_id is not None and employee.payment_group_id != payment_group_id
    ):
        return None
    return employee


def staff_no_taken(db: Session, *, contract_id: int, staff_no: str) -> bool:
    return db.exec(
        select(Employee.id).where(Employee.contract_id == contract_id,
                                  Employee.staff_no == staff_no)
    ).first() is not None


def find_employee(db: Session, *, session: TenantSession, staff_no: str) -> Employee | None:
    """The session's employee with this 職員番号 (in the selected group), or None: 新規登録
    adds the detail to an employee already registered (both kinds of detail share them)."""
    scope = scope_of(db, session)
    if scope is None:
        return None
    return db.exec(
        select(Employee).where(Employee.staff_no == staff_no, *tenant_clauses(Employee, scope))
    ).first()


def new_employee(
    db: Session, *, contract_id: int, payment_group_id: int, staff_no: str,
    person: tuple[str, str, str], now: datetime,
) -> Employee:
    """新規登録's employee (``person`` as ``check_employee`` returned it), flushed."""
    kana, kanji, department = person
    row = Employee(
        contract_id=contract_id, payment_group_id=payment_group_id, staff_no=staff_no,
        name_kana=kana, name_kanji=kanji, department=department, created_at=now, updated_at=now,
    )
    db.add(row)
    db.flush()
    return row


# --- search -----------------------------------------------------------------------------


def like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere (``\\`` escapes wildcards)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def kanji_name_clauses(column: Any, typed: str) -> list[ColumnElement[bool]]:
    """The 漢字氏名 filter (R-PLUS-8) on ``column``: what was typed, converted as 漢字氏名 is
    stored (``normalise_fullwidth_text``: half-width letters, digits and spaces to full
    width), matched anywhere; blank = no filter. Every list with a カナ氏名 filter uses it."""
    name = normalise_fullwidth_text(typed.strip())
    return [column.like(like(name), escape="\\")] if name else []


def detail_state(status: str, end_month: str | None, this_month: str) -> str:
    """'cancelled', 'ended' (an end month before this month) or 'active'."""
    if status == DetailStatus.CANCELLED.value:
        return "cancelled"
    if end_month is not None and end_month < this_month:
        return "ended"
    return "active"


def status_clauses(
    status_filter: str, status: Any, end: Any, this_month: str
) -> list[ColumnElement[bool]]:
    """The 状態 filter ('' all, 'active', 'ended', 'cancelled') on a detail's columns."""
    if status_filter == "cancelled":
        return [status == DetailStatus.CANCELLED.value]
    if status_filter == "ended":
        return [and_(status == DetailStatus.ACTIVE.value, end < this_month)]
    if status_filter == "active":
        return [and_(status == DetailStatus.ACTIVE.value, or_(end.is_(None), end >= this_month))]
    if status_filter:
        raise ValueError(f"unknown status filter: {status_filter!r}")
    return []


def check_page_size(page_size: int) -> None:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")


@dataclass(frozen=True)
class Slice:
    """The rows of one page; ``page`` runs 1 … ``pages`` (a page past the end is the last)."""

    rows: Sequence[Any]
    total: int
    page: int
    pages: int


def fetch_page(
    db: Session, base: Any, order: Sequence[Any], page: int, page_size: int,
    *, count: Any | None = None,
) -> Slice:
    """COUNT the query (or ``count``, a cheaper COUNT of the same rows), then the page's rows
    by LIMIT/OFFSET in ``order``."""
    counting = select(func.count()).select_from(base.subquery()) if count is None else count
    total = int(db.execute(counting).scalar_one())
    pages = max(1, math.ceil(total / page_size))
    current = min(max(page, 1), pages)
    rows = db.exec(
        base.order_by(*order).limit(page_size).offset((current - 1) * page_size)
    ).all()
    return Slice(rows, total, current, pages)


#: A detail list's joins: (model, ON clause) from the detail table.
Joins = Sequence[tuple[Any, ColumnElement[bool]]]


def detail_joins(detail_model: Any, item: tuple[Any, ColumnElement[bool]]) -> Joins:
    """What every detail list joins: the detail's employee, its 商品 / 種目 ``item`` (the
    model and the join condition) and its payment group."""
    return (
        (Employee, col(Employee.id) == col(detail_model.employee_id)),
        item,
        (PaymentGroup, col(PaymentGroup.id) == col(detail_model.payment_group_id)),
    )


def detail_columns(detail_model: Any, **own: Any) -> dict[str, Any]:
    """What every detail list row reads, by its row type's field names (``status`` becomes
    ``state`` in ``list_row``), with the list's ``own`` columns (its 商品 / 種目 …)."""
    return {
        "id": detail_model.id, "version": detail_model.version, "employee_id": Employee.id,
        "group_no": PaymentGroup.number, "staff_no": Employee.staff_no,
        "name_kana": Employee.name_kana, "name_kanji": Employee.name_kanji,
        "department": Employee.department, "monthly_amount": detail_model.monthly_amount,
        "bonus_amount": detail_model.bonus_amount, "start_month": detail_model.start_month,
        "end_month": detail_model.end_month, "status": detail_model.status, **own,
    }


def joined_details(detail_model: Any, columns: Mapping[str, Any], joins: Joins) -> Any:
    """``SELECT columns FROM detail_model`` with every one of ``joins`` (a list's rows), each
    column labelled with its key: a page of 50 rows is read as plain rows, not 150 ORM
    objects in the session's identity map (loading them was half of the page's GIL time
    in a py-spy profile of bench/load.py, issue 12)."""
    query: Any = select(*(col(column).label(key) for key, column in columns.items()))
    query = query.select_from(detail_model)
    for model, on in joins:
        query = query.join(model, on)
    return query


def list_row(row_type: Callable[..., R], row: Any, this_month: str) -> R:
    """A row of ``joined_details`` as ``row_type``: its columns by label, with the ``status``
    column turned into ``state`` (``detail_state``) and ``state_label``."""
    fields = dict(row._mapping)
    state = detail_state(fields.pop("status"), fields["end_month"], this_month)
    return row_type(**fields, state=state, state_label=STATUS_LABELS[state])


def count_details(detail_model: Any, joins: Joins, where: ColumnElement[bool]) -> Any:
    """``SELECT count(*)`` of a detail list's rows with only those of ``joins`` that ``where``
    refers to. Every detail has its employee, 商品 / 種目 and payment group (NOT NULL foreign
    keys), so an inner join left out drops no row, and PostgreSQL counts a group's 10,000
    details from the detail table alone (about 2 ms instead of 12)."""
    needed = {table.name for table in find_tables(where, check_columns=True)}
    query = select(func.count()).select_from(detail_model)
    for model, on in joins:
        if model.__tablename__ in needed:
            query = query.join(model, on)
    return query.where(where)


# --- writing ----------------------------------------------------------------------------


def flushed(db: Session, row: Any) -> bool:
    """Write ``row``'s pending change; False when it changed between our read and write (the
    version counter moved: nothing is kept, the caller refuses with its VERSION-CONFLICT)."""
    db.add(row)
    try:
        db.flush()
    except StaleDataError:
        return False
    return True


def commit_logged(
    db: Session, *, contract_no: str, at: datetime, session: TenantSession, action: str,
    ip: str | None, target: str, screen: str, detail: Mapping[str, Any],
) -> None:
    """The success entry in the contract's operation log, then the transaction's one commit."""
    oplog.user_success(db, contract_no=contract_no, at=at, actor=session.user_id, action=action,
                       ip=ip, target=target, screen=screen, detail=dict(detail))
    db.commit()


# --- refusals ---------------------------------------------------------------------------


def refuse(
    db: Session,
    err: Err | Invalid,
    *,
    session: TenantSession,
    clock: Clock,
    action: str,
    screen: str,
    ip: str | None,
    target: str | None,
) -> Err | Invalid:
    """Roll back and log the refusal in the contract's chain (the system chain when the
    session's contract does not exist)."""
    codes = [e.code for e in err.errors] if isinstance(err, Invalid) else [err.code]
    db.rollback()
    known = db.exec(
        select(Contract.id).where(Contract.contract_no == session.contract_no)
    ).first() is not None
    contract_no = session.contract_no if known else None
    oplog.log_failure(
        db, chain=oplog.chain_for(contract_no), at=clock.now(), actor_kind=ActorKind.USER,
        actor=session.user_id[:40] or "?", action=action,
        result=LogResult.FAILURE if isinstance(err, Invalid) else LogResult.REFUSED,
        contract_no=contract_no, ip=ip, screen=screen,
        target=(target or None) and target[:40], detail={"codes": codes},
    )
    return err


# --- history ----------------------------------------------------------------------------


def dump_snapshot(snapshot: Mapping[str, Any] | None) -> str | None:
    return None if snapshot is None else json.dumps(snapshot, ensure_ascii=False, sort_keys=True)


def load_snapshots(
    before_json: str | None, after_json: str | None
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    return (json.loads(before_json) if before_json else None,
            json.loads(after_json) if after_json else {})


def history_values(
    *, contract_id: int, detail_id: int, at: datetime, actor: str, action: str,
    before: Mapping[str, Any] | None, after: Mapping[str, Any],
) -> dict[str, Any]:
    """The columns of a history row (both history tables share them)."""
    return {
        "contract_id": contract_id, "detail_id": detail_id, "changed_at": at,
        "actor": actor[:40], "action": action, "before_json": dump_snapshot(before),
        "after_json": dump_snapshot(after),
    }


@dataclass(frozen=True)
class PageOf(Generic[T]):
    """One page of a list; ``page`` runs 1 … ``pages`` (at least 1)."""

    rows: tuple[T, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, kw_only=True)
class HistoryBase:
    """One 更新履歴 entry: when (JST), who, what, the employee and ``(label, before, after)`` of
    the fields that changed (every field for 追加). Each service adds its 商品 / 種目 name."""

    id: int
    detail_id: int
    changed_at: datetime
    actor: str
    action: str
    staff_no: str
    name_kana: str
    changes: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, kw_only=True)
class HistoryEntry(HistoryBase):
    """A history entry as ``history_entries`` reads it (``what``: the 商品 / 種目 name)."""

    what: str

    def common(self) -> dict[str, Any]:
        """The ``HistoryBase`` fields, for a service's own row class."""
        return {f: getattr(self, f) for f in HistoryBase.__dataclass_fields__}


def history_entries(
    db: Session, *, session: TenantSession, not_found: str, history_model: Any,
    detail_model: Any, what_model: Any, what_id: Any, labels: Mapping[str, str],
    detail_id: int | None, staff_no: str, start: datetime | None, end: datetime | None,
    page: int, page_size: int,
) -> Slice | Err:
    """One page of the session's history table (newest first; RK-3, RL-4) joined to its
    detail, the employee and the 商品 / 種目 (``what_model``, by the detail's ``what_id``
    column), for one detail or the 職員番号 from the start, in [``start``, ``end``); rows are
    ``HistoryEntry``. Read-only.

    Err E-STAFF-NO-FORMAT for a malformed 職員番号; ``not_found`` when the session's contract or
    group does not exist."""
    check_page_size(page_size)
    if (err := check_search_staff_no(staff_no)) is not None:
        return err
    scope = scope_of(db, session)
    if scope is None:
        return Err(not_found)
    clauses = _history_clauses(history_model, contract_id=scope.contract_id,
                               tenant=tenant_clauses(detail_model, scope), detail_id=detail_id,
                               staff_no=staff_no, start=start, end=end)
    base = (
        select(history_model, Employee.staff_no, Employee.name_kana, what_model.name)
        .join(detail_model, col(detail_model.id) == col(history_model.detail_id))
        .join(Employee, col(Employee.id) == col(detail_model.employee_id))
        .join(what_model, col(what_model.id) == col(what_id))
        .where(*clauses)
    )
    found = fetch_page(
        db, base, [col(history_model.changed_at).desc(), col(history_model.id).desc()],
        page, page_size,
    )
    out: list[HistoryEntry] = []
    for entry, staff, kana, what in found.rows:
        assert entry.id is not None
        before, after = load_snapshots(entry.before_json, entry.after_json)
        out.append(HistoryEntry(
            id=entry.id, detail_id=entry.detail_id, changed_at=to_jst(entry.changed_at),
            actor=actor_label(entry.actor), action=entry.action, staff_no=staff,
            name_kana=kana, what=what, changes=format_changes(labels, before, after),
        ))
    return Slice(tuple(out), found.total, found.page, found.pages)


def _history_clauses(
    model: Any, *, contract_id: int, tenant: Sequence[ColumnElement[bool]],
    detail_id: int | None, staff_no: str, start: datetime | None, end: datetime | None,
) -> list[ColumnElement[bool]]:
    """The 更新履歴 filter: the tenant, one detail, 職員番号 from the start, [start, end)."""
    clauses: list[ColumnElement[bool]] = [col(model.contract_id) == contract_id, *tenant]
    if detail_id is not None:
        clauses.append(col(model.detail_id) == detail_id)
    if staff_no:
        clauses.append(col(Employee.staff_no).startswith(staff_no, autoescape=True))
    if start is not None:
        clauses.append(col(model.changed_at) >= start)
    if end is not None:
        clauses.append(col(model.changed_at) < end)
    return clauses


def actor_label(actor: str) -> str:
    """Who made a change as the 更新履歴 shows it (the bank's own changes: 金庫)."""
    return "金庫" if actor == "bank" else actor


def shown(key: str, value: Any) -> str:
    """A snapshot value as the 更新履歴 shows it (amounts with thousands separators)."""
    if value is None:
        return ""
    if key == "status":
        return "解除" if value == DetailStatus.CANCELLED.value else "有効"
    if isinstance(value, int):
        return f"{value:,}" if key.endswith("amount") else str(value)
    return str(value)


def format_changes(
    labels: Mapping[str, str], before: Mapping[str, Any] | None, after: Mapping[str, Any]
) -> tuple[tuple[str, str, str], ...]:
    """``(label, before, after)`` of the fields that changed (every field for 追加)."""
    out: list[tuple[str, str, str]] = []
    for key, label in labels.items():
        old = None if before is None else before.get(key)
        new = after.get(key)
        if before is None or old != new:
            out.append((label, shown(key, old) if before is not None else "", shown(key, new)))
    return tuple(out)
