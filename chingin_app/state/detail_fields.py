"""What the per-employee detail screens (労金控除 RK-1/2, 賃控元帳 RL-1/2) show of the fields
they share: the 状態 choices and a カナ氏名 as it is typed (R-PLUS-2 "on entry", A.1). Plain
functions, no rules of their own (the rules are in domain/kana.py and
services/detail_rules.py)."""

from __future__ import annotations

from typing import Final

from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.services.detail_rules import KANA_MAX_BYTES

#: 状態 choices of the search form (the services' status filter).
STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "（すべて）"), ("active", "有効"), ("ended", "終了"), ("cancelled", "解除"),
)


NAME_KANA_LABEL: Final = "カナ氏名"


def kana_feedback(typed: str, *, max_bytes: int | None = KANA_MAX_BYTES) -> tuple[str, str]:
    """(hint, error) for a カナ氏名 as typed (R-PLUS-2 on entry, A.1): 「正規化後: ｷﾕｳﾖ ｲﾁﾛｳ」 when
    the bank's form differs from what was typed, or the reason the bank would refuse it."""
    if not typed.strip():
        return "", ""
    checked = check_name_kana(typed, field=NAME_KANA_LABEL, key="name_kana", max_bytes=max_bytes)
    if isinstance(checked, Err):
        return "", message(checked.code, **checked.params)
    if checked.value == typed:
        return "", ""
    return message("I-KANA-NORMALISED", kana=checked.value), ""
