"""労金控除明細照会's reads (SPEC §11 RK-1; A.1, R-PLUS-2): one page of the session's details,
filtered and sorted by the database, one detail, and the contract's products.

The tenant comes from the caller's session (``tenant.TenantSession``; ``sessions.SessionInfo``
fits): every query is limited to the session's contract and, once a payment group is selected,
to that group (``tenant.tenant_clauses``), so another contract's or group's rows are never read. The
menu permission is the state's job (``permissions.require`` before calling here). Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import normalise_fullwidth_text
from chingin_app.models import DeductionDetail, Employee, RokinProduct
from chingin_app.services import detail_rules as rules
from chingin_app.services.collation import code_point
from chingin_app.services.detail_rules import PageOf, current_month
from chingin_app.services.tenant import TenantSession, scope_of, tenant_clauses

__all__ = [
    "SORT_KEYS",
    "DetailFilter",
    "DetailPage",
    "DetailRow",
    "ProductView",
    "get_detail",
    "list_products",
    "search",
]


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
    """The search form (SPEC §11: 職員番号, カナ氏名, 所属, status; the product; 漢字氏名,
    R-PLUS-8).

    ``staff_no`` matches from the start; ``name_kana`` is normalised (A.1) and matched
    anywhere; ``department`` anywhere; ``status`` '' (all), 'active', 'ended' or
    'cancelled'; ``product_code`` exactly; ``name_kanji`` anywhere (full-width as stored).
    Blank means no filter."""

    staff_no: str = ""
    name_kana: str = ""
    department: str = ""
    status: str = ""
    product_code: str = ""
    name_kanji: str = ""


#: Sort keys the list offers (anything else is refused: no column names from the browser).
SORT_KEYS: Final[dict[str, Any]] = {
    "staff_no": code_point(col(Employee.staff_no)),
    "name_kana": code_point(col(Employee.name_kana)),
    "department": code_point(col(Employee.department)),
    "product": code_point(col(RokinProduct.code)),
    "account_no": code_point(col(DeductionDetail.account_no)),
    "monthly_amount": col(DeductionDetail.monthly_amount),
    "bonus_amount": col(DeductionDetail.bonus_amount),
    "start_month": code_point(col(DeductionDetail.start_month)),
    "end_month": code_point(col(DeductionDetail.end_month)),
    "status": code_point(col(DeductionDetail.status)),
    "updated_at": col(DeductionDetail.updated_at),
}


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
        DetailFilter(flt.staff_no, kana, department, flt.status, flt.product_code.strip(),
                     flt.name_kanji),
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
    clauses += rules.kanji_name_clauses(col(Employee.name_kanji), flt.name_kanji)
    if flt.product_code:
        clauses.append(col(RokinProduct.code) == flt.product_code)
    return clauses + rules.status_clauses(
        flt.status, col(DeductionDetail.status), col(DeductionDetail.end_month), this_month
    )


_JOINS: Final[rules.Joins] = rules.detail_joins(
    DeductionDetail, (RokinProduct, col(RokinProduct.id) == col(DeductionDetail.product_id)))

#: What a list row reads, by DetailRow's field names.
_COLUMNS: Final[dict[str, Any]] = rules.detail_columns(
    DeductionDetail, employee_version=Employee.version, product_code=RokinProduct.code,
    product_name=RokinProduct.name, product_kind=RokinProduct.kind,
    branch_no=RokinProduct.branch_no, account_no=DeductionDetail.account_no,
    remaining_count=DeductionDetail.remaining_count, updated_at=DeductionDetail.updated_at,
)


#: The list's SELECT, built once (a statement is immutable: ``where`` makes a new one).
_JOINED: Final[Any] = rules.joined_details(DeductionDetail, _COLUMNS, _JOINS)


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
    Err E-SORT for a sort key not in ``SORT_KEYS``; E-RK-DETAIL-NOT-FOUND when the
    session's contract or group does not exist. Read-only.
    """
    rules.check_page_size(page_size)
    if sort not in SORT_KEYS:
        return Err("E-SORT", "sort")
    checked, errors = _check_filter(flt or DetailFilter())
    if errors:
        return Invalid(tuple(errors))
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RK-DETAIL-NOT-FOUND")
    this_month = current_month(clock)
    where = and_(*tenant_clauses(DeductionDetail, scope), *_filter_clauses(checked, this_month))
    key = SORT_KEYS[sort]
    order = [key.desc() if descending else key.asc()]
    if sort != "staff_no":
        order.append(code_point(col(Employee.staff_no)).asc())
    order.append(col(DeductionDetail.id).asc())
    # The employee's contract as well (always the detail's own): with it PostgreSQL reads the
    # page in 職員番号 order from the employees' index (migration 0015) instead of sorting
    # every detail of the group.
    rows = _JOINED.where(where, col(Employee.contract_id) == scope.contract_id)
    found = rules.fetch_page(db, rows, order, page, page_size,
                             count=rules.count_details(DeductionDetail, _JOINS, where))
    return DetailPage(
        rows=tuple(rules.list_row(DetailRow, r, this_month) for r in found.rows),
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
        _JOINED.where(col(DeductionDetail.id) == detail_id,
                       *tenant_clauses(DeductionDetail, scope))
    ).first()
    if found is None:
        return Err("E-RK-DETAIL-NOT-FOUND")
    return Ok(rules.list_row(DetailRow, found, current_month(clock)))


def list_products(db: Session, *, session: TenantSession) -> tuple[ProductView, ...]:
    """The contract's products in code order (the 商品 choices)."""
    scope = scope_of(db, session)
    if scope is None:
        return ()
    rows = db.exec(
        select(RokinProduct)
        .where(RokinProduct.contract_id == scope.contract_id)
        .order_by(code_point(col(RokinProduct.code)))
    ).all()
    return tuple(
        ProductView(p.id, p.code, p.name, p.kind, p.branch_no) for p in rows if p.id is not None
    )
