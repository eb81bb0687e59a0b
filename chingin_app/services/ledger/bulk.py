"""RL-8 賃控元帳明細一括更新 (SPEC §11): set the 月例額 and/or 一時金額 of every active ledger
detail of one 種目 (in the session's contract and payment group) at once.

``preview`` lists the details with their current and new amounts (changing nothing);
``apply`` takes that preview back and writes it in one transaction: every detail locked, its
version compared with the one the preview read (anything changed meanwhile →
E-RL-BULK-CONFLICT, nothing applied), a 変更 history row per detail and one operation-log
entry. Field rules are ``services/detail_rules.py``'s. Plain Python: no Reflex."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import Employee, LedgerDetail, LedgerItemType
from chingin_app.models.rokin import DetailStatus, HistoryAction
from chingin_app.services import detail_rules as rules
from chingin_app.services.collation import code_point
from chingin_app.services.detail_rules import current_month
from chingin_app.services.ledger import details
from chingin_app.services.tenant import TenantSession, scope_of

__all__ = ["ACTION_BULK", "BulkLine", "BulkPreview", "apply", "preview"]

ACTION_BULK: Final = "ledger.detail.bulk_update"
_SCREEN: Final = "賃控元帳明細一括更新"


@dataclass(frozen=True)
class BulkLine:
    """One detail of the preview: the version read, current and new amounts."""

    detail_id: int
    version: int
    staff_no: str
    name_kana: str
    department: str
    monthly_amount: int
    bonus_amount: int
    new_monthly: int
    new_bonus: int

    @property
    def changed(self) -> bool:
        return (self.monthly_amount, self.bonus_amount) != (self.new_monthly, self.new_bonus)


@dataclass(frozen=True)
class BulkPreview:
    """What 適用 would do: the 種目, the amounts typed (None = unchanged) and every line."""

    item_id: int
    item_code: str
    item_name: str
    new_monthly: int | None
    new_bonus: int | None
    lines: tuple[BulkLine, ...]

    @property
    def changed(self) -> int:
        return sum(1 for line in self.lines if line.changed)

    @property
    def unchanged(self) -> int:
        return len(self.lines) - self.changed


def preview(
    db: Session, *, session: TenantSession, clock: Clock, item_code: str, monthly_amount: str,
    bonus_amount: str,
) -> Ok[BulkPreview] | Invalid | Err:
    """The active details of the 種目 in the session's group with the new amounts (blank =
    unchanged; at least one typed). ``Invalid`` with every field error (E-RL-ITEM-UNKNOWN,
    E-RL-BULK-NO-AMOUNT, E-AMOUNT-FORMAT, E-RL-BULK-ZERO when a detail would have both
    amounts 0); Err E-GROUP-NOT-SELECTED."""
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return Err("E-GROUP-NOT-SELECTED")
    errors: list[Err] = []
    item = None if not item_code else db.exec(select(LedgerItemType).where(
        LedgerItemType.contract_id == scope.contract_id, LedgerItemType.code == item_code
    )).first()
    if item is None:
        errors.append(Err("E-RL-ITEM-UNKNOWN", "item_code", {"label": "種目"}))
    typed: dict[str, int | None] = {}
    for value, field, label in ((monthly_amount, "monthly_amount", "月例額"),
                                (bonus_amount, "bonus_amount", "一時金額")):
        value = value.strip()
        if value == "":
            typed[field] = None
            continue
        parsed = rules.parse_amount(value, field, label)
        if isinstance(parsed, Err):
            errors.append(parsed)
        typed[field] = parsed if isinstance(parsed, int) else None
    if not errors and typed["monthly_amount"] is None and typed["bonus_amount"] is None:
        errors.append(Err("E-RL-BULK-NO-AMOUNT", "monthly_amount", {"label": "月例額"}))
    if errors:
        return Invalid(tuple(errors))
    assert item is not None and item.id is not None
    new_monthly, new_bonus = typed["monthly_amount"], typed["bonus_amount"]
    found = db.exec(
        select(LedgerDetail, Employee)
        .join(Employee, col(Employee.id) == col(LedgerDetail.employee_id))
        .where(col(LedgerDetail.contract_id) == scope.contract_id,
               col(LedgerDetail.payment_group_id) == scope.payment_group_id,
               col(LedgerDetail.item_type_id) == item.id,
               *rules.status_clauses("active", col(LedgerDetail.status),
                                     col(LedgerDetail.end_month), current_month(clock)))
        .order_by(code_point(col(Employee.staff_no)), col(LedgerDetail.id))
    ).all()
    lines: list[BulkLine] = []
    for d, e in found:
        assert d.id is not None
        lines.append(BulkLine(
            detail_id=d.id, version=d.version, staff_no=e.staff_no, name_kana=e.name_kana,
            department=e.department, monthly_amount=d.monthly_amount,
            bonus_amount=d.bonus_amount,
            new_monthly=d.monthly_amount if new_monthly is None else new_monthly,
            new_bonus=d.bonus_amount if new_bonus is None else new_bonus,
        ))
    zero = sum(1 for line in lines if line.new_monthly == line.new_bonus == 0)
    if zero:
        return Invalid((Err("E-RL-BULK-ZERO", "monthly_amount", {"count": f"{zero:,}"}),))
    return Ok(BulkPreview(item.id, item.code, item.name, new_monthly, new_bonus, tuple(lines)))


def apply(
    db: Session, *, session: TenantSession, clock: Clock, preview: BulkPreview,
    ip: str | None = None,
) -> Ok[int] | Err:
    """適用: the preview's changed lines in one transaction; returns how many changed. Err
    E-RL-NO-CHANGE (nothing to change), E-RL-BULK-CONFLICT (a detail changed, was cancelled or
    went away since the preview: nothing applied). Logged as ``ledger.detail.bulk_update``."""
    target = f"{preview.item_code} {preview.item_name}"[:40]

    def refuse(err: Err) -> Err:
        rules.refuse(db, err, session=session, clock=clock, action=ACTION_BULK, screen=_SCREEN,
                     ip=ip, target=target)
        return err

    changed = [line for line in preview.lines if line.changed]
    if not changed:
        return refuse(Err("E-RL-NO-CHANGE"))
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return refuse(Err("E-GROUP-NOT-SELECTED"))
    now = clock.now()
    ids = [line.detail_id for line in changed]
    rows = {d.id: d for d in db.exec(
        select(LedgerDetail).where(
            col(LedgerDetail.id).in_(ids), col(LedgerDetail.contract_id) == scope.contract_id,
            col(LedgerDetail.payment_group_id) == scope.payment_group_id,
            col(LedgerDetail.item_type_id) == preview.item_id,
        ).with_for_update().execution_options(populate_existing=True)
    ).all()}
    item = db.get(LedgerItemType, preview.item_id)
    for line in changed:
        d = rows.get(line.detail_id)
        if (item is None or d is None or d.version != line.version
                or d.status != DetailStatus.ACTIVE.value):
            return refuse(Err("E-RL-BULK-CONFLICT"))
    assert item is not None
    for line in changed:
        d = rows[line.detail_id]
        employee = db.get(Employee, d.employee_id)
        assert employee is not None
        before = details.snapshot(d, employee, item)
        d.monthly_amount, d.bonus_amount = line.new_monthly, line.new_bonus
        d.updated_at = now
        if not rules.flushed(db, d):
            return refuse(Err("E-RL-BULK-CONFLICT"))
        details.record_history(db, scope, d, HistoryAction.CHANGE, session.user_id, now,
                                      before, details.snapshot(d, employee, item))
    rules.commit_logged(
        db, contract_no=scope.contract_no, at=now, session=session, action=ACTION_BULK, ip=ip,
        target=target, screen=_SCREEN,
        detail={"item_code": preview.item_code, "changed": len(changed),
                "monthly_amount": preview.new_monthly, "bonus_amount": preview.new_bonus},
    )
    return Ok(len(changed))

