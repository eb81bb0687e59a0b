"""RL-9 賃控元帳明細データエクスポート → RL-10 賃控元帳明細データインポート in Chromium through
nginx (SPEC §11, A.2, R-PLUS-5): the master exports the group's ledger details as CSV, changes
one 月例額, uploads the file, sees the preview 「変更 1件」, applies it after the confirmation
dialog and sees the new amount on RL-1 賃控元帳明細照会.

The contract is the 労金控除 demo organisation with the demo ledger (runtime/demo_ledger.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlmodel import select

from chingin_app.db import session_scope
from chingin_app.domain.clock import to_jst
from chingin_app.models import Contract
from chingin_app.runtime import demo_ledger
from chingin_app.services.ledger.transfer import HEADER
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours
from tests.e2e.rokin_support import rokin_org, sign_in


def test_rl_9_rl_10_r_plus_5_export_edit_import_preview_and_apply(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """RL-9 CSV in CP932 with the specified header → one 月例額 changed → RL-10 upload
    (set_input_files) previews 変更 1件 (R-PLUS-5, nothing changed yet) → 適用 → はい →
    RL-1 shows the new amount."""
    service.set_clock(BUSINESS_HOURS)
    try:
        org = rokin_org(service, tmp_path)
        with session_scope() as db:
            contract_id = db.exec(
                select(Contract.id).where(Contract.contract_no == org.contract_no)).one()
            assert contract_id is not None
            assert demo_ledger.load_demo_ledger(db, contract_id,
                                                to_jst(BUSINESS_HOURS).date()) > 0
        context, page = sign_in(browser, service, org.master, group_no="001")
        with context:
            page.get_by_role("link", name="賃控元帳明細データエクスポート").click()
            expect(page.get_by_role("heading", name="賃控元帳明細データエクスポート")
                   ).to_be_visible()
            page.get_by_role("button", name="CSV出力").click()
            expect(page.get_by_test_id("output-name")).to_contain_text(
                f"賃控元帳明細データ_{org.contract_no}_001")
            with page.expect_download() as info:
                page.get_by_role("button", name="ダウンロード").click()
            exported = tmp_path / "export.csv"
            info.value.save_as(exported)
            rows = list(csv.reader(io.StringIO(exported.read_bytes().decode("cp932"),
                                               newline="")))
            assert tuple(rows[0]) == HEADER and len(rows) > 1
            target = next(r for r in rows[1:] if r[11] == "有効")
            new_amount = int(target[7]) + 1
            target[7] = str(new_amount)
            edited = tmp_path / "edited.csv"
            out = io.StringIO(newline="")
            csv.writer(out, lineterminator="\r\n").writerows(rows)
            edited.write_bytes(out.getvalue().encode("cp932"))

            page.goto(service.base_url + "/ledger/import")
            expect(page.get_by_role("heading", name="賃控元帳明細データインポート")
                   ).to_be_visible()
            page.locator("input[type=file]").set_input_files(str(edited))
            expect(page.get_by_test_id("selected-file")).to_have_text("edited.csv")
            page.get_by_role("button", name="読込").click()
            expect(page.get_by_test_id("import-summary")).to_have_text("変更 1件")
            expect(page.get_by_test_id("import-new")).to_have_text("0件")
            expect(page.get_by_test_id("import-unchanged")).to_have_text(f"{len(rows) - 2}件")
            table = page.get_by_role("table")
            expect(table).to_contain_text(f"→ {new_amount:,}")
            page.get_by_role("button", name="適用").click()
            page.get_by_role("button", name="はい").click()
            expect(page.get_by_role("status").filter(has_text="取り込みました")
                   ).to_contain_text("変更 1件")

            page.goto(service.base_url + "/ledger/details")
            expect(page.get_by_role("heading", name="賃控元帳明細照会")).to_be_visible()
            page.get_by_label("職員番号").first.fill(target[1])
            page.get_by_role("button", name="検索").click()
            row = page.get_by_role("table").locator("tbody tr").filter(
                has_text=f"{target[5]} {target[6]}")
            expect(row).to_have_count(1)
            expect(row).to_contain_text(f"{new_amount:,}")
    finally:
        in_hours(service)
