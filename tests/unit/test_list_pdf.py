"""The shared long-list writer (SPEC §11 outputs, A.6, DESIGN §3 "PDF and fonts"): A4, IPAex
Gothic embedded, the header with contract and payment group on every page, 「n / N ページ」,
amounts with thousands separators, subtotals and totals, progress."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4

from chingin_app.reports.list_pdf import Column, ListSpec, format_cell, render_list

COLUMNS = [
    Column("所属", 28),
    Column("職員番号", 16, align="center"),
    Column("カナ氏名", 36),
    Column("漢字氏名", 30),
    Column("依頼額", 22, amount=True, total=True),
    Column("控除日", 20),
]
HEADER_LINES = [
    "契約番号：12345678　契約名：テスト労働組合",
    "入金グループ：001 本社",
    "控除年月：2025年4月　支給区分：月例",
]


def _spec(**changes: Any) -> ListSpec:
    values: dict[str, Any] = {
        "title": "控除依頼リスト",
        "columns": COLUMNS,
        "output_date": date(2025, 4, 10),
        "header_lines": HEADER_LINES,
    }
    values.update(changes)
    return ListSpec(**values)


def _rows(count: int, groups: int = 1) -> list[list[object]]:
    per_group = max(1, count // groups)
    return [
        [
            f"部署{min(n // per_group, groups - 1)}",
            f"{n:06d}",
            "ｷﾕｳﾖ ｲﾁﾛｳ",
            "給与　一郎",
            1000 + n,
            None,
        ]
        for n in range(count)
    ]


def _pages_text(data: bytes) -> list[str]:
    """Each page's text as poppler's pdftotext extracts it (form feed between pages)."""
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    pages = done.stdout.decode("utf-8").split("\f")
    return [page for page in pages if page.strip()]


def _font_dicts(data: bytes) -> list[Any]:
    reader = PdfReader(io.BytesIO(data))
    fonts: list[Any] = []
    for page in reader.pages:
        resources: Any = page["/Resources"].get_object()
        for ref in resources.get("/Font", {}).values():
            fonts.append(ref.get_object())
    return fonts


def test_header_on_every_page_with_page_numbers() -> None:
    """SPEC §11 outputs "header with contract and payment group, page numbers" and A.6's
    控除依頼リスト header (控除年月, 支給区分): every page repeats the title, the caller's lines,
    the output date, the column titles and 「n / N ページ」."""
    data = render_list(_spec(), _rows(150))
    pages = _pages_text(data)
    assert len(pages) >= 3
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert "控除依頼リスト" in text
        assert "契約番号：12345678" in text and "テスト労働組合" in text
        assert "入金グループ：001 本社" in text
        assert "控除年月：2025年4月" in text and "支給区分：月例" in text
        assert "出力日：2025/04/10" in text
        assert "職員番号" in text and "依頼額" in text
        assert f"{number} / {total} ページ" in text
    assert "000000" in pages[0] and "000149" in pages[-1]
    assert len(PdfReader(io.BytesIO(data)).pages) == total


def test_totals_and_thousands_separators() -> None:
    """SPEC §11 "totals": the list ends with 合計 (count and the sums of the chosen columns);
    amounts are written with thousands separators."""
    rows = _rows(120)
    data = render_list(_spec(), rows)
    text = "\n".join(_pages_text(data))
    expected_sum = sum(int(row[4]) for row in rows)  # type: ignore[call-overload]
    assert "合計" in text and "120件" in text
    assert f"{expected_sum:,}" in text
    assert "1,119" in text  # the last row's amount
    assert "小計" not in text


def test_subtotal_per_group_and_page_per_group() -> None:
    """Totals optionally per group (入金グループ or 所属): a 小計 closes each group; with
    page_per_group each group starts a new page with 「入金グループ：…」 in its header."""
    rows = [
        ["001 本社", "000001", "ｱ", "甲", 1000, None],
        ["001 本社", "000002", "ｲ", "乙", 2000, None],
        ["002 支社", "000003", "ｳ", "丙", 4000, None],
    ]
    spec = _spec(
        header_lines=HEADER_LINES[:1],
        group_by=0,
        page_per_group=True,
        group_title="入金グループ",
    )
    pages = _pages_text(render_list(spec, rows))
    assert len(pages) == 2
    assert "入金グループ：001 本社" in pages[0] and "3,000" in pages[0]
    assert "小計" in pages[0] and "2件" in pages[0]
    assert "入金グループ：002 支社" in pages[1]
    assert "小計" in pages[1] and "1件" in pages[1]
    assert "合計" in pages[1] and "3件" in pages[1] and "7,000" in pages[1]
    assert "1 / 2 ページ" in pages[0] and "2 / 2 ページ" in pages[1]


def test_font_is_embedded_and_no_other_font() -> None:
    """DESIGN §3 "IPAex Gothic TTF, embedded and subset; non-embedded CID fonts are not
    acceptable": every font of every page is the IPAex Gothic subset with a FontFile2, and no
    standard font (Helvetica) is named."""
    data = render_list(_spec(), _rows(80))
    fonts = _font_dicts(data)
    assert fonts
    for font in fonts:
        assert font["/Subtype"] == "/TrueType"
        # A subset: the name carries a tag such as AAAAAA+.
        assert re.fullmatch(r"/[A-Z]{6}\+IPAexGothic", str(font["/BaseFont"]))
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert b"Helvetica" not in data
    assert b"/Type0" not in data


def test_a4_portrait_and_landscape() -> None:
    """SPEC §11 outputs "PDF A4", portrait or landscape per list."""
    portrait = PdfReader(io.BytesIO(render_list(_spec(), _rows(3)))).pages[0].mediabox
    wide = PdfReader(io.BytesIO(render_list(_spec(orientation="landscape"), _rows(3))))
    box = wide.pages[0].mediabox
    assert (round(float(portrait.width)), round(float(portrait.height))) == (
        round(A4[0]),
        round(A4[1]),
    )
    assert (round(float(box.width)), round(float(box.height))) == (round(A4[1]), round(A4[0]))


def test_progress_is_reported_per_page_up_to_the_total() -> None:
    """Issue 5 "Long outputs show progress": on_progress(done, total) starts at 0, grows page
    by page and ends at the row count."""
    calls: list[tuple[int, int]] = []
    data = render_list(
        _spec(), _rows(200), on_progress=lambda done, total: calls.append((done, total))
    )
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert calls[0] == (0, 200) and calls[-1] == (200, 200)
    assert all(total == 200 for _, total in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert len(calls) == pages + 2
    assert 0 < done[1] < 200


def test_empty_list_has_one_page_with_zero_total() -> None:
    """An empty list still prints its header and 合計 0件 (nothing to deduct is an answer)."""
    pages = _pages_text(render_list(_spec(), []))
    assert len(pages) == 1
    assert "合計" in pages[0] and "0件" in pages[0] and "1 / 1 ページ" in pages[0]


def test_long_text_is_shrunk_or_cut_never_silently_dropped() -> None:
    """A text wider than its column is drawn smaller so it stays whole; only beyond the
    smallest readable size is it cut, and then 「…」 says so."""
    long_name = "ｷﾕｳﾖ ｲﾁﾛｳ ｷﾕｳﾖ ｼﾞﾛｳ"
    huge = "長い所属名" * 30
    rows = [
        ["総務", "000001", long_name, "給与　一郎", 1, None],
        [huge, "000002", "ｱ", "乙", 2, None],
    ]
    text = "\n".join(_pages_text(render_list(_spec(), rows)))
    assert "ｷﾕｳﾖ ｲﾁﾛｳ ｷﾕｳﾖ ｼﾞﾛｳ" in text.replace("  ", " ")
    assert "…" in text


def test_rows_must_match_the_columns() -> None:
    """A row with another number of cells is a bug in the caller, not a silent misprint."""
    with pytest.raises(ValueError, match="cells"):
        render_list(_spec(), [["a", "b"]])
    with pytest.raises(ValueError, match="first column"):
        _spec(columns=[Column("額", 20, amount=True, total=True)])


@pytest.mark.parametrize(
    ("value", "amount", "shown"),
    [
        (1234567, True, "1,234,567"),
        (-1234, True, "-1,234"),
        ("000123", False, "000123"),
        (1234, False, "1234"),
        (None, True, ""),
        (date(2025, 4, 1), False, "2025/04/01"),
    ],
)
def test_format_cell(value: object, amount: bool, shown: str) -> None:
    """SPEC §11 lists: amounts with thousands separators, codes as they are."""
    assert format_cell(value, amount=amount) == shown
