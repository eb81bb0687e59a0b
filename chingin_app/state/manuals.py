"""マニュアル照会 (R-MAN-1, R-INFO-3): the manuals and forms of the contract's kind, 表示 in the
browser or ダウンロード, through a single-use ticket bound to this session and certificate."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.services import manuals
from chingin_app.state.session import SessionState

MANUAL_KIND = "manual"


class ManualsState(SessionState):
    """The list only; files travel through /dl/<ticket>."""

    manuals: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    open_url: str = ""
    open_title: str = ""

    @rx.event
    def load(self) -> EventSpec | None:
        """Every user may see the manuals of the contract's kind (R-INFO-2: common menu)."""
        info, redirect = self._signed_in()
        if info is None:
            return redirect
        self.open_url = self.open_title = ""
        with session_scope(read_only=True) as db:
            found = manuals.list_manuals(db, contract_kind=info.contract_kind)
        self.manuals = [
            {"id": str(m.manual_id), "title": m.title,
             "registered": dates.date_label(m.registered_at)}
            for m in found
        ]
        return None

    @rx.event
    def view(self, manual_id: str, title: str) -> EventSpec | None:
        """表示: a link that opens the PDF in this tab (no pop-up window, R-ENV-8; no script,
        so the page keeps its strict content security policy)."""
        ticket = self._download_ticket(MANUAL_KIND, manual_id, inline=True)
        if ticket is None:
            return self._guard()
        self.open_url = f"/dl/{ticket}"
        self.open_title = title
        return None

    @rx.event
    def download(self, manual_id: str) -> EventSpec | None:
        """ダウンロード."""
        ticket = self._download_ticket(MANUAL_KIND, manual_id, inline=False)
        if ticket is None:
            return self._guard()
        return rx.download(url=f"/dl/{ticket}")
