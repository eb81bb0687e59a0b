"""The 賃控元帳確認リスト (SPEC §11 RL-3; manual: 賃控元帳内訳リスト, 賃控元帳種目合計リスト,
賃控元帳異動分リスト; A.6 賃控元帳 columns): each list's title and columns and how a line of
``services/ledger/check_lists.py`` fills them — for the PDF (``reports/list_pdf``) and for the same
list on screen, from one definition (the column model of ``reports/lists``).

The payment group and the 控除年月 are the same on every line, so they are printed once in the
header of every page (``CheckListHeader``), next to the contract.

No database and no Reflex here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from chingin_app.reports.list_pdf import ListSpec, ProgressCallback, render_list
from chingin_app.reports.lists import (
    ListField,
    ListKind,
    contract_lines,
    list_spec,
    month_label,
    pdf_rows,
)

__all__ = [
    "CHANGES",
    "CHECK_LISTS",
    "DETAILS",
    "ITEM_TOTALS",
    "CheckListHeader",
    "render",
    "spec",
]


def _month(value: str | None) -> str:
    return "" if not value else month_label(value)


def _item(line: Any) -> str:
    return f"{line.item_code} {line.item_name}"


_DEPARTMENT = ListField("所属", "department", 30, lambda ln: ln.department)
_STAFF_NO = ListField("職員番号", "staff_no", 20, lambda ln: ln.staff_no)
_KANA = ListField("カナ氏名", "name_kana", 38, lambda ln: ln.name_kana)
_KANJI = ListField("漢字氏名", "name_kanji", 30, lambda ln: ln.name_kanji)
_ITEM = ListField("種目", "item", 34, _item)
_START = ListField("開始年月", "start_month", 20, lambda ln: _month(ln.start_month),
                   align="center")
_END = ListField("終了年月", "end_month", 20, lambda ln: _month(ln.end_month), align="center")

#: 賃控元帳内訳リスト: the details active in the month, by 所属 (subtotals) and 職員番号.
DETAILS: Final = ListKind("details", "賃控元帳内訳リスト", (
    _DEPARTMENT, _STAFF_NO, _KANA, _KANJI, _ITEM,
    ListField("月例額", "monthly_amount", 22, lambda ln: ln.monthly_amount, amount=True,
              total=True),
    ListField("一時金額", "bonus_amount", 22, lambda ln: ln.bonus_amount, amount=True,
              total=True),
    _START, _END,
))

#: 賃控元帳種目合計リスト: per 種目 the count and the sums of the month, and the grand total.
ITEM_TOTALS: Final = ListKind("items", "賃控元帳種目合計リスト", (
    ListField("種目コード", "item_code", 22, lambda t: t.item_code, align="center"),
    ListField("種目名", "item_name", 60, lambda t: t.item_name),
    ListField("件数", "count", 22, lambda t: t.count, amount=True, total=True),
    ListField("月例額合計", "monthly_total", 38, lambda t: t.monthly_total, amount=True,
              total=True),
    ListField("一時金額合計", "bonus_total", 38, lambda t: t.bonus_total, amount=True,
              total=True),
), orientation="portrait")

#: 賃控元帳異動分リスト: what changed in the month against the month before (新規 / 変更 /
#: 終了 / 解除), with the amounts before and after (blank when there is none).
CHANGES: Final = ListKind("changes", "賃控元帳異動分リスト", (
    ListField("異動区分", "change", 16, lambda c: c.change, align="center"),
    _DEPARTMENT, _STAFF_NO, _KANA, _KANJI, _ITEM,
    ListField("変更前月例額", "before_monthly", 22, lambda c: c.before_monthly, amount=True,
              total=True),
    ListField("変更後月例額", "after_monthly", 22, lambda c: c.after_monthly, amount=True,
              total=True),
    ListField("変更前一時金額", "before_bonus", 22, lambda c: c.before_bonus, amount=True,
              total=True),
    ListField("変更後一時金額", "after_bonus", 22, lambda c: c.after_bonus, amount=True,
              total=True),
    _START, _END,
))

#: RL-3's lists by code, in the manual's order.
CHECK_LISTS: Final[dict[str, ListKind]] = {k.code: k for k in (DETAILS, ITEM_TOTALS, CHANGES)}


@dataclass(frozen=True)
class CheckListHeader:
    """What every page's header says (SPEC §11: contract and payment group in the header)."""

    contract_no: str
    contract_name: str
    group_no: str
    group_name: str
    month: str

    def lines(self) -> list[str]:
        """契約, 入金グループ and the 控除年月."""
        return [
            *contract_lines(self.contract_no, self.contract_name, self.group_no,
                            self.group_name),
            f"控除年月：{month_label(self.month)}",
        ]


def spec(kind: ListKind, header: CheckListHeader, *, output_date: date) -> ListSpec:
    """The list's ``ListSpec``: the 内訳リスト has a 小計 per 所属 (its first column); every
    list ends with the 合計 of its amount columns and the count."""
    return list_spec(
        kind, header.lines(), output_date=output_date,
        group_by=0 if kind.code == DETAILS.code else None,
        count_unit="種目" if kind.code == ITEM_TOTALS.code else "件",
    )


def render(
    kind: ListKind,
    header: CheckListHeader,
    lines: Iterable[Any],
    *,
    output_date: date,
    on_progress: ProgressCallback | None = None,
) -> bytes:
    """The list as an A4 PDF (IPAex Gothic embedded, header, page numbers, totals)."""
    return render_list(spec(kind, header, output_date=output_date), pdf_rows(kind, lines),
                       on_progress=on_progress)
