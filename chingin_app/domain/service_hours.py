"""Service hours and maintenance windows (R-ENV-1, R-ENV-1a, Appendix A.3).

The setting ``CHINGIN_SERVICE_HOURS`` (DESIGN §2) is ``bankdays HH:MM-HH:MM`` (production:
``bankdays 08:00-20:00``, open [08:00, 20:00) JST on bank business days) or ``always`` (the demo,
which says so on screen: MSG-DEMO-HOURS). Maintenance windows set by the operator close the
service whatever the setting, ``always`` included. ``hours_status`` says whether a request at
``now`` may proceed, which message a screen shows, and whether the 10-minute closing warning
is due (「まもなくご利用時間が終了します（20:00）。」).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal

from chingin_app.domain import dates
from chingin_app.domain.calendar import is_bank_holiday
from chingin_app.domain.clock import JST, to_jst

__all__ = [
    "CLOSING_WARNING",
    "HoursStatus",
    "MaintenanceWindow",
    "ServiceHours",
    "format_jst_datetime",
    "hours_status",
    "parse_service_hours",
]

#: From this long before closing (or before maintenance starts) every screen warns (R-ENV-1a).
CLOSING_WARNING: Final = timedelta(minutes=10)

_HHMM = r"([01][0-9]|2[0-3]):([0-5][0-9])"
_BANKDAYS_RE: Final = re.compile(rf"bankdays {_HHMM}-{_HHMM}")


@dataclass(frozen=True)
class ServiceHours:
    """The hours policy: ``always`` open, or [opens, closes) JST on bank business days."""

    always: bool
    opens: time | None = None
    closes: time | None = None

    def __post_init__(self) -> None:
        if self.always:
            if self.opens is not None or self.closes is not None:
                raise ValueError("'always' takes no opening times")
        elif self.opens is None or self.closes is None or not self.opens < self.closes:
            raise ValueError("bankdays hours need opens < closes")

    def __str__(self) -> str:
        """The setting string this policy was parsed from."""
        if self.always:
            return "always"
        assert self.opens is not None and self.closes is not None
        return f"bankdays {self.opens:%H:%M}-{self.closes:%H:%M}"


def parse_service_hours(text: str) -> ServiceHours:
    """Parse ``always`` or ``bankdays HH:MM-HH:MM`` (R-ENV-1, DESIGN §2); else ValueError."""
    if text == "always":
        return ServiceHours(always=True)
    match = _BANKDAYS_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"service hours must be 'always' or 'bankdays HH:MM-HH:MM', got {text!r}")
    oh, om, ch, cm = (int(g) for g in match.groups())
    return ServiceHours(always=False, opens=time(oh, om), closes=time(ch, cm))


@dataclass(frozen=True)
class MaintenanceWindow:
    """An operator's maintenance window [start, end) (R-ENV-1a ``chingin maintenance add``).

    ``message`` is the operator's optional note, shown with MSG-MAINT.
    """

    start: datetime
    end: datetime
    message: str | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("maintenance times must be aware datetimes")
        if not self.start < self.end:
            raise ValueError("maintenance must end after it starts")

    def covers(self, when: datetime) -> bool:
        """Whether ``when`` falls inside the window."""
        return self.start <= when < self.end


@dataclass(frozen=True)
class HoursStatus:
    """Whether the service is open at one moment and what screens say (R-ENV-1, R-ENV-1a).

    - closed: ``open`` False, ``reason`` "hours" or "maintenance", ``message_code`` MSG-HOURS
      or MSG-MAINT (params ``start``/``end`` as JST ``YYYY/MM/DD HH:MM``, ``note`` the operator's
      message or "").
    - open and ``closing_soon`` (the last 10 minutes before closing or before a maintenance
      window): ``message_code`` MSG-HOURS-CLOSING, params ``close`` (HH:MM JST).
    - otherwise ``message_code`` None. ``always`` marks the demo setting (MSG-DEMO-HOURS).
    - ``closes_at``: when the current open period ends (closing time or the next maintenance
      start, whichever is first); None when closed, or ``always`` with no maintenance ahead.
    """

    open: bool
    reason: Literal["hours", "maintenance"] | None = None
    message_code: str | None = None
    message_params: dict[str, Any] = field(default_factory=dict)
    closing_soon: bool = False
    always: bool = False
    closes_at: datetime | None = None


def format_jst_datetime(when: datetime) -> str:
    """``YYYY/MM/DD HH:MM`` in Japan time, as screens show times (SPEC "All times … JST")."""
    return dates.datetime_label(to_jst(when))


def hours_status(
    policy: ServiceHours,
    now: datetime,
    *,
    maintenance: Iterable[MaintenanceWindow] = (),
    closed_days: Container[date] = (),
) -> HoursStatus:
    """The service's state at ``now`` (R-ENV-1, R-ENV-1a).

    Open is [opens, closes) JST on a bank business day (Appendix A.3; ``closed_days`` are the
    operator's one-off closures), or any time with ``always``; an active maintenance window
    closes the service in both cases. ``now`` must be aware (ValueError otherwise).
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    windows = list(maintenance)
    active = [w for w in windows if w.covers(now)]
    if active:
        # Overlapping windows: the service reopens only when the last of them ends.
        shown = max(active, key=lambda w: w.end)
        return HoursStatus(
            open=False,
            reason="maintenance",
            message_code="MSG-MAINT",
            message_params={
                "start": format_jst_datetime(min(w.start for w in active)),
                "end": format_jst_datetime(shown.end),
                "note": shown.message or "",
            },
            always=policy.always,
        )

    local = to_jst(now)
    closes_at: datetime | None = None
    if not policy.always:
        assert policy.opens is not None and policy.closes is not None
        day = local.date()
        if (
            is_bank_holiday(day, extra_closed=closed_days)
            or not policy.opens <= local.time() < policy.closes
        ):
            return HoursStatus(
                open=False,
                reason="hours",
                message_code="MSG-HOURS",
                message_params={
                    "open": f"{policy.opens:%H:%M}",
                    "close": f"{policy.closes:%H:%M}",
                },
            )
        closes_at = datetime.combine(day, policy.closes, tzinfo=JST)

    upcoming = [w.start for w in windows if w.start > now]
    if upcoming:
        first = min(upcoming)
        if closes_at is None or first < closes_at:
            closes_at = first

    closing_soon = closes_at is not None and closes_at - now <= CLOSING_WARNING
    if closing_soon:
        assert closes_at is not None
        return HoursStatus(
            open=True,
            message_code="MSG-HOURS-CLOSING",
            message_params={"close": f"{to_jst(closes_at):%H:%M}"},
            closing_soon=True,
            always=policy.always,
            closes_at=closes_at,
        )
    return HoursStatus(open=True, always=policy.always, closes_at=closes_at)
