"""労金控除明細: search, view, 追加登録, 新規登録, 変更, 解除 and the 更新履歴 (SPEC §11 RK-1,
RK-2, RK-3, §3 input rules, A.1, R-PLUS-2).

The tenant comes from the caller's session (``TenantSession``; ``sessions.SessionInfo``
fits): every query is limited to the session's contract and, once a payment group is
selected, to that group, so another contract's or group's rows are never read or changed.
The menu permission is the state's job (``permissions.require`` before calling here).

Each changing function is one transaction: it validates every field first (``Invalid`` with
every field error, nothing changed), locks the row, compares the version the screen showed
(E-RK-VERSION-CONFLICT otherwise), writes the change, a ``DeductionDetailHistory`` row with
the detail before and after, and a success entry in the contract's operation log, and
commits once. A refusal is rolled back and logged (``oplog.log_failure``).

Months are ``YYYY-MM`` text (``models.rokin``); the screen may send ``YYYY/MM`` too.

The rules the 賃控元帳 details share (field parsing, the refusal log, paging, the 更新履歴) are
in ``services/detail_rules.py``; the names public here before stay importable from here.
"""

from __future__ import annotations

import re
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
    DeductionDetail,
    DeductionDetailHistory,
    Employee,
    PaymentGroup,
    RokinProduct,
)
from chingin_app.models.rokin import DetailStatus, HistoryAction, ProductKind
from chingin_app.services import detail_rules as rules
from chingin_app.services.detail_rules import (
    KANA_MAX_BYTES,
    MAX_AMOUNT,
    MAX_PAGE_SIZE,
    EmployeeForm,
    HistoryBase,
    PageOf,
    current_month,
    normalise_month,
)
from chingin_app.services.tenant import Scope, TenantSession, scope_of

__all__ = [
    "ACTION_ADD",
    "ACTION_CANCEL",
    "ACTION_CHANGE",
    "ACTION_REGISTER",
    "KANA_MAX_BYTES",
    "MAX_AMOUNT",
    "MAX_PAGE_SIZE",
    "MAX_REMAINING_COUNT",
    "SORT_KEYS",
    "DetailChange",
    "DetailFilter",
    "DetailForm",
    "DetailPage",
    "DetailRow",
    "EmployeeForm",
    "HistoryPage",
    "HistoryRow",
    "ProductView",
    "add_detail",
    "cancel_detail",
    "change_detail",
    "current_month",
    "detail_snapshot",
    "find_employee",
    "get_detail",
    "history",
    "list_products",
    "normalise_month",
    "register_new",
    "search",
]

ACTION_ADD: Final = "rokin.detail.add"
ACTION_REGISTER: Final = "rokin.detail.register"
ACTION_CHANGE: Final = "rokin.detail.change"
ACTION_CANCEL: Final = "rokin.detail.cancel"

_SCREEN_INQUIRY: Final = "労金控除明細照会"
_SCREEN_NEW: Final = "労金控除明細新規登録"

#: 残回数 of a loan: 1 … 999.
MAX_REMAINING_COUNT: Final = 999
_ACCOUNT_NO_RE: Final = re.compile(r"[0-9]{7}")

# --- views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductView:
    """A product as the forms offer it."""

    id: int
    code: str
    name: str
    kind: str
    branch_no: str


@dataclass(frozen=True)
class DetailRow:
    """One detail as the list and the forms show it. ``state`` is 'active', 'ended' (an
    end month before this month) or 'cancelled'; ``state_label`` 有効 / 終了 / 解除."""

    id: int
    version: int
    employee_id: int
    employee_version: int
    group_no: str
    staff_no: str
    name_kana: str
    name_kanji: str
    department: str
    product_code: str
    product_name: str
    product_kind: str
    branch_no: str
    account_no: str
    monthly_amount: int
    bonus_amount: int
    start_month: str
    end_month: str | None
    remaining_count: int | None
    state: str
    state_label: str
    updated_at: datetime


