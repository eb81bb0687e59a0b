"""What the bank's results files share (README 「控除結果ファイル」 RK-11 and 「賃控元帳控除結果
ファイル」 RL-CYCLE-2; Appendix A.4): the result codes, the columns both files have and how a
cell is checked, and writing such a file (for the demo, tests and the README's examples).

Each loader reads its rows with ``reports.csv_reader.read_rows`` and parses a row through
``ResultCells``: every check that fails records E-RESULTS-VALUE with the row, the column (from
1) and the column's rule, so a file is refused with every problem at once (all or nothing).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.line_kinds import PayKind
from chingin_app.domain.result import Err

__all__ = [
    "COMMON_RULES",
    "DEDUCTED_CODE",
    "RESULT_CODES",
    "ResultCells",
    "results_file",
]

#: Zengin 口座振替 result codes (A.4), the model of 結果コード: 0 済, anything else 不能.
RESULT_CODES: Final[dict[str, str]] = {
    "0": "振替済",
    "1": "資金不足",
    "2": "取引なし",
    "3": "預金者都合",
    "4": "依頼書なし",
    "8": "委託者都合",
    "9": "その他",
}
#: The 結果コード of a line deducted as requested (済).
DEDUCTED_CODE: Final = "0"

#: What the columns both files have must look like (E-RESULTS-VALUE's {rule}).
COMMON_RULES: Final[dict[str, str]] = {
    "入金グループ": "半角数字3桁",
    "控除年月": "「YYYY-MM」の形式",
    "支給区分": "「月例」または「一時金」",
    "職員番号": "半角数字10桁以内",
    "控除額": "半角数字（カンマなし）9桁以内",
    "結果コード": "0・1・2・3・4・8・9のいずれか",
    "不能理由": "50文字以内（結果コードが0のときは空欄）",
}
_GROUP_RE: Final = re.compile(r"[0-9]{3}")
_STAFF_NO_RE: Final = re.compile(r"[0-9]{1,10}")
_AMOUNT_RE: Final = re.compile(r"0|[1-9][0-9]{0,8}")
_REASON_MAX: Final = 50


class ResultCells:
    """One data row of a results file (``row`` from 1, the header is row 1), its cells read by
    header name (``columns``: name → 0-based index). Each reader returns the value, or a
    placeholder after recording E-RESULTS-VALUE in ``errors`` with ``rules[name]``."""

    def __init__(self, row: int, cells: Sequence[str], columns: Mapping[str, int],
                 rules: Mapping[str, str]) -> None:
        self.row = row
        self.errors: list[Err] = []
        self._cells = cells
        self._columns = columns
        self._rules = rules

    def text(self, name: str) -> str:
        """The cell, stripped."""
        return self._cells[self._columns[name]].strip()

    def bad(self, name: str) -> None:
        """Record that the cell ``name`` breaks its rule."""
        self.errors.append(Err(
            "E-RESULTS-VALUE", name,
            {"row": self.row, "column": self._columns[name] + 1, "label": name,
             "rule": self._rules[name]},
        ))

    def matching(self, name: str, pattern: re.Pattern[str]) -> str:
        """The cell when it matches ``pattern`` whole (else recorded)."""
        value = self.text(name)
        if pattern.fullmatch(value) is None:
            self.bad(name)
        return value

    def group_no(self) -> str:
        """入金グループ: 3 digits."""
        return self.matching("入金グループ", _GROUP_RE)

    def month(self) -> str:
        """控除年月 as ``YYYY-MM`` (empty when wrong)."""
        month = cyc.check_month(self.text("控除年月"))
        if isinstance(month, Err):
            self.bad("控除年月")
            return ""
        return month.value

    def pay_kind(self) -> PayKind | None:
        """支給区分 by its label (月例 / 一時金)."""
        kind = PayKind.from_label(self.text("支給区分"))
        if kind is None:
            self.bad("支給区分")
        return kind

    def staff_no(self) -> str:
        """職員番号: up to 10 digits, leading zeros kept."""
        return self.matching("職員番号", _STAFF_NO_RE)

    def amount(self) -> int:
        """控除額: a bare whole number of yen (0 when wrong)."""
        text = self.matching("控除額", _AMOUNT_RE)
        return int(text) if _AMOUNT_RE.fullmatch(text) else 0

    def result_code(self) -> str:
        """結果コード: one of ``RESULT_CODES``."""
        code = self.text("結果コード")
        if code not in RESULT_CODES:
            self.bad("結果コード")
        return code

    def reason(self, code: str) -> str | None:
        """不能理由: empty for a deducted line, else at most 50 characters (None when
        empty)."""
        reason = self.text("不能理由") or None
        if reason is not None and (code == DEDUCTED_CODE or len(reason) > _REASON_MAX):
            self.bad("不能理由")
        return reason


def results_file(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A results file as the loaders read it: CP932, CRLF, ``header`` then ``rows`` (None as
    an empty cell)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return buffer.getvalue().encode("cp932")
