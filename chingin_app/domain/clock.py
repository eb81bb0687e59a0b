"""The injectable clock (STYLE §1): every rule that depends on time takes a Clock.

Times are aware datetimes in UTC; `JST` is for display and for rules stated in Japan time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

JST = timezone(timedelta(hours=9), "JST")


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class MovableClock:
    """A fixed time that tests move forward (lockouts, expiry, hours, idle timeouts)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 4, 1, 1, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            raise ValueError("MovableClock needs an aware datetime")

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (or back, with a negative delta)."""
        self.current = self.current + delta

    def set(self, when: datetime) -> None:
        """Jump to an aware datetime."""
        if when.tzinfo is None:
            raise ValueError("naive datetime")
        self.current = when


@dataclass
class OffsetFileClock:
    """Real time plus an offset in seconds read from a file at each call.

    Lets an end-to-end test move a running server's clock (DESIGN §4). Only allowed when
    CHINGIN_ENV=test; see `clock_from_env`.
    """

    path: Path

    def now(self) -> datetime:
        try:
            offset = float(self.path.read_text(encoding="ascii").strip() or "0")
        except FileNotFoundError:
            offset = 0.0
        return datetime.now(UTC) + timedelta(seconds=offset)


def clock_from_env(env: dict[str, str] | None = None) -> Clock:
    """The clock a running process uses: real time, or the test clock file under CHINGIN_ENV=test.

    Raises RuntimeError when a test clock file is configured outside the test environment, so
    production can never run on a moved clock.
    """
    env = dict(os.environ) if env is None else env
    clock_file = env.get("CHINGIN_TEST_CLOCK_FILE")
    if clock_file:
        if env.get("CHINGIN_ENV") != "test":
            raise RuntimeError("CHINGIN_TEST_CLOCK_FILE is only allowed with CHINGIN_ENV=test")
        return OffsetFileClock(Path(clock_file))
    return SystemClock()


def to_jst(when: datetime) -> datetime:
    """Show an aware datetime in Japan time."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return when.astimezone(JST)
