"""一斉積立内訳明細 file rows and 変更区分 (SPEC §11 RS-1, RS-2 変更明細表; README
「一斉積立内訳明細ファイル」), without a database."""

from __future__ import annotations

from chingin_app.domain.batch_savings import (
    BATCH_HEADER,
    BatchLine,
    BatchRow,
    changed_lines,
    parse_row,
)
from chingin_app.domain.result import Err


def _cells(**over: str) -> list[str]:
    base = dict(zip(BATCH_HEADER, ["001", "2026-10", "月例", "0000123", "ｻﾄｳ ﾀﾛｳ", "佐藤 太郎",
                                   "総務部", "101", "1234567", "定期積金", "10000"], strict=True))
    base.update(over)
    return [base[name] for name in BATCH_HEADER]


def test_rs_parse_row_reads_a_good_row_with_kana_normalised() -> None:
    got = parse_row(2, _cells(**{"カナ氏名": "サトウ　タロウ", "区分": "賞与"}))
    assert isinstance(got, BatchRow)
    assert (got.group_no, got.month, got.kind, got.staff_no) == ("001", "2026-10", "bonus",
                                                                 "0000123")
    assert got.name_kana == "ｻﾄｳ ﾀﾛｳ" and got.amount == 10000 and got.account_no == "1234567"


def test_rs_parse_row_names_every_bad_column() -> None:
    got = parse_row(5, _cells(**{"入金グループ": "1", "積立年月": "2026/10", "区分": "臨時",
                                 "職員番号": "A1", "カナ氏名": "佐藤", "漢字氏名": "",
                                 "店番": "1010", "口座番号": "123", "商品": "",
                                 "積立額": "-5"}))
    assert isinstance(got, list) and all(isinstance(e, Err) for e in got)
    assert all(e.code == "E-BATCH-VALUE" and e.params["row"] == 5 for e in got)
    assert [e.params["column"] for e in got] == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11]
    assert isinstance(parse_row(2, _cells(**{"積立額": "0"})), list)  # 解約 is a missing line
    assert isinstance(parse_row(2, _cells(**{"所属": ""})), BatchRow)  # 所属 may be empty


def _row(staff: str, amount: int, product: str = "定期積金") -> BatchRow:
    return BatchRow(2, "001", "2026-10", "monthly", staff, "ｶﾅ", "漢字", "部", "101",
                    "1234567", product, amount)


def _line(staff: str, amount: int, kind: str = "継続", product: str = "定期積金") -> BatchLine:
    return BatchLine(staff, "ｶﾅ", "漢字", "部", "101", "1234567", product, amount, 0, kind)


def test_rs_2_change_kinds_new_changed_continued_ended() -> None:
    """変更区分 against the previous statement: 新規 / 変更 / 継続, a missing line 解約 with
    積立額 0 and its former amount; a line already 解約 is not carried again; no previous
    statement: all 新規. The same person with another product is another line."""
    previous = [_line("1", 1000), _line("2", 2000), _line("3", 3000), _line("4", 0, "解約")]
    got = changed_lines([_row("1", 1000), _row("2", 2500), _row("5", 500),
                         _row("1", 700, "財形預金")], previous)
    assert [(ln.staff_no, ln.product_name, ln.amount, ln.previous_amount, ln.change_kind)
            for ln in got] == [
        ("1", "定期積金", 1000, 1000, "継続"),
        ("1", "財形預金", 700, 0, "新規"),
        ("2", "定期積金", 2500, 2000, "変更"),
        ("3", "定期積金", 0, 3000, "解約"),
        ("5", "定期積金", 500, 0, "新規"),
    ]
    assert {ln.change_kind for ln in changed_lines([_row("1", 1)], None)} == {"新規"}
