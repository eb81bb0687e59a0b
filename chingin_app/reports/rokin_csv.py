"""CSV layouts of the 労金控除 exports: 労金控除依頼データ (RK-5) and 企業宛控除依頼データ (RK-7),
the columns of SPEC A.6's 控除依頼リスト in the shared column model (``reports/csv_columns``).
The reconciliation (R-PLUS-1) reads the RK-7 layout back, so a file exported and imported
unchanged differs in nothing (A.2: 「変更 0件」).

Codes (職員番号, 店番, 商品コード, 口座番号) are text; amounts are bare integers; the free-text
columns (所属, カナ氏名, 漢字氏名) are neutralised against formula injection by the writer."""

from __future__ import annotations

from typing import Final

from chingin_app.domain.deduction_cycle import RequestLine
from chingin_app.domain.line_kinds import PayKind
from chingin_app.reports.csv_columns import CsvColumn, free_text_indexes, header, rows

__all__ = ["REQUEST_COLUMNS", "CsvColumn", "free_text_indexes", "header", "rows"]


def _pay_kind_label(line: RequestLine) -> str:
    return PayKind(line.pay_kind).label


REQUEST_COLUMNS: Final[tuple[CsvColumn, ...]] = (
    CsvColumn("控除年月", lambda ln: ln.deduct_month),
    CsvColumn("支給区分", _pay_kind_label),
    CsvColumn("入金グループ", lambda ln: ln.group_no),
    CsvColumn("所属", lambda ln: ln.department, free_text=True),
    CsvColumn("職員番号", lambda ln: ln.staff_no),
    CsvColumn("カナ氏名", lambda ln: ln.name_kana, free_text=True),
    CsvColumn("漢字氏名", lambda ln: ln.name_kanji, free_text=True),
    CsvColumn("店番", lambda ln: ln.branch_no),
    CsvColumn("商品コード", lambda ln: ln.product_code),
    CsvColumn("商品", lambda ln: ln.product_name),
    CsvColumn("口座番号", lambda ln: ln.account_no),
    CsvColumn("依頼額", lambda ln: ln.amount),
    CsvColumn("残回数", lambda ln: "" if ln.remaining_count is None else ln.remaining_count),
    CsvColumn("異動区分", lambda ln: ln.change_kind),  # stored as 新規/変更/解約/継続
    CsvColumn("控除日", lambda ln: ln.deduction_date),
    CsvColumn("入金予定日", lambda ln: ln.remittance_date),
)
"""RK-5 労金控除依頼データ and RK-7 企業宛控除依頼データ (the company's copy is the same
request, so the same columns; RK-7 also offers the changes only)."""
