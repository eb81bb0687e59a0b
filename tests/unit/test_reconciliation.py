"""R-PLUS-1 給与控除データ照合, the pure comparison (domain/reconciliation.py): every difference
between the bank's request and the payroll data — missing, extra, different amount — by
職員番号 + 商品コード + 口座番号; payroll files with duplicates or bad amounts are refused by row
and column (R-PLUS-5: a preview, nothing applied)."""

from __future__ import annotations

import pytest

from chingin_app.domain import reconciliation as rec
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err

MINIMAL = ("職員番号", "商品コード", "口座番号", "控除額")


def _entry(staff: str, amount: int, *, product: str = "11", account: str = "1000001",
           hold: bool = False) -> rec.RequestEntry:
    return rec.RequestEntry(rec.LineKey(staff, product, account), amount, f"氏名{staff}", "本社",
                            hold)


def _lines(*rows: tuple[str, ...], header: tuple[str, ...] = MINIMAL) -> list[rec.PayrollLine]:
    got = rec.payroll_lines(header, rows)
    assert all(isinstance(x, rec.PayrollLine) for x in got), got
    return [x for x in got if isinstance(x, rec.PayrollLine)]


def _errors(*rows: tuple[str, ...], header: tuple[str, ...] = MINIMAL) -> list[Err]:
    got = rec.payroll_lines(header, rows)
    assert got and all(isinstance(x, Err) for x in got), got
    return [x for x in got if isinstance(x, Err)]


def test_r_plus_1_equal_data_has_no_difference() -> None:
    """The same lines and amounts on both sides: 一致 only, 差異 0件."""
    request = [_entry("000001", 5000), _entry("000002", 12000, product="21")]
    payroll = _lines(("000001", "11", "1000001", "5000"), ("000002", "21", "1000001", "12000"))
    result = rec.compare(request, payroll)
    assert result.differences == ()
    assert (result.matched, result.different, result.missing, result.extra) == (2, 0, 0, 0)
    assert result.request_total == result.payroll_total == 17000


def test_r_plus_1_missing_extra_and_different_are_each_listed() -> None:
    """依頼のみ (in the request, not in payroll), 給与データのみ (in payroll, not in the
    request) and 金額相違, each with both amounts and the payroll file's row."""
    request = [_entry("000001", 5000), _entry("000002", 3000), _entry("000003", 8000)]
    payroll = _lines(
        ("000001", "11", "1000001", "5000"),  # row 2: equal
        ("000002", "11", "1000001", "3500"),  # row 3: different
        ("000009", "11", "1000009", "700"),  # row 4: extra
    )
    result = rec.compare(request, payroll)
    assert (result.matched, result.different, result.missing, result.extra) == (1, 1, 1, 1)
    by_kind = {d.kind: d for d in result.differences}
    different = by_kind[rec.DiffKind.DIFFERENT]
    assert (different.key.staff_no, different.requested, different.payroll, different.row,
            different.gap) == ("000002", 3000, 3500, 3, 500)
    missing = by_kind[rec.DiffKind.MISSING]
    assert (missing.key.staff_no, missing.requested, missing.payroll, missing.row,
            missing.name) == ("000003", 8000, None, None, "氏名000003")
    extra = by_kind[rec.DiffKind.EXTRA]
    assert (extra.key, extra.requested, extra.payroll, extra.row) == (
        rec.LineKey("000009", "11", "1000009"), None, 700, 4)
    assert [d.key.staff_no for d in result.differences] == ["000002", "000003", "000009"]
    assert [k.label for k in rec.DiffKind] == ["金額相違", "依頼のみ", "給与データのみ"]


def test_r_plus_1_the_key_is_staff_product_and_account() -> None:
    """Another account or product of the same employee is another line: one missing, one
    extra — never matched on 職員番号 alone."""
    request = [_entry("000001", 5000, account="1000001")]
    payroll = _lines(("000001", "11", "1000002", "5000"))
    result = rec.compare(request, payroll)
    assert (result.missing, result.extra, result.matched) == (1, 1, 0)


def test_r_plus_1_an_absent_line_of_zero_yen_agrees() -> None:
    """A 解約 line (amount 0) left out of the payroll data, or a payroll line of 0 yen the
    request lacks, is no difference; a held (入金中止) line left out is, and says so."""
    request = [_entry("000001", 0), _entry("000002", 4000, hold=True)]
    payroll = _lines(("000003", "11", "1000003", "0"))
    result = rec.compare(request, payroll)
    assert result.matched == 2
    assert [(d.kind, d.hold) for d in result.differences] == [(rec.DiffKind.MISSING, True)]


def test_r_plus_1_duplicates_in_the_payroll_file_are_reported() -> None:
    """The same 職員番号 + 商品コード + 口座番号 twice makes the comparison ambiguous: refused,
    naming both rows."""
    errors = _errors(("000001", "11", "1000001", "5000"), ("000002", "11", "1000001", "1"),
                     ("000001", "11", "1000001", "5000"))
    assert [(e.code, e.params["row"], e.params["first"]) for e in errors] == [
        ("E-RECON-DUPLICATE", 4, 2)]
    assert "4行目は2行目と" in message(errors[0].code, **errors[0].params)


@pytest.mark.parametrize("amount", ["", "1,000", "-5", "01", "5000円", "1.5", "１０００",
                                    "10000000"])
