"""一斉積立事務 rules without a database (SPEC §11 RS-1..RS-3): the bank's 一斉積立内訳明細 file
(README 「一斉積立内訳明細ファイル」) row by row, and the 変更区分 of each line against the
previous statement of the same payment group and 区分.

A line is one person's one account and product (職員番号 + 商品 + 口座番号). Against the
previous statement a line is 新規 (not there before), 変更 (another 積立額), 継続 (the same
積立額); a line of the previous statement that is missing now is added as 解約 with 積立額 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.domain.result import Err

__all__ = [
    "BATCH_HEADER",
    "KIND_LABELS",
    "BatchLine",
    "BatchRow",
    "LineKey",
    "changed_lines",
    "kind_label",
    "parse_row",
]

#: The file's header row (README 「一斉積立内訳明細ファイル」).
BATCH_HEADER: Final[tuple[str, ...]] = (
    "入金グループ",
    "積立年月",
    "区分",
    "職員番号",
    "カナ氏名",
    "漢字氏名",
    "所属",
    "店番",
    "口座番号",
    "商品",
    "積立額",
)
COLUMN: Final[dict[str, int]] = {name: index for index, name in enumerate(BATCH_HEADER)}
#: Columns of free text (their export guard ``'`` is stripped on reading).
FREE_TEXT_COLUMNS: Final = (COLUMN["漢字氏名"], COLUMN["所属"], COLUMN["商品"])

#: 区分 value → its label (月例 / 賞与), as the file and the screens write it.
KIND_LABELS: Final[dict[str, str]] = {"monthly": "月例", "bonus": "賞与"}
_KIND_OF_TEXT: Final[dict[str, str]] = {label: kind for kind, label in KIND_LABELS.items()}

_RULES: Final[dict[str, str]] = {
    "入金グループ": "半角数字3桁",
    "積立年月": "「YYYY-MM」の形式",
    "区分": "「月例」または「賞与」",
    "職員番号": "半角数字10桁以内",
    "カナ氏名": "銀行で使える半角カナ30バイト以内",
    "漢字氏名": "20文字以内（必須）",
    "所属": "20文字以内",
    "店番": "半角数字3桁",
    "口座番号": "半角数字7桁",
    "商品": "20文字以内（必須）",
    "積立額": "半角数字（カンマなし）1～999999999",
}
_GROUP_RE: Final = re.compile(r"[0-9]{3}")
_STAFF_NO_RE: Final = re.compile(r"[0-9]{1,10}")
_BRANCH_RE: Final = re.compile(r"[0-9]{3}")
_ACCOUNT_RE: Final = re.compile(r"[0-9]{7}")
_AMOUNT_RE: Final = re.compile(r"[1-9][0-9]{0,8}")
_KANA_MAX_BYTES: Final = 30
_TEXT_MAX: Final = 20

#: (職員番号, 商品, 口座番号): one line of a statement.
LineKey = tuple[str, str, str]


def kind_label(kind: str) -> str:
    """月例 / 賞与 (the value itself for anything else)."""
    return KIND_LABELS.get(kind, kind)


@dataclass(frozen=True)
class BatchRow:
    """One checked data row of the file (``row`` counts the header as row 1)."""

    row: int
    group_no: str
    month: str
    kind: str
    staff_no: str
    name_kana: str
    name_kanji: str
    department: str
    branch_no: str
    account_no: str
    product_name: str
    amount: int

    @property
    def key(self) -> LineKey:
        return (self.staff_no, self.product_name, self.account_no)

    @property
    def statement_key(self) -> tuple[str, str, str]:
        """(入金グループ, 積立年月, 区分): the statement the row belongs to."""
        return (self.group_no, self.month, self.kind)


def parse_row(row_no: int, cells: Sequence[str]) -> BatchRow | list[Err]:
    """A data row checked column by column: the row, or one E-BATCH-VALUE per bad cell
    (params ``row``, ``column`` from 1, ``label``, ``rule``)."""
    errors: list[Err] = []

    def bad(name: str) -> None:
        errors.append(Err("E-BATCH-VALUE", name, {
            "row": row_no, "column": COLUMN[name] + 1, "label": name, "rule": _RULES[name],
        }))

    def cell(name: str) -> str:
        return cells[COLUMN[name]].strip()

    def text(name: str, *, required: bool) -> str:
        value = cell(name)
        if (required and not value) or len(value) > _TEXT_MAX:
            bad(name)
        return value

    group_no = cell("入金グループ")
    if _GROUP_RE.fullmatch(group_no) is None:
        bad("入金グループ")
    month = cyc.check_month(cell("積立年月"))
    if isinstance(month, Err):
        bad("積立年月")
    kind = _KIND_OF_TEXT.get(cell("区分"))
    if kind is None:
        bad("区分")
    staff_no = cell("職員番号")
    if _STAFF_NO_RE.fullmatch(staff_no) is None:
        bad("職員番号")
    kana = check_name_kana(cell("カナ氏名"), max_bytes=_KANA_MAX_BYTES)
    if isinstance(kana, Err):
        bad("カナ氏名")
    name_kanji = text("漢字氏名", required=True)
    department = text("所属", required=False)
    branch_no = cell("店番")
    if _BRANCH_RE.fullmatch(branch_no) is None:
        bad("店番")
    account_no = cell("口座番号")
    if _ACCOUNT_RE.fullmatch(account_no) is None:
        bad("口座番号")
    product = text("商品", required=True)
    amount_text = cell("積立額")
    if _AMOUNT_RE.fullmatch(amount_text) is None:
        bad("積立額")
    if errors:
        return errors
    assert not isinstance(month, Err) and not isinstance(kana, Err) and kind is not None
    return BatchRow(
        row=row_no, group_no=group_no, month=month.value, kind=kind, staff_no=staff_no,
        name_kana=kana.value, name_kanji=name_kanji, department=department,
        branch_no=branch_no, account_no=account_no, product_name=product,
        amount=int(amount_text),
    )


@dataclass(frozen=True)
class BatchLine:
    """A line as stored: the person and account, 積立額, 前回積立額 and 変更区分."""

    staff_no: str
    name_kana: str
    name_kanji: str
    department: str
    branch_no: str
    account_no: str
    product_name: str
    amount: int
    previous_amount: int
    change_kind: str

    @property
    def key(self) -> LineKey:
        return (self.staff_no, self.product_name, self.account_no)


def changed_lines(
    rows: Sequence[BatchRow], previous: Iterable[BatchLine] | None
) -> list[BatchLine]:
    """The statement's lines with their 変更区分 against ``previous`` (the lines of the
    previous statement of the same group and 区分; None when there is none, then every line
    is 新規). A previous line already 解約 is not carried again. Ordered by 職員番号, 商品,
    口座番号."""
    before = {
        line.key: line for line in (previous or ())
        if line.change_kind != ChangeKind.ENDED.value
    }
    lines: list[BatchLine] = []
    for row in rows:
        old = before.get(row.key)
        if old is None:
            kind, prev = ChangeKind.NEW.value, 0
        elif old.amount != row.amount:
            kind, prev = ChangeKind.CHANGED.value, old.amount
        else:
            kind, prev = ChangeKind.CONTINUED.value, old.amount
        lines.append(BatchLine(
            row.staff_no, row.name_kana, row.name_kanji, row.department, row.branch_no,
            row.account_no, row.product_name, row.amount, prev, kind,
        ))
    now = {row.key for row in rows}
    for key, old in before.items():
        if key not in now:
            lines.append(BatchLine(
                old.staff_no, old.name_kana, old.name_kanji, old.department, old.branch_no,
                old.account_no, old.product_name, 0, old.amount, ChangeKind.ENDED.value,
            ))
    lines.sort(key=lambda line: line.key)
    return lines
