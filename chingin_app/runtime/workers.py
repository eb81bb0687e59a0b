"""Several app workers behind one nginx (SPEC R-DEP-4; DESIGN §1 "Production and scale").

``CHINGIN_WORKERS=N`` runs N app processes, one per TCP port on 127.0.0.1 from
``CHINGIN_APP_PORT`` upward (never a unix socket, all within ``MAX_WORKERS`` ports of it), each
with a single granian worker; nginx balances them as one upstream. Why not Reflex's own launcher
(checked against Reflex 0.10.1, ``utils.exec.run_granian_backend_prod``): with a Redis URL it
forks ``2 × CPUs + 1`` granian workers on one port and stops them all when one of them dies.

Several workers share their tabs' states through Redis only, so ``CHINGIN_WORKERS>1`` without
``CHINGIN_REDIS_URL`` is refused; Redis without ``CHINGIN_WORKERS`` runs one worker.

:class:`AppWorkers` keeps them running: a worker that exits (killed with SIGKILL, say) is
started again on its port while the others go on serving; nginx meanwhile sends new
connections to the live ones (``proxy_next_upstream``). Its users keep their sessions: the
handle is recoverable outside the lost Reflex state (``services.session_handles``).
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from chingin_app.settings import Settings

__all__ = ["MAX_WORKERS", "RESPAWN_PAUSE_SECONDS", "AppWorkers", "worker_ports", "workers_problem"]

log = logging.getLogger("chingin.workers")

#: Ports CHINGIN_APP_PORT … CHINGIN_APP_PORT+9: "all within +10 of it" (issue 12 item 1).
MAX_WORKERS: Final = 10
#: A worker that keeps dying right after its start is not restarted in a tight loop.
RESPAWN_PAUSE_SECONDS: Final = 1.0


def workers_problem(s: Settings) -> str | None:
    """Why ``chingin serve`` must not start with these settings' worker count, or None."""
    if s.workers > MAX_WORKERS:
        return (
            f"CHINGIN_WORKERS は 1〜{MAX_WORKERS} で指定してください（指定値: {s.workers}）。"
        )
    if s.workers > 1 and not s.redis_url:
        return (
            f"CHINGIN_WORKERS={s.workers} には CHINGIN_REDIS_URL の設定が必要です"
            "（複数のワーカーは画面の状態・ダウンロード票・制限回数を Redis で共有します）。"
            "Redis を使わない場合は CHINGIN_WORKERS を外してください（1 ワーカーで起動します）。"
        )
    if s.app_port + s.workers - 1 > 65535:
        return f"CHINGIN_APP_PORT={s.app_port} から {s.workers} 個のポートを確保できません。"
    return None


def worker_ports(s: Settings) -> tuple[int, ...]:
    """The TCP ports on 127.0.0.1 the workers listen on: CHINGIN_APP_PORT upward (R-DEP-4)."""
    return s.app_ports


Starter = Callable[[int], "subprocess.Popen[bytes]"]


@dataclass
class AppWorkers:
    """The app worker processes, one per port; ``start`` is how one is started on a port
    (``app_process.start_app``), injectable for tests."""

    ports: tuple[int, ...]
    start: Starter
    procs: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: int = 0
    _last_start: dict[int, float] = field(default_factory=dict)

    def start_all(self) -> None:
        """Start a worker on every port."""
        for port in self.ports:
            self._start(port)

    def _start(self, port: int) -> None:
        self.procs[port] = self.start(port)
        self._last_start[port] = time.monotonic()

    def replace_dead(self) -> list[int]:
        """Start again each worker that has exited; the ports restarted now. A worker that
        died within ``RESPAWN_PAUSE_SECONDS`` of its start waits for the next call."""
        restarted = []
        for port, proc in list(self.procs.items()):
            if proc.poll() is None:
                continue
            if time.monotonic() - self._last_start.get(port, 0.0) < RESPAWN_PAUSE_SECONDS:
                continue  # measured on the monotonic clock: a restart pause, not a business rule
            log.error(
                "app worker on port %d exited with code %s; starting it again",
                port, proc.returncode,
            )
            self._start(port)
            self.restarts += 1
            restarted.append(port)
        return restarted

    def all(self) -> list[subprocess.Popen[bytes]]:
        """Every worker process now running or last started (for stopping them)."""
        return list(self.procs.values())
