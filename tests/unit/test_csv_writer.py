"""The shared CSV writer (SPEC A.2, R-ENV-3): CP932 with CRLF and a header, look-alikes mapped
explicitly, ¥ as 0x5C, unencodable characters reported by row and column, formula injection
neutralised in free-text columns only, UTF-8 with BOM on request."""

from __future__ import annotations

import pytest

from chingin_app.reports.csv_writer import (
    CP932_LOOKALIKES,
    CsvEncodingError,
    encode_cp932,
    write_csv,
)

# The bytes Windows (and so Excel) writes for ～ ① ㈱ 髙.
EXCEL_BYTES = bytes.fromhex("81608740878afbfc")


def test_r_env_3_header_crlf_and_codes_as_text() -> None:
    """R-ENV-3 "CSV downloads open correctly in Japanese Excel (CP932 by default)"; A.2 "CRLF,
    header row, codes such as 職員番号, 口座番号 and 店番 kept as text (leading zeros)"."""
    data = write_csv(["職員番号", "店番", "金額"], [["000123", "001", 5000], ["0042", "010", None]])
    assert data == "職員番号,店番,金額\r\n000123,001,5000\r\n0042,010,\r\n".encode("cp932")


def test_a2_excel_characters_round_trip_byte_identically() -> None:
    """A.2 "Expected: ～ ① ㈱ 髙 import and export byte-identically"."""
    text = EXCEL_BYTES.decode("cp932")
    assert text == "～①㈱髙"
    data = write_csv(["氏名"], [[text]])
    assert data == "氏名\r\n".encode("cp932") + EXCEL_BYTES + b"\r\n"


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
def test_a2_lookalikes_are_mapped_explicitly(given: str, expected: str) -> None:
    """A.2 "U+301C → U+FF5E (～), U+2016 → U+2225, U+2212 → U+FF0D, U+00A2 → U+FFE0,
    U+00A3 → U+FFE1, U+00AC → U+FFE2"."""
    assert write_csv(["x"], [[given]]) == b"x\r\n" + expected.encode("cp932") + b"\r\n"


def test_a2_yen_sign_is_written_as_0x5c() -> None:
    """A.2 "¥ (U+00A5) is stored as is and written as byte 0x5C in CP932 output"."""
    assert write_csv(["金額"], [["¥1,000"]]) == "金額\r\n".encode("cp932") + b'"\x5c1,000"\r\n'


def test_a2_unencodable_character_is_reported_by_row_and_column() -> None:
    """A.2 "Any other character CP932 cannot hold (e.g. 𠮷 U+20BB7, emoji) is an error listed
    by row and column"."""
    with pytest.raises(CsvEncodingError) as caught:
        write_csv(["職員番号", "氏名"], [["001", "山田"], ["002", "𠮷田"]])
    assert (caught.value.row, caught.value.column, caught.value.char) == (3, 2, "𠮷")
    assert "3行目2列目" in str(caught.value)


def test_a2_formula_injection_only_in_free_text_columns() -> None:
    """A.2 "only free-text columns … whose value starts with = + - @, tab or CR get a leading
    ' on export … amounts are bare integers (-123 stays)"."""
    rows = [
        ["=SUM(A1)", -123, "-123"],
        ["+81", 0, "@x"],
        ["-x", 1, "=1"],
        ["@cmd", 2, "a"],
        ["\tx", 3, "b"],
        ["\rx", 4, "c"],
        ["山田", 5, "d"],
    ]
    text = write_csv(["メモ", "金額", "コード"], rows, free_text_columns=[0]).decode("cp932")
    lines = text.split("\r\n")
    assert lines[1] == "'=SUM(A1),-123,-123"
    assert lines[2] == "'+81,0,@x"
    assert lines[3] == "'-x,1,=1"
    assert lines[4] == "'@cmd,2,a"
    assert lines[5] == "'\tx,3,b"
    assert lines[6] == '"\'\rx",4,c'
    assert lines[7] == "山田,5,d"


def test_a2_header_is_never_neutralised() -> None:
    """The header row is ours, not data: a free-text column's header stays as written."""
    assert write_csv(["-備考"], [["x"]], free_text_columns=[0]).startswith("-備考".encode("cp932"))


