"""The bank calendar (SPEC Appendix A.3, R-ENV-1).

Bank holidays: Saturdays, Sundays, Japanese national holidays including substitute holidays
(振替休日) and 国民の休日, the year-end days 12/31–1/3 (労働金庫法施行令 6条), and one-off
closures the operator sets (``chingin holiday add DATE``, R-ENV-1a), passed in as
``extra_closed``. ``holidays.Japan`` plus the year-end rule gives the same days as
``holidays.financial_holidays("XJPX")`` (checked in the unit tests); the explicit rule keeps
the year-end closure independent of the exchange's calendar.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Final

import holidays

__all__ = [
    "add_business_days",
    "is_bank_holiday",
    "is_business_day",
    "is_year_end_closure",
    "national_holidays",
    "next_business_day",
    "previous_business_day",
]

# Guard against a closure list that leaves no business day at all (a bug, not a rule).
_MAX_CLOSED_RUN: Final = 366


@lru_cache(maxsize=64)
def national_holidays(year: int) -> frozenset[date]:
    """Japan's national holidays of ``year``, substitute holidays included (Appendix A.3)."""
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def _check_date(d: date) -> None:
    # A datetime is a date subclass, but its day depends on the time zone: callers convert to
    # JST first and pass the date.
    if isinstance(d, datetime):
        raise ValueError("pass a date (the day in Japan time), not a datetime")


def is_year_end_closure(d: date) -> bool:
    """12/31–1/3, the bank's year-end days (Appendix A.3)."""
    return (d.month == 12 and d.day == 31) or (d.month == 1 and d.day <= 3)


def is_bank_holiday(d: date, *, extra_closed: Container[date] = ()) -> bool:
    """Whether the bank is closed on ``d`` (Appendix A.3, R-ENV-1).

    ``extra_closed`` holds the operator's one-off closures (R-ENV-1a).
    """
    _check_date(d)
    return (
        d.weekday() >= 5
        or is_year_end_closure(d)
        or d in national_holidays(d.year)
        or d in extra_closed
    )


def is_business_day(d: date, *, extra_closed: Container[date] = ()) -> bool:
    """A bank business day: not a bank holiday (Appendix A.3)."""
    return not is_bank_holiday(d, extra_closed=extra_closed)


def _step(d: date, direction: int, extra_closed: Container[date]) -> date:
    """The nearest business day strictly after (``direction`` 1) or before (-1) ``d``."""
    for _ in range(_MAX_CLOSED_RUN):
        d += timedelta(days=direction)
        if not is_bank_holiday(d, extra_closed=extra_closed):
            return d
    raise ValueError(f"no bank business day within {_MAX_CLOSED_RUN} days of {d}")


def next_business_day(
    d: date, *, extra_closed: Container[date] = (), inclusive: bool = False
) -> date:
    """The first bank business day after ``d`` (Appendix A.3).

    With ``inclusive=True``, ``d`` itself when it is a business day (a date that falls on a
    holiday moves to the next business day).
    """
    _check_date(d)
    if inclusive and not is_bank_holiday(d, extra_closed=extra_closed):
        return d
    return _step(d, 1, extra_closed)


def previous_business_day(
    d: date, *, extra_closed: Container[date] = (), inclusive: bool = False
) -> date:
    """The last bank business day before ``d`` (or ``d`` itself with ``inclusive=True``)."""
    _check_date(d)
    if inclusive and not is_bank_holiday(d, extra_closed=extra_closed):
        return d
    return _step(d, -1, extra_closed)


def add_business_days(d: date, n: int, *, extra_closed: Container[date] = ()) -> date:
    """``d`` moved by ``n`` bank business days (Appendix A.3 deadlines).

    Counting starts from ``d`` whether or not it is a business day: ``n=1`` is the next
    business day after ``d``, ``n=-4`` the 4th business day before it (e.g. the last day to
    make a 財形 預入依頼書 for an 入金予定日), ``n=0`` is ``d`` itself.
    """
    _check_date(d)
    direction = 1 if n > 0 else -1
    for _ in range(abs(n)):
        d = _step(d, direction, extra_closed)
    return d
