"""労金控除明細 in Chromium through nginx (SPEC §11 RK-1 労金控除明細照会, RK-2 労金控除明細
新規登録, RK-3 労金控除明細更新履歴照会; R-PLUS-2 カナ氏名 on entry; R-USER-7 閲覧のみ): the
master finds an employee by カナ氏名 typed in hiragana, changes an amount and sees it in the
更新履歴; registers a new employee typed in hiragana and sees the bank's kana; a 閲覧のみ user
sees no change button and a crafted frame to the change handlers changes nothing.

The states are imported at module level (in pytest's thread): Reflex registers state classes in
the importing thread's context."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.models import (
    Contract,
    DeductionDetail,
    Employee,
    MenuPermission,
    OperationLog,
    PaymentGroup,
    RokinProduct,
    User,
)
from chingin_app.services.permissions import ACTION_MENU_REFUSED
from chingin_app.state.login import GroupSelectState, LoginState
from chingin_app.state.rokin.details import RokinDetailsState
from tests.e2e.conftest import BUSINESS_HOURS, Service, client_tls, in_hours
from tests.e2e.rokin_support import RokinOrg, add_user, rokin_org, sign_in
from tests.e2e.test_crafted_frames import run
from tests.support.reflex_client import ReflexClient, event_name, var


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


@pytest.fixture(scope="module")
def org(service: Service, tmp_path_factory: pytest.TempPathFactory) -> RokinOrg:
    return rokin_org(service, tmp_path_factory.mktemp("rokin-details"))


def _live_detail(contract_no: str, skip: int = 0) -> tuple[int, str, str, str, int]:
    """(id, 職員番号, カナ氏名, 商品 as the list shows it, 月例額) of a live detail (no end
    month, not cancelled) of the demo organisation's group 001, in 職員番号 order."""
    with session_scope(read_only=True) as db:
        found = db.exec(
            select(DeductionDetail, Employee, RokinProduct)
            .join(Employee, col(Employee.id) == col(DeductionDetail.employee_id))
            .join(RokinProduct, col(RokinProduct.id) == col(DeductionDetail.product_id))
            .join(Contract, col(Contract.id) == col(DeductionDetail.contract_id))
            .join(PaymentGroup, col(PaymentGroup.id) == col(DeductionDetail.payment_group_id))
            .where(Contract.contract_no == contract_no, PaymentGroup.number == "001",
                   DeductionDetail.status == "active", col(DeductionDetail.end_month).is_(None))
            .order_by(col(Employee.staff_no), col(DeductionDetail.id))
            .offset(skip)
        ).first()
        assert found is not None
        detail, employee, product = found
        assert detail.id is not None
        return (detail.id, employee.staff_no, employee.name_kana,
                f"{product.code} {product.name}", detail.monthly_amount)


def _as_hiragana(kana: str) -> str:
    """What a person types for a bank kana name: full-width hiragana (A.1 turns it back)."""
    full = unicodedata.normalize("NFKC", kana)
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in full)


def _amount(detail_id: int) -> tuple[int, int]:
    with session_scope(read_only=True) as db:
        detail = db.get(DeductionDetail, detail_id)
        assert detail is not None
        return detail.monthly_amount, detail.version


def _open_details(page: Page) -> None:
    page.get_by_role("link", name="労金控除明細照会").click()
    expect(page.get_by_role("heading", name="労金控除明細照会")).to_be_visible()
    expect(page.get_by_test_id("detail-count")).to_contain_text("件")


def test_rk_1_master_finds_by_kana_changes_an_amount_and_rk_3_shows_it(
    browser: Browser, service: Service, org: RokinOrg
) -> None:
    """RK-1 search by カナ氏名 (hiragana typed, normalised per A.1 and shown, R-PLUS-2) →
    変更 of 月例額 → the list shows the new amount → 履歴 (RK-3) shows who, 変更 and before →
    after."""
    detail_id, staff_no, kana, product, old = _live_detail(org.contract_no, skip=3)
    typed = _as_hiragana(kana)
    assert typed != kana
    new = old + 1_234
    context, page = sign_in(browser, service, org.master)
    with context:
        _open_details(page)
        page.get_by_label("カナ氏名").fill(typed)
        page.get_by_role("button", name="検索").click()
        expect(page.get_by_test_id("kana-hint")).to_have_text(f"カナ氏名 正規化後: {kana}")
        table = page.get_by_role("table")
        expect(table).to_contain_text(staff_no)
        for name in table.locator("tbody tr td:nth-child(2)").all_inner_texts():
            assert kana in name
        page.get_by_role("button", name=f"変更 {staff_no} {product}").click()
        form = page.get_by_role("region", name="明細の入力")
        expect(form).to_contain_text(kana)
        form.get_by_label("月例額（円）").fill("12,000")
        form.get_by_role("button", name="更新").click()
        expect(form.get_by_text(message("E-AMOUNT-FORMAT", label="月例額",
                                        max_amount="9,999,999"))).to_be_visible()
        assert _amount(detail_id)[0] == old  # refused: nothing changed
        form.get_by_label("月例額（円）").fill(str(new))
        form.get_by_role("button", name="更新").click()
        done = f"職員番号 {staff_no} の労金控除明細を変更しました。"
        expect(page.get_by_role("status").filter(has_text=done)).to_be_visible()
        expect(table).to_contain_text(f"{new:,}")
        assert _amount(detail_id)[0] == new
        page.get_by_role("link", name=f"履歴 {staff_no} {product}").click()
        expect(page.get_by_role("heading", name="労金控除明細更新履歴照会")).to_be_visible()
        history = page.get_by_role("table")
        first = history.locator("tbody tr").first
        expect(first).to_contain_text("変更")
        expect(first).to_contain_text(org.master.user_id)
        expect(first).to_contain_text(f"月例額: {old:,} → {new:,}")
        expect(page.get_by_test_id("history-detail")).to_contain_text(staff_no)