def test_r_env_3_utf8_with_bom_option() -> None:
    """R-ENV-3 "UTF-8 with BOM as an option"; ¥ and 𠮷 are kept in UTF-8."""
    data = write_csv(["氏名", "金額"], [["𠮷田", "¥100"]], encoding="utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "氏名,金額\r\n𠮷田,¥100\r\n"


def test_quotes_and_commas_are_quoted() -> None:
    """A value with a comma, quote or line break is quoted as CSV requires."""
    text = write_csv(["a"], [['x,"y"\nz']]).decode("cp932")
    assert text == 'a\r\n"x,""y""\nz"\r\n'


def test_a2_nec_selected_duplicate_is_written_as_windows_does() -> None:
    """A.2 "byte-identically": 髙 typed as the NEC-selected duplicate (0xEEE0) is written where
    Windows writes it (0xFBFC), not where Python's codec would."""
    assert write_csv(["x"], [[bytes.fromhex("eee0").decode("cp932")]]) == b"x\r\n\xfb\xfc\r\n"


def test_unknown_encoding_is_refused() -> None:
    """Only CP932 and UTF-8 with BOM are written (R-ENV-3)."""
    with pytest.raises(ValueError, match="unsupported"):
        write_csv(["a"], [], encoding="shift_jis")  # type: ignore[arg-type]


def test_a2_lone_surrogate_is_reported_not_written_as_a_raw_byte() -> None:
    """A.2 "Any other character CP932 cannot hold … is an error listed by row and column": a
    stray surrogate (the bytes-in-text trick the writer uses for the IBM rows) is refused."""
    with pytest.raises(CsvEncodingError) as caught:
        write_csv(["a", "b"], [["x", "髙\udcfb"]])
    assert (caught.value.row, caught.value.column) == (2, 2)


def test_chunk_fast_path_matches_row_path() -> None:
    """The per-chunk fast path (plain types) and the per-row path (a bool, a short row) give
    the same neutralised cells (A.2)."""
    plain = [["=a", 1, None], ["b", -2, "-3"], ["@c", 3, "x"]]
    mixed = [*plain, [True, 4]]
    fast = write_csv(["m", "n", "o"], plain, free_text_columns=[0, 2])
    slow = write_csv(["m", "n", "o"], mixed, free_text_columns=[0, 2])
    assert fast == b"m,n,o\r\n'=a,1,\r\nb,-2,'-3\r\n'@c,3,x\r\n"
    assert slow == fast + b"1,4\r\n"


def _char(raw: bytes) -> str | None:
    """The one character ``raw`` is in CP932, if it is one."""
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        return None
    return text if len(text) == 1 else None


# Windows' bytes for each character, from its IBM extension rows FA40–FC4B.
_WINDOWS_IBM_ROWS = {
    char: bytes((lead, trail))
    for lead in (0xFA, 0xFB, 0xFC)
    for trail in range(0x40, 0xFD)
    if (char := _char(bytes((lead, trail)))) is not None
}


def _reference_cp932(text: str) -> bytes:
    """The obvious, slow encoding: look-alikes mapped, then character by character, the ones
    Python puts in the NEC-selected rows (ED/EE) taken from the IBM rows as Windows does."""
    out = []
    for char in text.translate(str.maketrans(CP932_LOOKALIKES)):
        raw = char.encode("cp932")
        if raw[0] in (0xED, 0xEE):
            raw = _WINDOWS_IBM_ROWS[char]
        out.append(raw)
    return b"".join(out)


def test_a2_fast_encoder_matches_character_by_character_encoding() -> None:
    """A.2 "byte-identically": every IBM duplicate (NEC-selected bytes ED/EE moved to FA–FC),
    next to characters whose trail byte is 0xED/0xEE (わ 0x82ED, ゐ 0x82EE, …), half-width
    kana, ASCII and ¥, encodes exactly as character by character."""
    duplicates = [
        char
        for lead in (0xED, 0xEE)
        for trail in range(0x40, 0xFD)
        if (char := _char(bytes((lead, trail)))) is not None
    ]
    assert len(duplicates) > 300
    trail_ed_ee = [
        char
        for lead in (*range(0x81, 0xA0), *range(0xE0, 0xED))
        for trail in (0xED, 0xEE)
        if (char := _char(bytes((lead, trail)))) is not None
    ]
    assert "わ" in trail_ed_ee and len(trail_ed_ee) > 40
    fillers = ["", "わ", "ｶﾞ", "a", ",", "¥", "ゐわ", "\r\n", "①", "～", *trail_ed_ee]
    pieces = [
        fillers[index % len(fillers)] + char + fillers[(index * 7) % len(fillers)]
        for index, char in enumerate(duplicates)
    ]
    text = "".join(pieces) + "".join(trail_ed_ee) + "わ髙ゐ髙"
    assert encode_cp932(text) == _reference_cp932(text)
    assert encode_cp932("".join(trail_ed_ee)) == "".join(trail_ed_ee).encode("cp932")
