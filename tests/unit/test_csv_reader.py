"""The shared CSV reader and the streaming writer (SPEC A.2, R-ENV-3, R-PLUS-1, R-PLUS-5):
encodings detected, header checked, look-alikes converted and reported as 「変換」, 𠮷 reported
by row and column, formula guards restored, the size limit, and export → import unchanged."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime

import pytest

from chingin_app.domain.messages import message
from chingin_app.domain.result import Invalid, Ok
from chingin_app.reports.csv_reader import (
    CsvTable,
    canonical_cell,
    read_csv,
)
from chingin_app.reports.csv_writer import CsvEncodingError, iter_csv, write_csv

HEADER = ["職員番号", "カナ氏名", "漢字氏名", "所属", "依頼額", "メモ"]
FREE = (2, 3, 5)  # 漢字氏名, 所属, メモ
# The bytes Windows (and so Excel) writes for ～ ① ㈱ 髙.
EXCEL_BYTES = bytes.fromhex("81608740878afbfc")


def _ok(result: Ok[CsvTable] | Invalid) -> CsvTable:
    assert isinstance(result, Ok), result
    return result.value


def _errors(result: Ok[CsvTable] | Invalid) -> list[tuple[str, dict[str, object]]]:
    assert isinstance(result, Invalid), result
    return [(err.code, err.params) for err in result.errors]


def test_a2_excel_characters_round_trip_byte_identically() -> None:
    """A.2 "Expected: ～ ① ㈱ 髙 import and export byte-identically" (write → read → write)."""
    original = (
        "職員番号,メモ\r\n".encode("cp932") + b"000123," + EXCEL_BYTES + b"\r\n" + b"0042,x\r\n"
    )
    table = _ok(read_csv(original, expected_header=["職員番号", "メモ"]))
    assert table.encoding == "cp932"
    assert table.rows == (("000123", "～①㈱髙"), ("0042", "x"))
    assert table.conversions == ()
    assert write_csv(table.header, table.rows, free_text_columns=[1]) == original


def test_a2_utf8_input_with_and_without_bom() -> None:
    """A.2 "Read CP932 and UTF-8 (with or without BOM)"; codes keep their leading zeros."""
    text = "職員番号,氏名\r\n007,山田\r\n"
    with_bom = _ok(read_csv(b"\xef\xbb\xbf" + text.encode("utf-8")))
    without = _ok(read_csv(text.encode("utf-8")))
    cp932 = _ok(read_csv(text.encode("cp932")))
    assert (with_bom.encoding, without.encoding, cp932.encoding) == ("utf-8-sig", "utf-8", "cp932")
    assert with_bom.header == without.header == cp932.header == ("職員番号", "氏名")
    assert with_bom.rows == without.rows == cp932.rows == (("007", "山田"),)


def test_a2_yen_from_utf8_is_accepted_and_written_as_0x5c() -> None:
    """A.2 "¥ in UTF-8 input is accepted and exported as 0x5C"."""
    table = _ok(read_csv("メモ\r\n¥1000\r\n".encode()))
    assert table.rows == (("¥1000",),)
    assert table.conversions == ()
    assert write_csv(table.header, table.rows) == "メモ\r\n".encode("cp932") + b"\x5c1000\r\n"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("\u301c", "\uff5e"),
        ("\u2016", "\u2225"),
        ("\u2212", "\uff0d"),
        ("\u00a2", "\uffe0"),
        ("\u00a3", "\uffe1"),
        ("\u00ac", "\uffe2"),
    ],
)
def test_a2_lookalikes_converted_and_reported(given: str, expected: str) -> None:
    """A.2 "these look-alikes, which entry and import convert (and an import preview shows as
    「変換」)": the cell is converted and its row and column are reported."""
    data = f"職員番号,メモ\r\n001,a\r\n002,x{given}y\r\n".encode()
    table = _ok(read_csv(data))
    assert table.rows[1] == ("002", f"x{expected}y")
    [note] = table.conversions
    assert (note.row, note.column, note.before, note.after) == (3, 2, f"x{given}y", f"x{expected}y")


