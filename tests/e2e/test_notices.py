"""R-PLUS-7 through nginx and Chromium: a request the bank publishes shows as a notice on the
information screen (お知らせ), and 通知設定 — in the common menu — turns its mail off, keeps
the choice, and goes back with 戻る."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from chingin_app.db import session_scope
from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import MovableClock, to_jst
from chingin_app.domain.messages import message
from chingin_app.domain.notices import NoticeKind, month_label
from chingin_app.domain.result import Ok
from chingin_app.services import notices
from chingin_app.services.cycle_publishing import publish_month
from tests import factories
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours, issue_certificate
from tests.e2e.rokin_support import GROUPS, sign_in


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


def test_r_plus_7_notice_on_the_information_screen_and_notice_settings(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-PLUS-7: publish next month's request → the master's お知らせ lists it; 通知設定 shows
    every kind checked, 更新 with 控除依頼の受信 unchecked is kept (also after reloading), and
    戻る returns to the information screen."""
    with session_scope() as db:
        contract = factories.make_contract(db, services="rokin", groups=GROUPS)
        product = factories.make_rokin_product(db, contract)
        emp = factories.make_employee(db, contract, staff_no="000001")
        factories.make_deduction_detail(db, emp, product, account_no="1000001")
        contract_no = contract.contract_no
    master = issue_certificate(service, tmp_path, contract_no=contract_no)
    month = cyc.month_add(cyc.month_of(to_jst(BUSINESS_HOURS).date()), 1)
    with session_scope() as db:
        got = publish_month(db, contract_no=contract_no, deduct_month=month, actor="op1",
                            clock=MovableClock(BUSINESS_HOURS), group_no="001")
        assert isinstance(got, Ok), got

    context, page = sign_in(browser, service, master)
    with context:
        notice = page.get_by_test_id("notice")
        expect(notice).to_have_count(1)
        expect(notice).to_contain_text(
            f"労金控除 {month_label(month)} 月例の控除依頼を受信しました（入金グループ001）。")
        expect(page.get_by_role("region", name="お知らせ")).to_be_visible()

        page.get_by_role("button", name="通知設定").click()
        expect(page.get_by_role("heading", name="通知設定", exact=True)).to_be_visible()
        request_box = page.get_by_label(NoticeKind.REQUEST.label)
        expect(request_box).to_be_checked()
        expect(page.get_by_label(NoticeKind.DEADLINE.label)).to_be_checked()
        expect(page.get_by_label(NoticeKind.RESULTS.label)).to_be_checked()
        request_box.uncheck()
        page.get_by_role("button", name="更新").click()
        expect(page.get_by_role("status").filter(
            has_text=message("I-NOTICE-SETTINGS-SAVED"))).to_be_visible()

        page.reload()
        expect(page.get_by_label(NoticeKind.RESULTS.label)).to_be_checked()
        expect(page.get_by_label(NoticeKind.REQUEST.label)).not_to_be_checked()
        page.get_by_role("button", name="戻る").click()
        expect(page.get_by_test_id("info-title")).to_be_visible()
        expect(page.get_by_test_id("notice")).to_have_count(1)

    with session_scope(read_only=True) as db:
        stored = notices.read_settings(db, session=_Session(contract_no, master.user_id))
    assert isinstance(stored, Ok)
    assert stored.value.mail == {NoticeKind.REQUEST: False, NoticeKind.DEADLINE: True,
                                 NoticeKind.RESULTS: True}


class _Session:
    """The signed-in user as the services see it."""

    def __init__(self, contract_no: str, user_id: str) -> None:
        self.contract_no = contract_no
        self.user_id = user_id
        self.role = "master"
