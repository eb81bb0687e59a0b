"""The process-memory store: one worker, the embedded default (R-DEP-4). Thread-safe; every
structure is bounded (entries, bytes, keys)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from chingin_app.domain.lockout import SlidingWindowLimiter

#: Expiring values kept at most (tickets: 60 s each, so ~170 a second before the oldest go).
DEFAULT_MAX_ENTRIES = 10_000


class MemoryStore:
    """:class:`~chingin_app.services.stores.SharedStore` in this process's memory.

    ``monotonic`` tells the time lifetimes are measured in (``time.monotonic``; tests pass a
    movable one). At most ``max_entries`` expiring values are kept, the oldest dropped first;
    throttles keep their own key bound (``SlidingWindowLimiter``)."""

    def __init__(
        self,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self._now = monotonic
        self._max_entries = max_entries
        self._expiring: dict[str, tuple[bytes, float]] = {}
        self._pools: dict[str, OrderedDict[str, tuple[bytes, float]]] = {}
        self._pool_bytes: dict[str, int] = {}
        self._throttles: dict[str, SlidingWindowLimiter] = {}
        self._lock = threading.Lock()

    def put_expiring(self, key: str, value: bytes, *, ttl: float) -> None:
        """See ``SharedStore.put_expiring``."""
        now = self._now()
        with self._lock:
            for old in [k for k, (_, exp) in self._expiring.items() if exp <= now]:
                del self._expiring[old]
            self._expiring.pop(key, None)
            while len(self._expiring) >= self._max_entries:
                self._expiring.pop(next(iter(self._expiring)))
            self._expiring[key] = (value, now + ttl)

    def take(self, key: str) -> bytes | None:
        """See ``SharedStore.take``."""
        with self._lock:
            found = self._expiring.pop(key, None)
        if found is None or found[1] <= self._now():
            return None
        return found[0]

    def put_capped(
        self, pool: str, key: str, value: bytes, *, ttl: float, max_bytes: int
    ) -> None:
        """See ``SharedStore.put_capped``."""
        if len(value) > max_bytes:
            raise ValueError("value larger than the whole pool")
        now = self._now()
        with self._lock:
            files = self._pools.setdefault(pool, OrderedDict())
            self._pool_bytes.setdefault(pool, 0)
            self._pool_drop(pool, files, [k for k, (_, exp) in files.items() if exp <= now])
            self._pool_drop(pool, files, [key])
            while files and self._pool_bytes[pool] + len(value) > max_bytes:
                self._pool_drop(pool, files, [next(iter(files))])
            files[key] = (value, now + ttl)
            self._pool_bytes[pool] += len(value)

    def _pool_drop(
        self, pool: str, files: OrderedDict[str, tuple[bytes, float]], keys: list[str]
    ) -> None:
        for key in keys:
            found = files.pop(key, None)
            if found is not None:
                self._pool_bytes[pool] -= len(found[0])

    def get_capped(self, pool: str, key: str) -> bytes | None:
        """See ``SharedStore.get_capped``."""
        with self._lock:
            files = self._pools.get(pool)
            found = None if files is None else files.get(key)
        if found is None or found[1] <= self._now():
            return None
        return found[0]

    def hit(
        self, throttle: str, key: str, *, now: datetime, limit: int, window: timedelta
    ) -> bool:
        """See ``SharedStore.hit``."""
        with self._lock:
            limiter = self._throttles.get(throttle)
            if limiter is None or (limiter.limit, limiter.window) != (limit, window):
                limiter = SlidingWindowLimiter(limit=limit, window=window)
                self._throttles[throttle] = limiter
        return limiter.hit(key, now)

    def clear_throttle(self, throttle: str) -> None:
        """See ``SharedStore.clear_throttle``."""
        with self._lock:
            self._throttles.pop(throttle, None)
