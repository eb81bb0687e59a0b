"""The information screen's chart of the last 12 労金控除 cycles (issue 14 item 8): requested
vs remitted totals and 控除不能 counts, read by ``services.rokin.cycle.history``. Its own
state so the information screen's menus and notices stay as they are."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.figures import amount
from chingin_app.services.rokin.cycle import history
from chingin_app.state.session import SessionState


class CycleChartState(SessionState):
    """``points``: one per request, oldest first, as the chart and its table read them."""

    points: list[dict[str, Any]] = []  # noqa: RUF012 (Reflex copies var defaults per client)

    @rx.event
    def load(self) -> EventSpec | None:
        """Read the figures (nothing for a user without the 結果リスト right)."""
        info, redirect = self._signed_in()
        if info is None:
            return redirect
        with session_scope(read_only=True) as db:
            figures = history.recent_cycles(db, session=info)
        self.points = [_point(f) for f in figures]
        return None


def _point(f: history.CycleFigures) -> dict[str, Any]:
    # Bars in 万円 (an axis of 8000000 reads badly at a glance); the table keeps exact yen.
    return {
        "label": f.label,
        "requested": round(f.requested_amount / 10_000),
        "remitted": round(f.remitted_amount / 10_000),
        "not_deducted": f.not_deducted,
        "requested_text": amount(f.requested_amount),
        "remitted_text": amount(f.remitted_amount),
        "not_deducted_text": "" if f.not_deducted is None else f"{f.not_deducted}",
    }
