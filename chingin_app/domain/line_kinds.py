"""The two kinds the bank's monthly lines carry in every business area, defined once and stored
by their values (the tables' CHECK constraints name the same values; a unit test compares them):

- ``PayKind`` 支給区分 (A.4, A.6): 月例 or 一時金 — of a 労金控除 控除依頼 (RK-4) and of a 財形
  預入依頼書 (RZ-1).
- ``ChangeKind`` 異動区分 / 変更区分 / 前回との変更: a line compared with the same line of the
  previous request or statement of its group — of a 控除依頼 line (RK-4 控除依頼異動分リスト),
  a 一斉積立内訳明細 line (RS-2 変更明細表) and a 財形 預入依頼書 line (RZ-2 変更明細書).

Pure: no database, no Reflex.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["ChangeKind", "PayKind"]


class PayKind(StrEnum):
    """支給区分: 月例 (monthly) or 一時金 (bonus)."""

    MONTHLY = "monthly"
    BONUS = "bonus"

    @property
    def label(self) -> str:
        """月例 / 一時金, as the screens, lists and the bank's files write it."""
        return _PAY_KIND_LABELS[self]

    @classmethod
    def from_label(cls, text: str) -> PayKind | None:
        """The kind a bank file names by its label (月例 / 一時金); None for anything else."""
        for kind, label in _PAY_KIND_LABELS.items():
            if text == label:
                return kind
        return None


_PAY_KIND_LABELS: Final[dict[PayKind, str]] = {PayKind.MONTHLY: "月例", PayKind.BONUS: "一時金"}


class ChangeKind(StrEnum):
    """A line against the same line of the previous request or statement: 新規 (absent
    before), 変更 (changed), 継続 (the same) or 解約 (ended since). Each area's rules say what
    counts as changed (``deduction_cycle.change_kinds``, ``batch_savings.changed_lines``; the
    bank's 財形 file carries it)."""

    NEW = "新規"
    CHANGED = "変更"
    ENDED = "解約"
    CONTINUED = "継続"
