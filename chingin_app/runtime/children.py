"""The processes `chingin serve` starts never outlive it (issue 11 item 5).

Each child asks the kernel for ``PR_SET_PDEATHSIG``: when serve dies — even by SIGKILL, which
it cannot handle — the child gets SIGTERM and stops its own children (nginx its workers, the
app its granian workers). nginx is a C program, so it starts through this module's ``main``,
which binds itself and then ``exec``s nginx (the setting survives ``execve``). The app binds
itself in ``app_process.main``. Children stay in process groups of their own, so serve stops
each with one ``killpg``.

A normal stop (Ctrl-C or SIGTERM to serve) signals every child at once and waits at most
``STOP_SECONDS`` in all before it kills what is left.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Final

__all__ = ["PARENT_ENV", "STOP_SECONDS", "bind_to_parent", "bound_command", "stop_all"]

#: Everything serve started is gone within 5 s of SIGINT/SIGTERM (issue 11 item 5).
STOP_SECONDS: Final = 4.0
_PR_SET_PDEATHSIG: Final = 1
PARENT_ENV: Final = "CHINGIN_PARENT_PID"


def bind_to_parent(parent_pid: int | None) -> None:
    """Have the kernel send this process SIGTERM when its parent dies; if the parent is already
    gone (it died before this call), stop now. Linux only, like the rest of serve."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if parent_pid is not None and os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGTERM)


def bound_command(argv: Sequence[str]) -> list[str]:
    """``argv`` started through this module, so it dies with the current process."""
    return [sys.executable, "-m", "chingin_app.runtime.children", str(os.getpid()), "--", *argv]


def stop_all(procs: Sequence[subprocess.Popen[bytes]], *, timeout: float = STOP_SECONDS) -> None:
    """SIGTERM to each child's process group at once, then SIGKILL to what is left after
    ``timeout`` seconds in all."""
    running = [p for p in procs if p.poll() is None]
    for proc in running:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in running:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
    for proc in running:  # what a child left in its group (granian workers) goes too
        _signal_group(proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chingin_app.runtime.children PARENT_PID -- PROGRAM ARGS…``: bind to the
    parent, then become PROGRAM."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 3 or args[1] != "--":
        print("usage: children PARENT_PID -- PROGRAM [ARGS…]", file=sys.stderr)
        return 2
    bind_to_parent(int(args[0]))
    os.execv(args[2], args[2:])  # noqa: S606 (serve passes the nginx binary and its options)
    return 127  # not reached: execv replaces this process or raises


if __name__ == "__main__":
    raise SystemExit(main())