@dataclass(frozen=True)
class DetailPage(PageOf[DetailRow]):
    """One page of the search; ``page`` runs 1 … ``pages`` (at least 1)."""


@dataclass(frozen=True)
class DetailFilter:
    """The search form (SPEC §11: 職員番号, カナ氏名, 所属, status; and the product).

    ``staff_no`` matches from the start; ``name_kana`` is normalised (A.1) and matched
    anywhere; ``department`` anywhere; ``status`` '' (all), 'active', 'ended' or
    'cancelled'; ``product_code`` exactly. Blank means no filter."""

    staff_no: str = ""
    name_kana: str = ""
    department: str = ""
    status: str = ""
    product_code: str = ""


#: Sort keys the list offers (anything else is refused: no column names from the browser).
SORT_KEYS: Final[dict[str, Any]] = {
    "staff_no": col(Employee.staff_no),
    "name_kana": col(Employee.name_kana),
    "department": col(Employee.department),
    "product": col(RokinProduct.code),
    "account_no": col(DeductionDetail.account_no),
    "monthly_amount": col(DeductionDetail.monthly_amount),
    "bonus_amount": col(DeductionDetail.bonus_amount),
    "start_month": col(DeductionDetail.start_month),
    "end_month": col(DeductionDetail.end_month),
    "status": col(DeductionDetail.status),
    "updated_at": col(DeductionDetail.updated_at),
}


def _row(
    detail: DeductionDetail,
    employee: Employee,
    product: RokinProduct,
    group_no: str,
    this_month: str,
) -> DetailRow:
    assert detail.id is not None and employee.id is not None
    state = rules.detail_state(detail.status, detail.end_month, this_month)
    return DetailRow(
        id=detail.id,
        version=detail.version,
        employee_id=employee.id,
        employee_version=employee.version,
        group_no=group_no,
        staff_no=employee.staff_no,
        name_kana=employee.name_kana,
        name_kanji=employee.name_kanji,
        department=employee.department,
        product_code=product.code,
        product_name=product.name,
        product_kind=product.kind,
        branch_no=product.branch_no,
        account_no=detail.account_no,
        monthly_amount=detail.monthly_amount,
        bonus_amount=detail.bonus_amount,
        start_month=detail.start_month,
        end_month=detail.end_month,
        remaining_count=detail.remaining_count,
        state=state,
        state_label=rules.STATUS_LABELS[state],
        updated_at=detail.updated_at,
    )


def _tenant(scope: Scope) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [col(DeductionDetail.contract_id) == scope.contract_id]
    if scope.payment_group_id is not None:
        clauses.append(col(DeductionDetail.payment_group_id) == scope.payment_group_id)
    return clauses


def _check_filter(flt: DetailFilter) -> tuple[DetailFilter, list[Err]]:
    """The filter with カナ氏名 normalised, or the field errors (a search with a character
    the bank would refuse can match nothing, so it is refused with the reason)."""
    errors: list[Err] = []
    kana = ""
    if (err := rules.check_search_staff_no(flt.staff_no)) is not None:
        errors.append(err)
    if flt.name_kana.strip():
        checked = check_name_kana(flt.name_kana, field="カナ氏名", key="name_kana")
        if isinstance(checked, Err):
            errors.append(checked)
        else:
            kana = checked.value
    if flt.status and flt.status not in rules.STATUS_LABELS:
        raise ValueError(f"unknown status filter: {flt.status!r}")
    department = normalise_fullwidth_text(flt.department.strip())
    return (
        DetailFilter(flt.staff_no, kana, department, flt.status, flt.product_code.strip()),
        errors,
    )


