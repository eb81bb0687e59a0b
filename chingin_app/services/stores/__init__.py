"""Stores that outlive one request but not the service: download tickets, prepared files and
the per-IP throttles (SPEC R-DEP-4; DESIGN §1 "Production and scale").

One interface, :class:`SharedStore`, with two implementations, chosen once per process from the
settings by :func:`shared`:

* :class:`MemoryStore` (``_memory.py``) — process memory: one worker, the embedded default
  (no ``CHINGIN_REDIS_URL``).
* :class:`RedisStore` (``_redis.py``) — Redis at ``CHINGIN_REDIS_URL``: every worker, and every
  VM using the same Redis, sees the same tickets, files and windows, so a download may land on
  another worker than the screen that made it, and an address gets one throttle however many
  workers it reaches.

The store knows bytes, keys and lifetimes only; what a value means stays with its area:
``services.download_tickets`` (single use, 60 s, stored hashed), ``services.prepared_files``
(the tenant check at fetch) and :class:`Throttle` here (the R-LOCK-5 rule of
``domain.lockout``). Tab-token bindings (R-SEC-3) live in the database
(``services.tab_bindings``), not here.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Final, Protocol

from chingin_app.services.stores._memory import MemoryStore
from chingin_app.services.stores._redis import RedisStore
from chingin_app.settings import settings

__all__ = [
    "MemoryStore", "RedisStore", "SharedStore", "Throttle", "reset_shared", "shared",
]


class SharedStore(Protocol):
    """What the areas ask of a store (R-DEP-4). Keys are the caller's; values are bytes.

    Lifetimes are in seconds. A memory store measures them on its own (injectable) clock; Redis
    measures them itself, so they hold across workers."""

    def put_expiring(self, key: str, value: bytes, *, ttl: float) -> None:
        """Keep ``value`` under ``key`` for ``ttl`` seconds (Redis ``SET … PX``)."""
        ...

    def take(self, key: str) -> bytes | None:
        """The value under ``key``, removed in the same step, so that only one caller ever
        gets it (Redis ``GETDEL``); None when unknown, taken already or expired."""
        ...

    def put_capped(
        self, pool: str, key: str, value: bytes, *, ttl: float, max_bytes: int
    ) -> None:
        """Keep ``value`` in ``pool`` for ``ttl`` seconds. The pool holds at most ``max_bytes``
        in all: the oldest values leave first to make room; a value larger than that alone is
        refused (ValueError)."""
        ...

    def get_capped(self, pool: str, key: str) -> bytes | None:
        """A value of ``pool`` while it is kept (any number of times); None otherwise."""
        ...

    def hit(
        self, throttle: str, key: str, *, now: datetime, limit: int, window: timedelta
    ) -> bool:
        """Record one attempt by ``key`` at ``now`` in ``throttle``'s sliding window; False
        when ``key`` already has ``limit`` attempts in the ``window`` before ``now`` (a refused
        attempt is not recorded, so waiting always helps; R-LOCK-5)."""
        ...

    def clear_throttle(self, throttle: str) -> None:
        """Forget every window of ``throttle``."""
        ...


#: Held while the store is chosen: two threads' first uses must not make two memory stores
#: (a ticket issued into one would be unknown to the other).
_CHOOSING: Final = threading.Lock()


@lru_cache(maxsize=1)
def _chosen() -> SharedStore:
    url = settings().redis_url
    if url:
        return RedisStore.from_url(url)
    return MemoryStore()


def shared() -> SharedStore:
    """The process's store: Redis when ``CHINGIN_REDIS_URL`` is set, else process memory
    (R-DEP-4). Chosen at the first use and kept for the process."""
    with _CHOOSING:
        return _chosen()


def reset_shared() -> None:
    """Forget the chosen store, so the next use chooses again (tests that change settings)."""
    with _CHOOSING:
        _chosen.cache_clear()


class Throttle:
    """A named per-key sliding window (R-LOCK-5 "throttled per IP") kept in the shared store,
    so with several workers an address gets ``limit`` attempts in all, not per worker
    (R-DEP-4).

    ``store`` is for tests; by default the process's store is looked up at each use."""

    def __init__(
        self, name: str, *, limit: int, window: timedelta, store: SharedStore | None = None
    ) -> None:
        if limit < 1 or window <= timedelta(0):
            raise ValueError("limit and window must be positive")
        self.name = name
        self.limit = limit
        self.window = window
        self._store = store

    def _backend(self) -> SharedStore:
        return self._store if self._store is not None else shared()

    def hit(self, key: str, now: datetime) -> bool:
        """Record one attempt by ``key`` at ``now``; False when it is over the limit."""
        return self._backend().hit(self.name, key, now=now, limit=self.limit, window=self.window)

    def clear(self) -> None:
        """Forget every window of this throttle."""
        self._backend().clear_throttle(self.name)
