"""RK-12 職員情報照会・変更 (SPEC §11, A.1, R-PLUS-5, R-PLUS-8): the session's employees — the
one ``Employee`` row per person that both 労金控除 and 賃控元帳 details hang on — searched by
職員番号, カナ氏名, 漢字氏名 and 所属, their 所属・漢字氏名・カナ氏名 changed with a history, and
退職 from a month.

- ``search``/``get_employee``: read-only, limited to the session's contract and selected payment
  group (``tenant.tenant_clauses``), listed in kana order by code point
  (``services/collation``) so both databases page alike.
- ``change_employee``: blank = unchanged (SPEC §3), カナ氏名 normalised and checked on entry
  (A.1, ``domain.kana.check_name_kana``), 漢字氏名 and 所属 as 新規登録 checks them; the version
  the screen showed is compared (E-RK-EMPLOYEE-VERSION-CONFLICT); an ``EmployeeHistory`` row
  (who, when, before, after) and the operation log, one commit.
- ``preview_retirement`` / ``apply_retirement``: every 労金控除明細 and 賃控元帳明細 of the person
  still running after the month, and what 退職 does to each — shown first (R-PLUS-5), then
  applied in one transaction through the detail services' own ``end_detail`` (the 変更 / 解除
  rules of RK-1 and RL-1, not a copy), with the versions the preview read: anything changed
  since → E-RK-RETIRE-CHANGED and nothing applied. Logged once.

The menu right (労金控除明細照会's, SPEC §11 RK-12) is the state's check, as for RK-1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from chingin_app.domain import dates
from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import check_fullwidth_text, normalise_fullwidth_text
from chingin_app.models import (
    DeductionDetail,
    Employee,
    EmployeeHistory,
    LedgerDetail,
    LedgerItemType,
    PaymentGroup,
    RokinProduct,
)
from chingin_app.models.rokin import DetailStatus, HistoryAction
from chingin_app.services import detail_rules as rules
from chingin_app.services.collation import code_point
from chingin_app.services.detail_rules import PageOf, current_month
from chingin_app.services.ledger import details as ledger_details
from chingin_app.services.rokin import details as rokin_details
from chingin_app.services.tenant import Scope, TenantSession, scope_of, tenant_clauses

__all__ = [
    "ACTION_CHANGE",
    "ACTION_RETIRE",
    "EMPLOYEE_LABELS",
    "KIND_LEDGER",
    "KIND_ROKIN",
    "SCREEN",
    "EmployeeChange",
    "EmployeeFilter",
    "EmployeeHistoryRow",
    "EmployeePage",
    "EmployeeRow",
    "RetireLine",
    "RetirePreview",
    "apply_retirement",
    "change_employee",
    "employee_history",
    "get_employee",
    "preview_retirement",
    "search",
]

ACTION_CHANGE: Final = "rokin.employee.change"
ACTION_RETIRE: Final = "rokin.employee.retire"
#: The screen as the manual / SPEC §11 name it (and the operation log records it).
SCREEN: Final = "職員情報照会・変更"
KIND_ROKIN: Final = "rokin"
KIND_LEDGER: Final = "ledger"
_KIND_NOUNS: Final = {KIND_ROKIN: "労金控除明細", KIND_LEDGER: "賃控元帳明細"}
#: The employee's fields this screen changes, as the history shows them.
EMPLOYEE_LABELS: Final = {"name_kana": "カナ氏名", "name_kanji": "漢字氏名",
                          "department": "所属", "retire_month": "退職年月"}
_RETIRED: Final = "退職"
_CHANGED: Final = "変更"
#: What 退職 does to a detail that runs on after the month (the other is 解除).
_ENDED: Final = "終了"


@dataclass(frozen=True)
class EmployeeFilter:
    """RK-12's search: 職員番号 from the start, カナ氏名 normalised (A.1) and 漢字氏名 / 所属
    anywhere (R-PLUS-8). Blank = all."""

    staff_no: str = ""
    name_kana: str = ""
    name_kanji: str = ""
    department: str = ""


@dataclass(frozen=True)
class EmployeeRow:
    """One employee with the number of its running 労金控除 and 賃控元帳 details."""

    id: int
    version: int
    group_no: str
    staff_no: str
    name_kana: str
    name_kanji: str
    department: str
    rokin_active: int
    ledger_active: int


@dataclass(frozen=True)
class EmployeePage(PageOf[EmployeeRow]):
    """One page of RK-12's list."""


