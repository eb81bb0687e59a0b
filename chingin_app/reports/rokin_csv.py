"""CSV layouts of the 労金控除 exports: 労金控除依頼データ (RK-5) and 企業宛控除依頼データ (RK-7),
the columns of SPEC A.6's 控除依頼リスト. The reconciliation (R-PLUS-1) reads the RK-7 layout
back, so a file exported and imported unchanged differs in nothing (A.2: 「変更 0件」).

Codes (職員番号, 店番, 商品コード, 口座番号) are text; amounts are bare integers; the free-text
columns (所属, カナ氏名, 漢字氏名) are neutralised against formula injection by the writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from chingin_app.domain.deduction_cycle import RequestLine
from chingin_app.domain.line_kinds import PayKind


@dataclass(frozen=True)
class CsvColumn:
    """One exported column: its header and how a request line fills it."""

    header: str
    value: Callable[[RequestLine], object]
    free_text: bool = False


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


def header(columns: Iterable[CsvColumn]) -> list[str]:
    """The header row."""
    return [c.header for c in columns]


def free_text_indexes(columns: Iterable[CsvColumn]) -> tuple[int, ...]:
    """0-based indexes of the columns the writer neutralises and the reader un-neutralises."""
    return tuple(i for i, c in enumerate(columns) if c.free_text)


def rows(columns: tuple[CsvColumn, ...], lines: Iterable[RequestLine]) -> Iterator[list[object]]:
    """One CSV row per request line, lazily (100,000-row exports stream)."""
    for line in lines:
        yield [c.value(line) for c in columns]
