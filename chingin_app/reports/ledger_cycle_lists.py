"""The 賃控元帳 cycle's lists and exports (SPEC §11 RL-5, RL-6, RL-7, RL-12, RL-13; the manual's
names, P.22): what each is — its title, its columns and how a line fills them — for the PDF
(``reports/list_pdf``), for the same list on screen (``reports/lists``) and for the CSV
(``reports/csv_columns``), from one definition each.

As in the 労金控除 lists, what is the same on every line of one request (控除年月, 支給区分,
入金グループ, 控除日, 入金予定日) is printed once in every page's header (``ListHeader``); the
CSV exports keep it on every row.

RL-12 (労金控除賃控元帳依頼リスト) prints each employee's lines of both kinds, the employee's
total — the figure payroll deducts — on their last line (本人合計), a 小計 per 所属 and the
合計; RL-13 is the same as CSV, one row per employee with a column per product and per 種目
(``domain.combined_deductions``), or one row per line.

No database and no Reflex here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from chingin_app.domain.combined_deductions import (
    CombinedDeductions,
    DeductionLine,
    DepartmentTotal,
    WideColumn,
    wide_row,
)
from chingin_app.domain.ledger_cycle import LedgerLine
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.reports.csv_columns import CsvColumn
from chingin_app.reports.list_pdf import ProgressCallback, render_list
from chingin_app.reports.lists import ListField, ListHeader, ListKind, list_spec, pdf_rows

__all__ = [
    "COMBINED",
    "COMBINED_LONG_COLUMNS",
    "DEPARTMENT_TOTALS",
    "LEDGER_REQUEST_COLUMNS",
    "REQUEST_LISTS",
    "RESULT_LISTS",
    "WIDE_FREE_TEXT",
    "CombinedLongLine",
    "CombinedRow",
    "combined_rows",
    "department_totals",
    "long_lines",
    "render",
    "wide_header",
    "wide_rows",
]


def _change(line: LedgerLine) -> str:
    """異動区分 as A.6 shows it: 新規 / 変更 / 解約; a line unchanged since last cycle is
    blank."""
    return "" if line.change_kind == ChangeKind.CONTINUED.value else line.change_kind


def _item(line: Any) -> str:
    return f"{line.item_code} {line.item_name}"


# The request line's own columns (A.6 控除依頼リスト for a 種目, without the per-request ones).
_DEPARTMENT = ListField("所属", "department", 30, lambda ln: ln.department)
_STAFF_NO = ListField("職員番号", "staff_no", 20, lambda ln: ln.staff_no)
_KANA = ListField("カナ氏名", "name_kana", 36, lambda ln: ln.name_kana)
_KANJI = ListField("漢字氏名", "name_kanji", 28, lambda ln: ln.name_kanji)
_ITEM = ListField("種目", "item", 34, _item)
_AMOUNT = ListField("依頼額", "amount", 22, lambda ln: ln.amount, amount=True, total=True)
_CHANGE = ListField("異動区分", "change_kind", 16, _change, align="center")


def _of_line(field: ListField) -> ListField:
    """A request-line column read from a result or mismatch line's ``line``."""
    getter = field.value
    return ListField(field.title, field.key, field.width_mm, lambda r: getter(r.line),
                     field.amount, field.total, field.align)


#: RL-5's lists: 賃控元帳控除依頼リスト and the カナ氏名・職員番号桁数相違リスト (RL-CYCLE-3).
REQUEST_LISTS: Final[dict[str, ListKind]] = {
    "all": ListKind("all", "賃控元帳控除依頼リスト",
                    (_DEPARTMENT, _STAFF_NO, _KANA, _KANJI, _ITEM, _AMOUNT, _CHANGE)),
    "mismatch": ListKind("mismatch", "賃控元帳控除依頼カナ氏名・職員番号桁数相違リスト", (
        *(_of_line(f) for f in (_DEPARTMENT, _STAFF_NO)),
        ListField("元帳カナ", "ledger_kana", 36, lambda m: m.line.name_kana),
        ListField("金庫登録カナ", "bank_kana", 36, lambda m: m.bank_kana),
        _of_line(_KANJI),
        _of_line(_ITEM),
        ListField("相違内容", "difference", 60, lambda m: m.mismatch.description),
    )),
}

