"""The 一斉積立事務 lists (SPEC §11 RS-1, RS-2, RS-3): 一斉積立内訳明細表 and 一斉積立変更明細表 —
title, columns and how a stored line fills them — for the PDF (``reports/list_pdf``), the screen
and the CSV export, from one definition (the column model of ``reports/lists``).

No database and no Reflex here: the lines come from ``services.batch_savings``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from chingin_app.domain.batch_savings import kind_label
from chingin_app.domain.clock import to_jst
from chingin_app.reports.list_pdf import ProgressCallback, render_list
from chingin_app.reports.lists import (
    ListField,
    ListKind,
    contract_lines,
    date_label,
    list_spec,
    month_label,
    pdf_rows,
)

__all__ = [
    "CSV_COLUMNS",
    "CSV_FREE_TEXT",
    "LISTS",
    "StatementHeader",
    "csv_rows",
    "render",
]

_DEPARTMENT = ListField("所属", "department", 30, lambda ln: ln.department)
_STAFF_NO = ListField("職員番号", "staff_no", 18, lambda ln: ln.staff_no)
_KANA = ListField("カナ氏名", "name_kana", 32, lambda ln: ln.name_kana)
_KANJI = ListField("漢字氏名", "name_kanji", 26, lambda ln: ln.name_kanji)
_BRANCH = ListField("店番", "branch_no", 10, lambda ln: ln.branch_no, align="center")
_ACCOUNT = ListField("口座番号", "account_no", 16, lambda ln: ln.account_no, align="center")
_PRODUCT = ListField("商品", "product_name", 22, lambda ln: ln.product_name)
_AMOUNT = ListField("積立額", "amount", 20, lambda ln: ln.amount, amount=True, total=True)
_PREVIOUS = ListField("前回積立額", "previous_amount", 20, lambda ln: ln.previous_amount,
                      amount=True, total=True)
_CHANGE = ListField("変更区分", "change_kind", 14, lambda ln: ln.change_kind, align="center")

#: The columns of the screen (RS-1) and of both lists.
FIELDS: Final = (_STAFF_NO, _KANA, _KANJI, _DEPARTMENT, _BRANCH, _ACCOUNT, _PRODUCT, _AMOUNT,
                 _PREVIOUS, _CHANGE)

#: RS-2's lists by ``services.batch_savings``'s ``which``.
LISTS: Final[dict[str, ListKind]] = {
    "detail": ListKind("detail", "一斉積立内訳明細表",
                       (_STAFF_NO, _KANA, _KANJI, _DEPARTMENT, _BRANCH, _ACCOUNT, _PRODUCT,
                        _AMOUNT)),
    "changes": ListKind("changes", "一斉積立変更明細表", FIELDS),
}


@dataclass(frozen=True)
class StatementHeader:
    """What every page's header says (SPEC §11: contract and group in the header)."""

    contract_no: str
    contract_name: str
    group_no: str
    group_name: str
    savings_month: str
    kind: str
    received_at: datetime

    def lines(self) -> list[str]:
        """契約, 入金グループ, and the statement's 積立年月・区分・受信日."""
        return [
            *contract_lines(self.contract_no, self.contract_name, self.group_no,
                            self.group_name),
            f"積立年月：{month_label(self.savings_month)}　区分：{kind_label(self.kind)}　"
            f"受信日：{date_label(to_jst(self.received_at).date())}",
        ]


def render(kind: ListKind, header: StatementHeader, lines: Iterable[Any], *,
           output_date: date, on_progress: ProgressCallback | None = None) -> bytes:
    """The list as an A4 landscape PDF (embedded font, header, page numbers, totals)."""
    spec = list_spec(kind, header.lines(), output_date=output_date)
    return render_list(spec, pdf_rows(kind, lines), on_progress=on_progress)


#: RS-3's CSV: the statement on every row, then the line (the load file's columns plus
#: 前回積立額 and 変更区分).
CSV_COLUMNS: Final[tuple[str, ...]] = (
    "入金グループ", "積立年月", "区分", "職員番号", "カナ氏名", "漢字氏名", "所属", "店番",
    "口座番号", "商品", "積立額", "前回積立額", "変更区分",
)
#: Free-text columns, neutralised against formula injection (漢字氏名, 所属, 商品).
CSV_FREE_TEXT: Final = (5, 6, 9)


def csv_rows(header: StatementHeader, lines: Iterable[Any]) -> Iterable[Sequence[object]]:
    """The CSV rows of the lines, lazily."""
    label = kind_label(header.kind)
    for ln in lines:
        yield (header.group_no, header.savings_month, label, ln.staff_no, ln.name_kana,
               ln.name_kanji, ln.department, ln.branch_no, ln.account_no, ln.product_name,
               ln.amount, ln.previous_amount, ln.change_kind)
