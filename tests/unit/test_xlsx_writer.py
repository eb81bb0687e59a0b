"""The Excel writer beside every CSV export (issue 14 item 5, "Excel eats the codes"; SPEC
R-ENV-3, A.2 formula injection): codes are text cells, amounts numbers, dates dates, the same
columns as the CSV, free text neutralised as in the CSV and no text cell ever a formula."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from types import SimpleNamespace

import openpyxl
import pytest
from openpyxl.cell.cell import Cell

from chingin_app.domain.deduction_cycle import RequestLine
from chingin_app.domain.result import Err
from chingin_app.reports import rokin_csv
from chingin_app.reports.csv_writer import write_csv
from chingin_app.reports.xlsx_writer import (
    DATE_FORMAT,
    MEDIA_TYPE,
    TEXT_FORMAT,
    XlsxCharError,
    write_xlsx,
)
from chingin_app.services.outputs import (
    EXPORT_FORMATS,
    XLSX,
    export_bytes,
    export_ext,
    export_media_type,
)


def _cells(data: bytes) -> list[list[Cell]]:
    assert data.startswith(b"PK")  # an .xlsx is a zip
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows()]


def _line(**changes: object) -> RequestLine:
    values: dict[str, object] = dict(
        id=1, version=1, deduct_month="2026-12", pay_kind="monthly", group_no="001",
        department="=人事部", staff_no="001006", name_kana="ﾅｶﾑﾗ ﾀﾂﾔ", name_kanji="中村 竜也",
        branch_no="012", product_code="0002", product_name="財形", account_no="0001234",
        amount=12000, remaining_count=None, change_kind="継続", error_text=None,
        counter_change=None, hold=False, hold_reason=None,
        deduction_date=date(2026, 12, 25), remittance_date=date(2026, 12, 28),
    )
    values.update(changes)
    return RequestLine(**values)  # type: ignore[arg-type]


def test_rk_5_xlsx_codes_text_amounts_numbers_same_columns_as_csv() -> None:
    """RK-5/RK-7's columns in a workbook: 職員番号 001006, 入金グループ 001, 商品コード 0002 and
    控除年月 2026-12 stay text (Excel would make them 1006, 1, 2 and a date), 依頼額 is a
    number, 控除日 a date shown 2026/12/25; the header is the CSV's."""
    columns = rokin_csv.REQUEST_COLUMNS
    header = rokin_csv.header(columns)
    line = _line()
    data = write_xlsx(header, rokin_csv.rows(columns, [line]),
                      free_text_columns=rokin_csv.free_text_indexes(columns))
    head, row = _cells(data)
    assert [c.value for c in head] == header
    by_title = dict(zip(header, row, strict=True))
    for code in ("控除年月", "入金グループ", "職員番号", "店番", "商品コード", "口座番号"):
        cell = by_title[code]
        assert cell.data_type == "s" and cell.number_format == TEXT_FORMAT, code
    assert by_title["職員番号"].value == "001006" and by_title["商品コード"].value == "0002"
    assert by_title["控除年月"].value == "2026-12"
    assert by_title["依頼額"].data_type == "n" and by_title["依頼額"].value == 12000
    assert by_title["控除日"].is_date and by_title["控除日"].number_format == DATE_FORMAT
    assert by_title["控除日"].value == datetime(2026, 12, 25)
    # A.2: the free-text 所属 reads as the CSV writes it, with the leading '.
    csv_row = write_csv(header, rokin_csv.rows(columns, [line]),
                        free_text_columns=rokin_csv.free_text_indexes(columns)).decode("cp932")
    assert "'=人事部" in csv_row and by_title["所属"].value == "'=人事部"


