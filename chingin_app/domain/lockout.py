"""Lockout policy (SPEC R-LOCK-1, R-LOCK-2, R-LOCK-3, R-LOCK-5) and the per-IP throttle for
pages reachable without a certificate (R-LOCK-5 "throttled per IP").

Pure rules over a ``LockState`` snapshot: the services read the counters under a row lock,
ask ``gate`` whether an attempt may be checked at all, and write back what ``after_failure``
or ``after_success`` return. The same rules serve a user's login (R-LOCK-1/2) and a contract's
initial password at master registration (R-LOCK-3).

Counting (R-LOCK-5): the 6th consecutive failure locks for 60 minutes and restarts the
consecutive count; the lock lifts by itself at ``locked_until`` (an attempt at exactly that
instant is checked again); the 3rd lock blocks until the bank initialises (R-OPS-2); attempts
during a lock or a block are refused before the password is checked and are not counted; a
success resets the consecutive count and the lock count.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from chingin_app.domain.clock import to_jst
from chingin_app.domain.result import Err

__all__ = [
    "INITIAL_PASSWORD_THROTTLE_LIMIT",
    "INITIAL_PASSWORD_THROTTLE_WINDOW",
    "LOCKS_BEFORE_BLOCK",
    "LOCK_DURATION",
    "MAX_CONSECUTIVE_FAILURES",
    "Gate",
    "LockState",
    "Outcome",
    "SlidingWindowLimiter",
    "Verifier",
    "after_failure",
    "after_success",
    "gate",
    "refusal",
    "unlock_at_text",
]

#: The shape of ``services.passwords.verify_secret`` (stored hash or None, typed secret). The
#: services take one as an argument so tests can count argon2 work (R-LOCK-5 "same work").
Verifier = Callable[[str | None, str], bool]

#: R-LOCK-1: the 6th consecutive wrong password locks.
MAX_CONSECUTIVE_FAILURES: Final = 6
#: R-LOCK-1: the lock lifts by itself after 60 minutes.
LOCK_DURATION: Final = timedelta(minutes=60)
#: R-LOCK-2: the 3rd lock blocks.
LOCKS_BEFORE_BLOCK: Final = 3

#: R-LOCK-5 per-IP throttle of マスターユーザーの初期登録 (契約番号 + 初期パスワード): at most 30
#: attempts per IP address in any 10 minutes. A person mistyping needs a handful; a script
#: trying contract numbers is slowed to 180 an hour per address.
INITIAL_PASSWORD_THROTTLE_LIMIT: Final = 30
INITIAL_PASSWORD_THROTTLE_WINDOW: Final = timedelta(minutes=10)


class Gate(StrEnum):
    """Whether an attempt may be checked at all (R-LOCK-5: refused before the password)."""

    OPEN = "open"
    LOCKED = "locked"
    BLOCKED = "blocked"


class Outcome(StrEnum):
    """What one counted failure did."""

    COUNTED = "counted"  # below the limit
    LOCKED = "locked"  # this failure locked (R-LOCK-1)
    BLOCKED = "blocked"  # this failure made the 3rd lock: blocked (R-LOCK-2)


@dataclass(frozen=True)
class LockState:
    """The counters of one user (login) or one contract (initial password)."""

    failure_count: int = 0
    locked_until: datetime | None = None
    lock_count: int = 0
    blocked: bool = False


def gate(state: LockState, now: datetime) -> Gate:
    """BLOCKED while blocked; LOCKED while ``now < locked_until``; otherwise OPEN (R-LOCK-5)."""
    if state.blocked:
        return Gate.BLOCKED
    if state.locked_until is not None and now < state.locked_until:
        return Gate.LOCKED
    return Gate.OPEN


def refusal(state: LockState, now: datetime) -> Err | None:
    """What the user is told when ``gate`` is not open, before any password is looked at
    (R-LOCK-5): MSG-BLOCKED, or MSG-LOCKED with the unlock time; None when open. For the
    pages that know who is signing in (the login page, the operator console)."""
    match gate(state, now):
        case Gate.BLOCKED:
            return Err("MSG-BLOCKED")
        case Gate.LOCKED:
            assert state.locked_until is not None
            return Err("MSG-LOCKED", None, {"unlock_at": unlock_at_text(state.locked_until)})
        case Gate.OPEN:
            return None


def after_failure(state: LockState, now: datetime) -> tuple[LockState, Outcome]:
    """The counters after one wrong password that passed ``gate`` (R-LOCK-1, R-LOCK-2).

    Raises ValueError when the gate is not open: such attempts are never counted (R-LOCK-5).
    """
    if gate(state, now) is not Gate.OPEN:
        raise ValueError("attempts during a lock or a block are not counted (R-LOCK-5)")
    failures = state.failure_count + 1
    if failures < MAX_CONSECUTIVE_FAILURES:
        # A lock that has run out is forgotten here; its lock_count stays (R-LOCK-2).
        return replace(state, failure_count=failures, locked_until=None), Outcome.COUNTED
    locks = state.lock_count + 1
    if locks >= LOCKS_BEFORE_BLOCK:
        return (
            LockState(failure_count=0, locked_until=None, lock_count=locks, blocked=True),
            Outcome.BLOCKED,
        )
    return (
        LockState(failure_count=0, locked_until=now + LOCK_DURATION, lock_count=locks),
        Outcome.LOCKED,
    )


def after_success(state: LockState) -> LockState:
    """A correct password resets the consecutive count and the lock count (R-LOCK-1, R-LOCK-5).

    Only reachable through an open gate, so a block is never lifted here (R-LOCK-2: the bank
    does that)."""
    return LockState(failure_count=0, locked_until=None, lock_count=0, blocked=state.blocked)


def unlock_at_text(locked_until: datetime) -> str:
    """``HH:MM`` in Japan time for MSG-LOCKED; rounded up to the minute, so a user who comes
    back at the time shown is never refused again."""
    jst = to_jst(locked_until)
    if jst.second or jst.microsecond:
        jst = jst.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return jst.strftime("%H:%M")


class SlidingWindowLimiter:
    """At most ``limit`` hits per key in any ``window`` (R-LOCK-5 "throttled per IP").

    In-process and thread-safe: the process-memory counter of ``services.stores`` (one
    worker); with Redis the same rule runs as a script shared by every worker (R-DEP-4).
    Memory is bounded: at most ``max_keys`` keys are kept, the least recently hit dropped
    first.
    """

    def __init__(self, *, limit: int, window: timedelta, max_keys: int = 100_000) -> None:
        if limit < 1 or window <= timedelta(0) or max_keys < 1:
            raise ValueError("limit, window and max_keys must be positive")
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: datetime) -> bool:
        """Record one attempt by ``key`` at ``now``; False when it is over the limit (a refused
        attempt is not recorded, so waiting always helps)."""
        with self._lock:
            hits = self._hits.pop(key, None)
            if hits is None:
                hits = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            allowed = len(hits) < self.limit
            if allowed:
                hits.append(now)
            self._hits[key] = hits  # re-inserted: dict order is recency
            while len(self._hits) > self.max_keys:
                del self._hits[next(iter(self._hits))]
            return allowed

    def clear(self) -> None:
        """Forget every window."""
        with self._lock:
            self._hits.clear()