@dataclass(frozen=True)
class EmployeeChange:
    """変更's fields as typed; blank = unchanged (SPEC §3)."""

    name_kana: str = ""
    name_kanji: str = ""
    department: str = ""


@dataclass(frozen=True)
class RetireLine:
    """One detail 退職 ends: its kind (``KIND_ROKIN`` / ``KIND_LEDGER``), the version the
    preview read, the 商品 / 種目, the amounts and months now, and what happens: 終了
    (``new_end_month`` is the month) or 解除 (it starts after the month; ``new_end_month``
    None)."""

    kind: str
    detail_id: int
    version: int
    what: str
    monthly_amount: int
    bonus_amount: int
    start_month: str
    end_month: str | None
    outcome: str
    new_end_month: str | None

    @property
    def noun(self) -> str:
        return _KIND_NOUNS[self.kind]


@dataclass(frozen=True)
class RetirePreview:
    """What 退職 from ``month`` would do to the employee (at ``employee_version``)."""

    employee_id: int
    employee_version: int
    staff_no: str
    name_kana: str
    month: str
    lines: tuple[RetireLine, ...]

    def count(self, kind: str) -> int:
        return sum(1 for line in self.lines if line.kind == kind)

    def keys(self) -> tuple[tuple[str, int, int], ...]:
        """(kind, detail id, version) of every line: what ``apply_retirement`` is handed."""
        return tuple((line.kind, line.detail_id, line.version) for line in self.lines)


@dataclass(frozen=True)
class EmployeeHistoryRow:
    """One history entry: when (JST), who, 変更 / 退職 and ``(label, before, after)``."""

    changed_at: datetime
    actor: str
    action: str
    changes: tuple[tuple[str, str, str], ...]


# --- search -------------------------------------------------------------------------------


def _running(model: Any, this_month: str) -> Any:
    """The number of the employee's details of ``model`` still running in ``this_month``."""
    return (
        select(func.count())
        .select_from(model)
        .where(col(model.employee_id) == col(Employee.id),
               col(model.status) == DetailStatus.ACTIVE.value,
               or_(col(model.end_month).is_(None), col(model.end_month) >= this_month))
        .correlate(Employee)
        .scalar_subquery()
    )


def _filter_clauses(flt: EmployeeFilter) -> list[ColumnElement[bool]] | Invalid:
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
    clauses += rules.kanji_name_clauses(col(Employee.name_kanji), flt.name_kanji)
    department = normalise_fullwidth_text(flt.department.strip())
    if department:
        clauses.append(col(Employee.department).like(rules.like(department), escape="\\"))
    return Invalid(tuple(errors)) if errors else clauses


def _row(e: Employee, group_no: str, rokin: int, ledger: int) -> EmployeeRow:
    assert e.id is not None
    return EmployeeRow(e.id, e.version, group_no, e.staff_no, e.name_kana, e.name_kanji,
                       e.department, int(rokin), int(ledger))


def _select(this_month: str) -> Any:
    return (
        select(Employee, PaymentGroup.number, _running(DeductionDetail, this_month),
               _running(LedgerDetail, this_month))
        .join(PaymentGroup, col(PaymentGroup.id) == col(Employee.payment_group_id))
    )


