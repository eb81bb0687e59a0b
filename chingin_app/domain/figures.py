"""How figures read on screens (SPEC §11: numbers agree across screens): amounts with thousands
separators, a count with its amount. One place, so every screen writes them the same way."""

from __future__ import annotations

__all__ = ["amount", "count_and_amount"]


def amount(value: int | None) -> str:
    """``12345`` → ``"12,345"`` (yen, no unit); ``None`` → ``""`` (no figure)."""
    return "" if value is None else f"{value:,}"


def count_and_amount(count: int, yen: int) -> str:
    """A count before its amount, as the manual's summaries read: ``"244件 6,447,900円"``."""
    return f"{count:,}件 {yen:,}円"
