"""RK-12 職員情報照会・変更 as the clerk meets it, in Chromium through nginx (SPEC §11 RK-12;
R-PLUS-5 preview first; R-PLUS-8 漢字氏名 filter): from the information screen (労金控除事務) the
demo organisation's master finds an employee, changes the 所属 and 労金控除明細照会 lists the new
所属; then records an employee's 退職 from this month: the preview lists the 労金控除 and
賃控元帳 details that end, and after 退職を登録 every one of them has ended.

The contract is the 労金控除 demo organisation with the demo ledger (runtime/demo_ledger.py), its
own contract on the shared service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.clock import to_jst
from chingin_app.domain.messages import message
from chingin_app.models import (
    Contract,
    DeductionDetail,
    Employee,
    LedgerDetail,
    PaymentGroup,
)
from chingin_app.state.rokin.employees import RokinEmployeesState  # noqa: F401 (registers)
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours
from tests.e2e.rokin_support import RokinOrg, ledger_org, sign_in

THIS_MONTH = f"{to_jst(BUSINESS_HOURS):%Y-%m}"


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


@pytest.fixture(scope="module")
def org(service: Service, tmp_path_factory: pytest.TempPathFactory) -> RokinOrg:
    return ledger_org(service, tmp_path_factory.mktemp("employees"))


def _running(model: type, employee_id: int) -> list[tuple[int, str | None, str]]:
    """(id, 終了年月, status) of the employee's details of ``model`` not cancelled and not
    ended before this month."""
    with session_scope(read_only=True) as db:
        rows = db.exec(select(model).where(
            col(model.employee_id) == employee_id,  # type: ignore[attr-defined]
            col(model.status) == "active")).all()  # type: ignore[attr-defined]
        return [(r.id, r.end_month, r.status) for r in rows
                if r.end_month is None or r.end_month >= THIS_MONTH]


def _detail_count(employee_id: int) -> int:
    """How many 労金控除 details RK-1 lists for the employee (状態 （すべて）)."""
    with session_scope(read_only=True) as db:
        return len(db.exec(select(DeductionDetail.id).where(
            DeductionDetail.employee_id == employee_id)).all())


def _employees_with_both(contract_no: str) -> list[tuple[int, str, str, str]]:
    """(id, 職員番号, カナ氏名, 漢字氏名) of group 001's employees with an open-ended 労金控除
    detail and an open-ended 賃控元帳 detail, by 職員番号."""
    with session_scope(read_only=True) as db:
        rows = db.exec(
            select(Employee)
            .join(Contract, col(Contract.id) == col(Employee.contract_id))
            .join(PaymentGroup, col(PaymentGroup.id) == col(Employee.payment_group_id))
            .where(Contract.contract_no == contract_no, PaymentGroup.number == "001")
            .where(col(Employee.id).in_(select(DeductionDetail.employee_id).where(
                DeductionDetail.status == "active", col(DeductionDetail.end_month).is_(None))))
            .where(col(Employee.id).in_(select(LedgerDetail.employee_id).where(
                LedgerDetail.status == "active", col(LedgerDetail.end_month).is_(None))))
            .order_by(col(Employee.staff_no))
        ).all()
        return [(e.id, e.staff_no, e.name_kana, e.name_kanji) for e in rows if e.id]


def _open_employees(page: Page) -> None:
    page.get_by_role("link", name="職員情報照会・変更").click()
    expect(page.get_by_role("heading", name="職員情報照会・変更", level=1)).to_be_visible()
    expect(page.get_by_test_id("employee-count")).to_contain_text("件")


def _find(page: Page, staff_no: str) -> None:
    page.get_by_label("職員番号", exact=True).fill(staff_no)
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_test_id("employee-count")).to_contain_text("1 件")


def test_rk_12_clerk_changes_a_department_and_rk_1_lists_it(
    browser: Browser, service: Service, org: RokinOrg
) -> None:
    """RK-12 変更 of 所属 (found by 漢字氏名, R-PLUS-8, then by 職員番号) → the notice and the
    list show it → 戻る → 労金控除明細照会 (RK-1) lists the employee's details with the new 所属."""
    _eid, staff_no, kana, kanji = _employees_with_both(org.contract_no)[0]
    context, page = sign_in(browser, service, org.master)
    with context:
        _open_employees(page)
        page.get_by_label("漢字氏名", exact=True).fill(kanji.replace("　", " "))
        page.get_by_role("button", name="検索").click()
        expect(page.get_by_role("table")).to_contain_text(staff_no)
        _find(page, staff_no)
        page.get_by_role("button", name=f"変更 {staff_no} {kana}").click()
        form = page.get_by_role("region", name="職員情報の入力")
        expect(form).to_contain_text(kana)
        form.get_by_label("新しい所属").fill("企画調整部")
        form.get_by_role("button", name="更新").click()
        expect(page.get_by_role("status").filter(
            has_text=message("I-EMPLOYEE-CHANGED", staff_no=staff_no))).to_be_visible()
        expect(page.get_by_role("table")).to_contain_text("企画調整部")
        page.get_by_role("button", name="戻る").click()
        page.get_by_role("link", name="労金控除明細照会").click()
        expect(page.get_by_role("heading", name="労金控除明細照会")).to_be_visible()
        page.get_by_label("職員番号").fill(staff_no)
        page.get_by_role("button", name="検索").click()
        rows = page.get_by_role("table").locator("tbody tr")
        # The search's own rows first (a loaded machine may still show the list from before
        # the search, whose first row can be this employee too), then each with the new 所属.
        expect(rows).to_have_count(_detail_count(_eid))
        for i in range(rows.count()):
            expect(rows.nth(i)).to_contain_text(staff_no)
            expect(rows.nth(i)).to_contain_text("企画調整部")
    with session_scope(read_only=True) as db:
        stored = db.exec(select(Employee).where(Employee.id == _eid)).one()
        assert stored.department == "企画調整部"


