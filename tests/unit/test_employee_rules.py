"""RK-12 退職 and R-PLUS-8's rules in ``services/detail_rules.py`` (pure, no database): which
detail 退職 cancels rather than ends, and the 漢字氏名 filter's pattern."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, String
from sqlalchemy.dialects import sqlite

from chingin_app.services.detail_rules import ends_by_cancelling, kanji_name_clauses


@pytest.mark.parametrize(("start", "month", "cancelled"), [
    ("2025-04", "2026-12", False),  # running: ends with 終了年月 = the month
    ("2026-12", "2026-12", False),  # starts that very month: deducts once, ends
    ("2027-01", "2026-12", True),  # starts later: would never deduct, 解除
])
def test_rk_12_retire_ends_or_cancels_by_the_start_month(
    start: str, month: str, cancelled: bool
) -> None:
    """RK-12: a detail starting after the 退職 month is 解除'd (終了年月 may not precede
    開始年月, E-MONTH-ORDER); any other is ended in that month."""
    assert ends_by_cancelling(start, month) is cancelled


def test_r_plus_8_kanji_filter_is_full_width_anywhere_and_literal() -> None:
    """R-PLUS-8: blank is no filter; what was typed is converted as 漢字氏名 is stored
    (half-width space → full width) and matched anywhere, LIKE wildcards taken literally."""
    column = Column("name_kanji", String)
    assert kanji_name_clauses(column, "  ") == []
    (clause,) = kanji_name_clauses(column, "佐藤 太郎")
    compiled = clause.compile(dialect=sqlite.dialect())
    assert list(compiled.params.values()) == ["%佐藤　太郎%"]
    (literal,) = kanji_name_clauses(column, "50%")
    assert list(literal.compile(dialect=sqlite.dialect()).params.values()) == ["%５０\\%%"]
