"""The demo 一斉積立内訳明細 (issue 4; SPEC §11 RS-1..RS-3, R-INFO-1): three monthly statements
for every payment group of the demo contract, received on the 20th of the last three months
whose 20th has come, with new, changed and ended lines between them.

Deterministic: one seeded ``random.Random``, dates from ``today`` only. Idempotent: a contract
that already has statements is left alone. The people are the group's employees of the 労金控除
demo organisation (``runtime/demo_rokin``) when it has them, else a few made-up ones.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time
from typing import Final

from sqlmodel import Session, col, select

from chingin_app.domain.batch_savings import BatchRow
from chingin_app.domain.clock import JST
from chingin_app.domain.contract import Service
from chingin_app.models import BatchSavingsStatement, Contract, Employee, PaymentGroup
from chingin_app.services.batch_savings_bank import store_statement

__all__ = ["DEMO_BATCH_SEED", "demo_months", "load_demo_statements"]

DEMO_BATCH_SEED: Final = 20261020
#: The day of the month the bank sends the statement.
_RECEIVED_DAY: Final = 20
#: Lines per group at most (the first employees by 職員番号).
_MAX_PEOPLE: Final = 60
_PRODUCTS: Final = (("定期積金", "101"), ("財形預金", "101"), ("普通預金", "305"))
_AMOUNTS: Final = (3000, 5000, 10000, 15000, 20000, 30000, 50000)
_FALLBACK: Final = (
    ("ｻﾄｳ ﾀﾛｳ", "佐藤 太郎", "総務部"), ("ｽｽﾞｷ ﾊﾅｺ", "鈴木 花子", "営業部"),
    ("ﾀｶﾊｼ ｹﾝﾀ", "高橋 健太", "経理部"), ("ﾀﾅｶ ｷﾖｳｺ", "田中 京子", "人事部"),
    ("ｲﾄｳ ﾏｺﾄ", "伊藤 誠", "営業部"), ("ﾜﾀﾅﾍﾞ ﾕｳｺ", "渡辺 優子", "企画部"),
)


def demo_months(today: date) -> list[str]:
    """The three 積立年月 (``YYYY-MM``), oldest first, whose statement day is not after
    ``today``."""
    index = today.year * 12 + today.month - 1 - (0 if today.day >= _RECEIVED_DAY else 1)
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in (index - 2, index - 1, index)]


def _people(db: Session, contract_id: int, group: PaymentGroup) -> list[tuple[str, ...]]:
    employees = db.exec(
        select(Employee)
        .where(Employee.contract_id == contract_id, Employee.payment_group_id == group.id)
        .order_by(col(Employee.staff_no))
        .limit(_MAX_PEOPLE)
    ).all()
    if employees:
        return [(e.staff_no, e.name_kana, e.name_kanji, e.department) for e in employees]
    return [(f"{group.number}{n:03d}", kana, kanji, dept)
            for n, (kana, kanji, dept) in enumerate(_FALLBACK, start=1)]


def _new_account(rng: random.Random) -> tuple[str, str, str, int]:
    product, branch = rng.choice(_PRODUCTS)
    return product, branch, f"{rng.randrange(10**6, 10**7):07d}", rng.choice(_AMOUNTS)


def _next_month(rng: random.Random, people: list[tuple[str, ...]],
                current: dict[str, tuple[str, str, str, int]]) -> None:
    """A month's changes: a few 解約, some 変更 of the amount, a few 新規 — at least one of
    each where the people allow, so every 変更区分 shows in the demo."""
    ended = changed = 0
    for staff_no, (product, branch, account, amount) in sorted(current.items()):
        draw = rng.random()
        if draw < 0.08 or (ended == 0 and staff_no == max(current)):
            del current[staff_no]
            ended += 1
        elif draw < 0.2 or (changed == 0 and staff_no == min(current)):
            others = [a for a in _AMOUNTS if a != amount]
            current[staff_no] = (product, branch, account, rng.choice(others))
            changed += 1
    waiting = [p[0] for p in people if p[0] not in current]
    joined = [staff for staff in waiting if rng.random() < 0.1] or waiting[:1]
    for staff_no in joined:
        current[staff_no] = _new_account(rng)


def load_demo_statements(db: Session, contract_id: int, today: date) -> int:
    """Three statements per payment group (committed); 0 when the contract already has
    statements or has no 一斉積立 service. Returns the number of statements made."""
    contract = db.get(Contract, contract_id)
    if contract is None or Service.BATCH.value not in contract.service_list():
        return 0
    if db.exec(select(BatchSavingsStatement.id)
               .where(BatchSavingsStatement.contract_id == contract_id)).first():
        return 0
    groups = db.exec(select(PaymentGroup).where(PaymentGroup.contract_id == contract_id)
                     .order_by(col(PaymentGroup.number))).all()
    rng = random.Random(DEMO_BATCH_SEED)
    made = 0
    months = demo_months(today)
    for group in groups:
        assert group.id is not None
        people = _people(db, contract_id, group)
        # Who saves what: about two thirds of the people, one product each.
        current: dict[str, tuple[str, str, str, int]] = {}
        for staff_no, *_ in people:
            if rng.random() < 0.67:
                current[staff_no] = _new_account(rng)
        for number, month in enumerate(months):
            if number:
                _next_month(rng, people, current)
            by_staff = {p[0]: p for p in people}
            rows = [
                BatchRow(row=0, group_no=group.number, month=month, kind="monthly",
                         staff_no=staff_no, name_kana=by_staff[staff_no][1],
                         name_kanji=by_staff[staff_no][2], department=by_staff[staff_no][3],
                         branch_no=branch, account_no=account, product_name=product,
                         amount=amount)
                for staff_no, (product, branch, account, amount) in sorted(current.items())
            ]
            year, mon = (int(x) for x in month.split("-"))
            received = datetime.combine(date(year, mon, _RECEIVED_DAY), time(9, 0), tzinfo=JST)
            store_statement(db, contract_id=contract_id, group_id=group.id, month=month,
                            kind="monthly", rows=rows, received_at=received)
            made += 1
    db.commit()
    return made
