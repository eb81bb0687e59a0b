"""Process-wide collaborators for the running service: the clock, and the tests' delay hook."""

from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import Final

from chingin_app.domain.clock import Clock, clock_from_env
from chingin_app.settings import settings


@lru_cache(maxsize=1)
def app_clock() -> Clock:
    """The clock of this process (real time, or the test clock file under CHINGIN_ENV=test)."""
    return clock_from_env()


#: ``CHINGIN_TEST_DELAY_<HOOK>=SECONDS`` (``CHINGIN_ENV=test`` only): see :func:`test_delay`.
TEST_DELAY_ENV: Final = "CHINGIN_TEST_DELAY_"


def test_delay(hook: str) -> None:
    """Under ``CHINGIN_ENV=test`` only, make the work named ``hook`` take the seconds
    ``CHINGIN_TEST_DELAY_<HOOK>`` says: the e2e tests make an import's apply outlast Reflex's
    10 s state lock (R-DEP-4) without a file of millions of rows. Does nothing anywhere else
    (production and the demo never read the variable)."""
    if settings().env != "test":
        return
    seconds = os.environ.get(TEST_DELAY_ENV + hook.upper())
    if seconds:
        time.sleep(float(seconds))  # simulates slow work, not the passing of business time
