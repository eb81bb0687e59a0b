"""給与控除データ照合 (SPEC §13 R-PLUS-1, R-PLUS-5): the organisation's own payroll deduction
data against the bank's 控除依頼, on plain values.

A line is identified by 職員番号 + 商品コード + 口座番号 (one employee × one product × one
account: a 労金控除明細). The comparison lists every difference:

- 金額相違 (``different``): on both sides with another amount;
- 依頼のみ (``missing``): in the request, not in the payroll data;
- 給与データのみ (``extra``): in the payroll data, not in the request;

and counts the lines that agree (一致). A line absent on one side is an amount of 0: a 解約 line
of the request (amount 0) that the payroll data leaves out, or a payroll line of 0 yen the
request does not have, agrees. It is a preview: nothing is changed anywhere.

The payroll rows come as text cells (``reports.csv_reader``); ``payroll_lines`` finds the
columns by their header names, in any order and among any other columns (氏名, 所属 … are
ignored), so the RK-5/RK-7 export layout (amount column 依頼額), the minimal layout (職員番号,
商品コード, 口座番号, 控除額) and a payroll system's own file with extra columns are read; a
missing required column is named. Problems are ``Err`` values naming the row (header = row 1)
and the column (from 1), as Excel shows them.

A file opened and saved in Excel has lost its codes' leading zeros (職員番号 001006 → 1006,
商品コード 0002 → 2; issue 14 "Excel eats the codes"). ``restore_zeros`` pads such codes back to
the request's widths before the comparison and says how many it restored, so the screen can
tell why (rather than 244 依頼のみ and 244 給与データのみ).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from chingin_app.domain.result import Err

__all__ = [
    "AMOUNT_HEADERS",
    "KEY_HEADERS",
    "MAX_AMOUNT",
    "DiffKind",
    "Difference",
    "LineKey",
    "PayrollLine",
    "Reconciliation",
    "RequestEntry",
    "RestoredZeros",
    "column_names",
    "compare",
    "find_columns",
    "payroll_lines",
    "restore_zeros",
]

#: The columns that identify a line, by their header names (the RK-5/RK-7 export's).
KEY_HEADERS: Final[tuple[str, str, str]] = ("職員番号", "商品コード", "口座番号")
#: The amount column: 依頼額 in the bank's export, 控除額 in a payroll system's minimal file.
AMOUNT_HEADERS: Final[tuple[str, ...]] = ("依頼額", "控除額")
#: The widest amount the bank's fields hold (7 digits, as services/rokin/details).
MAX_AMOUNT: Final = 9_999_999

# Bare integers (SPEC A.2 "amounts are bare integers"): no sign, comma or leading zero.
_AMOUNT_RE: Final = re.compile(r"0|[1-9][0-9]*")
_MAX_ERRORS: Final = 100


class DiffKind(StrEnum):
    """What kind of difference a line shows, with the screen's word for it."""

    DIFFERENT = "different"
    MISSING = "missing"
    EXTRA = "extra"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS: Final = {
    DiffKind.DIFFERENT: "金額相違",
    DiffKind.MISSING: "依頼のみ",
    DiffKind.EXTRA: "給与データのみ",
}


@dataclass(frozen=True, order=True)
class LineKey:
    """職員番号 + 商品コード + 口座番号."""

    staff_no: str
    product_code: str
    account_no: str


@dataclass(frozen=True)
class RequestEntry:
    """A request line as the comparison needs it; ``name``, ``department`` and ``hold`` (入金中止)
    are only shown."""

    key: LineKey
    amount: int
    name: str = ""
    department: str = ""
    hold: bool = False


@dataclass(frozen=True)
class PayrollLine:
    """A payroll row read: its key, amount and row number in the file (header = 1)."""

    key: LineKey
    amount: int
    row: int


@dataclass(frozen=True)
class Difference:
    """One line that differs. ``requested``/``payroll`` are None on the side that lacks it;
    ``row`` is the payroll file's row (None for 依頼のみ)."""

    kind: DiffKind
    key: LineKey
    requested: int | None
    payroll: int | None
    row: int | None = None
    name: str = ""
    department: str = ""
    hold: bool = False

    @property
    def gap(self) -> int:
        """給与データ − 依頼 (a missing side counts as 0)."""
        return (self.payroll or 0) - (self.requested or 0)