def search(
    db: Session, *, session: TenantSession, clock: Clock, flt: EmployeeFilter | None = None,
    page: int = 1, page_size: int = 50,
) -> EmployeePage | Invalid | Err:
    """RK-12: one page of the session's employees in kana order (カナ氏名 by code point, then
    職員番号), filtered and paged by the database. ``Invalid`` for a malformed 職員番号 or
    カナ氏名; Err E-RK-EMPLOYEE-NOT-FOUND without a tenant. Read-only."""
    rules.check_page_size(page_size)
    clauses = _filter_clauses(flt or EmployeeFilter())
    if isinstance(clauses, Invalid):
        return clauses
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RK-EMPLOYEE-NOT-FOUND")
    this_month = current_month(clock)
    base = _select(this_month).where(*tenant_clauses(Employee, scope), *clauses)
    order = [code_point(col(Employee.name_kana)).asc(), code_point(col(Employee.staff_no)).asc(),
             col(Employee.id).asc()]
    found = rules.fetch_page(db, base, order, page, page_size)
    return EmployeePage(tuple(_row(*r) for r in found.rows), found.total, found.page,
                        found.pages)


def get_employee(
    db: Session, *, session: TenantSession, clock: Clock, employee_id: int,
) -> Ok[EmployeeRow] | Err:
    """One of the session's employees as it is now; Err E-RK-EMPLOYEE-NOT-FOUND otherwise
    (unknown, or another contract's or group's). Read-only."""
    scope = scope_of(db, session)
    if scope is None:
        return Err("E-RK-EMPLOYEE-NOT-FOUND")
    found = db.exec(_select(current_month(clock)).where(
        col(Employee.id) == employee_id, *tenant_clauses(Employee, scope))).first()
    return Err("E-RK-EMPLOYEE-NOT-FOUND") if found is None else Ok(_row(*found))


def employee_history(
    db: Session, *, session: TenantSession, employee_id: int, limit: int = 50,
) -> tuple[EmployeeHistoryRow, ...]:
    """The employee's 変更 / 退職 entries, newest first (none for another tenant's)."""
    scope = scope_of(db, session)
    if scope is None:
        return ()
    rows = db.exec(
        select(EmployeeHistory)
        .join(Employee, col(Employee.id) == col(EmployeeHistory.employee_id))
        .where(col(EmployeeHistory.employee_id) == employee_id,
               col(EmployeeHistory.contract_id) == scope.contract_id,
               *tenant_clauses(Employee, scope))
        .order_by(col(EmployeeHistory.changed_at).desc(), col(EmployeeHistory.id).desc())
        .limit(limit)
    ).all()
    out: list[EmployeeHistoryRow] = []
    for entry in rows:
        before, after = rules.load_snapshots(entry.before_json, entry.after_json)
        out.append(EmployeeHistoryRow(to_jst(entry.changed_at), rules.actor_label(entry.actor),
                                      entry.action,
                                      rules.format_changes(EMPLOYEE_LABELS, before, after)))
    return tuple(out)


# --- 変更 ---------------------------------------------------------------------------------


def _snapshot(e: Employee) -> dict[str, Any]:
    return {"name_kana": e.name_kana, "name_kanji": e.name_kanji, "department": e.department}


def _checked_change(change: EmployeeChange) -> dict[str, str] | list[Err]:
    """The typed fields normalised (A.1 カナ氏名; full-width 漢字氏名 and 所属), or every field
    error. Blank fields are left out."""
    values: dict[str, str] = {}
    errors: list[Err] = []
    if change.name_kana.strip():
        checked = check_name_kana(change.name_kana.strip(), field="カナ氏名", key="name_kana",
                                  max_bytes=rules.KANA_MAX_BYTES)
        if isinstance(checked, Err):
            errors.append(checked)
        else:
            values["name_kana"] = checked.value
    for value, field, label, max_len, code in (
        (change.name_kanji, "name_kanji", "漢字氏名", rules.KANJI_NAME_MAX_LEN,
         "E-NAME-KANJI-FORMAT"),
        (change.department, "department", "所属", rules.DEPARTMENT_MAX_LEN,
         "E-DEPARTMENT-FORMAT"),
    ):
        if not value.strip():
            continue
        if (err := check_fullwidth_text(value.strip(), field=field, label=label,
                                        max_len=max_len, format_code=code)) is not None:
            errors.append(err)
        else:
            values[field] = normalise_fullwidth_text(value.strip())
    return errors or values


