"""The demo contract's 賃控元帳 (SPEC §11 RL-1, RL-11): four 種目 (組合費, 共済会費, 購買代金,
互助会費) and ledger details for most of the demo employees (the 労金控除 demo organisation's
``Employee`` rows), made deterministically with a fixed seed with a 追加 history row each.
Skipped when the contract already has 種目, or has no 賃控元帳 service."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from typing import Final

from sqlmodel import Session, col, select

from chingin_app.domain.contract import Service
from chingin_app.models import Contract, Employee, LedgerDetail, LedgerDetailHistory, LedgerItemType
from chingin_app.models.rokin import HistoryAction

__all__ = ["DEMO_LEDGER_ITEMS", "DEMO_LEDGER_SEED", "load_demo_ledger"]

DEMO_LEDGER_SEED: Final = 20260501
#: (code, name, monthly amount low, high, step, share of the employees)
DEMO_LEDGER_ITEMS: Final[tuple[tuple[str, str, int, int, int, float], ...]] = (
    ("0001", "組合費", 2_000, 4_000, 500, 0.9),
    ("0002", "共済会費", 500, 1_500, 100, 0.7),
    ("0003", "購買代金", 1_000, 15_000, 1_000, 0.35),
    ("0004", "互助会費", 300, 1_000, 100, 0.5),
)


def load_demo_ledger(db: Session, contract_id: int, today: date) -> int:
    """The demo 種目 and ledger details (committed). Returns the number of details made."""
    contract = db.get(Contract, contract_id)
    if contract is None or Service.LEDGER.value not in contract.service_list():
        return 0
    if db.exec(select(LedgerItemType.id)
               .where(LedgerItemType.contract_id == contract_id)).first() is not None:
        return 0
    at = datetime(today.year, today.month, 1, 1, tzinfo=UTC)
    items = []
    for code, name, *_ in DEMO_LEDGER_ITEMS:
        item = LedgerItemType(contract_id=contract_id, code=code, name=name, created_at=at,
                              updated_at=at)
        db.add(item)
        items.append(item)
    db.flush()
    rng = random.Random(DEMO_LEDGER_SEED)
    employees = db.exec(select(Employee).where(Employee.contract_id == contract_id)
                        .order_by(col(Employee.staff_no))).all()
    made = 0
    for employee in employees:
        assert employee.id is not None
        for item, (_code, _name, low, high, step, share) in zip(
            items, DEMO_LEDGER_ITEMS, strict=True
        ):
            if rng.random() >= share:
                continue
            assert item.id is not None
            monthly = rng.randrange(low, high + 1, step)
            start = min(f"{today.year - rng.randint(0, 3)}-{rng.randint(1, 12):02d}",
                        f"{today:%Y-%m}")
            detail = LedgerDetail(
                contract_id=contract_id, payment_group_id=employee.payment_group_id,
                employee_id=employee.id, item_type_id=item.id, monthly_amount=monthly,
                bonus_amount=monthly * 2 if item.code == "0001" else 0, start_month=start,
                created_at=at, updated_at=at,
            )
            db.add(detail)
            db.flush()
            assert detail.id is not None
            after = {
                "staff_no": employee.staff_no, "name_kana": employee.name_kana,
                "name_kanji": employee.name_kanji, "department": employee.department,
                "item_code": item.code, "item_name": item.name,
                "monthly_amount": detail.monthly_amount, "bonus_amount": detail.bonus_amount,
                "start_month": detail.start_month, "end_month": None, "status": detail.status,
            }
            db.add(LedgerDetailHistory(
                contract_id=contract_id, detail_id=detail.id, changed_at=at, actor="demo",
                action=HistoryAction.ADD.value, before_json=None,
                after_json=json.dumps(after, ensure_ascii=False, sort_keys=True),
            ))
            made += 1
    db.commit()
    return made