@dataclass(frozen=True)
class Reconciliation:
    """The result: the counts of R-PLUS-5's preview and every difference, in key order."""

    matched: int
    differences: tuple[Difference, ...]
    request_lines: int
    payroll_lines: int
    request_total: int
    payroll_total: int

    def count(self, kind: DiffKind) -> int:
        """How many differences of ``kind``."""
        return sum(1 for d in self.differences if d.kind is kind)

    @property
    def different(self) -> int:
        return self.count(DiffKind.DIFFERENT)

    @property
    def missing(self) -> int:
        return self.count(DiffKind.MISSING)

    @property
    def extra(self) -> int:
        return self.count(DiffKind.EXTRA)


@dataclass(frozen=True)
class Columns:
    """0-based indexes of the key and amount columns in a header."""

    staff_no: int
    product_code: int
    account_no: int
    amount: int
    amount_header: str


def _header_name(cell: str) -> str:
    # Spaces (also full-width ones a payroll system pads with) never make a name differ.
    return cell.strip().replace("\u3000", "").replace(" ", "")


def find_columns(header: Sequence[str]) -> Columns | Err:
    """The key and amount columns of ``header`` by name, in any order; other columns are
    ignored. Each key column must be there exactly once, and one amount column (依頼額 or
    控除額: with both, which one is the payroll's is not clear). Err E-RECON-COLUMN (``name``:
    every missing or repeated required column, 「」-joined) otherwise."""
    names = [_header_name(cell) for cell in header]
    indexes: list[int] = []
    wrong: list[str] = []
    for name in KEY_HEADERS:
        found = [i for i, cell in enumerate(names) if cell == name]
        if len(found) != 1:
            wrong.append(name)
        indexes.append(found[0] if found else -1)
    amounts = [i for i, cell in enumerate(names) if cell in AMOUNT_HEADERS]
    amount = amounts[0] if len(amounts) == 1 else None
    if amount is None:
        wrong.append("／".join(AMOUNT_HEADERS))
    if wrong or amount is None:
        return Err("E-RECON-COLUMN", None, {"name": "」「".join(wrong)})
    return Columns(indexes[0], indexes[1], indexes[2], amount, names[amount])


def payroll_lines(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, first_row: int = 2,
    row_numbers: Sequence[int] | None = None,
) -> list[PayrollLine] | list[Err]:
    """The payroll rows as lines, or every problem (up to 100) by row and column:
    E-RECON-COLUMN (header), E-RECON-REQUIRED (an empty key cell), E-RECON-AMOUNT (not a bare
    integer of 0 … 9,999,999), E-RECON-DUPLICATE (a key already on row ``first``). Cells are
    taken without surrounding spaces; codes keep their leading zeros."""
    columns = find_columns(header)
    if isinstance(columns, Err):
        return [columns]
    errors: list[Err] = []
    lines: list[PayrollLine] = []
    seen: dict[LineKey, int] = {}
    key_columns = (
        (columns.staff_no, KEY_HEADERS[0]),
        (columns.product_code, KEY_HEADERS[1]),
        (columns.account_no, KEY_HEADERS[2]),
    )
    # The rows' own numbers in the file when given (blank rows were skipped), else counted.
    numbered = (zip(row_numbers, rows, strict=True) if row_numbers is not None
                else enumerate(rows, start=first_row))
    for row_no, cells in numbered:
        problems: list[Err] = []
        values: list[str] = []
        for index, label in key_columns:
            value = cells[index].strip() if index < len(cells) else ""
            if not value:
                problems.append(
                    Err("E-RECON-REQUIRED", None,
                        {"row": row_no, "column": index + 1, "label": label})
                )
            values.append(value)
        raw = cells[columns.amount].strip() if columns.amount < len(cells) else ""
        amount = int(raw) if _AMOUNT_RE.fullmatch(raw) and int(raw) <= MAX_AMOUNT else None
        if amount is None:
            problems.append(
                Err("E-RECON-AMOUNT", None, {"row": row_no, "column": columns.amount + 1,
                                             "label": columns.amount_header, "value": raw})
            )
        if not problems:
            key = LineKey(values[0], values[1], values[2])
            if key in seen:
                problems.append(
                    Err("E-RECON-DUPLICATE", None, {"row": row_no, "first": seen[key],
                                                    "staff_no": key.staff_no})
                )
            else:
                seen[key] = row_no
                assert amount is not None
                lines.append(PayrollLine(key, amount, row_no))
        errors.extend(problems)
        if len(errors) >= _MAX_ERRORS:
            break
    if errors:
        return errors[:_MAX_ERRORS]
    return lines


