"""Lockout rules as pure functions (SPEC R-LOCK-1, R-LOCK-2, R-LOCK-3, R-LOCK-5) and the
per-IP throttle of pages without a certificate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chingin_app.domain import lockout
from chingin_app.domain.lockout import Gate, LockState, Outcome
from chingin_app.domain.result import Err

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 10:00 JST


def _fail(state: LockState, times: int, now: datetime = NOW) -> tuple[LockState, Outcome]:
    outcome = Outcome.COUNTED
    for _ in range(times):
        state, outcome = lockout.after_failure(state, now)
    return state, outcome


def test_r_lock_1_sixth_consecutive_failure_locks_for_60_minutes() -> None:
    """R-LOCK-1 "6 consecutive wrong passwords lock the user … the lock lifts by itself after
    60 minutes"."""
    state, outcome = _fail(LockState(), 5)
    assert (state.failure_count, outcome, lockout.gate(state, NOW)) == (5, Outcome.COUNTED,
                                                                        Gate.OPEN)
    state, outcome = lockout.after_failure(state, NOW)
    assert outcome is Outcome.LOCKED
    assert state == LockState(failure_count=0, locked_until=NOW + timedelta(minutes=60),
                              lock_count=1)
    assert lockout.gate(state, NOW + timedelta(minutes=59, seconds=59)) is Gate.LOCKED
    assert lockout.gate(state, NOW + timedelta(minutes=60)) is Gate.OPEN


def test_r_lock_5_attempts_during_a_lock_are_not_counted() -> None:
    """R-LOCK-5 "attempts during a lock are refused before the password is checked and are not
    counted": the rules refuse to count one."""
    locked, _ = _fail(LockState(), 6)
    with pytest.raises(ValueError, match="not counted"):
        lockout.after_failure(locked, NOW + timedelta(minutes=30))
    blocked = LockState(lock_count=3, blocked=True)
    with pytest.raises(ValueError, match="not counted"):
        lockout.after_failure(blocked, NOW)


def test_r_lock_2_third_lock_blocks() -> None:
    """R-LOCK-2 "The 3rd lock makes the user blocked … no login until the bank initialises"."""
    state, _ = _fail(LockState(), 6)
    state, outcome = _fail(state, 6, NOW + timedelta(minutes=60))
    assert (outcome, state.lock_count) == (Outcome.LOCKED, 2)
    later = NOW + timedelta(minutes=120)
    state, outcome = _fail(state, 6, later)
    assert outcome is Outcome.BLOCKED
    assert state.blocked and state.lock_count == 3 and state.locked_until is None
    assert lockout.gate(state, later + timedelta(days=365)) is Gate.BLOCKED


def test_r_lock_5_success_resets_count_and_lock_count() -> None:
    """R-LOCK-5 "a successful login resets the consecutive-failure count and the lock count"."""
    state, _ = _fail(LockState(), 6)
    state, _ = _fail(state, 3, NOW + timedelta(minutes=61))
    assert (state.failure_count, state.lock_count) == (3, 1)
    assert lockout.after_success(state) == LockState()


def test_r_lock_1_count_after_a_lock_restarts_at_zero() -> None:
    """R-LOCK-1: after the lock lifts, six more consecutive failures are needed to lock again."""
    state, _ = _fail(LockState(), 6)
    state, outcome = _fail(state, 5, NOW + timedelta(minutes=60))
    assert (outcome, state.failure_count, state.locked_until) == (Outcome.COUNTED, 5, None)


def test_success_never_lifts_a_block() -> None:
    """R-LOCK-2: only the bank lifts a block (R-OPS-2b)."""
    assert lockout.after_success(LockState(lock_count=3, blocked=True)).blocked


@pytest.mark.parametrize(
    ("locked_until", "shown"),
    [
        (datetime(2026, 4, 1, 2, 0, tzinfo=UTC), "11:00"),
        (datetime(2026, 4, 1, 2, 0, 1, tzinfo=UTC), "11:01"),
        (datetime(2026, 4, 1, 14, 59, 30, tzinfo=UTC), "00:00"),
    ],
)
def test_r_lock_1_unlock_time_in_jst_rounded_up(locked_until: datetime, shown: str) -> None:
    """MSG-LOCKED shows {HH:MM} in Japan time; never earlier than the lock really ends."""
    assert lockout.unlock_at_text(locked_until) == shown


def test_r_lock_5_gate_refusal_names_lock_or_block() -> None:
    """R-LOCK-5: the login page "answers specifically: MSG-LOCKED (with the unlock time),
    MSG-BLOCKED"; an open gate refuses nothing."""
    assert lockout.gate_refusal(LockState(failure_count=5), NOW) is None
    locked = LockState(locked_until=NOW + timedelta(minutes=30), lock_count=1)
    assert lockout.gate_refusal(locked, NOW) == Err("MSG-LOCKED", None, {"unlock_at": "10:30"})
    assert lockout.gate_refusal(locked, NOW + timedelta(minutes=30)) is None
    blocked = LockState(locked_until=NOW + timedelta(minutes=30), lock_count=3, blocked=True)
    assert lockout.gate_refusal(blocked, NOW) == Err("MSG-BLOCKED")


def test_r_lock_5_throttle_per_ip_sliding_window() -> None:
    """R-LOCK-5 "pages reachable without a certificate … are throttled per IP": 30 attempts in
    any 10 minutes; refused attempts are not recorded, so waiting always helps."""
    limiter = lockout.SlidingWindowLimiter(
        limit=lockout.INITIAL_PASSWORD_THROTTLE_LIMIT,
        window=lockout.INITIAL_PASSWORD_THROTTLE_WINDOW,
    )
    assert (lockout.INITIAL_PASSWORD_THROTTLE_LIMIT,
            lockout.INITIAL_PASSWORD_THROTTLE_WINDOW) == (30, timedelta(minutes=10))
    for i in range(30):
        assert limiter.hit("192.0.2.1", NOW + timedelta(seconds=i))
    assert not limiter.hit("192.0.2.1", NOW + timedelta(minutes=5))
    assert limiter.hit("192.0.2.2", NOW + timedelta(minutes=5))  # another address
    # The first hit leaves the window exactly 10 minutes after it was made.
    assert not limiter.hit("192.0.2.1", NOW + timedelta(minutes=9, seconds=59))
    assert limiter.hit("192.0.2.1", NOW + timedelta(minutes=10))
    assert not limiter.hit("192.0.2.1", NOW + timedelta(minutes=10))


def test_throttle_memory_is_bounded() -> None:
    """The least recently seen addresses are dropped beyond ``max_keys``."""
    limiter = lockout.SlidingWindowLimiter(limit=1, window=timedelta(minutes=10), max_keys=2)
    assert limiter.hit("a", NOW)
    assert limiter.hit("b", NOW)
    assert limiter.hit("c", NOW)  # forgets "a"
    assert limiter.hit("a", NOW)
    assert not limiter.hit("c", NOW)
