"""RL-12 / RL-13 (domain/combined_deductions.py): both kinds per employee, the employee's total
= 労金控除 + 賃控元帳, 所属 subtotals and the grand total; the payroll CSV's columns and rows."""

from __future__ import annotations

import pytest

from chingin_app.domain.combined_deductions import (
    DeductionLine,
    Source,
    WideColumn,
    combine,
    wide_columns,
    wide_row,
)

R, L = Source.ROKIN, Source.LEDGER


def _line(source: Source, staff_no: str, dept: str, code: str, amount: int,
          name: str = "") -> DeductionLine:
    return DeductionLine(source, dept, staff_no, f"ｶﾅ {staff_no}", f"漢字 {staff_no}", code,
                         name or code, amount)


LINES = [
    _line(L, "000002", "総務部", "0001", 3_000, "組合費"),
    _line(R, "000001", "総務部", "0001", 10_000, "普通預金"),
    _line(L, "000001", "総務部", "0002", 500, "共済会費"),
    _line(L, "000001", "総務部", "0001", 3_000, "組合費"),
    _line(R, "000001", "総務部", "0001", 2_000, "普通預金"),  # a second account
    _line(R, "000003", "営業部", "0003", 8_000, "財形預金"),
]


def test_rl_12_employee_total_is_rokin_plus_ledger() -> None:
    """RL-12: each employee's total is their 労金控除 plus their 賃控元帳 — the figure payroll
    deducts — with the 労金控除 lines first, each kind by code."""
    got = combine(LINES)
    by_staff = {e.staff_no: e for e in got.employees}
    first = by_staff["000001"]
    assert (first.rokin_total, first.ledger_total, first.total) == (12_000, 3_500, 15_500)
    assert [(ln.source, ln.code) for ln in first.lines] == [(R, "0001"), (R, "0001"),
                                                            (L, "0001"), (L, "0002")]
    for employee in got.employees:
        own = [ln for ln in LINES if ln.staff_no == employee.staff_no]
        assert employee.total == sum(ln.amount for ln in own)


def test_rl_12_department_subtotals_and_grand_total() -> None:
    """RL-12: employees by 所属 then 職員番号; a subtotal per 所属; the grand total is the sum
    of every employee's total, and of every line."""
    got = combine(LINES)
    assert [e.staff_no for e in got.employees] == ["000003", "000001", "000002"]
    assert [(d.department, d.employees, d.rokin_total, d.ledger_total, d.total)
            for d in got.departments] == [("営業部", 1, 8_000, 0, 8_000),
                                          ("総務部", 2, 12_000, 6_500, 18_500)]
    assert got.total == sum(e.total for e in got.employees) == sum(ln.amount for ln in LINES)
    assert (got.rokin_total, got.ledger_total, got.line_count) == (20_000, 6_500, 6)


def test_rl_12_nothing_to_combine() -> None:
    got = combine([])
    assert got.employees == () and got.total == 0


def test_rl_12_negative_amounts_are_a_bug() -> None:
    with pytest.raises(ValueError, match="negative"):
        combine([_line(R, "000001", "総務部", "0001", -1)])


def test_rl_13_wide_columns_and_rows_sum_to_the_total() -> None:
    """RL-13: a column per product and per 種目 (those of the cycle and the contract's others,
    労金控除 first, by code); each employee's row holds their amounts (two accounts of one
    product summed) and, last, their total = the sum of the row."""
    got = combine(LINES)
    columns = wide_columns(got, [WideColumn(L, "0009", "親睦会費"), WideColumn(R, "0001", "x")])
    assert [c.header for c in columns] == [
        "労金控除 0001 普通預金", "労金控除 0003 財形預金", "賃控元帳 0001 組合費",
        "賃控元帳 0002 共済会費", "賃控元帳 0009 親睦会費"]
    rows = {e.staff_no: wide_row(e, columns) for e in got.employees}
    assert rows["000001"] == [12_000, 0, 3_000, 500, 0, 15_500]
    assert all(sum(row[:-1]) == row[-1] for row in rows.values())
    assert sum(row[-1] for row in rows.values()) == got.total
    with pytest.raises(ValueError, match="no column"):
        wide_row(got.employees[0], columns[:1])
