"""The CSV reader every import uses (SPEC A.2, R-PLUS-1, R-PLUS-5): the mirror of csv_writer.

- CP932 or UTF-8, with or without BOM, detected: a UTF-8 BOM means UTF-8; otherwise text that
  decodes as UTF-8 is UTF-8 (a CP932 file with any Japanese in it practically never does), else
  CP932. Anything else (UTF-16, a spreadsheet saved as .xlsx) is refused.
- The size limit (10 MB, DESIGN §1 "uploads read in memory") is checked before decoding.
- The header row must be the one the export writes (when the caller gives it).
- A.2's look-alikes are converted (U+301C → U+FF5E, …) and each converted cell is reported as a
  ``CsvConversion`` so the import preview can show it as 「変換」. ¥ (U+00A5) is accepted as is.
- Any other character CP932 cannot hold (𠮷, emoji) is an error naming its row and column.
- In the caller's free-text columns the ``'`` the export put before ``= + - @``, tab or CR is
  stripped again; other columns (amounts such as ``-123``, codes) are returned as read.
- All or nothing: the result is ``Ok(CsvTable)`` or ``Invalid`` with every problem found (up to
  ``max_errors``); nothing is half-read.

CP932's byte 0x5C is read as ``\\`` (what the byte is) while the export writes ¥ as 0x5C too:
an import preview compares stored and imported values through ``canonical_cell``, under which
both are the same, so an export imported unchanged previews as 「変更 0件」.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.reports.csv_writer import CP932_LOOKALIKES

__all__ = [
    "CONVERTED",
    "ENCODING_LABELS",
    "MAX_CSV_BYTES",
    "CsvConversion",
    "CsvTable",
    "DetectedEncoding",
    "canonical_cell",
    "read_csv",
    "read_rows",
    "read_table",
]

#: DESIGN §1: uploads are read in memory, so they are limited (10 MB).
MAX_CSV_BYTES: Final = 10 * 1024 * 1024
#: The word an import preview shows beside a converted cell (SPEC A.2).
CONVERTED: Final = "変換"

DetectedEncoding = Literal["cp932", "utf-8", "utf-8-sig"]
#: The encodings ``read_csv`` detects, as an import preview names the one it read.
ENCODING_LABELS: Final[dict[str, str]] = {
    "cp932": "Shift_JIS（CP932）", "utf-8": "UTF-8", "utf-8-sig": "UTF-8（BOM付き）",
}

# Look-alikes converted on import: A.2's list; ¥ is kept (it is stored as is).
_IMPORT_LOOKALIKES: Final = {k: v for k, v in CP932_LOOKALIKES.items() if k != "\u00a5"}
_IMPORT_TABLE: Final = str.maketrans(_IMPORT_LOOKALIKES)
_EXPORT_TABLE: Final = str.maketrans(CP932_LOOKALIKES)
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_STRAY_BYTES_RE: Final = re.compile("[\uf8f0-\uf8f3]")


@dataclass(frozen=True)
class CsvConversion:
    """A cell whose text was converted on import (A.2 「変換」); ``row`` counts the header as
    row 1 and ``column`` from 1, as Excel shows them."""

    row: int
    column: int
    before: str
    after: str


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read whole: the header, the data rows (text cells, codes with their leading
    zeros), the encoding it was in and the cells converted on the way. ``row_numbers`` gives
    each data row's row in the file (header = 1): wholly blank rows are skipped, so a message
    about a row after one must not count rows itself."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    encoding: DetectedEncoding
    conversions: tuple[CsvConversion, ...] = ()
    row_numbers: tuple[int, ...] = ()

    def numbered(self) -> list[tuple[int, tuple[str, ...]]]:
        """(row in the file, cells) of every data row."""
        return list(zip(self.row_numbers, self.rows, strict=True))


def canonical_cell(text: str) -> str:
    """A value as the CP932 export writes it (look-alikes mapped, ¥ and ``\\`` both 0x5C): the
    form an import preview compares, so an unchanged export is 「変更 0件」 (A.2)."""
    return text.translate(_EXPORT_TABLE)


def _decode(data: bytes) -> tuple[str, DetectedEncoding] | Err:
    nul = data.find(b"\x00")
    if nul >= 0:
        # No CSV text has NUL bytes; UTF-16 (Excel's "Unicode text") has one in every ASCII
        # character, and the cp932 codec would read them as control characters.
        return _encoding_error(data, nul)
    if data.startswith(_UTF8_BOM):
        try:
            return data[len(_UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            return _encoding_error(data, exc.start + len(_UTF8_BOM))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError as exc:
        return _encoding_error(data, exc.start)
    # Python's cp932 (like Windows) decodes the stray single bytes 0x80, 0xA0 and 0xFD–0xFF
    # to U+F8F0–U+F8F3 rather than failing: in a CSV they mean the file is not CP932 text
    # (UTF-16 starts with FF FE), so they are refused like undecodable bytes.
    stray = _STRAY_BYTES_RE.search(text)
    if stray is not None:
        return Err("E-CSV-ENCODING", None, {"row": text.count("\n", 0, stray.start()) + 1})
    return text, "cp932"


def _encoding_error(data: bytes, offset: int) -> Err:
    # The row of the undecodable byte: its line, counted as Excel counts them (good enough
    # to find it; quoted line breaks are rare in these files).
    return Err("E-CSV-ENCODING", None, {"row": data.count(b"\n", 0, offset) + 1})


def _unholdable(cell: str) -> str | None:
    """The first character of ``cell`` CP932 cannot hold, if any."""
    try:
        cell.encode("cp932")
    except UnicodeEncodeError as exc:
        return cell[exc.start]
    return None


def read_csv(
    data: bytes,
    *,
    expected_header: Sequence[str] | None = None,
    free_text_columns: Collection[int] = (),
    max_bytes: int = MAX_CSV_BYTES,
    max_errors: int = 100,
) -> Ok[CsvTable] | Invalid:
    """Read an uploaded CSV file whole (SPEC A.2, R-PLUS-5): ``Ok(CsvTable)`` or ``Invalid``.

    ``expected_header`` is compared cell by cell with the first row; every data row must have
    as many columns as the header. ``free_text_columns`` (0-based) get the export's formula
    guard ``'`` stripped. Rows that are empty in every cell (Excel leaves them after deleted
    lines) are skipped. Error codes (params ``row``/``column`` count from 1, header = row 1):
    E-CSV-TOO-LARGE, E-CSV-EMPTY, E-CSV-ENCODING, E-CSV-FORMAT, E-CSV-HEADER, E-CSV-COLUMNS,
    E-CSV-CHAR (``char``).
    """
    if len(data) > max_bytes:
        return Invalid((Err("E-CSV-TOO-LARGE", None, {"limit_mb": max_bytes // (1024 * 1024)}),))
    decoded = _decode(data)
    if isinstance(decoded, Err):
        return Invalid((decoded,))
    text, encoding = decoded
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error:
        # csv.reader counts physical lines; that is the nearest row the file has.
        return Invalid((Err("E-CSV-FORMAT", None, {"row": reader.line_num}),))
    if not records or not any(records[0]):
        return Invalid((Err("E-CSV-EMPTY"),))
    errors: list[Err] = []
    conversions: list[CsvConversion] = []
    free = frozenset(free_text_columns)
    # One encode of the whole text finds out whether any cell needs the per-cell check.
    check_chars = _unholdable(canonical_cell(text)) is not None

    def clean(record: list[str], row_no: int) -> tuple[str, ...]:
        cells: list[str] = []
        for col_no, cell in enumerate(record, start=1):
            converted = cell.translate(_IMPORT_TABLE)
            if converted != cell:
                conversions.append(CsvConversion(row_no, col_no, cell, converted))
            if check_chars:
                bad = _unholdable(canonical_cell(converted))
                if bad is not None and len(errors) < max_errors:
                    errors.append(
                        Err("E-CSV-CHAR", None, {"row": row_no, "column": col_no, "char": bad})
                    )
            cells.append(converted)
        return tuple(cells)

    header = clean(records[0], 1)
    if expected_header is not None:
        expected = tuple(expected_header)
        for col_no in range(1, max(len(expected), len(header)) + 1):
            want = expected[col_no - 1] if col_no <= len(expected) else ""
            got = header[col_no - 1] if col_no <= len(header) else ""
            if want != got:
                params = {"column": col_no, "expected": want, "found": got}
                return Invalid((Err("E-CSV-HEADER", None, params),))
    rows: list[tuple[str, ...]] = []
    numbers: list[int] = []
    for row_no, record in enumerate(records[1:], start=2):
        if not any(record):
            continue
        if len(record) != len(header):
            if len(errors) < max_errors:
                params = {"row": row_no, "found": len(record), "expected": len(header)}
                errors.append(Err("E-CSV-COLUMNS", None, params))
            continue
        cells = clean(record, row_no)
        if free:
            cells = tuple(
                cell[1:]
                if index in free and cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS)
                else cell
                for index, cell in enumerate(cells)
            )
        rows.append(cells)
        numbers.append(row_no)
    if errors:
        return Invalid(tuple(errors))
    return Ok(CsvTable(header, tuple(rows), encoding, tuple(conversions), tuple(numbers)))


def read_table(
    data: bytes, *, header: Sequence[str], free_text_columns: Collection[int] = (),
    max_errors: int = 100,
) -> CsvTable | list[Err]:
    """A bank file read whole with its header checked (``read_csv``), or its errors —
    E-CSV-EMPTY for a file with no data row (an empty file is never "all lines loaded")."""
    table = read_csv(data, expected_header=header, free_text_columns=free_text_columns,
                     max_errors=max_errors)
    if isinstance(table, Invalid):
        return list(table.errors)
    if not table.value.rows:
        return [Err("E-CSV-EMPTY")]
    return table.value


Row = TypeVar("Row")


def read_rows(
    data: bytes,
    *,
    header: Sequence[str],
    parse_row: Callable[[int, Sequence[str]], Row | list[Err]],
    free_text_columns: Collection[int] = (), max_errors: int = 100,
) -> tuple[list[Row], list[Err]]:
    """Every data row of a bank file through ``parse_row(row in the file, cells)``: (the rows
    that parsed, every error of the file and of the rows). All or nothing stays the caller's:
    it stores nothing while the error list is not empty."""
    table = read_table(data, header=header, free_text_columns=free_text_columns,
                       max_errors=max_errors)
    if isinstance(table, list):
        return [], table
    rows: list[Row] = []
    errors: list[Err] = []
    for row_no, cells in table.numbered():
        got = parse_row(row_no, cells)
        if isinstance(got, list):
            errors.extend(got)
        else:
            rows.append(got)
    return rows, errors
