"""Process-wide collaborators for the running service: the clock."""

from __future__ import annotations

from functools import lru_cache

from chingin_app.domain.clock import Clock, clock_from_env


@lru_cache(maxsize=1)
def app_clock() -> Clock:
    """The clock of this process (real time, or the test clock file under CHINGIN_ENV=test)."""
    return clock_from_env()
