"""The injected clock (DESIGN §4): production can never run on a moved clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chingin_app.domain.clock import MovableClock, OffsetFileClock, SystemClock, clock_from_env


def test_test_clock_file_refused_outside_the_test_environment(tmp_path: Path) -> None:
    for env in ("production", "demo", ""):
        with pytest.raises(RuntimeError):
            clock_from_env({"CHINGIN_ENV": env, "CHINGIN_TEST_CLOCK_FILE": str(tmp_path / "c")})


def test_clock_from_env_is_real_time_without_a_clock_file() -> None:
    assert isinstance(clock_from_env({"CHINGIN_ENV": "production"}), SystemClock)


def test_offset_file_clock_moves_a_running_server(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = clock_from_env({"CHINGIN_ENV": "test", "CHINGIN_TEST_CLOCK_FILE": str(path)})
    assert isinstance(clock, OffsetFileClock)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)  # no file yet: no offset
    path.write_text(str(3 * 86400))
    assert timedelta(days=3) - timedelta(seconds=5) < clock.now() - datetime.now(UTC)


def test_movable_clock_refuses_naive_times() -> None:
    clock = MovableClock()
    clock.advance(timedelta(minutes=61))
    assert clock.now() == datetime(2026, 4, 1, 2, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 4, 1))
    with pytest.raises(ValueError):
        MovableClock(datetime(2026, 4, 1))
