"""Several workers (SPEC R-DEP-4; issue 12 item 1): the launcher's port plan, its refusals and
the replacement of a dead worker, without starting anything."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from chingin_app.runtime import workers
from chingin_app.runtime.workers import MAX_WORKERS, AppWorkers, worker_ports, workers_problem
from chingin_app.settings import load_settings


def _settings(**env: str):  # type: ignore[no-untyped-def]
    return load_settings({"CHINGIN_DATA_DIR": "/tmp/chingin-unit", **env})


def test_r_dep_4_one_worker_by_default_even_with_redis() -> None:
    """R-DEP-4 / issue 12: Redis without CHINGIN_WORKERS runs one worker on CHINGIN_APP_PORT."""
    s = _settings(CHINGIN_REDIS_URL="redis://127.0.0.1:6379/0")
    assert s.workers == 1
    assert worker_ports(s) == (8000,)
    assert workers_problem(s) is None
    assert worker_ports(_settings()) == (8000,)


def test_r_dep_4_n_workers_on_consecutive_tcp_ports_from_the_app_port() -> None:
    """R-DEP-4: CHINGIN_WORKERS=N → 127.0.0.1 ports CHINGIN_APP_PORT … +N-1, all within +10."""
    s = _settings(CHINGIN_REDIS_URL="redis://r:6379/0", CHINGIN_WORKERS="3",
                  CHINGIN_APP_PORT="9100")
    assert worker_ports(s) == (9100, 9101, 9102)
    assert workers_problem(s) is None
    most = _settings(CHINGIN_REDIS_URL="redis://r:6379/0", CHINGIN_WORKERS=str(MAX_WORKERS),
                     CHINGIN_APP_PORT="9100")
    assert workers_problem(most) is None
    assert max(worker_ports(most)) <= 9100 + 10


def test_r_dep_4_several_workers_without_redis_are_refused_with_a_clear_message() -> None:
    """R-DEP-4: CHINGIN_WORKERS>1 without CHINGIN_REDIS_URL is refused, naming both."""
    problem = workers_problem(_settings(CHINGIN_WORKERS="2"))
    assert problem is not None
    assert "CHINGIN_WORKERS=2" in problem and "CHINGIN_REDIS_URL" in problem


def test_r_dep_4_too_many_workers_or_ports_past_the_range_are_refused() -> None:
    """R-DEP-4 "all within +10": more than MAX_WORKERS is refused; so is a plan past 65535."""
    many = _settings(CHINGIN_REDIS_URL="redis://r:6379/0", CHINGIN_WORKERS=str(MAX_WORKERS + 1))
    assert workers_problem(many) is not None and "CHINGIN_WORKERS" in str(workers_problem(many))
    edge = _settings(CHINGIN_REDIS_URL="redis://r:6379/0", CHINGIN_WORKERS="2",
                     CHINGIN_APP_PORT="65535")
    assert workers_problem(edge) is not None


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_r_dep_4_a_malformed_worker_count_stops_the_start(value: str) -> None:
    """R-DEP-4: CHINGIN_WORKERS must be a whole number ≥ 1; anything else is an error naming
    the variable, never silently one worker."""
    with pytest.raises(ValueError, match="CHINGIN_WORKERS"):
        _settings(CHINGIN_WORKERS=value)


@dataclass
class _Starter:
    """Starts short-lived real processes ('exit at once' when told) and records the ports."""

    dying: set[int] = field(default_factory=set)
    started: list[int] = field(default_factory=list)

    def __call__(self, port: int) -> subprocess.Popen[bytes]:
        self.started.append(port)
        code = "pass" if port in self.dying else "import time; time.sleep(60)"
        return subprocess.Popen([sys.executable, "-c", code])


def test_r_dep_4_a_dead_worker_is_replaced_and_the_others_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """R-DEP-4: a worker that exits (SIGKILL, say) is started again on its own port; the live
    ones are not touched."""
    monkeypatch.setattr(workers, "RESPAWN_PAUSE_SECONDS", 0.0)
    start = _Starter(dying={9001})
    pool = AppWorkers((9000, 9001), start)
    try:
        pool.start_all()
        assert start.started == [9000, 9001]
        live = pool.procs[9000]
        pool.procs[9001].wait(timeout=30)
        start.dying.clear()
        assert pool.replace_dead() == [9001]
        assert start.started == [9000, 9001, 9001]
        assert pool.procs[9000] is live and pool.restarts == 1
        assert pool.replace_dead() == []  # nothing else died
    finally:
        for proc in pool.all():
            proc.kill()
            proc.wait()


def test_r_dep_4_a_worker_dying_at_once_is_not_restarted_in_a_tight_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that dies right after its start waits RESPAWN_PAUSE_SECONDS before the next
    try (a broken release must not fork without pause)."""
    monkeypatch.setattr(workers, "RESPAWN_PAUSE_SECONDS", 3600.0)
    start = _Starter(dying={9000})
    pool = AppWorkers((9000,), start)
    try:
        pool.start_all()
        pool.procs[9000].wait(timeout=30)
        assert pool.replace_dead() == []  # inside the pause
    finally:
        for proc in pool.all():
            proc.kill()
            proc.wait()
