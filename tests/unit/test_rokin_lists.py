"""The 労金控除 lists' definitions (SPEC §11 RK-4, RK-11, A.6) and the 企業宛控除依頼書's totals
(RK-6): titles as in the manual, A.6's columns, how a request or result line fills them, the
same rows on paper and on screen, and the header every page repeats."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from chingin_app.domain.deduction_cycle import RequestLine, ResultLine
from chingin_app.reports import rokin_lists
from chingin_app.reports.lists import pdf_rows, screen_rows
from chingin_app.reports.rokin_company_request import (
    CompanyRequest,
    product_totals,
    render_company_request,
)
from chingin_app.reports.rokin_lists import REQUEST_LISTS, RESULT_LISTS, ListHeader

LINE = RequestLine(
    id=1, version=1, deduct_month="2026-04", pay_kind="monthly", group_no="001",
    department="総務部", staff_no="000123", name_kana="ﾛｳｷﾝ ﾀﾛｳ", name_kanji="労金　太郎",
    branch_no="101", product_code="0005", product_name="住宅ローン返済", account_no="0012345",
    amount=123_456, remaining_count=12, change_kind="新規", error_text=None,
    counter_change=None, hold=False, hold_reason=None, deduction_date=date(2026, 4, 24),
    remittance_date=date(2026, 4, 30),
)
HEADER = ListHeader(
    contract_no="12345678", contract_name="テスト労働組合", group_no="001", group_name="本社",
    deduct_month="2026-04", pay_kind_label="月例", deduction_date=date(2026, 4, 24),
    remittance_date=date(2026, 4, 30),
)


def _result(line: RequestLine = LINE, **kw: object) -> ResultLine:
    values: dict[str, object] = dict(
        line=line, deducted_amount=0, result="not_deducted", result_code="1",
        reason="給与不足", bank_name_kana="ﾛｳｷﾝ ｼﾞﾛｳ", paid_date=None, kana_mismatch=True,
        kana_difference="7文字目から異なる",
    )
    values.update(kw)
    return ResultLine(**values)  # type: ignore[arg-type]


def test_rk_4_the_four_request_lists_with_a6_columns() -> None:
    """RK-4's lists by the service's filter codes, titled as in the manual; every list has A.6's
    per-line columns of the 控除依頼リスト; the error and counter lists add what they are about."""
    assert {code: kind.title for code, kind in REQUEST_LISTS.items()} == {
        "all": "控除依頼リスト",
        "counter": "窓口扱い控除依頼内容変更リスト",
        "errors": "控除依頼明細エラーリスト",
        "changes": "控除依頼異動分リスト",
    }
    base = ["所属", "職員番号", "カナ氏名", "漢字氏名", "店番", "商品", "口座番号", "依頼額",
            "残回数", "異動区分"]
    titles = {code: [f.title for f in kind.fields] for code, kind in REQUEST_LISTS.items()}
    assert titles["all"] == titles["changes"] == base
    assert titles["errors"] == [*base, "エラー内容"]
    assert titles["counter"] == [*base, "窓口での変更内容"]
    # 依頼額 is the only summed column (the totals of the list).
    assert [f.title for f in REQUEST_LISTS["all"].fields if f.total] == ["依頼額"]


def test_rk_4_row_mapping_on_paper_and_on_screen() -> None:
    """A request line's cells: codes as text with their leading zeros, the amount as an int on
    paper (summed, formatted by the writer) and with separators on screen, 残回数 for loans,
    異動区分 新規/変更/解約 and blank for an unchanged line (A.6)."""
    kind = REQUEST_LISTS["errors"]
    line = replace(LINE, error_text="ローンの残回数が0回です")
    assert list(pdf_rows(kind, [line])) == [[
        "総務部", "000123", "ﾛｳｷﾝ ﾀﾛｳ", "労金　太郎", "101", "住宅ローン返済", "0012345",
        123_456, 12, "新規", "ローンの残回数が0回です",
    ]]
    shown = screen_rows(kind, [replace(line, change_kind="継続", remaining_count=None)])[0]
    assert shown["amount"] == "123,456" and shown["staff_no"] == "000123"
    assert shown["change_kind"] == "" and shown["remaining"] == ""
    assert shown["error_text"] == "ローンの残回数が0回です"


def test_rk_11_result_lists_a6_columns_and_rows() -> None:
    """RK-11: 控除結果リスト = the request columns + 控除額, 結果 (済/不能), 不能理由, 入金日;
    控除不能リスト with 不能理由 and 入金中止; カナ氏名不一致リスト with exactly A.6's columns."""
    assert [k.title for k in RESULT_LISTS.values()] == [
        "控除結果リスト", "控除不能リスト", "カナ氏名不一致リスト"]
    results = [f.title for f in RESULT_LISTS["all"].fields]
    assert results[-4:] == ["控除額", "結果", "不能理由", "入金日"]
    assert {"職員番号", "カナ氏名", "商品", "口座番号", "依頼額"} <= set(results)
    assert "不能理由" in [f.title for f in RESULT_LISTS["not_deducted"].fields]
    kana = RESULT_LISTS["kana_mismatch"]
    assert [f.title for f in kana.fields] == [
        "職員番号", "元帳カナ", "金庫登録カナ", "口座番号", "商品", "差異"]
    assert list(pdf_rows(kana, [_result()])) == [[
        "000123", "ﾛｳｷﾝ ﾀﾛｳ", "ﾛｳｷﾝ ｼﾞﾛｳ", "0012345", "住宅ローン返済", "7文字目から異なる"]]
    done = _result(result="deducted", deducted_amount=123_456, reason=None,
                   paid_date=date(2026, 4, 30))
    row = screen_rows(RESULT_LISTS["all"], [done, _result()])
    assert (row[0]["result"], row[0]["deducted"], row[0]["paid_date"]) == (
        "済", "123,456", "2026/04/30")
    assert (row[1]["result"], row[1]["reason"], row[1]["paid_date"]) == ("不能", "給与不足", "")
    held = screen_rows(RESULT_LISTS["not_deducted"], [_result(line=replace(LINE, hold=True))])
    assert held[0]["held"] == "入金中止"


