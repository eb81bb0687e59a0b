"""Service hours and maintenance (R-ENV-1, R-ENV-1a)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from chingin_app.domain.clock import JST
from chingin_app.domain.messages import message
from chingin_app.domain.service_hours import (
    MaintenanceWindow,
    ServiceHours,
    hours_status,
    parse_service_hours,
)

BANKDAYS = parse_service_hours("bankdays 08:00-20:00")
ALWAYS = parse_service_hours("always")


def jst(y: int, mo: int, d: int, h: int, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=JST)


# --- the setting ---------------------------------------------------------------------------


def test_r_env_1_parse_service_hours() -> None:
    """DESIGN §2: CHINGIN_SERVICE_HOURS `bankdays 08:00-20:00` in production, `always` for the
    demo."""
    assert BANKDAYS == ServiceHours(always=False, opens=time(8), closes=time(20))
    assert ALWAYS == ServiceHours(always=True)
    assert str(BANKDAYS) == "bankdays 08:00-20:00"
    assert str(ALWAYS) == "always"
    assert parse_service_hours("bankdays 09:30-17:15").closes == time(17, 15)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Always",
        " always",
        "bankdays",
        "bankdays 8:00-20:00",
        "bankdays 08:00-24:00",
        "bankdays 20:00-08:00",
        "bankdays 08:00-08:00",
        "bankdays 08:00 - 20:00",
        "weekdays 08:00-20:00",
        "bankdays 08:60-20:00",
    ],
)
def test_r_env_1_parse_service_hours_refuses_others(text: str) -> None:
    """DESIGN §2: the setting is `bankdays HH:MM-HH:MM` or `always`; anything else is refused."""
    with pytest.raises(ValueError):
        parse_service_hours(text)


# --- [08:00, 20:00) JST on bank business days -----------------------------------------------


@pytest.mark.parametrize(
    ("now", "is_open", "closing_soon"),
    [
        (jst(2026, 5, 7, 7, 59, 59), False, False),
        (jst(2026, 5, 7, 7, 59), False, False),
        (jst(2026, 5, 7, 8, 0), True, False),
        (jst(2026, 5, 7, 12, 0), True, False),
        (jst(2026, 5, 7, 19, 49), True, False),
        (jst(2026, 5, 7, 19, 49, 59), True, False),
        (jst(2026, 5, 7, 19, 50), True, True),
        (jst(2026, 5, 7, 19, 59, 59), True, True),
        (jst(2026, 5, 7, 20, 0), False, False),
        (jst(2026, 5, 7, 23, 0), False, False),
    ],
)
def test_r_env_1a_open_0800_to_2000_on_a_weekday(
    now: datetime, is_open: bool, closing_soon: bool
) -> None:
    """R-ENV-1a: "'open' is [08:00, 20:00) JST on bank business days"."""
    status = hours_status(BANKDAYS, now)
    assert status.open is is_open
    assert status.closing_soon is closing_soon
    if not is_open:
        assert (status.reason, status.message_code) == ("hours", "MSG-HOURS")
        assert status.closes_at is None


def test_r_env_1a_closing_warning_ten_minutes() -> None:
    """R-ENV-1a: "From 10 minutes before closing every screen warns
    (「まもなくご利用時間が終了します（20:00）。」)"."""
    status = hours_status(BANKDAYS, jst(2026, 5, 7, 19, 50))
    assert status.open and status.closing_soon
    assert status.closes_at == jst(2026, 5, 7, 20, 0)
    assert status.message_code == "MSG-HOURS-CLOSING"
    assert message("MSG-HOURS-CLOSING", **status.message_params) == (
        "まもなくご利用時間が終了します（20:00）。"
    )


def test_r_env_1_hours_are_japan_time_whatever_the_zone() -> None:
    """SPEC: "All times … are Japan time (Asia/Tokyo), whatever the server's time zone"."""
    # 2026-05-06 23:30 UTC is Thursday 2026-05-07 08:30 JST.
    assert hours_status(BANKDAYS, datetime(2026, 5, 6, 23, 30, tzinfo=UTC)).open
    # 2026-05-07 10:59 UTC is 19:59 JST.
    assert hours_status(BANKDAYS, datetime(2026, 5, 7, 10, 59, tzinfo=UTC)).closing_soon
    # 2026-05-07 11:00 UTC is 20:00 JST: closed.
    assert not hours_status(BANKDAYS, datetime(2026, 5, 7, 11, 0, tzinfo=UTC)).open


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 5, 9),  # Saturday
        date(2026, 5, 10),  # Sunday
        date(2026, 5, 6),  # 振替休日
        date(2026, 12, 31),  # year-end
        date(2027, 1, 2),  # year-end (Saturday)
        date(2028, 1, 3),  # year-end (Monday)
    ],
)
def test_r_env_1_closed_on_bank_holidays(day: date) -> None:
    """R-ENV-1: "closed Sat, Sun and public holidays (Japanese calendar, including substitute
    holidays) and the bank's year-end days (12/31–1/3)"."""
    status = hours_status(BANKDAYS, datetime.combine(day, time(12), tzinfo=JST))
    assert not status.open
    assert (status.reason, status.message_code) == ("hours", "MSG-HOURS")
    assert message("MSG-HOURS", **status.message_params).startswith(
        "ただいまの時間はご利用いただけません。"
    )


def test_r_env_1a_operator_closure_day() -> None:
    """R-ENV-1a: "One-off closures … are operator commands (`chingin holiday add/remove DATE`)"."""
    noon = jst(2026, 6, 10, 12)
    assert hours_status(BANKDAYS, noon).open
    status = hours_status(BANKDAYS, noon, closed_days={date(2026, 6, 10)})
    assert not status.open and status.reason == "hours"


