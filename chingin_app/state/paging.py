"""One page of a server-side list in state (DESIGN §1: page through lists with SQL, keep only
the visible page in state). A mixin: each list screen keeps its own page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import reflex as rx


class PagingMixin(rx.State, mixin=True):
    """The visible rows as display strings, the count and the page position.

    A screen's handlers fetch one page from a service (which counts and pages in SQL) and pass
    it to ``show_page``; ``sort_key``/``sort_desc`` are what the screen sends back to the
    service, which accepts only its own whitelist of sort keys.
    """

    rows: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults per client)
    total: int = 0
    page: int = 1
    pages: int = 1
    sort_key: str = ""
    sort_desc: bool = False

    def _show_page(
        self, *, total: int, page: int, pages: int, rows: Sequence[Mapping[str, str]]
    ) -> None:
        """Replace the visible page with what the service returned."""
        self.total, self.page, self.pages = total, page, max(1, pages)
        self.rows = [dict(r) for r in rows]

    def _turned(self, delta: int) -> int:
        """The page ``delta`` pages away, kept inside 1 … pages (a crafted frame may send any
        number)."""
        return max(1, min(self.pages, self.page + int(delta)))

    def _resorted(self, key: str, allowed: Sequence[str]) -> bool:
        """Sort by ``key`` (again: reverse the order); False for a key the list does not
        offer, which leaves the order as it was."""
        if key not in allowed:
            return False
        if key == self.sort_key:
            self.sort_desc = not self.sort_desc
        else:
            self.sort_key, self.sort_desc = key, False
        return True