def test_r_plus_1_amount_parse_errors_by_row_and_column(amount: str) -> None:
    """Amounts are bare integers 0 … 9,999,999 (A.2): anything else is an error at its row and
    column, naming the column."""
    errors = _errors(("000001", "11", "1000001", "5000"), ("000002", "11", "1000002", amount))
    assert [(e.code, e.params["row"], e.params["column"]) for e in errors] == [
        ("E-RECON-AMOUNT", 3, 4)]
    assert message(errors[0].code, **errors[0].params).startswith("3行目4列目「控除額」は")


def test_r_plus_1_empty_key_cells_are_errors() -> None:
    errors = _errors(("", "11", "1000001", "5000"), ("000002", "11", " ", "5"))
    assert [(e.code, e.params["row"], e.params["column"]) for e in errors] == [
        ("E-RECON-REQUIRED", 2, 1), ("E-RECON-REQUIRED", 3, 3)]


def test_r_plus_1_columns_are_found_by_header_name() -> None:
    """The export layout (依頼額 among other columns) and the minimal one in any order; a
    header without a key column or with two amount columns is refused."""
    export = ("控除年月", "職員番号", "カナ氏名", "商品コード", "口座番号", "依頼額", "控除日")
    lines = _lines(("2026-04", "000001", "ｱ", "11", "1000001", "900", "2026-04-24"),
                   header=export)
    assert lines == [rec.PayrollLine(rec.LineKey("000001", "11", "1000001"), 900, 2)]
    shuffled = ("控除額", "口座番号", "職員番号", "商品コード")
    assert _lines(("900", "1000001", "000001", "11"), header=shuffled)[0].key == lines[0].key
    missing = _errors(("1",), header=("職員番号",))
    assert [(e.code, e.params["name"]) for e in missing] == [
        ("E-RECON-COLUMN", "商品コード」「口座番号」「依頼額／控除額")]
    two = _errors(("1", "2", "3", "4", "5"), header=(*MINIMAL, "依頼額"))
    assert [e.code for e in two] == ["E-RECON-COLUMN"]


def test_r_plus_1_compare_refuses_duplicate_payroll_keys() -> None:
    line = rec.PayrollLine(rec.LineKey("1", "11", "1000001"), 1, 2)
    with pytest.raises(ValueError, match="duplicate"):
        rec.compare([], [line, line])


def test_r_plus_1_extra_payroll_columns_are_ignored_and_spaces_in_names_too() -> None:
    """Issue 14 item 5: a payroll file with its own columns (氏名, 所属 …) around the required
    ones, in any order and with padded header names, is read by header name."""
    header = ("氏名", " 職員番号 ", "所属", "控除額", "商品\u3000コード", "口座番号", "備考")
    lines = _lines(("中村 竜也", "001006", "人事部", "1200", "0002", "1234567", ""),
                   header=header)
    assert lines == [rec.PayrollLine(rec.LineKey("001006", "0002", "1234567"), 1200, 2)]


def test_r_plus_1_every_missing_required_column_is_named() -> None:
    """A payroll file missing required columns names each of them in one message."""
    errors = _errors(("1", "2"), header=("職員番号", "氏名"))
    assert [e.code for e in errors] == ["E-RECON-COLUMN"]
    text = message(errors[0].code, **errors[0].params)
    assert "「商品コード」「口座番号」「依頼額／控除額」の列がない" in text


def test_r_plus_1_zero_stripped_codes_are_padded_to_the_request_widths() -> None:
    """Issue 14 item 5 ("Excel eats the codes"): 職員番号 1006 for 001006, 商品コード 2 for
    0002 and 口座番号 without its zeros match the request's lines after padding, and the result
    says how many lines and which columns were restored, with an example."""
    requested = [
        _entry("001006", 1200, product="0002", account="0012345"),
        _entry("001007", 800, product="0002", account="0012346"),
        _entry("012000", 500, product="0011", account="0099999"),
    ]
    payroll = _lines(("1006", "2", "12345", "1200"), ("1007", "2", "12346", "900"),
                     ("012000", "0011", "0099999", "500"), ("77", "2", "5", "300"))
    restored = rec.restore_zeros(payroll, requested)
    assert restored.restored == 3
    assert restored.columns == ("職員番号", "商品コード", "口座番号")
    assert restored.example == ("1006", "001006")
    keys = [line.key for line in restored.lines]
    assert keys[:3] == [e.key for e in requested]
    # A line only the payroll has is padded to the column's one width as well.
    assert keys[3] == rec.LineKey("000077", "0002", "0000005")
    result = rec.compare(requested, restored.lines)
    assert (result.matched, result.different, result.missing, result.extra) == (2, 1, 0, 1)
    # Without the padding every line is 依頼のみ or 給与データのみ (the 244 + 244).
    raw = rec.compare(requested, payroll)
    assert (raw.matched, raw.missing, raw.extra) == (1, 2, 3)


def test_r_plus_1_zero_padding_keeps_codes_that_need_none() -> None:
    """Codes as the request has them, non-digit codes and codes of a column whose widths
    differ (a five-digit part-timer among six-digit staff) are not padded unless exactly one
    request code strips to them; padding never merges two payroll lines."""
    requested = [_entry("001006", 1), _entry("12345", 1), _entry("A0001", 1)]
    payroll = _lines(("001006", "11", "1000001", "1"), ("12345", "11", "1000001", "1"),
                     ("A0001", "11", "1000001", "1"), ("77", "11", "1000001", "1"),
                     ("1006", "11", "1000001", "1"))
    restored = rec.restore_zeros(payroll, requested)
    assert [line.key.staff_no for line in restored.lines] == [
        "001006", "12345", "A0001", "77", "1006"]
    assert restored.restored == 0 and restored.example is None and restored.columns == ()