_RESULT_BASE: Final = tuple(
    _of_line(f) for f in (_DEPARTMENT, _STAFF_NO, _KANA, _KANJI, _ITEM, _AMOUNT)
)
_REASON = ListField("不能理由", "reason", 40, lambda r: r.reason)

#: RL-7's lists (manual: 賃控元帳控除結果リスト, 賃控元帳控除不能リスト).
RESULT_LISTS: Final[dict[str, ListKind]] = {
    "all": ListKind("all", "賃控元帳控除結果リスト", (
        *_RESULT_BASE,
        ListField("控除額", "deducted", 22, lambda r: r.deducted_amount, amount=True,
                  total=True),
        ListField("結果", "result", 12, lambda r: r.result_label, align="center"),
        _REASON,
    )),
    "not_deducted": ListKind("not_deducted", "賃控元帳控除不能リスト", (*_RESULT_BASE, _REASON)),
}


@dataclass(frozen=True)
class CombinedRow:
    """One printed line of RL-12: a request line, with the employee's total on their last."""

    line: DeductionLine
    employee_total: int | None


def combined_rows(combined: CombinedDeductions) -> Iterator[CombinedRow]:
    """RL-12's lines in order: each employee's lines, their total on the last one."""
    for employee in combined.employees:
        last = len(employee.lines) - 1
        for index, line in enumerate(employee.lines):
            yield CombinedRow(line, employee.total if index == last else None)


def _source_amount(source: str) -> Any:
    return lambda r: r.line.amount if r.line.source.value == source else None


#: RL-12 労金控除賃控元帳依頼リスト: both kinds per employee, 本人合計, 小計 per 所属, 合計.
COMBINED: Final = ListKind("combined", "労金控除賃控元帳依頼リスト", (
    ListField("所属", "department", 28, lambda r: r.line.department),
    ListField("職員番号", "staff_no", 20, lambda r: r.line.staff_no),
    ListField("カナ氏名", "name_kana", 32, lambda r: r.line.name_kana),
    ListField("漢字氏名", "name_kanji", 26, lambda r: r.line.name_kanji),
    ListField("区分", "source", 16, lambda r: r.line.source.label, align="center"),
    ListField("商品・種目", "item", 34, lambda r: f"{r.line.code} {r.line.name}"),
    ListField("労金控除", "rokin", 22, _source_amount("rokin"), amount=True, total=True),
    ListField("賃控元帳", "ledger", 22, _source_amount("ledger"), amount=True, total=True),
    ListField("本人合計", "total", 24, lambda r: r.employee_total, amount=True, total=True),
))


#: RL-12 on screen: the 所属 subtotals and, last, the 合計 (``department_totals``).
DEPARTMENT_TOTALS: Final = ListKind("departments", "所属別合計", (
    ListField("所属", "department", 30, lambda d: d.department),
    ListField("人数", "employees", 14, lambda d: d.employees, amount=True),
    ListField("労金控除", "rokin", 24, lambda d: d.rokin_total, amount=True),
    ListField("賃控元帳", "ledger", 24, lambda d: d.ledger_total, amount=True),
    ListField("合計", "total", 24, lambda d: d.total, amount=True),
))
_GRAND_TOTAL_LABEL: Final = "合計"


def department_totals(combined: CombinedDeductions) -> list[DepartmentTotal]:
    """RL-12's 所属 subtotals and, last, the grand total as one more row (所属 「合計」)."""
    return [*combined.departments,
            DepartmentTotal(_GRAND_TOTAL_LABEL, len(combined.employees), combined.rokin_total,
                            combined.ledger_total)]


def render(
    kind: ListKind,
    header: ListHeader,
    lines: Iterable[Any],
    *,
    output_date: date,
    on_progress: ProgressCallback | None = None,
) -> bytes:
    """The list as an A4 PDF (IPAex Gothic embedded, header, page numbers, totals); RL-12
    (``COMBINED``, lines from ``combined_rows``) with a 小計 per 所属."""
    spec = list_spec(kind, header.lines(), output_date=output_date,
                     group_by=0 if kind.code == COMBINED.code else None)
    return render_list(spec, pdf_rows(kind, lines), on_progress=on_progress)