def _locked_employee(db: Session, scope: Scope, employee_id: int) -> Employee | None:
    return db.exec(
        select(Employee)
        .where(col(Employee.id) == employee_id, *tenant_clauses(Employee, scope))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _history(db: Session, scope: Scope, employee: Employee, *, action: str, actor: str,
             at: datetime, before: dict[str, Any], after: dict[str, Any]) -> None:
    assert employee.id is not None
    db.add(EmployeeHistory(contract_id=scope.contract_id, employee_id=employee.id,
                           changed_at=at, actor=actor[:40], action=action,
                           before_json=rules.dump_snapshot(before),
                           after_json=rules.dump_snapshot(after)))


def change_employee(
    db: Session, *, session: TenantSession, clock: Clock, employee_id: int, version: int,
    change: EmployeeChange, ip: str | None = None,
) -> Ok[int] | Invalid | Err:
    """RK-12 変更 of 所属, 漢字氏名 and カナ氏名 (blank = unchanged). Returns the new version.

    ``Invalid`` with every field error (nothing changed); Err E-NO-CHANGE (nothing typed, or
    the values equal the stored ones), E-RK-EMPLOYEE-NOT-FOUND, E-RK-EMPLOYEE-VERSION-CONFLICT
    (someone changed the employee since the screen showed it). Past requests keep their
    snapshot; the next request and every list read the new values. Logged as
    ``rokin.employee.change`` with a 変更 history row."""
    def refuse(err: Err | Invalid, target: str | None = None) -> Err | Invalid:
        return rules.refuse(db, err, session=session, clock=clock, action=ACTION_CHANGE,
                            screen=SCREEN, ip=ip, target=target)

    now = clock.now()
    checked = _checked_change(change)
    if isinstance(checked, list):
        return refuse(Invalid(tuple(checked)))
    if not checked:
        return refuse(Err("E-NO-CHANGE"))
    scope = scope_of(db, session)
    employee = None if scope is None else _locked_employee(db, scope, employee_id)
    if scope is None or employee is None:
        return refuse(Err("E-RK-EMPLOYEE-NOT-FOUND"))
    target = employee.staff_no
    if employee.version != version:
        return refuse(Err("E-RK-EMPLOYEE-VERSION-CONFLICT"), target)
    before = _snapshot(employee)
    for key, value in checked.items():
        setattr(employee, key, value)
    after = _snapshot(employee)
    if after == before:
        return refuse(Err("E-NO-CHANGE"), target)
    employee.updated_at = now
    if not rules.flushed(db, employee):
        return refuse(Err("E-RK-EMPLOYEE-VERSION-CONFLICT"), target)
    _history(db, scope, employee, action=_CHANGED, actor=session.user_id, at=now,
             before=before, after=after)
    rules.commit_logged(db, contract_no=scope.contract_no, at=now, session=session,
                        action=ACTION_CHANGE, ip=ip, target=target, screen=SCREEN,
                        detail={"employee_id": employee.id,
                                "fields": sorted(k for k in after if after[k] != before[k])})
    return Ok(employee.version)


# --- 退職 ---------------------------------------------------------------------------------


def _running_after(model: Any, employee_id: int, scope: Scope, month: str) -> list[Any]:
    """The employee's live details of ``model`` still running after ``month``."""
    return [
        col(model.employee_id) == employee_id, *tenant_clauses(model, scope),
        col(model.status) == DetailStatus.ACTIVE.value,
        or_(col(model.end_month).is_(None), col(model.end_month) > month),
    ]


def _outcome(start_month: str, month: str) -> tuple[str, str | None]:
    """(what 退職 does, the new 終了年月): 解除 for a detail starting after ``month``."""
    if rules.ends_by_cancelling(start_month, month):
        return HistoryAction.CANCEL.value, None
    return _ENDED, month


def _lines(db: Session, scope: Scope, employee_id: int, month: str) -> tuple[RetireLine, ...]:
    out: list[RetireLine] = []
    for d, p in db.exec(
        select(DeductionDetail, RokinProduct)
        .join(RokinProduct, col(RokinProduct.id) == col(DeductionDetail.product_id))
        .where(*_running_after(DeductionDetail, employee_id, scope, month))
        .order_by(code_point(col(RokinProduct.code)), col(DeductionDetail.id))
    ).all():
        assert d.id is not None
        out.append(RetireLine(KIND_ROKIN, d.id, d.version, f"{p.code} {p.name}",
                              d.monthly_amount, d.bonus_amount, d.start_month, d.end_month,
                              *_outcome(d.start_month, month)))
    for ld, t in db.exec(
        select(LedgerDetail, LedgerItemType)
        .join(LedgerItemType, col(LedgerItemType.id) == col(LedgerDetail.item_type_id))
        .where(*_running_after(LedgerDetail, employee_id, scope, month))
        .order_by(code_point(col(LedgerItemType.code)), col(LedgerDetail.id))
    ).all():
        assert ld.id is not None
        out.append(RetireLine(KIND_LEDGER, ld.id, ld.version, f"{t.code} {t.name}",
                              ld.monthly_amount, ld.bonus_amount, ld.start_month, ld.end_month,
                              *_outcome(ld.start_month, month)))
    return tuple(out)


def _retire_month(text: str, clock: Clock) -> str | Err:
    """退職年月: YYYY-MM (or YYYY/MM), not before this month (JST): a past month's requests
    have been published and deducted already."""
    month = rules.parse_month(text.strip(), "retire_month", "退職年月")
    if isinstance(month, Err):
        return month
    this_month = current_month(clock)
    if month < this_month:
        return Err("E-RK-RETIRE-MONTH-PAST", "retire_month",
                   {"month": dates.month_label(this_month)})
    return month


def preview_retirement(
    db: Session, *, session: TenantSession, clock: Clock, employee_id: int, month: str,
) -> Ok[RetirePreview] | Err:
    """RK-12 退職 確認 (R-PLUS-5): every 労金控除明細 and 賃控元帳明細 of the employee still running
    after ``month`` and what 退職 does to it. Changes nothing. Err E-FIELD-REQUIRED /
    E-MONTH-FORMAT / E-RK-RETIRE-MONTH-PAST (field ``retire_month``), E-RK-EMPLOYEE-NOT-FOUND,
    E-RK-RETIRE-NOTHING (no detail runs after the month)."""
    checked = _retire_month(month, clock)
    if isinstance(checked, Err):
        return checked
    scope = scope_of(db, session)
    employee = None if scope is None else db.exec(
        select(Employee).where(col(Employee.id) == employee_id,
                               *tenant_clauses(Employee, scope))).first()
    if scope is None or employee is None or employee.id is None:
        return Err("E-RK-EMPLOYEE-NOT-FOUND")
    lines = _lines(db, scope, employee.id, checked)
    if not lines:
        return Err("E-RK-RETIRE-NOTHING", "retire_month", {"month": dates.month_label(checked)})
    return Ok(RetirePreview(employee.id, employee.version, employee.staff_no,
                            employee.name_kana, checked, lines))


def _end_line(db: Session, scope: Scope, line: tuple[str, int, int], month: str, actor: str,
              now: datetime) -> str | Err | Invalid:
    kind, detail_id, version = line
    service = rokin_details if kind == KIND_ROKIN else ledger_details
    return service.end_detail(db, scope=scope, detail_id=detail_id, version=version,
                              month=month, actor=actor, now=now)


_STALE: Final = frozenset({"E-RK-DETAIL-NOT-FOUND", "E-RK-VERSION-CONFLICT",
                           "E-RL-DETAIL-NOT-FOUND", "E-RL-VERSION-CONFLICT",
                           "E-ALREADY-CANCELLED", "E-NO-CHANGE"})


def _line_refusal(line: RetireLine, err: Err | Invalid) -> Err:
    """A detail's own refusal as 退職's: a row that moved since the preview is
    E-RK-RETIRE-CHANGED; a rule of the detail that refuses the end names the detail."""
    first = err.errors[0] if isinstance(err, Invalid) else err
    if first.code in _STALE:
        return Err("E-RK-RETIRE-CHANGED")
    return Err("E-RK-RETIRE-DETAIL", None, {
        "kind": line.noun, "what": line.what, "reason": message(first.code, **first.params)})


def apply_retirement(
    db: Session, *, session: TenantSession, clock: Clock, employee_id: int,
    employee_version: int, month: str, expected: Sequence[tuple[str, int, int]],
    ip: str | None = None,
) -> Ok[dict[str, int]] | Err:
    """RK-12 退職 登録: in one transaction, every line of the preview the screen showed ends
    (``end_detail`` of RK-1 / RL-1: 終了年月 = ``month``, or 解除 for a detail that starts after
    it), the employee's version moves on with a 退職 history row, and the operation log gets
    one ``rokin.employee.retire`` entry. ``expected`` is the preview's ``keys()``; the
    employee's version and the set of details running after the month must still be exactly
    those (E-RK-RETIRE-CHANGED otherwise: nothing applied). Returns the counts by kind.

    Err as ``preview_retirement`` for the month and the employee; E-RK-RETIRE-DETAIL when a
    detail's own rules refuse its end (nothing applied)."""
    def refuse(err: Err, target: str | None = None) -> Err:
        rules.refuse(db, err, session=session, clock=clock, action=ACTION_RETIRE,
                     screen=SCREEN, ip=ip, target=target)
        return err

    now = clock.now()
    checked = _retire_month(month, clock)
    if isinstance(checked, Err):
        return refuse(checked)
    scope = scope_of(db, session)
    employee = None if scope is None else _locked_employee(db, scope, employee_id)
    if scope is None or employee is None or employee.id is None:
        return refuse(Err("E-RK-EMPLOYEE-NOT-FOUND"))
    target = employee.staff_no
    lines = _lines(db, scope, employee.id, checked)
    if employee.version != employee_version or sorted(
            (ln.kind, ln.detail_id, ln.version) for ln in lines) != sorted(expected):
        return refuse(Err("E-RK-RETIRE-CHANGED"), target)
    if not lines:
        nothing = Err("E-RK-RETIRE-NOTHING", "retire_month", {"month": dates.month_label(checked)})
        return refuse(nothing, target)
    for line in lines:
        done = _end_line(db, scope, (line.kind, line.detail_id, line.version), checked,
                         session.user_id, now)
        if isinstance(done, Err | Invalid):
            return refuse(_line_refusal(line, done), target)
    before = _snapshot(employee)
    employee.updated_at = now
    flag_modified(employee, "updated_at")  # the version moves on even at the same instant
    if not rules.flushed(db, employee):
        return refuse(Err("E-RK-RETIRE-CHANGED"), target)
    counts = {KIND_ROKIN: sum(1 for ln in lines if ln.kind == KIND_ROKIN),
              KIND_LEDGER: sum(1 for ln in lines if ln.kind == KIND_LEDGER)}
    _history(db, scope, employee, action=_RETIRED, actor=session.user_id, at=now,
             before=before, after={**before, "retire_month": checked})
    rules.commit_logged(
        db, contract_no=scope.contract_no, at=now, session=session, action=ACTION_RETIRE,
        ip=ip, target=target, screen=SCREEN,
        detail={"employee_id": employee.id, "month": checked, **counts,
                "ended": [f"{ln.kind}:{ln.detail_id}:{ln.new_end_month or 'cancel'}"
                          for ln in lines]},
    )
    return Ok(counts)
