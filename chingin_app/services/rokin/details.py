"""労金控除明細's changes (SPEC §11 RK-1 追加登録・変更・解除, RK-2 新規登録; §3 input rules,
A.1, R-PLUS-2). The reads are ``detail_queries`` (RK-1), the 更新履歴 ``detail_history`` (RK-3).

The tenant comes from the caller's session (``tenant.TenantSession``): every change is limited
to the session's contract and, once a payment group is selected, to that group. The menu
permission is the state's job (``permissions.require`` before calling here).

Each changing function is one transaction: it validates every field first (``Invalid`` with
every field error, nothing changed), locks the row, compares the version the screen showed
(E-RK-VERSION-CONFLICT otherwise), writes the change, a ``DeductionDetailHistory`` row with
the detail before and after, and a success entry in the contract's operation log, and
commits once. A refusal is rolled back and logged (``oplog.log_failure``).

Months are ``YYYY-MM`` text (``models.rokin``); the screen may send ``YYYY/MM`` too. The rules
the 賃控元帳 details share (field parsing, the employee lookups, the refusal log) are in
``services/detail_rules.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import DeductionDetail, Employee, RokinProduct
from chingin_app.models.rokin import DetailStatus, HistoryAction, ProductKind
from chingin_app.services import detail_rules as rules
from chingin_app.services.detail_rules import EmployeeForm
from chingin_app.services.rokin.detail_history import detail_snapshot, record_history
from chingin_app.services.tenant import Scope, TenantSession, scope_of, tenant_clauses

__all__ = [
    "ACTION_ADD",
    "ACTION_CANCEL",
    "ACTION_CHANGE",
    "ACTION_REGISTER",
    "MAX_REMAINING_COUNT",
    "DetailChange",
    "DetailForm",
    "add_detail",
    "cancel_detail",
    "change_detail",
    "end_detail",
    "register_new",
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
    record_history(db, scope=scope, detail=detail, action=HistoryAction.ADD,
                   actor=session.user_id, at=now, before=None,
                   after=detail_snapshot(detail, employee, product))
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
    E-GROUP-NOT-SELECTED without a selected payment group; E-RK-STAFF-NO-TAKEN (field
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
        return refuse(Err("E-GROUP-NOT-SELECTED"))
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
    record_history(db, scope=scope, detail=detail, action=HistoryAction.ADD,
                   actor=session.user_id, at=now, before=None,
                   after=detail_snapshot(detail, row, product))
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
        .where(col(DeductionDetail.id) == detail_id, *tenant_clauses(DeductionDetail, scope))
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


def _editable_in(
    db: Session, scope: Scope, detail_id: int, version: int
) -> tuple[DeductionDetail, Employee, RokinProduct, str] | tuple[Err, str | None]:
    """The scope's live detail, locked, with its log target; or the refusal (unknown or
    another tenant's, changed since the screen read it, already cancelled)."""
    found = _locked_detail(db, scope, detail_id)
    if found is None:
        return Err("E-RK-DETAIL-NOT-FOUND"), None
    detail, employee, product = found
    target = _target(employee.staff_no, product.code, detail.account_no)
    if detail.version != version:
        return Err("E-RK-VERSION-CONFLICT"), target
    if detail.status == DetailStatus.CANCELLED.value:
        return Err("E-ALREADY-CANCELLED"), target
    return detail, employee, product, target


def _editable_detail(
    db: Session, session: TenantSession, detail_id: int, version: int
) -> _Editable | tuple[Err, str | None]:
    """``_editable_in`` for the signed-in session's tenant."""
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RK-DETAIL-NOT-FOUND"), None
    found = _editable_in(db, scope, detail_id, version)
    if len(found) == 2:
        return found  # type: ignore[return-value]
    return (scope, *found)  # type: ignore[return-value]


