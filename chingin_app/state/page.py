"""The state every screen shares: service-hours notices and the certificate facts the gate
verified. Thin: it asks services and sets vars."""

from __future__ import annotations

import reflex as rx

from chingin_app.services import hours
from chingin_app.services.cert_gate import H_CLIENT_IP, CertFacts
from chingin_app.services.context import app_clock


class PageState(rx.State):
    """Base of every screen's state."""

    hours_closed: bool = False
    hours_text: str = ""
    hours_warning: str = ""
    demo_notice: str = ""

    def _cert_facts(self) -> CertFacts:
        """What the certificate gate verified for this connection (R-CERT-10)."""
        return CertFacts.from_headers(dict(self.router.headers.raw_headers))

    def _client_ip(self) -> str | None:
        """The client's address as nginx saw it (never a header the client set, R-SEC-1)."""
        return self.router.headers.raw_headers.get(H_CLIENT_IP) or None

    def _refresh_hours(self) -> bool:
        """Update the hours notices; returns True while the service is open (R-ENV-1a)."""
        notice = hours.notice(hours.current_status(app_clock()))
        self.hours_closed = notice.closed
        self.hours_text = notice.closed_text
        self.hours_warning = notice.warning_text
        self.demo_notice = notice.demo_text
        return not notice.closed
