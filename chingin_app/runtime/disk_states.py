"""Reflex's disk state manager (one worker without Redis, DESIGN §1) with its expiry scan
once a minute instead of after every batch of deferred writes.

Reflex 0.10 (``reflex/istate/manager/disk.py``, ``_process_write_queue``) lists and stats its
whole states directory each time its write task wakes, and with clerks clicking it wakes
several times a second: at 100 clerks, about 800 state files, that scan took 8 % of the
worker's GIL time (bench/load.py, py-spy ``--gil``; issue 12). The scan only deletes files
untouched for the token expiration (an hour by default), so once a minute finds the same
files a few seconds later. Writing the states is unchanged."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

__all__ = ["PURGE_EVERY_SECONDS", "throttle_expiry_scan"]

#: The least time between two scans of the states directory.
PURGE_EVERY_SECONDS: Final = 60.0


def throttle_expiry_scan(
    every: float = PURGE_EVERY_SECONDS, monotonic: Callable[[], float] = time.monotonic
) -> None:
    """Make ``StateManagerDisk._purge_expired_states`` scan at most once per ``every``
    seconds of ``monotonic`` (the first call scans). Call once per process, before the state
    manager is created; a second call keeps the first one's throttle."""
    from reflex.istate.manager.disk import StateManagerDisk

    scan = StateManagerDisk._purge_expired_states
    if getattr(scan, "chingin_throttled", False):
        return
    last: float | None = None

    def scan_when_due(self: Any) -> None:
        nonlocal last
        now = monotonic()
        if last is not None and now - last < every:
            return
        last = now
        scan(self)

    scan_when_due.chingin_throttled = True  # type: ignore[attr-defined]
    StateManagerDisk._purge_expired_states = scan_when_due  # type: ignore[method-assign]
