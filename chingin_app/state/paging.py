"""One page of a server-side list in state (DESIGN §1: page through lists with SQL, keep only
the visible page in state). A mixin: each list screen keeps its own page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from chingin_app.state.off_loop import off_loop


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

    def _turned(self, delta: object) -> int:
        """The page ``delta`` pages away, kept inside 1 … pages; a crafted frame may send any
        number, or no number at all (then the page stays)."""
        if not isinstance(delta, int) or isinstance(delta, bool):
            return self.page
        return max(1, min(self.pages, self.page + delta))

    def _page_access(self) -> tuple[Any, EventSpec | None]:
        """The screen's own check before a page is read again: (session, None), or (None,
        where to go). Every list screen defines it."""
        raise NotImplementedError

    def _reload_page(self, info: Any) -> None:
        """Read ``self.page`` again with the screen's query and criteria."""
        raise NotImplementedError

    @rx.event
    @off_loop
    def turn(self, delta: int) -> EventSpec | None:
        """前へ / 次へ, under the screen's own check."""
        info, redirect = self._page_access()
        if info is None:
            return redirect
        self.page = self._turned(delta)
        self._reload_page(info)
        return None

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
