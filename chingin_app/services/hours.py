"""Is the service open now? (R-ENV-1, R-ENV-1a) — the policy from settings plus the operator's
maintenance windows and one-off closures from the database."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime

from chingin_app.db import session_scope
from chingin_app.domain.clock import Clock
from chingin_app.domain.messages import message
from chingin_app.domain.service_hours import (
    HoursStatus,
    MaintenanceWindow,
    hours_status,
    parse_service_hours,
)
from chingin_app.services.service_calendar import current_calendar
from chingin_app.settings import settings

# The calendar changes only by operator command; re-reading it every 30 s keeps page loads off
# the database while a new maintenance window still takes effect within half a minute.
_CACHE_SECONDS = 30.0
_lock = threading.Lock()
_cache: tuple[float, list[MaintenanceWindow], set[date]] | None = None


def _calendar(now: datetime) -> tuple[list[MaintenanceWindow], set[date]]:
    global _cache
    with _lock:
        if _cache is not None and time.monotonic() - _cache[0] < _CACHE_SECONDS:
            return _cache[1], _cache[2]
    with session_scope(read_only=True) as db:
        windows, closed = current_calendar(db, now=now)
    with _lock:
        _cache = (time.monotonic(), list(windows), set(closed))
    return list(windows), set(closed)


def forget_cached_calendar() -> None:
    """Drop the cached calendar (after an operator change in the same process, and in tests)."""
    global _cache
    with _lock:
        _cache = None


def current_status(clock: Clock) -> HoursStatus:
    """The service-hours status at the clock's now."""
    now = clock.now()
    windows, closed = _calendar(now)
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