def test_rk_12_clerk_retires_an_employee_and_both_kinds_end(
    browser: Browser, service: Service, org: RokinOrg
) -> None:
    """RK-12 退職 from this month: 確認 lists the employee's 労金控除明細 and 賃控元帳明細 and
    changes nothing; 退職を登録 → はい ends every one of them (終了年月 = the month) in one go,
    and the notice counts both kinds."""
    eid, staff_no, kana, _kanji = _employees_with_both(org.contract_no)[1]
    rokin_before, ledger_before = _running(DeductionDetail, eid), _running(LedgerDetail, eid)
    assert rokin_before and ledger_before
    context, page = sign_in(browser, service, org.master)
    with context:
        _open_employees(page)
        _find(page, staff_no)
        page.get_by_role("button", name=f"退職 {staff_no} {kana}").click()
        form = page.get_by_role("region", name="職員情報の入力")
        form.get_by_label("退職年月（例：2026-04）").fill(THIS_MONTH)
        form.get_by_role("button", name="確認").click()
        preview = page.get_by_test_id("retire-preview")
        expect(preview).to_contain_text(message(
            "I-EMPLOYEE-RETIRE-PREVIEW", staff_no=staff_no, name_kana=kana,
            month=dates.month_label(THIS_MONTH),
            rokin=len(rokin_before), ledger=len(ledger_before)))
        table = preview.get_by_role("table")
        expect(table).to_contain_text("労金控除明細")
        expect(table).to_contain_text("賃控元帳明細")
        assert _running(DeductionDetail, eid) == rokin_before  # the preview changes nothing
        preview.get_by_role("button", name="退職を登録").click()
        page.get_by_role("alertdialog").get_by_role("button", name="はい").click()
        expect(page.get_by_role("status").filter(has_text=message(
            "I-EMPLOYEE-RETIRED", staff_no=staff_no, month=dates.month_label(THIS_MONTH),
            rokin=len(rokin_before), ledger=len(ledger_before)))).to_be_visible()
    with session_scope(read_only=True) as db:
        for model, before in ((DeductionDetail, rokin_before), (LedgerDetail, ledger_before)):
            for detail_id, _end, _status in before:
                row = db.get(model, detail_id)
                assert row is not None
                # 終了 this month, or 解除 when it would only have started later.
                assert row.end_month == THIS_MONTH or row.status == "cancelled", (model, row)
    assert _running(DeductionDetail, eid) == [] or all(
        end == THIS_MONTH for _i, end, _s in _running(DeductionDetail, eid))
