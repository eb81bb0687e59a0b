"""A contract with 賃控元帳 data for the RL-1, RL-2, RL-4 and RL-11 integration tests: 種目
組合費/共済会費/購買代金, 30 employees of group 001 (the shared 労金控除 ``Employee`` rows) with a
組合費 detail each (every third one a 共済会費 too), 3 employees of group 002, a master, a user
with 閲覧のみ on every ledger menu, and contract B with its own 種目 and detail. The signed-in
states come from the shared harness ``tests/support/screens.py`` (``screen``: a state tree
built under pytest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from chingin_app.models import LedgerDetail, LedgerItemType, MenuPermission, UserRole
from tests import factories
from tests.support.screens import count_rows, screen, sign_in, stored_row

NOW = factories.NOW
KANA = ("ｻﾄｳ ﾀﾛｳ", "ｽｽﾞｷ ﾊﾅｺ", "ｷﾕｳﾖ ｲﾁﾛｳ")
DEPTS = ("総務部", "営業部", "製造部")
LEDGER_MENUS = ("ledger.detail_inquiry", "ledger.detail_new", "ledger.history",
                "ledger.item_inquiry")


@dataclass
class LedgerOrg:
    contract_id: int
    facts: dict[str, Any]
    tokens: dict[str, str]
    master: str
    viewer: str
    items: dict[str, int]  # code → id
    other_item: int  # contract B's
    other_detail: int  # contract B's


def _item(db: Session, contract: Any, code: str, name: str) -> LedgerItemType:
    item = LedgerItemType(contract_id=contract.id, code=code, name=name, created_at=NOW,
                          updated_at=NOW)
    db.add(item)
    db.flush()
    return item


def _detail(db: Session, employee: Any, item: LedgerItemType, monthly: int) -> LedgerDetail:
    detail = LedgerDetail(contract_id=employee.contract_id,
                          payment_group_id=employee.payment_group_id, employee_id=employee.id,
                          item_type_id=item.id, monthly_amount=monthly, bonus_amount=0,
                          start_month="2025-04", created_at=NOW, updated_at=NOW)
    db.add(detail)
    return detail


def make_ledger_org(db: Session) -> LedgerOrg:
    contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    items = {code: _item(db, contract, code, name)
             for code, name in (("0001", "組合費"), ("0002", "共済会費"), ("0003", "購買代金"))}
    for n in range(33):
        employee = factories.make_employee(
            db, contract, staff_no=f"{n + 1:06d}", group_no="001" if n < 30 else "002",
            name_kana=KANA[n % 3], department=DEPTS[n % 3], commit=False)
        db.flush()
        _detail(db, employee, items["0001"], 1_000 + 100 * n)
        if n % 3 == 0:
            _detail(db, employee, items["0002"], 500)
    master = factories.make_user(db, contract, role=UserRole.MASTER.value,
                                 user_id=factories.next_user_id("RlM"))
    viewer = factories.make_user(db, contract, user_id=factories.next_user_id("RlV"))
    assert viewer.id is not None
    for key in LEDGER_MENUS:
        db.add(MenuPermission(user_pk=viewer.id, menu_key=key, level="view_only"))
    other = factories.make_contract(db)
    other_item = _item(db, other, "0001", "組合費")
    other_employee = factories.make_employee(db, other, staff_no="000001", commit=False)
    db.flush()
    other_detail = _detail(db, other_employee, other_item, 2_000)
    db.commit()
    facts: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    for user in (master, viewer):
        sign_in(db, user, facts, tokens)
    assert contract.id is not None and other_item.id is not None and other_detail.id is not None
    made = LedgerOrg(contract.id, facts, tokens, master.user_id, viewer.user_id,
                     {code: i.id for code, i in items.items() if i.id is not None},
                     other_item.id, other_detail.id)
    db.commit()
    return made


__all__ = ["LedgerOrg", "count", "make_ledger_org", "screen", "stored"]

stored = stored_row


def count(db: Session, model: Any, contract_id: int) -> int:
    return count_rows(db, model, contract_id)
