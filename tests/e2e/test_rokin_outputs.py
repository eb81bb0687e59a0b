"""The 労金控除 output screens as the organisation meets them (SPEC §11 RK-4, RK-7, RK-11): open
the menu from the information screen, choose the request, see the chosen list, make the PDF or
CSV (progress, then ダウンロード) and read what was downloaded."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import openpyxl
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from chingin_app.db import session_scope
from chingin_app.models import Contract
from chingin_app.reports import rokin_csv
from chingin_app.services.rokin import cycle as rokin_cycle
from tests.e2e.conftest import Service, in_hours
from tests.e2e.rokin_support import rokin_org, sign_in

REQUEST_CHOICE = "控除依頼（控除年月・支給区分）"


def _views(contract_no: str, group_no: str = "001") -> tuple[int, list[rokin_cycle.RequestView]]:
    with session_scope(read_only=True) as db:
        contract_id = db.exec(select(Contract.id).where(Contract.contract_no == contract_no)).one()
        assert contract_id is not None
        views = rokin_cycle.list_requests(db, contract_id=contract_id)
    return contract_id, [v for v in views if v.group_no == group_no]


def _download(page: Page, tmp_path: Path, name: str) -> bytes:
    """ダウンロード of the output just made."""
    with page.expect_download() as info:
        page.get_by_role("button", name="ダウンロード").click()
    target = tmp_path / name
    info.value.save_as(target)
    return target.read_bytes()


def _make(page: Page, button: str, expected_name: str) -> None:
    page.get_by_role("button", name=button).click()
    expect(page.get_by_test_id("output-name")).to_contain_text(expected_name, timeout=60_000)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def test_rk_4_and_rk_7_request_list_pdf_and_company_csv(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """RK-4: the current request's 控除依頼リスト on screen (50 lines a page), then as a PDF with
    the contract and group in the header, the lines and the 依頼額 total; RK-7: the company's
    CSV (CP932, CRLF, header row) of the same request."""
    in_hours(service)
    org = rokin_org(service, tmp_path)
    contract_id, views = _views(org.contract_no)
    current = views[0]
    with session_scope(read_only=True) as db:
        lines = rokin_cycle.request_lines(db, contract_id=contract_id, request_id=current.id)
    context, page = sign_in(browser, service, org.master)
    with context:
        page.get_by_role("link", name="労金控除依頼リスト出力").click()
        expect(page.get_by_role("heading", name="労金控除依頼リスト出力")).to_be_visible()
        choice = page.get_by_label(REQUEST_CHOICE)
        expect(choice.locator("option")).to_have_count(len(views))
        label = choice.locator("option").first.inner_text()
        assert "（依頼受信）" in label
        choice.select_option(label=label)
        expect(page.get_by_test_id("list-count")).to_contain_text(f"{len(lines)} 件")
        table = page.get_by_role("table")
        expect(table.locator("tbody tr")).to_have_count(50)
        expect(table).to_contain_text(lines[0].staff_no)
        expect(table).to_contain_text(f"{lines[0].amount:,}")
        page.get_by_role("button", name="次へ").click()
        expect(table).to_contain_text(lines[50].staff_no)

        _make(page, "PDF出力", f"控除依頼リスト_{org.contract_no}_001_")
        expect(page.get_by_role("link", name="表示")).to_be_visible()
        data = _download(page, tmp_path, "request-list.pdf")
        assert data.startswith(b"%PDF-")
        text = _pdf_text(tmp_path / "request-list.pdf")
        assert "控除依頼リスト" in text
        assert f"契約番号：{org.contract_no}" in text and "入金グループ：001" in text
        assert all(line.staff_no in text for line in lines)
        total = sum(line.amount for line in lines)
        # One count (issue 14 item 2): the 解約 lines are named apart, not counted.
        ended = sum(1 for line in lines if line.change_kind == "解約")
        counted = f"{len(lines) - ended:,}件" + (f"（ほかに解約 {ended:,}件）" if ended else "")
        assert re.search(rf"合計\s+{re.escape(counted)}\s+{total:,}", text), counted

        page.goto(service.base_url + "/info")
        page.get_by_role("link", name="企業宛控除依頼データエクスポート").click()
        expect(page.get_by_role("heading", name="企業宛控除依頼データエクスポート")).to_be_visible()
        expect(page.get_by_label("文字コード")).to_have_value("cp932")
        _make(page, "CSV出力", f"企業宛控除依頼データ_{org.contract_no}_001_")
        raw = _download(page, tmp_path, "company.csv")
        assert not raw.startswith(b"\xef\xbb\xbf")
        decoded = raw.decode("cp932")
        assert decoded.endswith("\r\n") and "\n" not in decoded.replace("\r\n", "")
        rows = list(csv.reader(io.StringIO(decoded, newline="")))
        assert rows[0] == rokin_csv.header(rokin_csv.REQUEST_COLUMNS)
        assert len(rows) == len(lines) + 1
        assert rows[1][4] == lines[0].staff_no

        # Issue 14 item 5: 「Excel出力」 beside the CSV, the same rows as an .xlsx through the
        # one ダウンロード — 職員番号 as text with its zeros, 依頼額 as a number.
        expect(page.get_by_role("button", name="ダウンロード")).to_have_count(1)
        _make(page, "Excel出力", f"企業宛控除依頼データ_{org.contract_no}_001_")
        expect(page.get_by_test_id("output-name")).to_contain_text(".xlsx")
        book = openpyxl.load_workbook(io.BytesIO(_download(page, tmp_path, "company.xlsx")))
        sheet = book.active
        assert sheet is not None
        cells = [list(row) for row in sheet.iter_rows()]
        assert [c.value for c in cells[0]] == rows[0] and len(cells) == len(rows)
        assert cells[1][4].value == rows[1][4] and cells[1][4].data_type == "s"
        assert cells[1][11].value == int(rows[1][11]) and cells[1][11].data_type == "n"


def test_rk_11_result_lists_of_a_past_cycle(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """RK-11: only cycles with results are offered; for a past cycle the 控除不能リスト shows each
    line with its 不能理由 and the カナ氏名不一致リスト the ledger's and the bank's kana."""
    in_hours(service)
    org = rokin_org(service, tmp_path)
    contract_id, views = _views(org.contract_no)
    past = [v for v in views if v.status == "results"]
    chosen = past[1]  # not the first offered: the choice really changes the list
    with session_scope(read_only=True) as db:
        not_deducted = rokin_cycle.result_lines(db, contract_id=contract_id,
                                                request_id=chosen.id, which="not_deducted")
        mismatch = rokin_cycle.result_lines(db, contract_id=contract_id, request_id=chosen.id,
                                            which="kana_mismatch")
    assert not_deducted and mismatch
    context, page = sign_in(browser, service, org.master)
    with context:
        page.get_by_role("link", name="労金控除結果リスト出力").click()
        expect(page.get_by_role("heading", name="労金控除結果リスト出力")).to_be_visible()
        choice = page.get_by_label(REQUEST_CHOICE)
        expect(choice.locator("option")).to_have_count(len(past))
        expect(choice.locator("option", has_text="依頼受信")).to_have_count(0)
        choice.select_option(value=str(chosen.id))
        lists = page.get_by_label("出力するリスト")
        lists.select_option(label="控除不能リスト")
        expect(page.get_by_test_id("list-count")).to_contain_text(f"{len(not_deducted)} 件")
        table = page.get_by_role("table")
        for result in not_deducted:
            expect(table).to_contain_text(result.line.staff_no)
            expect(table).to_contain_text(result.reason or "")

        lists.select_option(label="カナ氏名不一致リスト")
        expect(page.get_by_test_id("list-count")).to_contain_text(f"{len(mismatch)} 件")
        for header in ("職員番号", "元帳カナ", "金庫登録カナ", "口座番号", "商品", "差異"):
            expect(table.locator("thead")).to_contain_text(header)
        for result in mismatch:
            expect(table).to_contain_text(result.line.name_kana)
            expect(table).to_contain_text(result.bank_name_kana)

        _make(page, "PDF出力", f"カナ氏名不一致リスト_{org.contract_no}_001_")
        _download(page, tmp_path, "kana.pdf")
        text = _pdf_text(tmp_path / "kana.pdf")
        assert "カナ氏名不一致リスト" in text
        assert all(r.bank_name_kana in text for r in mismatch)
