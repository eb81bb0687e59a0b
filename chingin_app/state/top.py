"""トップ画面 (R-ENV-5)."""

from __future__ import annotations

import reflex as rx

from chingin_app.state.page import PageState


class TopState(PageState):
    """Shows which certificate, if any, this browser presented."""

    cert_user: str = ""

    @rx.event
    def load(self) -> None:
        """Page load: hours and the certificate's owner (only a current one counts)."""
        if not self._refresh_hours():
            self.cert_user = ""
            return
        facts = self._cert_facts()
        self.cert_user = facts.subject or "" if facts.usable else ""
