"""How figures read on screens and in PDFs (SPEC §11: numbers agree across screens): amounts
with thousands separators, a count before its amount. One place, so every screen and PDF
summary writes them the same way.

One count everywhere (issue 14 item 2): a request's 件数 never includes its 解約 lines (listed
for information, amount 0, never requested — A.4); they are shown apart, after the count:
「244件 6,447,900円（ほかに解約 2件 0円）」."""

from __future__ import annotations

__all__ = ["ENDED_LABEL", "amount", "count_and_amount", "count_only"]

#: The name of the lines a count leaves out and names apart (A.4 異動区分 解約).
ENDED_LABEL = "解約"


def amount(value: int | None) -> str:
    """``12345`` → ``"12,345"`` (yen, no unit); ``None`` → ``""`` (no figure)."""
    return "" if value is None else f"{value:,}"


def count_and_amount(count: int, yen: int, *, ended: int = 0, ended_yen: int = 0) -> str:
    """A count before its amount, as the manual's summaries read: ``"244件 6,447,900円"``;
    with ``ended`` 解約 lines (not in ``count``) named after it:
    ``"244件 6,447,900円（ほかに解約 2件 0円）"``."""
    main = f"{count:,}件 {yen:,}円"
    if ended <= 0:
        return main
    return f"{main}（ほかに{ENDED_LABEL} {ended:,}件 {ended_yen:,}円）"


def count_only(count: int, *, ended: int = 0, unit: str = "件") -> str:
    """A count without amount (a list's 合計 row): ``"244件"``, ``"244件（ほかに解約 2件）"``."""
    main = f"{count:,}{unit}"
    return main if ended <= 0 else f"{main}（ほかに{ENDED_LABEL} {ended:,}{unit}）"