def test_a2_unholdable_character_reported_by_row_and_column() -> None:
    """A.2 "Any other character CP932 cannot hold (e.g. 𠮷 U+20BB7, emoji) is an error listed
    by row and column, and nothing is applied": every such cell is listed, no rows returned."""
    data = "職員番号,氏名,メモ\r\n001,山田,\r\n002,𠮷田,ok\r\n003,佐藤,😀\r\n".encode()
    result = read_csv(data)
    assert _errors(result) == [
        ("E-CSV-CHAR", {"row": 3, "column": 2, "char": "𠮷"}),
        ("E-CSV-CHAR", {"row": 4, "column": 3, "char": "😀"}),
    ]
    assert isinstance(result, Invalid)
    text = message(result.errors[0].code, **result.errors[0].params)
    assert "3行目2列目の文字「𠮷」" in text


def test_a2_formula_cells_neutralised_on_write_and_restored_on_read() -> None:
    """A.2 "free-text columns … get a leading ' on export, and imports strip it again; …
    amounts are bare integers (-123 stays)"."""
    rows = [
        ["001", "ﾔﾏﾀﾞ", "=HYPERLINK(1)", "+営業", -123, "@memo"],
        ["002", "ｻﾄｳ", "-佐藤", "\t総務", 5000, "'quoted"],
    ]
    data = write_csv(HEADER, rows, free_text_columns=FREE)
    lines = data.decode("cp932").split("\r\n")
    assert lines[1] == "001,ﾔﾏﾀﾞ,'=HYPERLINK(1),'+営業,-123,'@memo"
    table = _ok(read_csv(data, expected_header=HEADER, free_text_columns=FREE))
    assert table.rows == (
        ("001", "ﾔﾏﾀﾞ", "=HYPERLINK(1)", "+営業", "-123", "@memo"),
        ("002", "ｻﾄｳ", "-佐藤", "\t総務", "5000", "'quoted"),
    )
    # Not a free-text column: a leading ' is data and stays.
    plain = _ok(read_csv(b"a,b\r\n'=1,'=2\r\n", free_text_columns=[1]))
    assert plain.rows == (("'=1", "=2"),)


def test_a2_export_read_back_unchanged_gives_identical_rows() -> None:
    """A.2 "An export imported unchanged previews as 「変更 0件」": every row read back equals
    the exported values as text, in CP932 and UTF-8, so the preview's diff is empty; ¥ compares
    equal through canonical_cell."""
    rows = [
        ["000123", "ｷﾕｳﾖ ｲﾁﾛｳ", "給与　一郎", "=総務部", -123, '①～㈱髙, "引用"\n2行目'],
        ["000124", "ｻﾄｳ ﾊﾅｺ", "佐藤　花子", "営業部", 0, ""],
        ["000125", "ｽｽﾞｷ", "鈴木", "-", 1500, "¥1,000"],
    ]
    expected = [tuple("" if v is None else str(v) for v in row) for row in rows]
    for encoding in ("cp932", "utf-8-sig"):
        data = write_csv(HEADER, rows, encoding=encoding, free_text_columns=FREE)  # type: ignore[arg-type]
        table = _ok(read_csv(data, expected_header=HEADER, free_text_columns=FREE))
        changed = [
            (old, new)
            for old, new in zip(expected, table.rows, strict=True)
            if tuple(map(canonical_cell, old)) != tuple(map(canonical_cell, new))
        ]
        assert changed == []
        assert table.rows[:2] == tuple(expected[:2])
        assert write_csv(table.header, table.rows, encoding=encoding, free_text_columns=FREE) == (  # type: ignore[arg-type]
            data
        )


def test_header_row_is_checked() -> None:
    """R-PLUS-5: a file that is not this export's format is refused at its first wrong title."""
    data = write_csv(["職員番号", "氏名"], [["1", "a"]])
    result = read_csv(data, expected_header=["職員番号", "カナ氏名"])
    assert _errors(result) == [
        ("E-CSV-HEADER", {"column": 2, "expected": "カナ氏名", "found": "氏名"})
    ]
    short = read_csv(data, expected_header=["職員番号", "氏名", "金額"])
    assert _errors(short) == [("E-CSV-HEADER", {"column": 3, "expected": "金額", "found": ""})]


