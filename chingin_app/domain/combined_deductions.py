"""労金控除 and 賃控元帳 together, per employee (SPEC §11 RL-12 労金控除賃控元帳依頼リスト,
RL-13 労金控除賃控元帳依頼データ): for one cycle (payment group, 控除年月, 支給区分) every
employee's 労金控除 request lines and 賃控元帳 request lines, and the employee's total — the
figure payroll deducts — with subtotals per 所属 and a grand total.

What counts: every request line but 解約 ones (amount 0, informational: A.4), whatever its
入金中止 — this is the request, what payroll is asked to deduct on payday. An employee is one
職員番号 (both kinds share the employees, ``models.rokin.Employee``); the order is 所属, then
職員番号, sorted here rather than by the database's collation.

The wide form (RL-13, one row per employee) has a column per 労金控除 product and per 種目
(``WideColumn``); an employee with two lines of one product (two accounts) gets their sum.

Pure: no database, no Reflex.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "CombinedDeductions",
    "DeductionLine",
    "DepartmentTotal",
    "EmployeeDeductions",
    "Source",
    "WideColumn",
    "combine",
    "wide_columns",
    "wide_row",
]


class Source(StrEnum):
    """Which request a line comes from."""

    ROKIN = "rokin"
    LEDGER = "ledger"

    @property
    def label(self) -> str:
        """労金控除 / 賃控元帳, as the list and the CSV write it."""
        return _SOURCE_LABELS[self]


_SOURCE_LABELS: Final[dict[Source, str]] = {Source.ROKIN: "労金控除", Source.LEDGER: "賃控元帳"}


@dataclass(frozen=True)
class DeductionLine:
    """One request line of either kind: the employee (as the request's snapshot has them), the
    product or 種目 (``code``, ``name``) and the requested amount."""

    source: Source
    department: str
    staff_no: str
    name_kana: str
    name_kanji: str
    code: str
    name: str
    amount: int


@dataclass(frozen=True)
class EmployeeDeductions:
    """One employee's lines of both kinds (労金控除 first, each by code) and totals."""

    department: str
    staff_no: str
    name_kana: str
    name_kanji: str
    lines: tuple[DeductionLine, ...]

    @property
    def rokin_total(self) -> int:
        """労金控除 requested of this employee."""
        return sum(line.amount for line in self.lines if line.source is Source.ROKIN)

    @property
    def ledger_total(self) -> int:
        """賃控元帳 requested of this employee."""
        return sum(line.amount for line in self.lines if line.source is Source.LEDGER)

    @property
    def total(self) -> int:
        """What payroll deducts from this employee (RL-12): 労金控除 + 賃控元帳."""
        return self.rokin_total + self.ledger_total


@dataclass(frozen=True)
class DepartmentTotal:
    """A 所属's subtotal (RL-12)."""

    department: str
    employees: int
    rokin_total: int
    ledger_total: int

    @property
    def total(self) -> int:
        """労金控除 + 賃控元帳 of the 所属."""
        return self.rokin_total + self.ledger_total


@dataclass(frozen=True)
class CombinedDeductions:
    """The cycle's employees by 所属 and 職員番号, the 所属 subtotals and the grand totals."""

    employees: tuple[EmployeeDeductions, ...]
    departments: tuple[DepartmentTotal, ...]

    @property
    def rokin_total(self) -> int:
        """All 労金控除 requested."""
        return sum(d.rokin_total for d in self.departments)

    @property
    def ledger_total(self) -> int:
        """All 賃控元帳 requested."""
        return sum(d.ledger_total for d in self.departments)

    @property
    def total(self) -> int:
        """The grand total: the sum of every employee's ``total``."""
        return self.rokin_total + self.ledger_total

    @property
    def line_count(self) -> int:
        """Request lines of both kinds."""
        return sum(len(e.lines) for e in self.employees)


def combine(lines: Iterable[DeductionLine]) -> CombinedDeductions:
    """Group the cycle's request lines of both kinds by employee (module docstring), sorted by
    所属 and 職員番号; the employee's name and 所属 are those of their first line. Lines of
    amount below 0 are a bug (ValueError)."""
    by_staff: dict[str, list[DeductionLine]] = {}
    for line in lines:
        if line.amount < 0:
            raise ValueError("amounts are never negative")
        by_staff.setdefault(line.staff_no, []).append(line)
    employees = []
    for staff_no, own in by_staff.items():
        first = own[0]
        ordered = sorted(own, key=lambda ln: (ln.source is not Source.ROKIN, ln.code, ln.name))
        employees.append(EmployeeDeductions(first.department, staff_no, first.name_kana,
                                            first.name_kanji, tuple(ordered)))
    employees.sort(key=lambda e: (e.department, e.staff_no))
    departments: list[DepartmentTotal] = []
    for employee in employees:
        if departments and departments[-1].department == employee.department:
            last = departments[-1]
            departments[-1] = DepartmentTotal(
                last.department, last.employees + 1, last.rokin_total + employee.rokin_total,
                last.ledger_total + employee.ledger_total,
            )
        else:
            departments.append(DepartmentTotal(employee.department, 1, employee.rokin_total,
                                               employee.ledger_total))
    return CombinedDeductions(tuple(employees), tuple(departments))


@dataclass(frozen=True)
class WideColumn:
    """One amount column of the wide form (RL-13): a 労金控除 product or a 種目."""

    source: Source
    code: str
    name: str

    @property
    def header(self) -> str:
        """The column's header, e.g. 「労金控除 0001 普通預金」, 「賃控元帳 0001 組合費」: the
        kind first, since a product and a 種目 may share a code or a name."""
        return f"{self.source.label} {self.code} {self.name}"


def wide_columns(
    combined: CombinedDeductions, extra: Iterable[WideColumn] = ()
) -> tuple[WideColumn, ...]:
    """The wide form's amount columns: every product and 種目 of the cycle's lines plus
    ``extra`` (the contract's others, so a payroll import sees the same columns every
    month), 労金控除 first, each by code. A code named twice keeps the first name given."""
    found: dict[tuple[Source, str], WideColumn] = {}
    for employee in combined.employees:
        for line in employee.lines:
            found.setdefault((line.source, line.code), WideColumn(line.source, line.code,
                                                                  line.name))
    for column in extra:
        found.setdefault((column.source, column.code), column)
    return tuple(sorted(found.values(), key=lambda c: (c.source is not Source.ROKIN, c.code)))


def wide_row(employee: EmployeeDeductions, columns: Sequence[WideColumn]) -> list[int]:
    """The employee's amount per column (0 where they have no line) and, last, their total;
    a line whose product or 種目 is not a column is a bug (ValueError: the total would not
    be the sum of the columns)."""
    index = {(c.source, c.code): position for position, c in enumerate(columns)}
    amounts = [0] * len(columns)
    for line in employee.lines:
        position = index.get((line.source, line.code))
        if position is None:
            raise ValueError(f"no column for {line.source.value} {line.code}")
        amounts[position] += line.amount
    return [*amounts, employee.total]
