"""The 賃控元帳 cycle's outputs as the clerk meets them, in Chromium through nginx (SPEC §11 RL-5,
RL-12, RL-13; RL-CYCLE-1): from the information screen the clerk opens RL-5 賃控元帳控除依頼
リスト出力, RL-12 労金控除賃控元帳依頼リスト出力 and RL-13 労金控除賃控元帳依頼データエクスポート
for the current cycle, downloads the PDFs and the CSV, and the totals agree: RL-12's 賃控元帳
column is RL-5's 依頼額, its 労金控除 column the 労金控除 request's, and the payroll CSV's 合計
column sums to RL-12's grand total.

The contract is the 労金控除 demo organisation with the demo ledger and its cycles
(runtime/demo_ledger.py), its own contract on the shared service."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from chingin_app.db import session_scope
from chingin_app.models import Contract
from chingin_app.services.ledger import cycle as ledger_cycle
from chingin_app.services.rokin import cycle as rokin_cycle
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours
from tests.e2e.rokin_support import RokinOrg, ledger_org, sign_in

CHOICE = "賃控元帳控除依頼（控除年月・支給区分）"
MENUS = ("賃控元帳控除依頼リスト出力", "賃控元帳控除依頼データエクスポート",
         "賃控元帳結果リスト出力", "労金控除賃控元帳依頼リスト出力",
         "労金控除賃控元帳依頼データエクスポート")


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


@pytest.fixture(scope="module")
def org(service: Service, tmp_path_factory: pytest.TempPathFactory) -> RokinOrg:
    return ledger_org(service, tmp_path_factory.mktemp("ledger-cycle"))


def _download(page: Page, tmp_path: Path, button: str, name: str, expected: str) -> Path:
    """Make the output (progress, then its name), then ダウンロード it."""
    page.get_by_role("button", name=button).click()
    expect(page.get_by_test_id("output-name")).to_contain_text(expected, timeout=60_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="ダウンロード").click()
    target = tmp_path / name
    info.value.save_as(target)
    return target


def _pdf_text(path: Path) -> str:
    assert path.read_bytes().startswith(b"%PDF-")
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def _amount(text: str) -> int:
    return int(text.replace(",", ""))


def test_rl_5_rl_12_rl_13_the_clerk_downloads_and_the_totals_agree(
    browser: Browser, service: Service, org: RokinOrg, tmp_path: Path
) -> None:
    """RL-5 → RL-12 → RL-13 for the current cycle of group 001 (RL-CYCLE-1: published beside
    the 労金控除 request): every figure of one file is found in the others."""
    with session_scope(read_only=True) as db:
        contract_id = db.exec(
            select(Contract.id).where(Contract.contract_no == org.contract_no)).one()
        assert contract_id is not None
        ledger = [v for v in ledger_cycle.list_ledger_requests(db, contract_id=contract_id)
                  if v.group_no == "001"]
        current = ledger[0]
        listed = ledger_cycle.count_ledger_lines(db, contract_id=contract_id,
                                                 request_id=current.id)  # 解約 lines too
        rokin = next(v for v in rokin_cycle.list_requests(db, contract_id=contract_id)
                     if v.group_no == "001" and v.deduct_month == current.deduct_month)
    year, month = current.deduct_month.split("-")
    context, page = sign_in(browser, service, org.master)
    with context:
        for menu in MENUS:  # each menu of P.22 that exists is a link on the information screen
            expect(page.get_by_role("link", name=menu, exact=True)).to_be_visible()

        # RL-5 賃控元帳控除依頼リスト出力
        page.get_by_role("link", name="賃控元帳控除依頼リスト出力", exact=True).click()
        expect(page.get_by_role("heading", name="賃控元帳控除依頼リスト出力")).to_be_visible()
        choice = page.get_by_label(CHOICE)
        expect(choice.locator("option")).to_have_count(len(ledger))
        expect(choice.locator("option").first).to_have_text(current.label)
        expect(page.get_by_test_id("list-count")).to_contain_text(f"{listed} 件")
        request_list = _pdf_text(_download(page, tmp_path, "PDF出力", "rl5.pdf",
                                           f"賃控元帳控除依頼リスト_{org.contract_no}_001_{year}{month}_"))
        assert f"契約番号：{org.contract_no}" in request_list
        assert "入金グループ：001" in request_list
        # One count (issue 14 item 2): the 解約 lines are named apart after the count.
        found = re.search(r"合計\s+([\d,]+)件(?:（ほかに解約\s*([\d,]+)件）)?\s+([\d,]+)",
                          request_list)
        assert found is not None
        assert _amount(found.group(1)) + _amount(found.group(2) or "0") == listed
        ledger_total = _amount(found.group(3))
        assert ledger_total == current.amount

        # RL-12 労金控除賃控元帳依頼リスト出力
        page.goto(service.base_url + "/info")
        page.get_by_role("link", name="労金控除賃控元帳依頼リスト出力", exact=True).click()
        expect(page.get_by_role("heading", name="労金控除賃控元帳依頼リスト出力")).to_be_visible()
        expect(page.get_by_role("heading", name="所属別合計")).to_be_visible()
        table = page.get_by_role("table")
        expect(table.locator("tbody tr").last).to_contain_text(
            f"{rokin.totals.requested_amount + ledger_total:,}")
        combined = _pdf_text(_download(page, tmp_path, "PDF出力", "rl12.pdf",
                                       f"労金控除賃控元帳依頼リスト_{org.contract_no}_001_{year}{month}_"))
        assert "本人合計" in combined and "小計" in combined
        grand = re.search(r"合計\s+[\d,]+件\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)", combined)
        assert grand is not None
        rokin_part, ledger_part, total = (_amount(g) for g in grand.groups())
        assert ledger_part == ledger_total  # RL-12's 賃控元帳 is RL-5's 依頼額
        assert rokin_part == rokin.totals.requested_amount
        assert total == rokin_part + ledger_part

        # RL-13 労金控除賃控元帳依頼データエクスポート
        page.goto(service.base_url + "/info")
        page.get_by_role("link", name="労金控除賃控元帳依頼データエクスポート", exact=True).click()
        expect(page.get_by_role("heading", name="労金控除賃控元帳依頼データエクスポート")
               ).to_be_visible()
        expect(page.get_by_label("出力形式")).to_have_value("wide")
        raw = _download(page, tmp_path, "CSV出力", "rl13.csv",
                        f"労金控除賃控元帳依頼データ_{org.contract_no}_001_{year}{month}_").read_bytes()
        rows = list(csv.reader(io.StringIO(raw.decode("cp932"), newline="")))
        assert rows[0][:4] == ["職員番号", "カナ氏名", "漢字氏名", "所属"] and rows[0][-1] == "合計"
        assert sum(int(r[-1]) for r in rows[1:]) == total
        assert all(sum(int(v) for v in r[4:-1]) == int(r[-1]) for r in rows[1:])
        employees = {r[0] for r in rows[1:]}
        assert len(employees) == len(rows) - 1 and all(no in combined for no in employees)