def test_a_2_xlsx_no_text_cell_is_ever_a_formula() -> None:
    """A value starting with = in a column that is not free text is still stored as text: the
    workbook holds no formula at all (openpyxl would otherwise write ``=…`` as one)."""
    data = write_xlsx(["コード", "氏名"], [["=HYPERLINK(\"x\")", "+1"], ["-3", "@SUM(A1)"]],
                      free_text_columns=[1])
    _, first, second = _cells(data)
    assert all(c.data_type == "s" for c in first + second)
    assert first[0].value == '=HYPERLINK("x")' and first[1].value == "'+1"
    assert second[0].value == "-3" and second[1].value == "'@SUM(A1)"
    with io.BytesIO(data) as raw:
        import zipfile

        with zipfile.ZipFile(raw) as z:
            sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_xlsx_empty_bool_and_datetime_cells() -> None:
    """None is an empty cell, a bool is text 1/0 as in the CSV, a datetime keeps its time."""
    data = write_xlsx(["a", "b", "c"], [[None, True, datetime(2026, 12, 7, 10, 30, 0)]])
    _, row = _cells(data)
    assert row[0].value is None
    assert row[1].value == "1" and row[1].data_type == "s"
    assert row[2].value == datetime(2026, 12, 7, 10, 30) and row[2].is_date


def test_xlsx_control_character_is_refused_naming_row_and_column() -> None:
    """A character an .xlsx cannot hold is refused with its row (header = 1) and column."""
    with pytest.raises(XlsxCharError) as caught:
        write_xlsx(["a", "b"], [["ok", "ok"], ["ok", "bad\x07"]])
    assert (caught.value.row, caught.value.column) == (3, 2)
    result = export_bytes(["a"], [["\x01"]], encoding=XLSX, free_text_columns=())
    assert isinstance(result, Err) and result.code == "E-OUT-XLSX-CHAR"
    assert result.params["row"] == 2 and result.params["char"] == "U+0001"


def test_export_bytes_dispatches_on_the_format() -> None:
    """「Excel出力」 asks for ``xlsx``: a workbook named .xlsx with its media type; the CSV
    文字コード choices still give CP932 or UTF-8 CSV bytes, unchanged."""
    assert EXPORT_FORMATS == {"cp932", "utf-8-sig", "xlsx"}
    assert export_ext(XLSX) == "xlsx" and export_media_type(XLSX) == MEDIA_TYPE
    assert export_ext("cp932") == "csv" and export_media_type("utf-8-sig") == "text/csv"
    progress: list[tuple[int, int]] = []
    book = export_bytes(["職員番号"], ([f"{n:06d}"] for n in range(4001)), encoding=XLSX,
                        free_text_columns=(), total=4001,
                        on_progress=lambda d, t: progress.append((d, t)))
    assert isinstance(book, bytes) and _cells(book)[1][0].value == "000000"
    assert progress == [(2000, 4001), (4000, 4001)]
    csv = export_bytes(["職員番号"], [["001006"]], encoding="cp932", free_text_columns=())
    assert csv == "職員番号\r\n001006\r\n".encode("cp932")


def _typed(header: list[str], row: Sequence[object], free: tuple[int, ...]) -> dict[str, Cell]:
    """One export row through the workbook writer, its cells by header."""
    head, cells = _cells(write_xlsx(header, [row], free_text_columns=free))
    assert [c.value for c in head] == header
    return dict(zip(header, cells, strict=True))


def _assert_typed(cells: dict[str, Cell], *, texts: tuple[str, ...], numbers: tuple[str, ...]
                  ) -> None:
    for title in texts:
        assert cells[title].data_type == "s" and cells[title].number_format == TEXT_FORMAT, title
        assert str(cells[title].value).startswith("0"), title  # the zeros Excel used to eat
    for title in numbers:
        assert cells[title].data_type == "n" and isinstance(cells[title].value, int), title