def _filter_clauses(flt: DetailFilter, this_month: str) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if flt.staff_no:
        clauses.append(col(Employee.staff_no).startswith(flt.staff_no, autoescape=True))
    if flt.name_kana:
        clauses.append(col(Employee.name_kana).like(rules.like(flt.name_kana), escape="\\"))
    if flt.department:
        clauses.append(col(Employee.department).like(rules.like(flt.department), escape="\\"))
    if flt.product_code:
        clauses.append(col(RokinProduct.code) == flt.product_code)
    return clauses + rules.status_clauses(
        flt.status, col(DeductionDetail.status), col(DeductionDetail.end_month), this_month
    )


def _joined() -> Any:
    return (
        select(DeductionDetail, Employee, RokinProduct, PaymentGroup.number)
        .join(Employee, col(Employee.id) == col(DeductionDetail.employee_id))
        .join(RokinProduct, col(RokinProduct.id) == col(DeductionDetail.product_id))
        .join(PaymentGroup, col(PaymentGroup.id) == col(DeductionDetail.payment_group_id))
    )


def search(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    flt: DetailFilter | None = None,
    sort: str = "staff_no",
    descending: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> DetailPage | Invalid | Err:
    """RK-1 労金控除明細照会: one page of the session's details, filtered and sorted by the
    database (COUNT, then LIMIT/OFFSET). Ties are broken by 職員番号 then the detail id, so
    paging is stable. A page past the end shows the last page.

    ``Invalid`` for a malformed 職員番号 or a カナ氏名 with a character the bank refuses;
    Err E-RK-SORT for a sort key not in ``SORT_KEYS``; E-RK-DETAIL-NOT-FOUND when the
    session's contract or group does not exist. Read-only.
    """
    rules.check_page_size(page_size)
    if sort not in SORT_KEYS:
        return Err("E-RK-SORT", "sort")
    checked, errors = _check_filter(flt or DetailFilter())
    if errors:
        return Invalid(tuple(errors))
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RK-DETAIL-NOT-FOUND")
    this_month = current_month(clock)
    where = and_(*_tenant(scope), *_filter_clauses(checked, this_month))
    key = SORT_KEYS[sort]
    order = [key.desc() if descending else key.asc()]
    if sort != "staff_no":
        order.append(col(Employee.staff_no).asc())
    order.append(col(DeductionDetail.id).asc())
    found = rules.fetch_page(db, _joined().where(where), order, page, page_size)
    return DetailPage(
        rows=tuple(_row(d, e, p, g, this_month) for d, e, p, g in found.rows),
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


def get_detail(
    db: Session, *, session: TenantSession, clock: Clock, detail_id: int
) -> Ok[DetailRow] | Err:
    """One detail of the session's contract (and group): E-RK-DETAIL-NOT-FOUND otherwise."""
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RK-DETAIL-NOT-FOUND")
    found = db.exec(
        _joined().where(col(DeductionDetail.id) == detail_id, *_tenant(scope))
    ).first()
    if found is None:
        return Err("E-RK-DETAIL-NOT-FOUND")
    detail, employee, product, group_no = found
    return Ok(_row(detail, employee, product, group_no, current_month(clock)))


def list_products(db: Session, *, session: TenantSession) -> tuple[ProductView, ...]:
    """The contract's products in code order (the 商品 choices)."""
    scope = scope_of(db, session)
    if scope is None:
        return ()
    rows = db.exec(
        select(RokinProduct)
        .where(RokinProduct.contract_id == scope.contract_id)
        .order_by(col(RokinProduct.code))
    ).all()
    return tuple(
        ProductView(p.id, p.code, p.name, p.kind, p.branch_no) for p in rows if p.id is not None
    )


def find_employee(db: Session, *, session: TenantSession, staff_no: str) -> Employee | None:
    """The session's employee with this 職員番号 (in the selected group), or None."""
    scope = scope_of(db, session)
    if scope is None:
        return None
    query = select(Employee).where(
        Employee.contract_id == scope.contract_id, Employee.staff_no == staff_no
    )
    if scope.payment_group_id is not None:
        query = query.where(Employee.payment_group_id == scope.payment_group_id)
    return db.exec(query).first()


# --- input rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class DetailForm:
    """A detail's fields as typed. ``end_month`` blank = no end; ``remaining_count`` is for
    loans only (blank otherwise)."""

    product_code: str
    account_no: str
    monthly_amount: str
    bonus_amount: str
    start_month: str
    end_month: str = ""
    remaining_count: str = ""


@dataclass(frozen=True)
class DetailChange:
    """変更's fields: blank means unchanged (SPEC §3 "On update screens a blank field means
    unchanged"); ``clear_end_month`` removes the end month (it cannot be blanked)."""

    account_no: str = ""
    monthly_amount: str = ""
    bonus_amount: str = ""
    start_month: str = ""
    end_month: str = ""
    remaining_count: str = ""
    clear_end_month: bool = False


def _check_account_no(value: str) -> Err | None:
    if (err := rules.required(value, "account_no", "口座番号")) is not None:
        return err
    if _ACCOUNT_NO_RE.fullmatch(value) is None:
        return Err("E-RK-ACCOUNT-NO-FORMAT", "account_no", {"label": "口座番号"})
    return None


def _parse_remaining(value: str) -> int | Err:
    if (err := rules.required(value, "remaining_count", "残回数")) is not None:
        return err
    if rules.AMOUNT_RE.fullmatch(value) is None or not 1 <= int(value) <= MAX_REMAINING_COUNT:
        return Err(
            "E-RK-REMAINING-FORMAT", "remaining_count",
            {"label": "残回数", "max_count": MAX_REMAINING_COUNT},
        )
    return int(value)


@dataclass(frozen=True)
class _DetailValues:
    account_no: str
    monthly_amount: int
    bonus_amount: int
    start_month: str
    end_month: str | None
    remaining_count: int | None


def _check_values(
    *,
    product: RokinProduct | None,
    account_no: str,
    monthly: str,
    bonus: str,
    start: str,
    end: str,
    remaining: str,
) -> _DetailValues | list[Err]:
    """Every rule of a detail's fields at once (SPEC §3: all errors shown at their fields)."""
    errors: list[Err] = []
    if (err := _check_account_no(account_no)) is not None:
        errors.append(err)
    common = rules.check_amounts_and_months(monthly, bonus, start, end)
    if isinstance(common, list):
        errors += common
    remaining_v: int | Err | None = None
    if product is not None and product.kind == ProductKind.LOAN.value:
        remaining_v = _parse_remaining(remaining)
    elif remaining != "":
        remaining_v = Err("E-RK-REMAINING-NOT-LOAN", "remaining_count", {"label": "残回数"})
    if isinstance(remaining_v, Err):
        errors.append(remaining_v)
    if errors:
        return errors
    assert not isinstance(common, list) and not isinstance(remaining_v, Err)
    return _DetailValues(account_no, common.monthly_amount, common.bonus_amount,
                         common.start_month, common.end_month, remaining_v)


# --- history ----------------------------------------------------------------------------


def detail_snapshot(
    detail: DeductionDetail, employee: Employee, product: RokinProduct
) -> dict[str, Any]:
    """The detail as the 更新履歴 keeps it (before / after): what a person would compare."""
    return {
        "staff_no": employee.staff_no,
        "name_kana": employee.name_kana,
        "name_kanji": employee.name_kanji,
        "department": employee.department,
        "product_code": product.code,
        "product_name": product.name,
        "account_no": detail.account_no,
        "monthly_amount": detail.monthly_amount,
        "bonus_amount": detail.bonus_amount,
        "start_month": detail.start_month,
        "end_month": detail.end_month,
        "remaining_count": detail.remaining_count,
        "status": detail.status,
    }


def _record(
    db: Session,
    *,
    scope: Scope,
    detail: DeductionDetail,
    action: HistoryAction,
    actor: str,
    at: datetime,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
) -> None:
    assert detail.id is not None
    db.add(DeductionDetailHistory(**rules.history_values(
        contract_id=scope.contract_id, detail_id=detail.id, at=at, actor=actor,
        action=action.value, before=before, after=after,
    )))


@dataclass(frozen=True, kw_only=True)
class HistoryRow(HistoryBase):
    """One 更新履歴 entry (RK-3), with the product's name."""

    product_name: str


@dataclass(frozen=True)
class HistoryPage(PageOf[HistoryRow]):
    """One page of the history, newest first."""


_FIELD_LABELS: Final[dict[str, str]] = {
    "staff_no": "職員番号",
    "name_kana": "カナ氏名",
    "name_kanji": "漢字氏名",
    "department": "所属",
    "product_name": "商品",
    "account_no": "口座番号",
    "monthly_amount": "月例額",
    "bonus_amount": "一時金額",
    "start_month": "開始年月",
    "end_month": "終了年月",
    "remaining_count": "残回数",
    "status": "状態",
}


def history(
    db: Session,
    *,
    session: TenantSession,
    detail_id: int | None = None,
    staff_no: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> HistoryPage | Err:
    """RK-3 労金控除明細更新履歴照会: the session's history, newest first, for one detail or
    for the employees whose 職員番号 starts with ``staff_no``, changed in [``start``, ``end``)
    when given. Read-only.

    Err E-RK-STAFF-NO-FORMAT for a malformed 職員番号; E-RK-DETAIL-NOT-FOUND when the
    session's contract or group does not exist.
    """
    rules.check_page_size(page_size)
    if (err := rules.check_search_staff_no(staff_no)) is not None:
        return err
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RK-DETAIL-NOT-FOUND")
    found = rules.history_entries(
        db, history_model=DeductionDetailHistory, detail_model=DeductionDetail,
        what_model=RokinProduct, what_id=DeductionDetail.product_id,
        contract_id=scope.contract_id, tenant=_tenant(scope), labels=_FIELD_LABELS,
        detail_id=detail_id, staff_no=staff_no, start=start, end=end, page=page,
        page_size=page_size,
    )
    out = tuple(HistoryRow(**e.common(), product_name=e.what) for e in found.rows)
    return HistoryPage(rows=out, total=found.total, page=found.page, pages=found.pages)


# --- changes ----------------------------------------------------------------------------


def _product(db: Session, scope: Scope, code: str) -> RokinProduct | None:
    if not code:
        return None
    return db.exec(
        select(RokinProduct).where(
            RokinProduct.contract_id == scope.contract_id, RokinProduct.code == code
        )
    ).first()


def _duplicate(
    db: Session, *, employee_id: int, product_id: int, account_no: str, except_id: int | None
) -> bool:
    """An active detail with the same employee, product and account already exists."""
    query = select(DeductionDetail.id).where(
        DeductionDetail.employee_id == employee_id,
        DeductionDetail.product_id == product_id,
        DeductionDetail.account_no == account_no,
        DeductionDetail.status == DetailStatus.ACTIVE.value,
    )
    if except_id is not None:
        query = query.where(col(DeductionDetail.id) != except_id)
    return db.exec(query).first() is not None


def _target(staff_no: str, product_code: str, account_no: str) -> str:
    return f"{staff_no}/{product_code}/{account_no}"[:40]


def _insert_detail(
    db: Session,
    *,
    scope: Scope,
    employee: Employee,
    product: RokinProduct,
    values: _DetailValues,
    now: datetime,
) -> DeductionDetail:
    assert employee.id is not None and product.id is not None
    detail = DeductionDetail(
        contract_id=scope.contract_id,
        payment_group_id=employee.payment_group_id,
        employee_id=employee.id,
        product_id=product.id,
        account_no=values.account_no,
        monthly_amount=values.monthly_amount,
        bonus_amount=values.bonus_amount,
        start_month=values.start_month,
        end_month=values.end_month,
        remaining_count=values.remaining_count,
        status=DetailStatus.ACTIVE.value,
        created_at=now,
        updated_at=now,
    )
    db.add(detail)
    db.flush()
    return detail


def _form_values(
    form: DetailForm, product: RokinProduct | None
) -> _DetailValues | list[Err]:
    errors: list[Err] = []
    if product is None:
        errors.append(Err("E-RK-PRODUCT-UNKNOWN", "product_code", {"label": "商品"}))
    checked = _check_values(
        product=product, account_no=form.account_no, monthly=form.monthly_amount,
        bonus=form.bonus_amount, start=form.start_month, end=form.end_month,
        remaining=form.remaining_count,
    )
    if isinstance(checked, list):
        return errors + checked
    return errors or checked


def add_detail(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    employee_id: int,
    form: DetailForm,
    ip: str | None = None,
) -> Ok[int] | Invalid | Err:
    """RK-1 追加登録: a new detail for an existing employee of the session's contract (and
    group). Returns the detail id.

    ``Invalid`` with every field error; Err E-RK-EMPLOYEE-NOT-FOUND, E-RK-DETAIL-DUPLICATE
    (the same employee, product and account is already active). Logged as
    ``rokin.detail.add`` with a 追加 history row.
    """
    def refuse(err: Err | Invalid, target: str | None = None) -> Err | Invalid:
        return rules.refuse(db, err, session=session, clock=clock, action=ACTION_ADD,
                       screen=_SCREEN_INQUIRY, ip=ip, target=target)

    now = clock.now()
    scope = scope_of(db, session)
    if scope is None:
        return refuse(Err("E-RK-EMPLOYEE-NOT-FOUND"))
    employee = rules.locked_employee(db, contract_id=scope.contract_id,
                                     payment_group_id=scope.payment_group_id,
                                     employee_id=employee_id)
    if employee is None:
        return refuse(Err("E-RK-EMPLOYEE-NOT-FOUND"))
    product = _product(db, scope, form.product_code)
    target = _target(employee.staff_no, form.product_code, form.account_no)
    values = _form_values(form, product)
    if isinstance(values, list):
        return refuse(Invalid(tuple(values)), target)
    assert product is not None and product.id is not None and employee.id is not None
    if _duplicate(db, employee_id=employee.id, product_id=product.id,
                  account_no=values.account_no, except_id=None):
        return refuse(Err("E-RK-DETAIL-DUPLICATE"), target)
    detail = _insert_detail(db, scope=scope, employee=employee, product=product, values=values,
                            now=now)
    _record(db, scope=scope, detail=detail, action=HistoryAction.ADD, actor=session.user_id,
            at=now, before=None, after=detail_snapshot(detail, employee, product))
    rules.commit_logged(
        db, contract_no=scope.contract_no, at=now, session=session, action=ACTION_ADD,
        ip=ip, target=target, screen=_SCREEN_INQUIRY, detail={"detail_id": detail.id},
    )
    assert detail.id is not None
    return Ok(detail.id)


def register_new(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    employee: EmployeeForm,
    form: DetailForm,
    ip: str | None = None,
) -> Ok[int] | Invalid | Err:
    """RK-2 労金控除明細新規登録: a new employee in the session's payment group with the first
    detail. Returns the detail id.

    ``Invalid`` with every field error (employee and detail fields together; カナ氏名 is
    normalised per A.1 and a character the bank refuses is named, R-PLUS-2); Err
    E-RK-GROUP-REQUIRED without a selected payment group; E-RK-STAFF-NO-TAKEN (field
    ``staff_no``) when the contract already has that 職員番号. Logged as
    ``rokin.detail.register`` with a 追加 history row.
    """
    def refuse(err: Err | Invalid) -> Err | Invalid:
        return rules.refuse(db, err, session=session, clock=clock, action=ACTION_REGISTER,
                       screen=_SCREEN_NEW, ip=ip,
                       target=_target(employee.staff_no, form.product_code, form.account_no))

    now = clock.now()
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return refuse(Err("E-RK-GROUP-REQUIRED"))
    product = _product(db, scope, form.product_code)
    person = rules.check_employee(employee)
    values = _form_values(form, product)
    errors = (person if isinstance(person, list) else []) + (
        values if isinstance(values, list) else []
    )
    if errors:
        return refuse(Invalid(tuple(errors)))
    assert not isinstance(person, list) and not isinstance(values, list)
    assert product is not None
    if rules.staff_no_taken(db, contract_id=scope.contract_id, staff_no=employee.staff_no):
        return refuse(Err("E-RK-STAFF-NO-TAKEN", "staff_no", {"label": "職員番号"}))
    row = rules.new_employee(db, contract_id=scope.contract_id,
                             payment_group_id=scope.payment_group_id,
                             staff_no=employee.staff_no, person=person, now=now)
    detail = _insert_detail(db, scope=scope, employee=row, product=product, values=values,
                            now=now)
    _record(db, scope=scope, detail=detail, action=HistoryAction.ADD, actor=session.user_id,
            at=now, before=None, after=detail_snapshot(detail, row, product))
    rules.commit_logged(
        db, contract_no=scope.contract_no, at=now, session=session,
        action=ACTION_REGISTER, ip=ip, screen=_SCREEN_NEW,
        target=_target(row.staff_no, product.code, values.account_no),
        detail={"detail_id": detail.id},
    )
    assert detail.id is not None
    return Ok(detail.id)


def _locked_detail(
    db: Session, scope: Scope, detail_id: int
) -> tuple[DeductionDetail, Employee, RokinProduct] | None:
    found = db.exec(
        select(DeductionDetail)
        .where(col(DeductionDetail.id) == detail_id, *_tenant(scope))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        return None
    employee = db.get(Employee, found.employee_id)
    product = db.get(RokinProduct, found.product_id)
    assert employee is not None and product is not None
    return found, employee, product


_Editable = tuple[Scope, DeductionDetail, Employee, RokinProduct, str]


def _editable_detail(
    db: Session, session: TenantSession, detail_id: int, version: int
) -> _Editable | tuple[Err, str | None]:
    """The live detail a change or 解除 works on, locked, with its log target; or the refusal
    (unknown or another tenant's, changed since the screen read it, already cancelled)."""
    scope = scope_of(db, session)
    found = None if scope is None else _locked_detail(db, scope, detail_id)
    if found is None or scope is None:
        return Err("E-RK-DETAIL-NOT-FOUND"), None
    detail, employee, product = found
    target = _target(employee.staff_no, product.code, detail.account_no)
    if detail.version != version:
        return Err("E-RK-VERSION-CONFLICT"), target
    if detail.status == DetailStatus.CANCELLED.value:
        return Err("E-RK-ALREADY-CANCELLED"), target
    return scope, detail, employee, product, target


def change_detail(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    detail_id: int,
    version: int,
    change: DetailChange,
    ip: str | None = None,
) -> Ok[int] | Invalid | Err:
    """RK-1 変更: change a detail's account, amounts, months or 残回数. Blank fields keep their
    value; the result is checked as a whole (e.g. start ≤ end). Returns the new version.

    Err E-RK-DETAIL-NOT-FOUND, E-RK-VERSION-CONFLICT (``version`` is not the stored one: someone
    changed it since the screen showed it), E-RK-ALREADY-CANCELLED, E-RK-NO-CHANGE (nothing
    typed, or the values equal the stored ones), E-RK-DETAIL-DUPLICATE; ``Invalid`` with every
    field error. Logged as ``rokin.detail.change`` with a 変更 history row.
    """
    def refuse(err: Err | Invalid, target: str | None = None) -> Err | Invalid:
        return rules.refuse(db, err, session=session, clock=clock, action=ACTION_CHANGE,
                       screen=_SCREEN_INQUIRY, ip=ip, target=target)

    now = clock.now()
    editable = _editable_detail(db, session, detail_id, version)
    if len(editable) == 2:
        return refuse(*editable)  # type: ignore[arg-type]
    scope, detail, employee, product, target = editable  # type: ignore[misc]
    typed = (change.account_no, change.monthly_amount, change.bonus_amount, change.start_month,
             change.end_month, change.remaining_count)
    if not any(typed) and not change.clear_end_month:
        return refuse(Err("E-RK-NO-CHANGE"), target)

    kept = rules.kept
    end = "" if change.clear_end_month else kept(change.end_month, detail.end_month)
    checked = _check_values(
        product=product,
        account_no=kept(change.account_no, detail.account_no),
        monthly=kept(change.monthly_amount, detail.monthly_amount),
        bonus=kept(change.bonus_amount, detail.bonus_amount),
        start=kept(change.start_month, detail.start_month),
        end=end,
        remaining=kept(change.remaining_count, detail.remaining_count),
    )
    if isinstance(checked, list):
        return refuse(Invalid(tuple(checked)), target)
    before = detail_snapshot(detail, employee, product)
    detail.account_no = checked.account_no
    detail.monthly_amount = checked.monthly_amount
    detail.bonus_amount = checked.bonus_amount
    detail.start_month = checked.start_month
    detail.end_month = checked.end_month
    detail.remaining_count = checked.remaining_count
    after = detail_snapshot(detail, employee, product)
    if after == before:
        return refuse(Err("E-RK-NO-CHANGE"), target)
    assert employee.id is not None and product.id is not None
    with db.no_autoflush:  # the pending change is written only once every rule holds
        duplicate = _duplicate(db, employee_id=employee.id, product_id=product.id,
                               account_no=checked.account_no, except_id=detail.id)
    if duplicate:
        return refuse(Err("E-RK-DETAIL-DUPLICATE"), target)
    detail.updated_at = now
    if not rules.flushed(db, detail):
        return refuse(Err("E-RK-VERSION-CONFLICT"), target)
    _record(db, scope=scope, detail=detail, action=HistoryAction.CHANGE, actor=session.user_id,
            at=now, before=before, after=after)
    rules.commit_logged(
        db, contract_no=scope.contract_no, at=now, session=session, action=ACTION_CHANGE,
        ip=ip, target=target, screen=_SCREEN_INQUIRY,
        detail={"detail_id": detail.id,
                "fields": sorted(k for k in after if after[k] != before[k])},
    )
    return Ok(detail.version)


def cancel_detail(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    detail_id: int,
    version: int,
    ip: str | None = None,
) -> Ok[int] | Err:
    """RK-1 解除: the detail stops (status 'cancelled', kept for the history). Returns the new
    version. Err E-RK-DETAIL-NOT-FOUND, E-RK-VERSION-CONFLICT, E-RK-ALREADY-CANCELLED.
    Logged as ``rokin.detail.cancel`` with a 解除 history row."""
    def refuse(err: Err, target: str | None = None) -> Err:
        rules.refuse(db, err, session=session, clock=clock, action=ACTION_CANCEL,
                     screen=_SCREEN_INQUIRY, ip=ip, target=target)
        return err

    now = clock.now()
    editable = _editable_detail(db, session, detail_id, version)
    if len(editable) == 2:
        return refuse(*editable)  # type: ignore[arg-type]
    scope, detail, employee, product, target = editable  # type: ignore[misc]
    before = detail_snapshot(detail, employee, product)
    detail.status = DetailStatus.CANCELLED.value
    detail.cancelled_at = now
    detail.updated_at = now
    if not rules.flushed(db, detail):
        return refuse(Err("E-RK-VERSION-CONFLICT"), target)
    _record(db, scope=scope, detail=detail, action=HistoryAction.CANCEL, actor=session.user_id,
            at=now, before=before, after=detail_snapshot(detail, employee, product))
    rules.commit_logged(
        db, contract_no=scope.contract_no, at=now, session=session, action=ACTION_CANCEL,
        ip=ip, target=target, screen=_SCREEN_INQUIRY, detail={"detail_id": detail.id},
    )
    return Ok(detail.version)
