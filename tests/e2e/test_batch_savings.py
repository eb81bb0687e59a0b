"""一斉積立事務 as the organisation meets it (SPEC §11 RS-1, RS-2, RS-3; R-INFO-1, manual P.21):
the information screen's 最新受信情報（一斉積立）, then from its menu RS-1 (list and filter),
RS-2 (内訳明細表 PDF read back) and RS-3 (CSV decoded as CP932), in Chromium through nginx."""

from __future__ import annotations

import csv
import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.clock import to_jst
from chingin_app.models import BatchSavingsItem, BatchSavingsStatement, Contract, PaymentGroup
from chingin_app.runtime import demo_batch
from tests import factories
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours, issue_certificate
from tests.e2e.rokin_support import GROUPS, RokinOrg, sign_in

CHOICE = "一斉積立内訳明細（積立年月・区分）"


@dataclass(frozen=True)
class Latest:
    month: str
    received: str
    items: list[BatchSavingsItem]


def batch_org(service: Service, tmp_dir: Path) -> tuple[RokinOrg, Latest]:
    """A fresh contract with two payment groups, its master, and the demo's three
    一斉積立内訳明細 per group (``runtime/demo_batch``) as of the e2e clock's day; the latest
    statement of group 001 with its lines."""
    with session_scope() as db:
        contract = factories.make_contract(db, groups=GROUPS)
        contract_no = contract.contract_no
    master = issue_certificate(service, tmp_dir, contract_no=contract_no)
    today = to_jst(BUSINESS_HOURS).date()
    with session_scope() as db:
        contract_id = db.exec(select(Contract.id).where(Contract.contract_no == contract_no)).one()
        assert contract_id is not None
        assert demo_batch.load_demo_statements(db, contract_id, today) == 6
        statement = db.exec(
            select(BatchSavingsStatement)
            .join(PaymentGroup, col(PaymentGroup.id) == BatchSavingsStatement.payment_group_id)
            .where(BatchSavingsStatement.contract_id == contract_id, PaymentGroup.number == "001")
            .order_by(col(BatchSavingsStatement.savings_month).desc())
        ).first()
        assert statement is not None
        items = list(db.exec(select(BatchSavingsItem)
                             .where(BatchSavingsItem.statement_id == statement.id)
                             .order_by(col(BatchSavingsItem.staff_no))).all())
        latest = Latest(statement.savings_month,
                        f"{to_jst(statement.received_at):%Y/%m/%d}", items)
    return RokinOrg(contract_no=contract_no, master=master), latest


def _download(page: Page, tmp_path: Path, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name="ダウンロード").click()
    target = tmp_path / name
    info.value.save_as(target)
    return target.read_bytes()


def test_r_info_1_rs_1_rs_2_rs_3_batch_savings(browser: Browser, service: Service,
                                               tmp_path: Path) -> None:
    """R-INFO-1: the information screen shows the latest received 一斉積立 data of the group;
    RS-1 lists the statement's lines and filters by カナ氏名; RS-2's 一斉積立内訳明細表 PDF holds
    the header and the lines; RS-3's CSV decodes as CP932 with the lines."""
    in_hours(service)
    org, latest = batch_org(service, tmp_path)
    active = [i for i in latest.items if i.change_kind != "解約"]
    context, page = sign_in(browser, service, org.master)
    with context:
        expect(page.get_by_role("heading", name="最新受信情報（一斉積立）")).to_be_visible()
        expect(page.get_by_test_id("batch-latest")).to_have_text(
            f"{dates.month_label(latest.month)} 月例 一斉積立内訳明細（{latest.received} 受信）")
        # R-INFO-3: the entry opens its list (一斉積立内訳明細表出力).
        expect(page.get_by_test_id("batch-latest")).to_have_attribute(
            "href", "/batch/detail-lists")

        # RS-1
        page.get_by_role("link", name="一斉積立内訳明細照会").click()
        expect(page.get_by_role("heading", name="一斉積立内訳明細照会")).to_be_visible()
        expect(page.get_by_label(CHOICE).locator("option")).to_have_count(3)
        expect(page.get_by_test_id("list-count")).to_contain_text(f"{len(latest.items)} 件")
        table = page.get_by_role("table")
        expect(table.locator("tbody tr")).to_have_count(len(latest.items))
        total = sum(i.amount for i in latest.items)
        expect(page.get_by_test_id("batch-totals")).to_contain_text(f"{total:,}")
        target = latest.items[0]
        term = target.name_kana.split(" ")[0]
        page.get_by_label("カナ氏名").fill(term)
        page.get_by_role("button", name="検索").click()
        same = [i for i in latest.items if term in i.name_kana]
        expect(table.locator("tbody tr")).to_have_count(len(same))
        expect(table).to_contain_text(target.staff_no)

        # RS-2
        page.goto(service.base_url + "/info")
        page.get_by_role("link", name="一斉積立内訳明細表出力").click()
        expect(page.get_by_role("heading", name="一斉積立内訳明細表出力")).to_be_visible()
        page.get_by_role("button", name="PDF出力").click()
        expect(page.get_by_test_id("output-name")).to_contain_text("一斉積立内訳明細表",
                                                                   timeout=60_000)
        pdf = tmp_path / "detail.pdf"
        pdf.write_bytes(_download(page, tmp_path, "dl.pdf"))
        text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                              check=True, capture_output=True, text=True).stdout
        assert "一斉積立内訳明細表" in text and f"契約番号：{org.contract_no}" in text
        assert "入金グループ：001" in text
        assert all(i.staff_no in text for i in active)
        assert f"{sum(i.amount for i in active):,}" in text

        # RS-3
        page.goto(service.base_url + "/info")
        page.get_by_role("link", name="一斉積立内訳明細データエクスポート").click()
        expect(page.get_by_role("heading", name="一斉積立内訳明細データエクスポート")
               ).to_be_visible()
        page.get_by_role("button", name="CSV出力").click()
        expect(page.get_by_test_id("output-name")).to_contain_text(".csv", timeout=60_000)
        data = _download(page, tmp_path, "batch.csv")
        rows = list(csv.reader(io.StringIO(data.decode("cp932"), newline="")))
        assert rows[0][:4] == ["入金グループ", "積立年月", "区分", "職員番号"]
        assert sorted(r[3] for r in rows[1:]) == sorted(i.staff_no for i in active)
        assert {r[1] for r in rows[1:]} == {latest.month}
