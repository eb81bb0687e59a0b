"""The CSV writer every export uses (SPEC A.2, R-ENV-3: CSV opens correctly in Japanese Excel).

- CP932 by default (not strict Shift_JIS), UTF-8 with BOM on request; CRLF line ends; a
  header row; every value written as text, so codes such as 職員番号, 口座番号 and 店番 keep
  their leading zeros (nothing is converted to a number here).
- Before CP932 encoding the A.2 look-alikes are mapped explicitly (Python's ``cp932`` codec
  would swap some of them silently): U+301C → U+FF5E, U+2016 → U+2225, U+2212 → U+FF0D,
  U+00A2 → U+FFE0, U+00A3 → U+FFE1, U+00AC → U+FFE2; ¥ (U+00A5) is written as byte 0x5C.
- Characters CP932 holds twice (NEC-selected and IBM extensions: 髙 U+9AD9, ⅰ, ＇, …) are
  written as Windows (and so Excel) writes them, in the IBM extension rows FA40–FC4B; Python's
  ``cp932`` codec would pick the NEC-selected rows ED40–EEFC instead, so a file saved by Excel
  would not come back byte-identical.
- Any other character CP932 cannot hold (𠮷 U+20BB7, emoji) raises ``CsvEncodingError``
  naming the row and column; nothing is returned.
- Formula injection: only the ``free_text_columns`` (氏名, 所属, 種目名, メモ, …) whose value
  starts with ``= + - @``, tab or CR get a leading ``'``; other columns (amounts such as
  ``-123``, codes) are written as they are.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Final, Literal

__all__ = ["CP932_LOOKALIKES", "CsvEncoding", "CsvEncodingError", "encode_cp932", "write_csv"]

CsvEncoding = Literal["cp932", "utf-8-sig"]

#: SPEC A.2: look-alikes converted before CP932 encoding (explicitly, not by the codec).
CP932_LOOKALIKES: Final[dict[str, str]] = {
    "\u301c": "\uff5e",  # WAVE DASH → FULLWIDTH TILDE
    "\u2016": "\u2225",  # DOUBLE VERTICAL LINE → PARALLEL TO
    "\u2212": "\uff0d",  # MINUS SIGN → FULLWIDTH HYPHEN-MINUS
    "\u00a2": "\uffe0",  # CENT SIGN → FULLWIDTH CENT SIGN
    "\u00a3": "\uffe1",  # POUND SIGN → FULLWIDTH POUND SIGN
    "\u00ac": "\uffe2",  # NOT SIGN → FULLWIDTH NOT SIGN
    "\u00a5": "\\",  # YEN SIGN → byte 0x5C (shown as ¥ in Japanese fonts)
}
_CP932_TABLE: Final = str.maketrans(CP932_LOOKALIKES)


def _windows_ibm_extensions() -> dict[str, bytes]:
    """Characters whose Windows CP932 bytes are in the IBM extension rows (FA40–FC4B) while
    Python's codec writes the NEC-selected duplicate (ED40–EEFC)."""
    table: dict[str, bytes] = {}
    for lead in (0xFA, 0xFB, 0xFC):
        for trail in range(0x40, 0xFD):
            raw = bytes((lead, trail))
            try:
                char = raw.decode("cp932")
            except UnicodeDecodeError:
                continue
            if char.encode("cp932")[0] in (0xED, 0xEE):
                table[char] = raw
    return table


_IBM_EXTENSIONS: Final = _windows_ibm_extensions()
_IBM_EXTENSION_RE: Final = re.compile("([" + "".join(_IBM_EXTENSIONS) + "])")

_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_LINE_END: Final = "\r\n"


class CsvEncodingError(ValueError):
    """A character the chosen encoding cannot hold; ``row`` counts the header as row 1 and
    ``column`` from 1, as Excel shows them (SPEC A.2 "listed by row and column")."""

    def __init__(self, row: int, column: int, char: str) -> None:
        self.row = row
        self.column = column
        self.char = char
        super().__init__(
            f"{row}行目{column}列目の文字「{char}」（U+{ord(char):04X}）はCP932で出力できません。"
        )


def _text(value: object) -> str:
    """A cell as text: None is empty, dates ISO, everything else ``str`` (codes stay text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _neutralise(text: str) -> str:
    """A leading ``'`` so a spreadsheet does not run the cell as a formula (SPEC A.2)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _cp932_cell(text: str, row: int, column: int) -> str:
    mapped = text.translate(_CP932_TABLE)
    try:
        mapped.encode("cp932")
    except UnicodeEncodeError as exc:
        raise CsvEncodingError(row, column, mapped[exc.start]) from None
    return mapped


def write_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: CsvEncoding = "cp932",
    free_text_columns: Collection[int] = (),
) -> bytes:
    """The CSV file as bytes: ``header`` then ``rows``, CRLF, in ``encoding`` (SPEC A.2).

    ``free_text_columns`` are 0-based column indexes whose values are neutralised against
    formula injection. Raises ``CsvEncodingError`` (row, column) for a character CP932 cannot
    hold; ValueError for an unknown encoding.
    """
    if encoding not in ("cp932", "utf-8-sig"):
        raise ValueError(f"unsupported CSV encoding {encoding!r}")
    free = frozenset(free_text_columns)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=_LINE_END, quoting=csv.QUOTE_MINIMAL)
    for row_no, values in enumerate(itertools.chain([header], rows), start=1):
        cells: list[str] = []
        for col_no, value in enumerate(values):
            text = _text(value)
            if row_no > 1 and col_no in free:
                text = _neutralise(text)
            if encoding == "cp932":
                text = _cp932_cell(text, row_no, col_no + 1)
            cells.append(text)
        writer.writerow(cells)
    data = buffer.getvalue()
    if encoding == "cp932":
        return encode_cp932(data)
    return data.encode("utf-8-sig")


def encode_cp932(text: str) -> bytes:
    """``text`` (already mapped and checked) in CP932 as Windows writes it: the duplicates
    in the IBM extension rows, everything else through Python's codec."""
    parts = _IBM_EXTENSION_RE.split(text)
    # split() with one group alternates: plain text, a matched character, plain text, …
    return b"".join(
        _IBM_EXTENSIONS[part] if index % 2 else part.encode("cp932")
        for index, part in enumerate(parts)
    )