def test_rl_6_and_rl_13_ledger_exports_keep_codes_text_and_amounts_numbers() -> None:
    """賃控元帳控除依頼データ (RL-6) and 労金控除賃控元帳依頼データ's long form (RL-13): the same
    column models as their CSVs, codes text, 依頼額 a number."""
    from chingin_app.reports import csv_columns
    from chingin_app.reports.ledger_cycle_lists import (
        COMBINED_LONG_COLUMNS,
        LEDGER_REQUEST_COLUMNS,
    )

    line = SimpleNamespace(
        deduct_month="2026-12", pay_kind="monthly", group_no="001", department="人事部",
        staff_no="001006", name_kana="ﾅｶﾑﾗ", name_kanji="中村", item_code="0002",
        item_name="互助会費", amount=3000, change_kind="継続", deduction_date=date(2026, 12, 25),
    )
    columns = LEDGER_REQUEST_COLUMNS
    row = next(csv_columns.rows(columns, [line]))
    cells = _typed(csv_columns.header(columns), row, csv_columns.free_text_indexes(columns))
    _assert_typed(cells, texts=("入金グループ", "職員番号", "種目コード"), numbers=("依頼額",))
    combined = SimpleNamespace(
        deduct_month="2026-12", pay_kind="monthly", group_no="001",
        line=SimpleNamespace(department="人事部", staff_no="001006", name_kana="ﾅｶﾑﾗ",
                             name_kanji="中村", source=SimpleNamespace(label="労金"),
                             code="0002", name="財形", amount=12000),
    )
    columns = COMBINED_LONG_COLUMNS
    row = next(csv_columns.rows(columns, [combined]))
    cells = _typed(csv_columns.header(columns), row, csv_columns.free_text_indexes(columns))
    _assert_typed(cells, texts=("入金グループ", "職員番号", "商品・種目コード"),
                  numbers=("依頼額",))


def test_rs_3_batch_savings_export_keeps_codes_text_and_amounts_numbers() -> None:
    """一斉積立内訳明細データ (RS-3): 入金グループ, 職員番号, 店番, 口座番号 text; 積立額 and
    前回積立額 numbers."""
    from chingin_app.reports import batch_savings_lists as lists

    header = lists.StatementHeader(
        contract_no="12345678", contract_name="労組", group_no="001", group_name="本社",
        savings_month="2026-10", kind="monthly", received_at=datetime(2026, 10, 20),
    )
    line = SimpleNamespace(staff_no="0000002", name_kana="ｽｽﾞｷ", name_kanji="鈴木",
                           department="総務部", branch_no="012", account_no="0012345",
                           product_name="積立", amount=8000, previous_amount=7000,
                           change_kind="変更")
    row = next(iter(lists.csv_rows(header, [line])))
    cells = _typed(list(lists.CSV_COLUMNS), row, lists.CSV_FREE_TEXT)
    _assert_typed(cells, texts=("入金グループ", "職員番号", "店番", "口座番号"),
                  numbers=("積立額", "前回積立額"))
    assert cells["積立年月"].value == "2026-10" and cells["積立年月"].data_type == "s"


def test_rl_9_text_amounts_become_numbers_in_their_columns_only() -> None:
    """RL-9's rows are text cells (the CSV the import reads back): in the workbook its 月例額 and
    一時金額 are numbers, while 明細ID, 職員番号 and 種目コード stay text."""
    from chingin_app.services.ledger.transfer import FREE_TEXT, HEADER

    row = ("17", "001006", "ﾅｶﾑﾗ", "中村", "人事部", "0002", "互助会費", "3000", "0",
           "2026-04", "", "有効")
    head, cells = _cells(write_xlsx(HEADER, [row], free_text_columns=FREE_TEXT,
                                    number_columns=(HEADER.index("月例額"),
                                                    HEADER.index("一時金額"))))
    by_title = dict(zip([c.value for c in head], cells, strict=True))
    _assert_typed(by_title, texts=("職員番号", "種目コード"), numbers=("月例額", "一時金額"))
    assert by_title["明細ID"].value == "17" and by_title["明細ID"].data_type == "s"
    assert by_title["開始年月"].value == "2026-04" and by_title["開始年月"].data_type == "s"