def _write_change(
    db: Session, *, scope: Scope, detail: DeductionDetail, employee: Employee,
    product: RokinProduct, change: DetailChange, actor: str, now: datetime,
) -> tuple[dict[str, Any], dict[str, Any]] | Err | Invalid:
    """変更's rules and write in the caller's transaction (no commit, no log): the snapshots
    before and after, or the refusal (E-NO-CHANGE, every field error, E-RK-DETAIL-DUPLICATE,
    E-RK-VERSION-CONFLICT when the row moved under us)."""
    typed = (change.account_no, change.monthly_amount, change.bonus_amount, change.start_month,
             change.end_month, change.remaining_count)
    if not any(typed) and not change.clear_end_month:
        return Err("E-NO-CHANGE")
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
        return Invalid(tuple(checked))
    before = detail_snapshot(detail, employee, product)
    detail.account_no = checked.account_no
    detail.monthly_amount = checked.monthly_amount
    detail.bonus_amount = checked.bonus_amount
    detail.start_month = checked.start_month
    detail.end_month = checked.end_month
    detail.remaining_count = checked.remaining_count
    after = detail_snapshot(detail, employee, product)
    if after == before:
        return Err("E-NO-CHANGE")
    assert employee.id is not None and product.id is not None
    with db.no_autoflush:  # the pending change is written only once every rule holds
        duplicate = _duplicate(db, employee_id=employee.id, product_id=product.id,
                               account_no=checked.account_no, except_id=detail.id)
    if duplicate:
        return Err("E-RK-DETAIL-DUPLICATE")
    detail.updated_at = now
    if not rules.flushed(db, detail):
        return Err("E-RK-VERSION-CONFLICT")
    record_history(db, scope=scope, detail=detail, action=HistoryAction.CHANGE,
                   actor=actor, at=now, before=before, after=after)
    return before, after


def _write_cancel(
    db: Session, *, scope: Scope, detail: DeductionDetail, employee: Employee,
    product: RokinProduct, actor: str, now: datetime,
) -> Err | None:
    """解除's write in the caller's transaction (no commit, no log); E-RK-VERSION-CONFLICT
    when the row moved under us."""
    before = detail_snapshot(detail, employee, product)
    detail.status = DetailStatus.CANCELLED.value
    detail.cancelled_at = now
    detail.updated_at = now
    if not rules.flushed(db, detail):
        return Err("E-RK-VERSION-CONFLICT")
    record_history(db, scope=scope, detail=detail, action=HistoryAction.CANCEL,
                   actor=actor, at=now, before=before,
                   after=detail_snapshot(detail, employee, product))
    return None


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
    changed it since the screen showed it), E-ALREADY-CANCELLED, E-NO-CHANGE (nothing
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
    written = _write_change(db, scope=scope, detail=detail, employee=employee, product=product,
                            change=change, actor=session.user_id, now=now)
    if isinstance(written, Err | Invalid):
        return refuse(written, target)
    before, after = written
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
    version. Err E-RK-DETAIL-NOT-FOUND, E-RK-VERSION-CONFLICT, E-ALREADY-CANCELLED.
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
    if (err := _write_cancel(db, scope=scope, detail=detail, employee=employee,
                             product=product, actor=session.user_id, now=now)) is not None:
        return refuse(err, target)
    rules.commit_logged(
        db, contract_no=scope.contract_no, at=now, session=session, action=ACTION_CANCEL,
        ip=ip, target=target, screen=_SCREEN_INQUIRY, detail={"detail_id": detail.id},
    )
    return Ok(detail.version)


def end_detail(
    db: Session, *, scope: Scope, detail_id: int, version: int, month: str, actor: str,
    now: datetime,
) -> HistoryAction | Err | Invalid:
    """退職 (RK-12) of one detail inside the caller's transaction (no commit, no log: the
    caller logs the 退職 once): 変更 with 終了年月 = ``month`` under 変更's own rules, or 解除
    when the detail starts after ``month`` (``rules.ends_by_cancelling``: its 終了年月 cannot
    precede its 開始年月 and it would never deduct). Returns what was done; the refusals are
    変更's / 解除's (E-RK-DETAIL-NOT-FOUND, E-RK-VERSION-CONFLICT, E-ALREADY-CANCELLED …)."""
    found = _editable_in(db, scope, detail_id, version)
    if len(found) == 2:
        return found[0]  # type: ignore[return-value]
    detail, employee, product, _target_text = found  # type: ignore[misc]
    if rules.ends_by_cancelling(detail.start_month, month):
        err = _write_cancel(db, scope=scope, detail=detail, employee=employee, product=product,
                            actor=actor, now=now)
        return HistoryAction.CANCEL if err is None else err
    written = _write_change(db, scope=scope, detail=detail, employee=employee, product=product,
                            change=DetailChange(end_month=month), actor=actor, now=now)
    return written if isinstance(written, Err | Invalid) else HistoryAction.CHANGE
