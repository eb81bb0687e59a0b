"""``runtime/disk_states.py`` (issue 12, R-DEP-4): one worker's disk state manager scans its
states directory for expired files at most once a minute, and still deletes them. Runs
Reflex's own scan on a directory of state files; the clock is moved, never slept on."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from reflex.istate.manager.disk import StateManagerDisk

from chingin_app.runtime.disk_states import throttle_expiry_scan


def _state_file(directory: Path, name: str, age_seconds: float) -> Path:
    path = directory / f"{name}.pkl"
    path.write_bytes(b"state")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_r_dep_4_the_expiry_scan_runs_once_a_minute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StateManagerDisk, "_purge_expired_states",
                        StateManagerDisk._purge_expired_states)  # restored after the test
    now = [1000.0]
    throttle_expiry_scan(every=60.0, monotonic=lambda: now[0])
    manager = SimpleNamespace(states_directory=tmp_path, token_expiration=3600)
    first = _state_file(tmp_path, "first", age_seconds=7200)
    fresh = _state_file(tmp_path, "fresh", age_seconds=10)

    StateManagerDisk._purge_expired_states(manager)  # type: ignore[arg-type]
    assert not first.exists() and fresh.exists()  # the first call scans

    second = _state_file(tmp_path, "second", age_seconds=7200)
    now[0] += 59.0
    StateManagerDisk._purge_expired_states(manager)  # type: ignore[arg-type]
    assert second.exists()  # within the minute: no scan

    now[0] += 1.0
    StateManagerDisk._purge_expired_states(manager)  # type: ignore[arg-type]
    assert not second.exists() and fresh.exists()


def test_r_dep_4_a_second_throttle_keeps_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StateManagerDisk, "_purge_expired_states",
                        StateManagerDisk._purge_expired_states)
    now = [0.0]
    throttle_expiry_scan(every=60.0, monotonic=lambda: now[0])
    throttled = StateManagerDisk._purge_expired_states
    throttle_expiry_scan(every=1.0, monotonic=lambda: now[0])
    assert StateManagerDisk._purge_expired_states is throttled
    manager = SimpleNamespace(states_directory=tmp_path, token_expiration=3600)
    StateManagerDisk._purge_expired_states(manager)  # type: ignore[arg-type]
    old = _state_file(tmp_path, "old", age_seconds=7200)
    now[0] += 2.0  # past the second call's 1 s, not the first's minute
    StateManagerDisk._purge_expired_states(manager)  # type: ignore[arg-type]
    assert old.exists()