def test_r_env_1a_naive_now_refused() -> None:
    """STYLE §1: "Datetimes are aware"."""
    with pytest.raises(ValueError):
        hours_status(BANKDAYS, datetime(2026, 5, 7, 12, 0))


# --- maintenance -----------------------------------------------------------------------------

WINDOW = MaintenanceWindow(
    start=jst(2026, 5, 7, 12, 0), end=jst(2026, 5, 7, 13, 30), message="システム更新のため"
)


def test_r_env_1a_maintenance_inside() -> None:
    """R-ENV-1: "Maintenance windows can be set by the operator"; R-ENV-1a MSG-MAINT."""
    status = hours_status(BANKDAYS, jst(2026, 5, 7, 12, 15), maintenance=[WINDOW])
    assert not status.open
    assert (status.reason, status.message_code) == ("maintenance", "MSG-MAINT")
    assert status.message_params["note"] == "システム更新のため"
    assert message("MSG-MAINT", **status.message_params) == (
        "ただいまメンテナンス中のため、ご利用いただけません。（2026/05/07 12:00～2026/05/07 13:30）"
    )


def test_r_env_1a_maintenance_ten_minutes_before() -> None:
    """R-ENV-1a: "From 10 minutes before closing every screen warns"; maintenance closes too."""
    before = hours_status(BANKDAYS, jst(2026, 5, 7, 11, 49), maintenance=[WINDOW])
    assert before.open and not before.closing_soon
    assert before.closes_at == WINDOW.start
    status = hours_status(BANKDAYS, jst(2026, 5, 7, 11, 50), maintenance=[WINDOW])
    assert status.open and status.closing_soon
    assert status.message_params == {"close": "12:00"}


def test_r_env_1a_maintenance_after() -> None:
    """R-ENV-1a: the window ends; the service is open again."""
    status = hours_status(BANKDAYS, jst(2026, 5, 7, 13, 30), maintenance=[WINDOW])
    assert status.open and status.message_code is None
    assert status.closes_at == jst(2026, 5, 7, 20, 0)


def test_r_env_1a_maintenance_window_in_utc_shown_in_jst() -> None:
    """SPEC: times shown are Japan time; MSG-MAINT shows the window as JST."""
    window = MaintenanceWindow(
        start=datetime(2026, 5, 7, 3, 0, tzinfo=UTC), end=datetime(2026, 5, 7, 4, 0, tzinfo=UTC)
    )
    status = hours_status(ALWAYS, datetime(2026, 5, 7, 3, 30, tzinfo=UTC), maintenance=[window])
    assert status.message_params["start"] == "2026/05/07 12:00"
    assert status.message_params["end"] == "2026/05/07 13:00"
    assert status.message_params["note"] == ""


def test_r_env_1a_always_still_closed_during_maintenance() -> None:
    """R-ENV-1: Maintenance windows close the service; the demo's `always` included."""
    sunday_night = MaintenanceWindow(start=jst(2026, 5, 10, 23, 0), end=jst(2026, 5, 11, 1, 0))
    status = hours_status(ALWAYS, jst(2026, 5, 11, 0, 30), maintenance=[sunday_night])
    assert not status.open
    assert status.reason == "maintenance"
    assert status.always


def test_r_env_1_always_open_outside_hours_and_says_so() -> None:
    """DESIGN §2: `always` for the demo, "which says so on screen" (MSG-DEMO-HOURS)."""
    status = hours_status(ALWAYS, jst(2027, 1, 2, 23, 30))
    assert status.open and status.always
    assert status.message_code is None and status.closes_at is None
    assert not status.closing_soon


def test_r_env_1a_always_warns_before_maintenance() -> None:
    """R-ENV-1a: the warning also precedes "the start of maintenance"."""
    status = hours_status(ALWAYS, jst(2026, 5, 7, 11, 55), maintenance=[WINDOW])
    assert status.open and status.closing_soon
    assert status.message_params == {"close": "12:00"}


def test_r_env_1a_maintenance_after_closing_does_not_move_closing() -> None:
    """R-ENV-1a: closing is the earlier of 20:00 and the next maintenance start."""
    late = MaintenanceWindow(start=jst(2026, 5, 7, 21, 0), end=jst(2026, 5, 7, 23, 0))
    status = hours_status(BANKDAYS, jst(2026, 5, 7, 19, 55), maintenance=[late])
    assert status.closes_at == jst(2026, 5, 7, 20, 0)
    assert status.message_params == {"close": "20:00"}


def test_r_env_1a_overlapping_windows_show_the_last_end() -> None:
    """R-ENV-1a: the service reopens only when every active window has ended."""
    second = MaintenanceWindow(start=jst(2026, 5, 7, 13, 0), end=jst(2026, 5, 7, 15, 0))
    status = hours_status(BANKDAYS, jst(2026, 5, 7, 13, 10), maintenance=[WINDOW, second])
    assert status.message_params["start"] == "2026/05/07 12:00"
    assert status.message_params["end"] == "2026/05/07 15:00"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (jst(2026, 5, 7, 13), jst(2026, 5, 7, 12)),
        (jst(2026, 5, 7, 13), jst(2026, 5, 7, 13)),
        (datetime(2026, 5, 7, 12), jst(2026, 5, 7, 13)),
    ],
)
def test_r_env_1a_maintenance_window_must_be_aware_and_ordered(
    start: datetime, end: datetime
) -> None:
    """R-ENV-1a `chingin maintenance add --from --to`: a window ends after it starts."""
    with pytest.raises(ValueError):
        MaintenanceWindow(start=start, end=end)
