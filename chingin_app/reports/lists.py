"""The column model every area's lists share (労金控除 RK-4/RK-11, 賃控元帳 RL-3, 一斉積立
RS-1/RS-2; A.6 columns): a list is a ``ListKind`` — its title and its ``ListField`` columns,
each saying how a line fills it — drawn from one definition as the PDF (``reports/list_pdf``)
and as the same list on screen.

Each area's module declares its lists and its page header (``reports/rokin_lists``,
``reports/ledger_check_lists``, ``reports/batch_savings_lists``). No database and no Reflex
here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from chingin_app.domain import dates
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.reports.list_pdf import Column, ListSpec, format_cell

__all__ = [
    "ListField",
    "ListHeader",
    "ListKind",
    "contract_lines",
    "date_label",
    "list_spec",
    "month_label",
    "pdf_rows",
    "screen_rows",
]


@dataclass(frozen=True)
class ListField:
    """One column: title, row key on screen, width on paper (mm), how a line fills it, and
    whether it is an amount (thousands separators) summed in the totals rows."""

    title: str
    key: str
    width_mm: float
    value: Callable[[Any], object]
    amount: bool = False
    total: bool = False
    align: Literal["left", "center", "right"] = "left"


@dataclass(frozen=True)
class ListKind:
    """One list of a screen: the code the service filters by, its title as in the manual, its
    columns."""

    code: str
    title: str
    fields: tuple[ListField, ...]
    orientation: Literal["portrait", "landscape"] = "landscape"


def month_label(month: str) -> str:
    """``2026-04`` → 2026年4月 (``domain.dates``: one date style, issue 14 item 6)."""
    return dates.month_label(month)


def date_label(day: date | None) -> str:
    """2026/04/24 (empty for None; ``domain.dates``)."""
    return dates.date_label(day)


def contract_lines(
    contract_no: str, contract_name: str, group_no: str, group_name: str
) -> list[str]:
    """The first two header lines of every page: 契約 and 入金グループ (SPEC §11: contract and
    group in the header)."""
    return [
        f"契約番号：{contract_no}　{contract_name}",
        f"入金グループ：{group_no}　{group_name}",
    ]


@dataclass(frozen=True)
class ListHeader:
    """What every page's header says about a monthly request — 労金控除 (RK-4, RK-6, RK-11) or
    賃控元帳 (RL-5, RL-7, RL-12) — in Japanese (SPEC §11: contract and group in the header)."""

    contract_no: str
    contract_name: str
    group_no: str
    group_name: str
    deduct_month: str
    pay_kind_label: str
    deduction_date: date
    remittance_date: date

    def lines(self) -> list[str]:
        """契約, 入金グループ, and the request's 控除年月・支給区分・控除日・入金予定日."""
        return [
            *contract_lines(self.contract_no, self.contract_name, self.group_no,
                            self.group_name),
            f"控除年月：{month_label(self.deduct_month)}　支給区分：{self.pay_kind_label}　"
            f"控除日：{date_label(self.deduction_date)}　"
            f"入金予定日：{date_label(self.remittance_date)}",
        ]


def list_spec(
    kind: ListKind,
    header_lines: Sequence[str],
    *,
    output_date: date,
    group_by: int | None = None,
    count_unit: str = "件",
) -> ListSpec:
    """The list's ``ListSpec`` for ``render_list``: its columns, the totals of its amount
    columns and the count (``group_by``: a column whose runs get a 小計)."""
    change = next((i for i, f in enumerate(kind.fields) if f.key == "change_kind"), None)
    return ListSpec(
        # One count everywhere (issue 14 item 2): a list with 異動区分 lists its 解約 lines
        # (amount 0, never requested, A.4) but counts them apart in its 合計 rows.
        set_apart=None if change is None
        else (lambda values: values[change] == ChangeKind.ENDED.value),
        title=kind.title,
        columns=[
            Column(f.title, f.width_mm, align=f.align, amount=f.amount, total=f.total)
            for f in kind.fields
        ],
        output_date=output_date,
        header_lines=header_lines,
        orientation=kind.orientation,
        group_by=group_by,
        count_unit=count_unit,
    )


def pdf_rows(kind: ListKind, lines: Iterable[Any]) -> Iterator[list[object]]:
    """The data rows of the list, one value per column (ints for amounts), lazily."""
    for line in lines:
        yield [f.value(line) for f in kind.fields]


def screen_rows(kind: ListKind, lines: Sequence[Any]) -> list[dict[str, str]]:
    """The same rows as the screen's table shows them: text cells by column key."""
    return [
        {f.key: format_cell(f.value(line), amount=f.amount) for f in kind.fields}
        for line in lines
    ]

