"""The Excel (.xlsx) writer every export offers beside its CSV (issue 14 item 5: "Excel eats the
codes"; SPEC R-ENV-3 Excel users, A.2 formula injection).

A CSV opened in Excel loses what its cells mean: 職員番号 001006 becomes 1006, 入金グループ 001
becomes 1, 2026-12 becomes a date. The workbook this module writes says it instead, cell by
cell, from the Python type of each value the export's columns give (the same header and rows
the CSV writer gets):

- ``str`` → a text cell (number format ``@``): codes keep their zeros, 2026-12 stays text;
- ``int``/``float``/``Decimal`` (not ``bool``) → a number: amounts add up in Excel;
- ``date`` → a date shown ``yyyy/mm/dd``, ``datetime`` ``yyyy/mm/dd hh:mm:ss`` (the one date
  style of issue 14 item 6);
- ``None`` → an empty cell; ``bool`` → text ``1``/``0`` as in the CSV;
- a bare integer given as text (``"12000"``) in one of the ``number_columns`` → a number (an
  export whose rows are text cells, e.g. RL-9's 月例額, still gives Excel numbers).

Formula injection is neutralised as in ``csv_writer``: a ``free_text_columns`` value starting
with ``= + - @``, tab or CR gets a leading ``'`` (so both files read the same), and no string
cell is ever written as a formula — openpyxl would store ``=…`` as one, so each text cell's
type is set to string explicitly. A character XML cannot hold (control characters) raises
``XlsxCharError`` naming the row and column; nothing is returned.

The workbook is written in openpyxl's write-only mode, row by row, so a 100,000-row export
does not hold every cell object at once.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = ["DATETIME_FORMAT", "DATE_FORMAT", "MEDIA_TYPE", "TEXT_FORMAT", "XlsxCharError",
           "write_xlsx"]

#: The media type of a delivered workbook.
MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel's "text" number format: what is typed into the cell later stays text as well.
TEXT_FORMAT: Final = "@"
DATE_FORMAT: Final = "yyyy/mm/dd"
DATETIME_FORMAT: Final = "yyyy/mm/dd hh:mm:ss"

_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_BARE_INTEGER: Final = re.compile(r"-?(?:0|[1-9][0-9]{0,14})")
_BOLD: Final = Font(bold=True)


class XlsxCharError(ValueError):
    """A character an .xlsx cell cannot hold; ``row`` counts the header as row 1 and ``column``
    from 1, as Excel shows them."""

    def __init__(self, row: int, column: int, char: str) -> None:
        self.row = row
        self.column = column
        self.char = char
        super().__init__(f"{row}行目{column}列目の文字（U+{ord(char):04X}）はExcelに出力できません。")


def _checked_text(text: str, row: int, column: int) -> str:
    bad = ILLEGAL_CHARACTERS_RE.search(text)
    if bad is not None:
        raise XlsxCharError(row, column, bad.group(0))
    return text


def _cell(sheet: WriteOnlyWorksheet, value: object, *, free: bool, number: bool, row: int,
          column: int) -> WriteOnlyCell:
    """One typed cell (see the module docstring)."""
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if number and isinstance(value, str) and _BARE_INTEGER.fullmatch(value):
        value = int(value)
    if isinstance(value, bool):
        value = "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    text = _checked_text(str(value), row, column)
    if free and text.startswith(_FORMULA_STARTS):
        text = "'" + text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.number_format = TEXT_FORMAT
    return cell


def _header_cells(sheet: WriteOnlyWorksheet, header: Sequence[str]) -> Iterator[WriteOnlyCell]:
    for column, title in enumerate(header, start=1):
        cell = WriteOnlyCell(sheet, value=_checked_text(str(title), 1, column))
        cell.data_type = "s"
        cell.font = _BOLD
        yield cell


def write_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sheet_title: str = "データ",
    free_text_columns: Collection[int] = (),
    number_columns: Collection[int] = (),
) -> bytes:
    """The workbook as bytes: one sheet, ``header`` in row 1 (frozen), then ``rows``, each cell
    typed by its value (codes text, amounts numbers). ``free_text_columns`` are 0-based column
    indexes neutralised against formula injection as in the CSV; ``number_columns`` those
    whose bare-integer texts are numbers. Raises ``XlsxCharError`` (row,
    column) for a character an .xlsx cannot hold."""
    free = frozenset(free_text_columns)
    numbers = frozenset(number_columns)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title[:31])
    # Width from the header (a Japanese character is about two Excel units), so the codes and
    # amounts of the first screenful are readable without resizing.
    for column, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(10, 2 * len(title) + 4)
    sheet.freeze_panes = "A2"
    sheet.append(list(_header_cells(sheet, header)))
    try:
        for row_no, values in enumerate(rows, start=2):
            sheet.append([
                _cell(sheet, value, free=index in free, number=index in numbers, row=row_no,
                      column=index + 1)
                for index, value in enumerate(values)
            ])
    except BaseException:
        # Nothing is delivered: finish the half-written sheet and remove its temporary file
        # now rather than leave both to the garbage collector.
        sheet.close()
        writer = getattr(sheet, "_writer", None)
        if writer is not None:
            writer.cleanup()
        raise
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