def test_rk_4_header_names_contract_group_and_request() -> None:
    """SPEC §11 outputs: the contract and the group in every page's header, with the request's
    控除年月・支給区分・控除日・入金予定日 (the A.6 columns that are the same on every line)."""
    assert HEADER.lines() == [
        "契約番号：12345678　テスト労働組合",
        "入金グループ：001　本社",
        "控除年月：2026年4月　支給区分：月例　控除日：2026/04/24　入金予定日：2026/04/30",
    ]
    spec = rokin_lists.spec(REQUEST_LISTS["all"], HEADER, output_date=date(2026, 4, 20))
    assert spec.title == "控除依頼リスト" and spec.orientation == "landscape"
    assert spec.header_lines == HEADER.lines()
    assert [c.title for c in spec.columns if c.total] == ["依頼額"]


@pytest.mark.parametrize("code", list(REQUEST_LISTS))
def test_rk_4_each_list_renders_as_a_pdf(code: str) -> None:
    """Each list renders through the shared writer: its title, header and rows in the PDF."""
    data = rokin_lists.render(REQUEST_LISTS[code], HEADER, [LINE, replace(LINE, id=2)],
                              output_date=date(2026, 4, 20))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert REQUEST_LISTS[code].title in text and "入金グループ：001" in text
    assert "000123" in text and "246,912" in text  # two lines' 依頼額


def test_rk_6_product_totals_leave_out_ended_lines() -> None:
    """RK-6: per product (by 商品コード) 件数 and 金額; 解約 lines (amount 0, ended) count
    nowhere, as in the request's 依頼件数 (A.6)."""
    lines = [
        LINE,
        replace(LINE, id=2, amount=10_000),
        replace(LINE, id=3, product_code="0001", product_name="普通預金", amount=5_000),
        replace(LINE, id=4, product_code="0001", product_name="普通預金", amount=0,
                change_kind="解約"),
    ]
    totals = product_totals(lines)
    assert [(p.code, p.name, p.count, p.amount) for p in totals] == [
        ("0001", "普通預金", 1, 5_000), ("0005", "住宅ローン返済", 2, 133_456)]
    form = CompanyRequest(header=HEADER, products=totals, issued_on=date(2026, 4, 20))
    assert (form.count, form.amount) == (3, 138_456)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        render_company_request(form))).pages)
    assert "企業宛控除依頼書" in text and "テスト労働組合" in text and "138,456" in text