def test_rows_with_wrong_column_count_and_blank_rows() -> None:
    """All or nothing: a row with too few or too many cells is listed by row; empty rows (as
    Excel leaves them) are skipped but still counted."""
    data = b"a,b\r\n1,2\r\n,\r\n3\r\n4,5,6\r\n\r\n7,8\r\n"
    assert _errors(read_csv(data)) == [
        ("E-CSV-COLUMNS", {"row": 4, "found": 1, "expected": 2}),
        ("E-CSV-COLUMNS", {"row": 5, "found": 3, "expected": 2}),
    ]
    table = _ok(read_csv(b"a,b\r\n1,2\r\n,\r\n\r\n7,8\r\n"))
    assert table.rows == (("1", "2"), ("7", "8"))
    # The rows keep their place in the file, so a later check names the row Excel shows.
    assert table.row_numbers == (2, 5)
    assert table.numbered() == [(2, ("1", "2")), (5, ("7", "8"))]


def test_size_limit_empty_and_undecodable_files() -> None:
    """DESIGN §1 "uploads read in memory": over 10 MB is refused before reading; an empty file
    and a file in neither CP932 nor UTF-8 are refused with their own messages."""
    big = b"a\r\n" + b"x" * (10 * 1024 * 1024)
    assert _errors(read_csv(big)) == [("E-CSV-TOO-LARGE", {"limit_mb": 10})]
    assert _ok(read_csv(b"a\r\nx\r\n", max_bytes=6)).rows == (("x",),)
    assert _errors(read_csv(b"")) == [("E-CSV-EMPTY", {})]
    utf16 = "a,b\r\n1,2\r\n".encode("utf-16")
    [(code, params)] = _errors(read_csv(utf16))
    assert code == "E-CSV-ENCODING"
    assert "1行目" in message(code, **params)
    assert _errors(read_csv(b'a,b\r\n1,"2\r\n')) == [("E-CSV-FORMAT", {"row": 2})]


def test_iter_csv_streams_the_same_bytes_in_chunks() -> None:
    """R-ENV-3 large exports: the streaming form yields chunks whose join is write_csv's
    output, consuming the rows lazily (only one chunk's rows are pulled at a time)."""
    header = ["職員番号", "カナ氏名", "漢字氏名", "依頼額", "控除日", "在籍"]
    rows = [
        [f"{n:06d}", f"ｶﾅ{n}", "=x" if n % 7 == 0 else "名", n - 50, date(2025, 4, 1), n % 2 == 0]
        for n in range(101)
    ]
    pulled: list[int] = []

    def source() -> Iterator[Sequence[object]]:
        for n, row in enumerate(rows):
            pulled.append(n)
            yield row

    chunks = iter_csv(header, source(), free_text_columns=[2], chunk_rows=10)
    first = next(chunks)
    assert first == ",".join(header).encode("cp932") + b"\r\n"
    second = next(chunks)
    assert len(pulled) == 10  # only the first chunk's rows were read
    assert second.startswith(
        "000000,ｶﾅ0,'=x,-50,2025-04-01,1\r\n000001,ｶﾅ1,名,-49,".encode("cp932")
    )
    rest = b"".join(chunks)
    assert len(pulled) == 101
    assert first + second + rest == write_csv(header, rows, free_text_columns=[2])
    assert write_csv(["t"], [[datetime(2025, 4, 1, 9, 30, 5, 123)]]) == (
        b"t\r\n2025-04-01 09:30:05\r\n"
    )


def test_iter_csv_reports_unencodable_row_of_a_later_chunk() -> None:
    """A.2 "listed by row and column" also in the chunked path (the row counts every earlier
    chunk); UTF-8 with BOM starts with the BOM once."""
    rows = [["a", "b"]] * 25 + [["c", "x😀"]]
    with pytest.raises(CsvEncodingError) as caught:
        b"".join(iter_csv(["h1", "h2"], rows, chunk_rows=10))
    assert (caught.value.row, caught.value.column, caught.value.char) == (27, 2, "😀")
    utf8 = list(iter_csv(["h1", "h2"], rows, encoding="utf-8-sig", chunk_rows=10))
    assert utf8[0].startswith(b"\xef\xbb\xbfh1")
    assert sum(chunk.count(b"\xef\xbb\xbf") for chunk in utf8) == 1
