"""A contract for the 賃控元帳 cycle's integration tests (RL-CYCLE-1 … 4, RL-5 … RL-13): both
kinds of details over two payment groups, one employee with a five-digit 職員番号."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Ok
from chingin_app.models import DeductionRequest, PaymentGroup
from chingin_app.services.rokin import cycle as rc
from tests import factories

#: When the bank publishes in these tests (the services take the clock).
CLOCK_AT = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)


@dataclass
class Org:
    contract: Any
    employees: dict[str, Any]
    details: dict[str, Any]
    items: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.contract.id)

    @property
    def no(self) -> str:
        return str(self.contract.contract_no)


def make_cycle_org(db: Session) -> Org:
    """Two groups. 001: 000001 (労金控除 10,000; 組合費 3,000 / 一時金 6,000 and 共済会費 500),
    000002 (労金控除 5,000; 組合費 3,000), 00003 — five digits, ledger only — (組合費 2,500),
    000005 (組合費 1,200 ending 2026-03); 002: 000004 (労金控除 8,000; 組合費 1,000)."""
    contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    product = factories.make_rokin_product(db, contract, code="0001", name="普通預金")
    items = {code: factories.make_ledger_item(db, contract, code=code, name=name)
             for code, name in (("0001", "組合費"), ("0002", "共済会費"), ("0003", "購買代金"))}
    people = {
        "000001": ("ﾛｳｷﾝ ﾀﾛｳ", "総務部", "001"),
        "000002": ("ｷﾕｳﾖ ｲﾁﾛｳ", "営業部", "001"),
        "00003": ("ｻﾄｳ ﾊﾅｺ", "営業部", "001"),
        "000005": ("ﾀｲｼｮｸ ｼﾞﾛｳ", "総務部", "001"),
        "000004": ("ｵｵｻｶ ｻﾌﾞﾛｳ", "製造部", "002"),
    }
    employees = {
        no: factories.make_employee(db, contract, staff_no=no, name_kana=kana, department=dept,
                                    group_no=group)
        for no, (kana, dept, group) in people.items()
    }
    for no, amount in (("000001", 10_000), ("000002", 5_000), ("000004", 8_000)):
        factories.make_deduction_detail(db, employees[no], product, account_no=f"1{no}",
                                        monthly_amount=amount)
    details = {
        "e1-union": factories.make_ledger_detail(db, employees["000001"], items["0001"],
                                                 monthly_amount=3_000, bonus_amount=6_000),
        "e1-mutual": factories.make_ledger_detail(db, employees["000001"], items["0002"],
                                                  monthly_amount=500),
        "e2-union": factories.make_ledger_detail(db, employees["000002"], items["0001"],
                                                 monthly_amount=3_000),
        "e3-union": factories.make_ledger_detail(db, employees["00003"], items["0001"],
                                                 monthly_amount=2_500),
        "e5-union": factories.make_ledger_detail(db, employees["000005"], items["0001"],
                                                 monthly_amount=1_200, end_month="2026-03"),
        "e4-union": factories.make_ledger_detail(db, employees["000004"], items["0001"],
                                                 monthly_amount=1_000),
    }
    return Org(contract, employees, details, items)




def confirm_and_load_rokin(db: Session, org: Org, month: str, bank_kana: dict[str, str]) -> None:
    """The 労金控除 requests of ``month`` confirmed and their results loaded, the bank knowing
    some employees under ``bank_kana``."""
    clock = MovableClock(datetime(int(month[:4]), int(month[5:]), 20, 1, tzinfo=UTC))
    rows = []
    for request in db.exec(select(DeductionRequest).where(
            DeductionRequest.contract_id == org.id, DeductionRequest.deduct_month == month)):
        group = db.get(PaymentGroup, request.payment_group_id)
        assert group is not None and request.id is not None

        @dataclass(frozen=True)
        class Master:
            contract_no: str = org.no
            user_id: str = "master01"
            group_no: str | None = group.number

        assert isinstance(rc.confirm(db, session=Master(), clock=clock, request_id=request.id,
                                     version=request.version), Ok)
        for line in rc.request_lines(db, contract_id=org.id, request_id=request.id):
            rows.append([group.number, month, "月例", line.staff_no, line.account_no,
                         line.product_code, line.amount, "0", "",
                         bank_kana.get(line.staff_no, line.name_kana),
                         request.remittance_date.isoformat()])
    loaded = rc.load_results(db, contract_no=org.no, data=rc.results_csv(rows), actor="op1",
                             clock=clock)
    assert isinstance(loaded, Ok), loaded
