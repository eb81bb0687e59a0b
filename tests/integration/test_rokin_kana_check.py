"""R-PLUS-2 カナ氏名チェックリスト ("in a list", A.1) on a real database with the demo organisation:
the payment group's active details whose カナ氏名 the bank would reject, or that differ from
the kana the bank registered in the latest results, with the normalised form and the reason;
paged; CSV in CP932; another group's or contract's employees never appear."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from chingin_app.domain.clock import MovableClock
from chingin_app.domain.kana import normalise_kana
from chingin_app.domain.result import Err, Ok
from chingin_app.models import DeductionDetail, Employee
from chingin_app.runtime import demo_rokin
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.services.rokin import kana_check as kc
from tests.factories import make_contract

TODAY = date(2026, 4, 1)


@dataclass(frozen=True)
class User:
    contract_no: str
    user_id: str = "master01"
    group_no: str | None = "001"


def _org(db: Session) -> tuple[str, int]:
    contract = make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    assert contract.id is not None
    demo_rokin.load_demo_organisation(db, contract.id, TODAY)
    rokin_cycle.load_demo_history(db, contract_id=contract.id, today=TODAY,
                                  bank_kana=demo_rokin.DEMO_BANK_KANA)
    db.commit()
    return contract.contract_no, contract.id


def _rows(db: Session, session: User) -> tuple[tuple[kc.KanaCheckRow, ...], str | None]:
    got = kc.check_rows(db, session=session, clock=MovableClock())
    assert isinstance(got, Ok), got
    return got.value


def _group_of(db: Session, contract_id: int) -> dict[str, str]:
    from chingin_app.models import PaymentGroup

    rows = db.exec(select(Employee.staff_no, PaymentGroup.number)
                   .join(PaymentGroup, col(PaymentGroup.id) == col(Employee.payment_group_id))
                   .where(Employee.contract_id == contract_id)).all()
    return dict(rows)


def _set_kana(db: Session, contract_id: int, staff_no: str, kana: str) -> None:
    employee = db.exec(select(Employee).where(Employee.contract_id == contract_id,
                                              Employee.staff_no == staff_no)).one()
    employee.name_kana = kana  # as an import or an old system could have left it
    db.add(employee)
    db.commit()


def _active_staff(db: Session, contract_id: int, group: str) -> list[str]:
    groups = _group_of(db, contract_id)
    staff = db.exec(select(Employee.staff_no).join(
        DeductionDetail, col(DeductionDetail.employee_id) == col(Employee.id)).where(
        Employee.contract_id == contract_id, DeductionDetail.status == "active",
        col(DeductionDetail.end_month).is_(None))).all()
    return sorted({s for s in staff if groups[s] == group})


def test_r_plus_2_bank_kana_mismatches_are_listed_per_group(db: Session) -> None:
    """The demo's employees the bank knows under another kana (DEMO_BANK_KANA) are listed in
    their own group only, with both kana normalised and where they differ."""
    contract_no, contract_id = _org(db)
    groups = _group_of(db, contract_id)
    for group in ("001", "002"):
        rows, month = _rows(db, User(contract_no, group_no=group))
        assert month == "2026-03"
        expected = {s for s in demo_rokin.DEMO_BANK_KANA if groups[s] == group}
        assert expected
        mismatched = {r.staff_no for r in rows if kc.KIND_MISMATCH in r.kind}
        assert mismatched == expected
        assert all(groups[r.staff_no] == group for r in rows)
        for row in rows:
            if row.staff_no in expected:
                assert row.bank_kana == demo_rokin.DEMO_BANK_KANA[row.staff_no]
                assert row.normalised == normalise_kana(row.name_kana)
                assert f"金庫登録カナ「{normalise_kana(row.bank_kana)}」と異なります" in row.reason
                assert "文字目から異なる" in row.reason or "文字数が異なる" in row.reason


def test_r_plus_2_kana_the_bank_would_reject_with_normalised_form(db: Session) -> None:
    """A カナ氏名 with a character outside the bank's set after normalisation, or over the
    bank's 30 bytes, is listed with its normalised form and the reason; one that only needs
    normalising (small kana, full-width) is not."""
    contract_no, contract_id = _org(db)
    staff = [s for s in _active_staff(db, contract_id, "001")
             if s not in demo_rokin.DEMO_BANK_KANA]
    _set_kana(db, contract_id, staff[0], "ﾔﾏﾀﾞ 太郎")
    _set_kana(db, contract_id, staff[1], "ｱ" * 31)
    _set_kana(db, contract_id, staff[2], "きょうこ　やまだ")  # only needs normalising
    rows, _ = _rows(db, User(contract_no))
    by_staff = {r.staff_no: r for r in rows}
    kanji = by_staff[staff[0]]
    assert kc.KIND_REJECT in kanji.kind
    assert kanji.normalised == "ﾔﾏﾀﾞ 太郎"
    assert "金庫で使用できない文字「太」があります（6文字目）" in kanji.reason
    long = by_staff[staff[1]]
    assert kc.KIND_REJECT in long.kind and "半角31文字" in long.reason
    # ｷﾖｳｺ ﾔﾏﾀﾞ is fine for the bank; it differs from the kana of the March results, though.
    if staff[2] in by_staff:
        assert kc.KIND_REJECT not in by_staff[staff[2]].kind
        assert by_staff[staff[2]].normalised == "ｷﾖｳｺ ﾔﾏﾀﾞ"


def test_r_plus_2_paged_and_exported_as_cp932_csv(db: Session) -> None:
    contract_no, contract_id = _org(db)
    staff = [s for s in _active_staff(db, contract_id, "001")
             if s not in demo_rokin.DEMO_BANK_KANA]
    _set_kana(db, contract_id, staff[0], "=ﾔﾏﾀﾞ 太郎")
    rows, _ = _rows(db, User(contract_no))
    page = kc.page_of(rows, page=99, page_size=1)
    assert (page.page, page.pages, page.total) == (len(rows), len(rows), len(rows))
    assert page.rows == (rows[-1],)
    data = kc.export_csv(rows)
    text = data.decode("cp932")
    assert text.endswith("\r\n")
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[0] == list(kc.CSV_HEADER)
    assert len(table) == len(rows) + 1
    formula = next(r for r in table if r[0] == staff[0])
    assert formula[1] == "'=ﾔﾏﾀﾞ 太郎"  # A.2: the free-text column is neutralised


def test_r_plus_2_other_contracts_and_groups_never_appear(db: Session) -> None:
    contract_no, _ = _org(db)
    other = make_contract(db, groups=(("001", "本社"),))
    got = kc.check_rows(db, session=User(other.contract_no), clock=MovableClock())
    assert isinstance(got, Ok) and got.value == ((), None)
    for session in (User(contract_no, group_no="777"), User(contract_no, group_no=None),
                    User("99999999")):
        refused = kc.check_rows(db, session=session, clock=MovableClock())
        assert isinstance(refused, Err) and refused.code == "E-RECON-NO-GROUP"
