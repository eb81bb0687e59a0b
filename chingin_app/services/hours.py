"""Is the service open now? (R-ENV-1, R-ENV-1a) — the policy from settings plus the operator's
maintenance windows and one-off closures (``service_calendar.cached_calendar``)."""

from __future__ import annotations

from dataclasses import dataclass

from chingin_app.domain.clock import Clock
from chingin_app.domain.messages import message
from chingin_app.domain.service_hours import (
    HoursStatus,
    hours_status,
    parse_service_hours,
)
from chingin_app.services.service_calendar import cached_calendar
from chingin_app.settings import settings


def current_status(clock: Clock) -> HoursStatus:
    """The service-hours status at the clock's now."""
    now = clock.now()
    windows, closed = cached_calendar(now)
    return hours_status(
        parse_service_hours(settings().service_hours), now, maintenance=windows, closed_days=closed
    )


@dataclass(frozen=True)
class HoursNotice:
    """What a screen shows about service hours: closed text, closing warning, demo notice."""

    closed: bool
    closed_text: str
    warning_text: str
    demo_text: str


def notice(status: HoursStatus) -> HoursNotice:
    """Turn a status into the texts a screen shows (appendix B wording)."""
    closed_text = (
        message(status.message_code, **status.message_params)
        if not status.open and status.message_code
        else ""
    )
    warning = (
        message("MSG-HOURS-CLOSING", **status.message_params)
        if status.open and status.closing_soon
        else ""
    )
    demo = message("MSG-DEMO-HOURS") if status.always and status.open else ""
    return HoursNotice(not status.open, closed_text, warning, demo)