# ---------------------------------------------------------------------------- CSV


def _pay_kind_label(line: Any) -> str:
    return PayKind(line.pay_kind).label


#: RL-6 賃控元帳控除依頼データ: every line of the request with the per-request columns too.
LEDGER_REQUEST_COLUMNS: Final[tuple[CsvColumn, ...]] = (
    CsvColumn("控除年月", lambda ln: ln.deduct_month),
    CsvColumn("支給区分", _pay_kind_label),
    CsvColumn("入金グループ", lambda ln: ln.group_no),
    CsvColumn("所属", lambda ln: ln.department, free_text=True),
    CsvColumn("職員番号", lambda ln: ln.staff_no),
    CsvColumn("カナ氏名", lambda ln: ln.name_kana, free_text=True),
    CsvColumn("漢字氏名", lambda ln: ln.name_kanji, free_text=True),
    CsvColumn("種目コード", lambda ln: ln.item_code),
    CsvColumn("種目名", lambda ln: ln.item_name, free_text=True),
    CsvColumn("依頼額", lambda ln: ln.amount),
    CsvColumn("異動区分", lambda ln: ln.change_kind),  # stored as 新規/変更/解約/継続
    CsvColumn("控除日", lambda ln: ln.deduction_date),
)


@dataclass(frozen=True)
class CombinedLongLine:
    """One row of RL-13's long form: the request's key and one line of either kind."""

    deduct_month: str
    pay_kind: str
    group_no: str
    line: DeductionLine


def long_lines(
    combined: CombinedDeductions, *, deduct_month: str, pay_kind: str, group_no: str
) -> Iterator[CombinedLongLine]:
    """RL-13's long form, one row per line in the list's order."""
    for employee in combined.employees:
        for line in employee.lines:
            yield CombinedLongLine(deduct_month, pay_kind, group_no, line)


#: RL-13's long form (the option): one row per request line of either kind.
COMBINED_LONG_COLUMNS: Final[tuple[CsvColumn, ...]] = (
    CsvColumn("控除年月", lambda r: r.deduct_month),
    CsvColumn("支給区分", _pay_kind_label),
    CsvColumn("入金グループ", lambda r: r.group_no),
    CsvColumn("所属", lambda r: r.line.department, free_text=True),
    CsvColumn("職員番号", lambda r: r.line.staff_no),
    CsvColumn("カナ氏名", lambda r: r.line.name_kana, free_text=True),
    CsvColumn("漢字氏名", lambda r: r.line.name_kanji, free_text=True),
    CsvColumn("区分", lambda r: r.line.source.label),
    CsvColumn("商品・種目コード", lambda r: r.line.code),
    CsvColumn("商品・種目名", lambda r: r.line.name, free_text=True),
    CsvColumn("依頼額", lambda r: r.line.amount),
)

#: The wide form's columns before the amounts (free text: 所属 and the names).
_WIDE_LEAD: Final = ("職員番号", "カナ氏名", "漢字氏名", "所属")
_WIDE_TOTAL: Final = "合計"


def wide_header(columns: Iterable[WideColumn]) -> list[str]:
    """RL-13's header: 職員番号, カナ氏名, 漢字氏名, 所属, a column per product and per 種目,
    合計."""
    return [*_WIDE_LEAD, *(c.header for c in columns), _WIDE_TOTAL]


#: 0-based indexes of the wide form's free-text columns (カナ氏名, 漢字氏名, 所属).
WIDE_FREE_TEXT: Final = (1, 2, 3)


def wide_rows(
    combined: CombinedDeductions, columns: tuple[WideColumn, ...]
) -> Iterator[list[object]]:
    """RL-13's rows, one per employee: who, the amount per column and the total."""
    for employee in combined.employees:
        yield [employee.staff_no, employee.name_kana, employee.name_kanji, employee.department,
               *wide_row(employee, columns)]
