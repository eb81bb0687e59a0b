"""The bank calendar (Appendix A.3, R-ENV-1)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest

from chingin_app.domain.calendar import (
    add_business_days,
    is_bank_holiday,
    is_business_day,
    next_business_day,
    previous_business_day,
)
from chingin_app.domain.clock import JST


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (date(2026, 5, 1), False),  # Friday
        (date(2026, 5, 2), True),  # Saturday
        (date(2026, 5, 3), True),  # Sunday, 憲法記念日
        (date(2026, 5, 4), True),  # みどりの日
        (date(2026, 5, 5), True),  # こどもの日
        (date(2026, 5, 6), True),  # 振替休日 (Wednesday)
        (date(2026, 5, 7), False),
        (date(2026, 9, 22), True),  # 国民の休日 between 敬老の日 and 秋分の日
        (date(2026, 12, 30), False),
        (date(2026, 12, 31), True),  # Thursday, year-end
        (date(2027, 1, 1), True),
        (date(2027, 1, 2), True),
        (date(2027, 1, 3), True),
        (date(2027, 1, 4), False),
        (date(2024, 12, 31), True),  # Tuesday, year-end
        (date(2025, 1, 3), True),  # Friday, year-end
    ],
)
def test_a3_bank_holidays(day: date, closed: bool) -> None:
    """Appendix A.3: "Bank holidays: Saturdays, Sundays, national holidays (including substitute
    holidays) and 12/31–1/3"."""
    assert is_bank_holiday(day) is closed
    assert is_business_day(day) is not closed


def test_a3_operator_one_off_closure() -> None:
    """R-ENV-1a: one-off closures are operator commands (`chingin holiday add DATE`)."""
    closure = {date(2026, 6, 10)}
    assert is_bank_holiday(date(2026, 6, 10), extra_closed=closure)
    assert not is_bank_holiday(date(2026, 6, 10))


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028])
def test_a3_same_days_as_xjpx(year: int) -> None:
    """Appendix A.3: "`holidays.financial_holidays('XJPX')` or `jpholiday` plus the year-end rule
    give the same days"."""
    xjpx = holidays.financial_holidays("XJPX", years=year)
    day = date(year, 1, 1)
    while day.year == year:
        exchange_closed = day.weekday() >= 5 or day in xjpx
        assert is_bank_holiday(day) is exchange_closed, day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 5, 1), 1, date(2026, 5, 7)),  # over the weekend and ゴールデンウィーク
        (date(2026, 5, 1), 2, date(2026, 5, 8)),
        (date(2026, 4, 30), 3, date(2026, 5, 8)),
        (date(2026, 5, 7), -1, date(2026, 5, 1)),
        (date(2026, 5, 11), -4, date(2026, 4, 30)),  # 財形 預入依頼書: 4 business days before
        (date(2026, 5, 2), 1, date(2026, 5, 7)),  # counting from a holiday
        (date(2026, 5, 2), 0, date(2026, 5, 2)),
        (date(2026, 12, 30), 1, date(2027, 1, 4)),  # over the year end
        (date(2027, 1, 4), -1, date(2026, 12, 30)),
    ],
)
def test_a3_add_business_days(start: date, n: int, expected: date) -> None:
    """Appendix A.3: "Business-day arithmetic is needed for deadlines (e.g. a 財形 預入依頼書 can
    be made until 4 bank business days before the 入金予定日"."""
    assert add_business_days(start, n) == expected


def test_a3_add_business_days_skips_operator_closure() -> None:
    """R-ENV-1a one-off closures count as bank holidays in deadline arithmetic."""
    assert add_business_days(date(2026, 6, 9), 1, extra_closed={date(2026, 6, 10)}) == date(
        2026, 6, 11
    )


def test_a3_next_and_previous_business_day() -> None:
    """Appendix A.3 business-day arithmetic."""
    assert next_business_day(date(2026, 5, 1)) == date(2026, 5, 7)
    assert next_business_day(date(2026, 5, 7)) == date(2026, 5, 8)
    assert next_business_day(date(2026, 5, 7), inclusive=True) == date(2026, 5, 7)
    assert next_business_day(date(2026, 5, 3), inclusive=True) == date(2026, 5, 7)
    assert previous_business_day(date(2026, 5, 7)) == date(2026, 5, 1)
    assert previous_business_day(date(2027, 1, 2), inclusive=True) == date(2026, 12, 30)


def test_a3_datetime_refused() -> None:
    """SPEC: days are Japan-time days; a datetime must be converted to a JST date first."""
    with pytest.raises(ValueError, match="date"):
        is_bank_holiday(datetime(2026, 5, 6, 9, 0, tzinfo=JST))
