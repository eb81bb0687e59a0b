"""Operator use cases for maintenance windows and one-off closed days (SPEC R-ENV-1,
R-ENV-1a: ``chingin maintenance add --from --to [--message] / list / remove``,
``chingin holiday add/remove DATE``), and the calendar the hours check reads.

The hours check runs on every page load, so it reads ``cached_calendar`` (re-read from the
database every 30 s); each change here drops that cache after its commit, so a change made in
this process applies at the next check. Another process (the ``chingin`` command beside the
running service, another worker) sees it within the 30 s.

Each change is one transaction with its operation-log entry in the system chain (actions
``calendar.maintenance.add/remove``, ``calendar.closed_day.add/remove``); a refusal is rolled
back and logged with ``oplog.log_failure``.

Refusal codes (to be worded in ``domain.messages``): E-MAINT-RANGE (end not after start),
E-MAINT-PAST (the window has already ended), E-MAINT-NOT-FOUND, E-CLOSED-DAY-EXISTS,
E-CLOSED-DAY-NOT-FOUND.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chingin_app.db import session_scope
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.service_hours import MaintenanceWindow
from chingin_app.models import ActorKind, ClosedDay, LogResult, MaintenanceWindowRecord, utc
from chingin_app.services import oplog

__all__ = [
    "ACTION_CLOSED_DAY_ADD",
    "ACTION_CLOSED_DAY_REMOVE",
    "ACTION_MAINTENANCE_ADD",
    "ACTION_MAINTENANCE_REMOVE",
    "ClosedDayView",
    "MaintenanceView",
    "add_closed_day",
    "add_maintenance",
    "cached_calendar",
    "current_calendar",
    "forget_cached_calendar",
    "list_closed_days",
    "list_maintenance",
    "remove_closed_day",
    "remove_maintenance",
]

ACTION_MAINTENANCE_ADD: Final = "calendar.maintenance.add"
ACTION_MAINTENANCE_REMOVE: Final = "calendar.maintenance.remove"
ACTION_CLOSED_DAY_ADD: Final = "calendar.closed_day.add"
ACTION_CLOSED_DAY_REMOVE: Final = "calendar.closed_day.remove"

# Re-reading the calendar every 30 s keeps page loads off the database; the changes below
# forget it at once, so only another process waits (R-ENV-1a).
_CACHE_SECONDS: Final = 30.0
_cache_lock = threading.Lock()
_cache: tuple[float, list[MaintenanceWindow], set[date]] | None = None


@dataclass(frozen=True)
class MaintenanceView:
    """A stored maintenance window as ``chingin maintenance list`` shows it."""

    id: int
    start: datetime
    end: datetime
    message: str | None
    created_by: str
    created_at: datetime

    def window(self) -> MaintenanceWindow:
        """The domain value the hours check uses."""
        return MaintenanceWindow(start=self.start, end=self.end, message=self.message)


@dataclass(frozen=True)
class ClosedDayView:
    """A one-off closed day (Japan-time date)."""

    day: date
    note: str | None
    created_by: str
    created_at: datetime


def _log(
    db: Session,
    *,
    action: str,
    actor: str,
    at: datetime,
    target: str,
    detail: dict[str, Any],
) -> None:
    oplog.append(
        db,
        chain=oplog.SYSTEM_CHAIN,
        at=at,
        actor_kind=ActorKind.OPERATOR,
        actor=actor,
        action=action,
        result=LogResult.SUCCESS,
        target=target,
        detail=detail,
    )


def _refuse(db: Session, err: Err, *, action: str, actor: str, at: datetime, target: str) -> Err:
    oplog.log_failure(
        db,
        chain=oplog.SYSTEM_CHAIN,
        at=at,
        actor_kind=ActorKind.OPERATOR,
        actor=actor,
        action=action,
        result=LogResult.FAILURE,
        target=target,
        detail={"code": err.code, "field": err.field},
    )
    return err


def _view(row: MaintenanceWindowRecord) -> MaintenanceView:
    assert row.id is not None
    return MaintenanceView(
        id=row.id,
        start=row.starts_at,
        end=row.ends_at,
        message=row.message,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def add_maintenance(
    db: Session,
    *,
    start: datetime,
    end: datetime,
    message: str | None,
    actor: str,
    clock: Clock,
) -> Ok[int] | Err:
    """``chingin maintenance add``: close the service over [start, end) (R-ENV-1a).

    ``start`` and ``end`` must be aware (ValueError otherwise: the command line parses them in
    JST). Refused: E-MAINT-RANGE when end is not after start, E-MAINT-PAST when the window has
    already ended. Returns the window's id.
    """
    start, end = utc(start), utc(end)
    who = oplog.operator_actor(actor)
    now = clock.now()
    note = message or None
    target = f"{start.isoformat()}/{end.isoformat()}"
    if not start < end:
        err = Err("E-MAINT-RANGE", "end", {})
        return _refuse(db, err, action=ACTION_MAINTENANCE_ADD, actor=who, at=now, target=target)
    if end <= now:
        err = Err("E-MAINT-PAST", "end", {})
        return _refuse(db, err, action=ACTION_MAINTENANCE_ADD, actor=who, at=now, target=target)
    row = MaintenanceWindowRecord(
        starts_at=start, ends_at=end, message=note, created_by=who, created_at=now
    )
    db.add(row)
    db.flush()
    assert row.id is not None
    window_id = row.id
    _log(
        db,
        action=ACTION_MAINTENANCE_ADD,
        actor=who,
        at=now,
        target=f"maintenance:{window_id}",
        detail={"start": start, "end": end, "message": note},
    )
    db.commit()
    forget_cached_calendar()
    return Ok(window_id)


def list_maintenance(db: Session, *, now: datetime) -> list[MaintenanceView]:
    """``chingin maintenance list``: the windows that have not ended at ``now``, by start."""
    rows = db.exec(
        select(MaintenanceWindowRecord)
        .where(col(MaintenanceWindowRecord.ends_at) > utc(now))
        .order_by(col(MaintenanceWindowRecord.starts_at), col(MaintenanceWindowRecord.id))
    ).all()
    return [_view(row) for row in rows]


def remove_maintenance(db: Session, *, window_id: int, actor: str, clock: Clock) -> Ok[None] | Err:
    """``chingin maintenance remove ID`` (R-ENV-1a). Refused: E-MAINT-NOT-FOUND."""
    who = oplog.operator_actor(actor)
    now = clock.now()
    target = f"maintenance:{window_id}"
    row = db.get(MaintenanceWindowRecord, window_id)
    if row is None:
        err = Err("E-MAINT-NOT-FOUND", "window_id", {"window_id": window_id})
        return _refuse(db, err, action=ACTION_MAINTENANCE_REMOVE, actor=who, at=now, target=target)
    detail = {"start": row.starts_at, "end": row.ends_at, "message": row.message}
    db.delete(row)
    db.flush()
    _log(db, action=ACTION_MAINTENANCE_REMOVE, actor=who, at=now, target=target, detail=detail)
    db.commit()
    forget_cached_calendar()
    return Ok(None)


def add_closed_day(
    db: Session, *, day: date, note: str | None = None, actor: str, clock: Clock
) -> Ok[None] | Err:
    """``chingin holiday add DATE``: close a whole Japan-time day (R-ENV-1a).
    Refused: E-CLOSED-DAY-EXISTS."""
    if isinstance(day, datetime):
        raise TypeError("a closed day is a date, not a datetime")
    who = oplog.operator_actor(actor)
    now = clock.now()
    target = f"closed_day:{day.isoformat()}"
    exists_err = Err("E-CLOSED-DAY-EXISTS", "day", {"day": day.isoformat()})
    if db.exec(select(ClosedDay).where(ClosedDay.day == day)).first() is not None:
        return _refuse(
            db, exists_err, action=ACTION_CLOSED_DAY_ADD, actor=who, at=now, target=target
        )
    db.add(ClosedDay(day=day, note=note or None, created_by=who, created_at=now))
    try:
        db.flush()
    except IntegrityError:
        # A concurrent add of the same day won (PostgreSQL; SQLite serialises writers).
        db.rollback()
        if db.exec(select(ClosedDay).where(ClosedDay.day == day)).first() is None:
            raise
        return _refuse(
            db, exists_err, action=ACTION_CLOSED_DAY_ADD, actor=who, at=now, target=target
        )
    _log(
        db,
        action=ACTION_CLOSED_DAY_ADD,
        actor=who,
        at=now,
        target=target,
        detail={"day": day, "note": note or None},
    )
    db.commit()
    forget_cached_calendar()
    return Ok(None)


def remove_closed_day(db: Session, *, day: date, actor: str, clock: Clock) -> Ok[None] | Err:
    """``chingin holiday remove DATE`` (R-ENV-1a). Refused: E-CLOSED-DAY-NOT-FOUND."""
    who = oplog.operator_actor(actor)
    now = clock.now()
    target = f"closed_day:{day.isoformat()}"
    row = db.exec(select(ClosedDay).where(ClosedDay.day == day)).first()
    if row is None:
        err = Err("E-CLOSED-DAY-NOT-FOUND", "day", {"day": day.isoformat()})
        return _refuse(db, err, action=ACTION_CLOSED_DAY_REMOVE, actor=who, at=now, target=target)
    detail = {"day": day, "note": row.note}
    db.delete(row)
    db.flush()
    _log(db, action=ACTION_CLOSED_DAY_REMOVE, actor=who, at=now, target=target, detail=detail)
    db.commit()
    forget_cached_calendar()
    return Ok(None)


def list_closed_days(db: Session) -> list[ClosedDayView]:
    """``chingin holiday list``: every one-off closed day, by date."""
    rows = db.exec(select(ClosedDay).order_by(col(ClosedDay.day))).all()
    return [
        ClosedDayView(day=r.day, note=r.note, created_by=r.created_by, created_at=r.created_at)
        for r in rows
    ]


def current_calendar(db: Session, *, now: datetime) -> tuple[list[MaintenanceWindow], set[date]]:
    """What ``domain.service_hours.hours_status`` needs at ``now`` (R-ENV-1, R-ENV-1a): the
    maintenance windows not yet ended, and the operator's closed days."""
    windows = [view.window() for view in list_maintenance(db, now=now)]
    days = {row.day for row in db.exec(select(ClosedDay)).all()}
    return windows, days


def cached_calendar(now: datetime) -> tuple[list[MaintenanceWindow], set[date]]:
    """``current_calendar`` for the hours check of every page (R-ENV-1, R-ENV-1a), read in a
    session of its own at most every 30 s per process; the changes above forget it."""
    global _cache
    with _cache_lock:
        if _cache is not None and time.monotonic() - _cache[0] < _CACHE_SECONDS:
            return list(_cache[1]), set(_cache[2])
    with session_scope(read_only=True) as db:
        windows, closed = current_calendar(db, now=now)
    with _cache_lock:
        _cache = (time.monotonic(), list(windows), set(closed))
    return list(windows), set(closed)


def forget_cached_calendar() -> None:
    """Drop the cached calendar: the next hours check reads the database (after each change
    here, and in tests)."""
    global _cache
    with _cache_lock:
        _cache = None
