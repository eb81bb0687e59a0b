"""The CSV writer every export uses (SPEC A.2, R-ENV-3: CSV opens correctly in Japanese Excel).

- CP932 by default (not strict Shift_JIS), UTF-8 with BOM on request; CRLF line ends; a
  header row; every value written as text, so codes such as 職員番号, 口座番号 and 店番 keep
  their leading zeros (nothing is converted to a number here).
- The A.2 look-alikes are written as their targets (U+301C → U+FF5E, U+2016 → U+2225,
  U+2212 → U+FF0D, U+00A2 → U+FFE0, U+00A3 → U+FFE1, U+00AC → U+FFE2): the cell check maps
  them explicitly, and the fast encoder relies on Python's ``cp932`` codec giving exactly those
  bytes (pinned by tests/unit/test_csv_writer.py); ¥ (U+00A5) is written as byte 0x5C.
- Characters CP932 holds twice (NEC-selected and IBM extensions: 髙 U+9AD9, ⅰ, ＇, …) are
  written as Windows (and so Excel) writes them, in the IBM extension rows FA40–FC4B; Python's
  ``cp932`` codec would pick the NEC-selected rows ED40–EEFC instead, so a file saved by Excel
  would not come back byte-identical.
- Any other character CP932 cannot hold (𠮷 U+20BB7, emoji) raises ``CsvEncodingError``
  naming the row and column; nothing is returned.
- ``iter_csv`` streams the same bytes chunk by chunk for large exports (100,000 rows): rows
  are written by the C ``csv`` writer, mapped and encoded per chunk, never per cell, so the
  rules cost little beyond a bare ``csv.writer`` (bench/csv_export.py).
- Formula injection: only the ``free_text_columns`` (氏名, 所属, 種目名, メモ, …) whose value
  starts with ``= + - @``, tab or CR get a leading ``'``; other columns (amounts such as
  ``-123``, codes) are written as they are.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import operator
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Final, Literal

__all__ = [
    "CP932_LOOKALIKES",
    "DEFAULT_CHUNK_ROWS",
    "ENCODING_CHOICES",
    "CsvEncoding",
    "CsvEncodingError",
    "encode_cp932",
    "iter_csv",
    "write_csv",
]

CsvEncoding = Literal["cp932", "utf-8-sig"]
#: The 文字コード choice every CSV export offers (R-ENV-3: CP932 for Excel by default).
ENCODING_CHOICES: Final[dict[str, str]] = {
    "cp932": "Shift_JIS（CP932・Excel向け）",
    "utf-8-sig": "UTF-8（BOM付き）",
}

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


# Python's codec already writes the A.2 look-alikes with the bytes of their targets (U+301C
# and U+FF5E are both 0x8160, …) and refuses only ¥, which the handler below writes as 0x5C.
# The IBM duplicates are fixed afterwards in the bytes: a str.translate or a regex pass over
# every chunk's text costs more than the CSV writing itself, while the NEC-selected rows
# (lead byte 0xED or 0xEE) are found with a byte search and are rare in real names.
_CP932_ERRORS: Final = "chingin-cp932-yen"


def _yen_as_backslash(exc: UnicodeError) -> tuple[bytes, int]:
    """Codec error handler: ¥ (U+00A5) is written as 0x5C (A.2); anything else still fails."""
    if isinstance(exc, UnicodeEncodeError):
        bad = exc.object[exc.start : exc.end]
        if bad == "\u00a5" * len(bad):
            return b"\\" * len(bad), exc.end
    raise exc


codecs.register_error(_CP932_ERRORS, _yen_as_backslash)

#: Python's (NEC-selected) bytes of each IBM duplicate → the bytes Windows writes.
_NEC_TO_IBM: Final[dict[bytes, bytes]] = {
    char.encode("cp932"): raw for char, raw in _IBM_EXTENSIONS.items()
}


def _lead_candidates(data: bytes) -> Iterator[int]:
    """Positions of the bytes 0xED and 0xEE in order (bytes.find is memchr; a regex scan of
    every byte costs more than the encoding)."""
    next_ed = data.find(b"\xed")
    next_ee = data.find(b"\xee")
    while next_ed >= 0 or next_ee >= 0:
        if next_ee < 0 or 0 <= next_ed < next_ee:
            yield next_ed
            next_ed = data.find(b"\xed", next_ed + 1)
        else:
            yield next_ee
            next_ee = data.find(b"\xee", next_ee + 1)


# Whole CP932 characters, greedily: matched from a character boundary up to a position, it
# ends at that position exactly when the position is itself a boundary (not a trail byte).
_CP932_CHARS_RE: Final = re.compile(b"(?:[\x81-\x9f\xe0-\xfc][\x40-\xfc]|[^\x81-\x9f\xe0-\xfc])*")


def _nec_to_ibm(data: bytes) -> bytes:
    """``data`` (Python's CP932) with the NEC-selected duplicates moved to the IBM rows.

    0xED/0xEE is also a valid trail byte (わ is 0x82ED), so each hit is checked by matching
    whole characters from the cell's start: bytes below 0x40 (``,``, CR, LF) are never part
    of a double-byte character, and every cell begins after one.
    """
    out: list[bytes] = []
    last = 0  # bytes before this are in ``out``
    cursor = 0  # a known character boundary
    for position in _lead_candidates(data):
        if position < cursor:
            continue  # the trail byte of a pair already replaced
        start = max(
            cursor, data.rfind(b",", cursor, position) + 1, data.rfind(b"\n", cursor, position) + 1
        )
        whole = _CP932_CHARS_RE.match(data, start, position)
        if whole is None or whole.end() != position:  # a trail byte
            continue
        cursor = position + 2
        ibm = _NEC_TO_IBM.get(data[position : position + 2])
        if ibm is not None:
            out.append(data[last:position])
            out.append(ibm)
            last = position + 2
    if not out:
        return data
    out.append(data[last:])
    return b"".join(out)


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


def _cp932_cell(text: str, row: int, column: int) -> str:
    mapped = text.translate(_CP932_TABLE)
    try:
        mapped.encode("cp932")
    except UnicodeEncodeError as exc:
        raise CsvEncodingError(row, column, mapped[exc.start]) from None
    return mapped


# Types csv.writer already writes as _text would (None → "", int and date via str()), so a
# row made only of these goes to the C writer untouched: bool, datetime, float, enums … take
# the per-cell path. Exact types, not isinstance: bool is an int and datetime a date.
_PLAIN_TYPES: Final = frozenset({str, int, type(None), date})
_ENCODINGS: Final = ("cp932", "utf-8-sig")
#: Rows per chunk of ``iter_csv``: large enough that the per-chunk work (one regex split, one
#: encode) stays in C, small enough that a 100,000-row export never lives in memory twice.
DEFAULT_CHUNK_ROWS: Final = 2000


def _prepare_row(values: Sequence[object], free: tuple[int, ...]) -> Sequence[object]:
    """One data row ready for csv.writer: cells as text where csv.writer would write them
    differently, free-text columns neutralised (A.2)."""
    if not _PLAIN_TYPES.issuperset(map(type, values)):
        values = [_text(value) for value in values]
    changed: list[object] | None = None
    for index in free:
        if index >= len(values):
            continue
        value = values[index]
        text = value if type(value) is str else _text(value)
        if text.startswith(_FORMULA_STARTS):
            if changed is None:
                changed = list(values)
            changed[index] = "'" + text
    return values if changed is None else changed


def _prepare_chunk(chunk: list[Sequence[object]], free: tuple[int, ...]) -> list[Sequence[object]]:
    """A chunk of rows ready for csv.writer. The common case — every cell a str, int, None or
    date and every row long enough — is checked per chunk with C-level calls and touches only
    the rows whose free-text cells need the ``'``; anything else goes row by row."""
    cells = itertools.chain.from_iterable(chunk)
    if not _PLAIN_TYPES.issuperset(map(type, cells)) or (free and min(map(len, chunk)) <= free[-1]):
        return [_prepare_row(values, free) for values in chunk]
    for index in free:
        column = map(operator.itemgetter(index), chunk)
        try:
            starts = map(str.startswith, column, itertools.repeat(_FORMULA_STARTS))
            hits = list(itertools.compress(itertools.count(), starts))
        except TypeError:  # a cell that is not a str (None, an int): look at its text
            hits = [
                number
                for number, values in enumerate(chunk)
                if _text(values[index]).startswith(_FORMULA_STARTS)
            ]
        for number in hits:
            row = list(chunk[number])
            value = row[index]
            row[index] = "'" + (value if type(value) is str else _text(value))
            chunk[number] = row
    return chunk


def _locate_unencodable(rows: Sequence[Sequence[object]], first_row: int) -> CsvEncodingError:
    """The first cell of a chunk that CP932 cannot hold, as the error that names it."""
    for row_no, values in enumerate(rows, start=first_row):
        for col_no, value in enumerate(values, start=1):
            try:
                _cp932_cell(_text(value), row_no, col_no)
            except CsvEncodingError as exc:
                return exc
    raise AssertionError("a chunk failed to encode but no cell did")  # pragma: no cover


def iter_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: CsvEncoding = "cp932",
    free_text_columns: Collection[int] = (),
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[bytes]:
    """The CSV file as encoded byte chunks, ``chunk_rows`` rows each (SPEC A.2, R-ENV-3), for
    exports too large to build as one string: the rows are consumed lazily and each chunk is
    written, mapped and encoded once.

    Same output as ``write_csv``. A character CP932 cannot hold raises ``CsvEncodingError``
    when its chunk is reached, after earlier chunks were yielded: a caller that must deliver
    all or nothing writes the chunks to a temporary file and hands it out only when the
    iterator is exhausted (the download tickets do).
    """
    if encoding not in _ENCODINGS:
        raise ValueError(f"unsupported CSV encoding {encoding!r}")
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    free = tuple(sorted(frozenset(free_text_columns)))
    cp932 = encoding == "cp932"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=_LINE_END, quoting=csv.QUOTE_MINIMAL)

    def encode(chunk: Sequence[Sequence[object]], first_row: int) -> bytes:
        writer.writerows(chunk)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if not cp932:
            return text.encode("utf-8")
        try:
            return encode_cp932(text)
        except UnicodeEncodeError:
            raise _locate_unencodable(chunk, first_row) from None

    # The header is ours (never neutralised) but must be encodable like any row.
    head = encode([[_text(title) for title in header]], 1)
    yield (b"\xef\xbb\xbf" + head) if not cp932 else head
    row_no = 2
    iterator = iter(rows)
    while True:
        chunk = list(itertools.islice(iterator, chunk_rows))
        if not chunk:
            return
        chunk = _prepare_chunk(chunk, free)
        yield encode(chunk, row_no)
        row_no += len(chunk)


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
    hold; ValueError for an unknown encoding. ``iter_csv`` gives the same bytes in chunks.
    """
    return b"".join(iter_csv(header, rows, encoding=encoding, free_text_columns=free_text_columns))


def encode_cp932(text: str) -> bytes:
    """``text`` in CP932 as Windows writes it: A.2's look-alikes as their targets, ¥ as 0x5C,
    the duplicates in the IBM extension rows, everything else through Python's codec. Raises
    UnicodeEncodeError for a character CP932 cannot hold."""
    data = text.encode("cp932", _CP932_ERRORS)
    if b"\xed" in data or b"\xee" in data:
        return _nec_to_ibm(data)
    return data
