"""RL-3 賃控元帳確認リスト出力 in Chromium through nginx (SPEC §11; manual: 賃控元帳種目合計
リスト): the master opens the menu from the information screen, sees this month's 内訳リスト
with the counts, chooses the 種目合計リスト, makes its PDF (progress, then ダウンロード) and
reads the header, the month, each 種目 and the grand total.

The contract is the 労金控除 demo organisation with the demo ledger (runtime/demo_ledger.py)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, expect

from chingin_app.db import session_scope
from chingin_app.domain.clock import to_jst
from chingin_app.services.ledger import check_lists as ledger_lists
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours
from tests.e2e.rokin_support import RokinOrg, ledger_org, sign_in


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


@pytest.fixture(scope="module")
def org(service: Service, tmp_path_factory: pytest.TempPathFactory) -> RokinOrg:
    return ledger_org(service, tmp_path_factory.mktemp("ledger-lists"))


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def test_rl_3_item_totals_pdf_in_the_browser(
    browser: Browser, service: Service, org: RokinOrg, tmp_path: Path
) -> None:
    """RL-3: this month's lists of group 001 on screen (counts of all three), the
    種目合計リスト chosen, its PDF made and downloaded: 契約番号, 入金グループ, 控除年月, every
    種目 with its 件数 and 月例額合計, and the 合計 row."""
    month = f"{to_jst(BUSINESS_HOURS):%Y-%m}"
    who = SimpleNamespace(contract_no=org.contract_no, contract_name="", user_id="",
                          group_no="001")
    with session_scope(read_only=True) as db:
        expected = ledger_lists.check_lists(db, who, month=month)
    assert isinstance(expected, ledger_lists.CheckLists) and expected.items
    year, mon = month.split("-")
    context, page = sign_in(browser, service, org.master)
    with context:
        page.get_by_role("link", name="賃控元帳確認リスト出力").click()
        expect(page.get_by_role("heading", name="賃控元帳確認リスト出力")).to_be_visible()
        expect(page.get_by_label("控除年月")).to_have_value(month)
        expect(page.get_by_test_id("list-counts")).to_contain_text(
            f"賃控元帳内訳リスト：{len(expected.details):,}件")
        expect(page.get_by_test_id("list-count")).to_contain_text(
            f"{len(expected.details)} 件")
        page.get_by_label("出力するリスト").select_option(label="賃控元帳種目合計リスト")
        table = page.get_by_role("table")
        expect(table.locator("tbody tr")).to_have_count(len(expected.items))
        expect(table).to_contain_text(expected.items[0].item_name)

        page.get_by_role("button", name="PDF出力").click()
        expect(page.get_by_test_id("output-name")).to_contain_text(
            f"賃控元帳種目合計リスト_{org.contract_no}_001_{year}{mon}_", timeout=60_000)
        expect(page.get_by_role("link", name="表示")).to_be_visible()
        with page.expect_download() as info:
            page.get_by_role("button", name="ダウンロード").click()
        target = tmp_path / "items.pdf"
        info.value.save_as(target)
        assert target.read_bytes().startswith(b"%PDF-")
        text = _pdf_text(target)
        assert "賃控元帳種目合計リスト" in text
        assert f"契約番号：{org.contract_no}" in text and "入金グループ：001" in text
        assert f"控除年月：{int(year)}年{int(mon)}月" in text
        for item in expected.items:
            assert re.search(rf"{item.item_code}\s+{item.item_name}\s+{item.count:,}\s+"
                             rf"{item.monthly_total:,}", text), item
        count = sum(i.count for i in expected.items)
        monthly = sum(i.monthly_total for i in expected.items)
        assert re.search(rf"合計\s+{len(expected.items)}種目\s+{count:,}\s+{monthly:,}", text)
