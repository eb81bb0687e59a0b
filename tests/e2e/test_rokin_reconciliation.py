"""R-PLUS-1 給与控除データ照合 and R-PLUS-2 カナ氏名チェックリスト through the browser: the
master uploads the current request's export (unchanged: 差異 0件, A.2) and then one with a
changed amount (金額相違 1件) through the upload control; the kana list shows the demo's
employees the bank knows under another kana."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlmodel import select

from chingin_app.db import session_scope
from chingin_app.models import Contract
from chingin_app.reports import rokin_csv
from chingin_app.reports.csv_writer import write_csv
from chingin_app.runtime import demo_rokin
from chingin_app.services.rokin import cycle as rokin_cycle
from tests.e2e.conftest import Service, in_hours
from tests.e2e.rokin_support import rokin_org, sign_in


def _export(contract_no: str, tmp_path: Path, *, change_amount: bool) -> Path:
    """The current request of group 001 as the RK-5 export writes it (CP932)."""
    with session_scope(read_only=True) as db:
        contract_id = db.exec(select(Contract.id).where(Contract.contract_no == contract_no)).one()
        assert contract_id is not None
        view = next(v for v in rokin_cycle.list_requests(db, contract_id=contract_id)
                    if v.group_no == "001" and v.status == "received")
        lines = rokin_cycle.request_lines(db, contract_id=contract_id, request_id=view.id)
    columns = rokin_csv.REQUEST_COLUMNS
    rows = list(rokin_csv.rows(columns, lines))
    if change_amount:
        amount = rokin_csv.header(columns).index("依頼額")
        index = next(i for i, line in enumerate(lines) if line.amount > 0)
        rows[index][amount] = lines[index].amount + 100
    path = tmp_path / ("changed.csv" if change_amount else "export.csv")
    path.write_bytes(write_csv(rokin_csv.header(columns), rows,
                               free_text_columns=rokin_csv.free_text_indexes(columns)))
    return path


def test_r_plus_1_upload_payroll_csv_and_see_the_difference_counts(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    in_hours(service)
    org = rokin_org(service, tmp_path)
    unchanged = _export(org.contract_no, tmp_path, change_amount=False)
    changed = _export(org.contract_no, tmp_path, change_amount=True)
    context, page = sign_in(browser, service, org.master, group_no="001")
    with context:
        page.goto(service.base_url + "/rokin/reconciliation")
        expect(page.get_by_role("heading", name="給与控除データ照合")).to_be_visible()
        expect(page.get_by_test_id("recon-request")).to_contain_text("依頼受信")

        page.locator("input[type=file]").set_input_files(str(unchanged))
        expect(page.get_by_test_id("selected-file")).to_have_text("export.csv")
        page.get_by_role("button", name="照合").click()
        expect(page.get_by_test_id("recon-differences")).to_have_text("差異 0件")
        expect(page.get_by_test_id("recon-different")).to_have_text("0件")
        expect(page.get_by_test_id("recon-file")).to_contain_text("Shift_JIS（CP932）")

        page.locator("input[type=file]").set_input_files(str(changed))
        page.get_by_role("button", name="照合").click()
        expect(page.get_by_test_id("recon-differences")).to_have_text("差異 1件")
        expect(page.get_by_test_id("recon-different")).to_have_text("1件")
        expect(page.get_by_test_id("recon-missing")).to_have_text("0件")
        expect(page.get_by_test_id("recon-extra")).to_have_text("0件")
        table = page.get_by_role("table")  # the only one (Radix labels its wrapper)
        expect(table).to_contain_text("金額相違")
        expect(table).to_contain_text("+100")

        bad = tmp_path / "bad.csv"
        bad.write_bytes("職員番号,商品,口座番号,金額\r\n1,2,3,4\r\n".encode("cp932"))
        page.locator("input[type=file]").set_input_files(str(bad))
        page.get_by_role("button", name="照合").click()
        # Columns are found by header name; the missing ones are named (issue 14 item 5).
        expect(page.get_by_test_id("recon-errors")).to_contain_text(
            "1行目に「商品コード」「依頼額／控除額」の列がない")
        expect(page.get_by_test_id("recon-differences")).to_have_count(0)

        page.goto(service.base_url + "/rokin/kana-check")
        expect(page.get_by_role("heading", name="カナ氏名チェックリスト")).to_be_visible()
        kana = page.get_by_role("table")
        expect(kana).to_contain_text(demo_rokin.DEMO_BANK_KANA["001007"])
        expect(kana).to_contain_text("金庫登録カナ相違")