def compare(requested: Iterable[RequestEntry], payroll: Iterable[PayrollLine]) -> Reconciliation:
    """Every difference between the request and the payroll lines (R-PLUS-1), in key order.

    The payroll side has unique keys (``payroll_lines`` refuses duplicates); should the request
    hold one key twice, its lines are paired with the payroll line in order and the second is
    依頼のみ.
    """
    by_key: dict[LineKey, PayrollLine] = {}
    payroll_count = payroll_total = 0
    for line in payroll:
        if line.key in by_key:
            raise ValueError(f"duplicate payroll key {line.key}")
        by_key[line.key] = line
        payroll_count += 1
        payroll_total += line.amount
    used: set[LineKey] = set()
    differences: list[Difference] = []
    matched = request_count = request_total = 0
    for entry in requested:
        request_count += 1
        request_total += entry.amount
        paired = by_key.get(entry.key) if entry.key not in used else None
        if paired is None:
            if entry.amount == 0:
                matched += 1  # absent is 0 yen: a 解約 line nobody deducts agrees
            else:
                differences.append(Difference(DiffKind.MISSING, entry.key, entry.amount, None,
                                              None, entry.name, entry.department, entry.hold))
            continue
        used.add(entry.key)
        if paired.amount == entry.amount:
            matched += 1
        else:
            differences.append(Difference(DiffKind.DIFFERENT, entry.key, entry.amount,
                                          paired.amount, paired.row, entry.name,
                                          entry.department, entry.hold))
    for key, line in by_key.items():
        if key in used:
            continue
        if line.amount == 0:
            matched += 1
        else:
            differences.append(Difference(DiffKind.EXTRA, key, None, line.amount, line.row))
    differences.sort(key=lambda d: (d.key, d.row or 0))
    return Reconciliation(
        matched=matched,
        differences=tuple(differences),
        request_lines=request_count,
        payroll_lines=payroll_count,
        request_total=request_total,
        payroll_total=payroll_total,
    )


@dataclass(frozen=True)
class RestoredZeros:
    """The payroll lines with codes padded back to the request's widths, and what was done:
    how many lines had a code restored, which columns, and a first example (as in the file →
    as restored) for the screen's hint."""

    lines: tuple[PayrollLine, ...]
    restored: int
    columns: tuple[str, ...]
    example: tuple[str, str] | None


def _code_restorer(known: Iterable[str]) -> Callable[[str], str]:
    """How one key column's payroll codes are padded: a code the request has is kept; a code
    of ASCII digits that is the zero-stripped form of exactly one request code becomes that
    code; otherwise, when every request code of the column has one width, it is zero-padded to
    it (a line only the payroll has keeps the request's width too)."""
    values = set(known)
    by_stripped: dict[str, str | None] = {}
    for value in values:
        if value.isascii() and value.isdigit():
            stripped = value.lstrip("0") or "0"
            by_stripped[stripped] = None if stripped in by_stripped else value
    widths = {len(v) for v in values if v.isascii() and v.isdigit()}
    width = widths.pop() if len(widths) == 1 else None

    def restore(code: str) -> str:
        if code in values or not (code.isascii() and code.isdigit()):
            return code
        found = by_stripped.get(code.lstrip("0") or "0")
        if found is not None:
            return found
        if width is not None and len(code) < width:
            return code.zfill(width)
        return code

    return restore


def column_names(names: Iterable[str]) -> str:
    """Column names as one phrase for a message (職員番号・商品コード)."""
    return "・".join(names)


def restore_zeros(
    payroll: Sequence[PayrollLine], requested: Sequence[RequestEntry]
) -> RestoredZeros:
    """``payroll`` with 職員番号, 商品コード and 口座番号 padded back to the request's widths
    where they look zero-stripped (Excel turned 001006 into 1006). A line whose restored key
    another payroll line already has keeps its codes as written (no two lines merge)."""
    restorers = (
        _code_restorer(e.key.staff_no for e in requested),
        _code_restorer(e.key.product_code for e in requested),
        _code_restorer(e.key.account_no for e in requested),
    )
    taken = {line.key for line in payroll}
    out: list[PayrollLine] = []
    columns: set[str] = set()
    restored = 0
    example: tuple[str, str] | None = None
    for line in payroll:
        codes = (line.key.staff_no, line.key.product_code, line.key.account_no)
        padded = tuple(fix(code) for fix, code in zip(restorers, codes, strict=True))
        key = LineKey(*padded)
        if padded == codes or key in taken:
            out.append(line)
            continue
        taken.add(key)
        restored += 1
        for name, before, after in zip(KEY_HEADERS, codes, padded, strict=True):
            if before != after:
                columns.add(name)
                if example is None:
                    example = (before, after)
        out.append(PayrollLine(key, line.amount, line.row))
    return RestoredZeros(
        lines=tuple(out), restored=restored,
        columns=tuple(name for name in KEY_HEADERS if name in columns), example=example,
    )