def test_rk_2_master_registers_a_new_employee_typed_in_hiragana(
    browser: Browser, service: Service, org: RokinOrg
) -> None:
    """RK-2 with R-PLUS-2 on entry: カナ氏名 typed in hiragana shows 「正規化後: ｷﾕｳﾖ ｲﾁﾛｳ」 when
    left, a character the bank refuses is named at the field, and the registered employee
    appears in RK-1 with the bank's kana."""
    context, page = sign_in(browser, service, org.master)
    with context:
        page.get_by_role("link", name="労金控除明細新規登録").click()
        expect(page.get_by_role("heading", name="労金控除明細新規登録")).to_be_visible()
        page.get_by_label("職員番号（半角数字10桁以内）").fill("0099001")
        kana = page.get_by_label("カナ氏名")
        kana.fill("きゅうよ　いちろう★")
        kana.press("Tab")
        expect(page.get_by_role("alert").filter(has_text="★")).to_be_visible()
        kana.fill("きゅうよ　いちろう")
        kana.press("Tab")
        expect(page.get_by_text("正規化後: ｷﾕｳﾖ ｲﾁﾛｳ")).to_be_visible()
        page.get_by_label("漢字氏名").fill("給与　一郎")
        page.get_by_label("所属").fill("総務部")
        page.get_by_label("商品").select_option(label="0002 定期積金")
        page.get_by_label("口座番号（7桁）").fill("8100001")
        page.get_by_label("月例額（円）").fill("15000")
        page.get_by_label("一時金額（円）").fill("50000")
        page.get_by_label("開始年月（例 2026-05）").fill("2026-05")
        page.get_by_role("button", name="登録").click()
        expect(page.get_by_role("status").filter(has_text="登録しました")).to_contain_text(
            "ｷﾕｳﾖ ｲﾁﾛｳ")
        page.get_by_role("link", name="労金控除明細照会で確認").click()
        table = page.get_by_role("table")
        row = table.locator("tbody tr").filter(has_text="0099001")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("ｷﾕｳﾖ ｲﾁﾛｳ")
        expect(row).to_contain_text("0002 定期積金")
        expect(row).to_contain_text("15,000")


def test_r_user_7_view_only_user_sees_no_change_buttons_and_cannot_change(
    browser: Browser, service: Service, org: RokinOrg, tmp_path: Path
) -> None:
    """R-USER-7 閲覧のみ: the list and the history show, but no 追加登録 / 変更 / 解除; frames sent
    to the change handlers over the user's own websocket are refused with the reason and the
    detail stays as it was."""
    viewer = add_user(service, tmp_path, org)
    with session_scope() as db:
        user_pk = db.exec(select(User.id).where(User.user_id == viewer.user_id)).one()
        assert user_pk is not None
        for key in ("rokin.detail_inquiry", "rokin.history"):
            db.add(MenuPermission(user_pk=user_pk, menu_key=key, level="view_only"))
        db.commit()
    detail_id, _staff_no, _kana, _product, old = _live_detail(org.contract_no, skip=10)
    before = _amount(detail_id)
    context, page = sign_in(browser, service, viewer)
    with context:
        _open_details(page)
        table = page.get_by_role("table")
        expect(table.locator("tbody tr")).to_have_count(50)
        for name in ("追加登録", "変更", "解除"):
            expect(page.get_by_role("button", name=re.compile(f"^{name} "))).to_have_count(0)
        expect(page.get_by_role("link", name=re.compile("^履歴 ")).first).to_be_visible()

    async def crafted() -> list[object]:
        """The viewer's own websocket (signed in as the browser does), sending the change
        handlers' frames directly."""
        client = ReflexClient(service.base_url, ssl_context=client_tls(service, viewer, tmp_path))
        alerts: list[object] = []
        try:
            await client.connect(path=routes.LOGIN)
            await client.call(event_name(LoginState, "submit"),
                              {"form": {"password": viewer.password}}, path=routes.LOGIN)
            await client.call(event_name(GroupSelectState, "choose"), {"group_no": "001"},
                              path=routes.GROUP_SELECT)
            await client.call(event_name(RokinDetailsState, "load"), path=routes.ROKIN_DETAILS)
            for handler, payload in (
                ("open_change", {"detail_id": str(detail_id)}),
                ("submit_change", {"form": {"monthly_amount": str(old + 1)}}),
                ("cancel", {"detail_id": str(detail_id)}),
            ):
                delta = await client.call(event_name(RokinDetailsState, handler), payload,
                                          path=routes.ROKIN_DETAILS)
                alerts.append(var(delta, "alert_text", state=RokinDetailsState, default=delta))
        finally:
            await client.close()
        return alerts

    alerts = run(crafted())
    assert alerts[0] == message("E-MENU-VIEW-ONLY")
    assert _amount(detail_id) == before
    # Each of the three frames was refused by the menu check (R-USER-7), and logged so.
    with session_scope(read_only=True) as db:
        refused = db.exec(select(OperationLog).where(
            OperationLog.contract_no == org.contract_no, OperationLog.actor == viewer.user_id,
            OperationLog.action == ACTION_MENU_REFUSED)).all()
    assert len(refused) == 3
