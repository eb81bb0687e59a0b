"""Running a bench script once in its smoke mode (STYLE §8, issue 10): tiny sizes, a few seconds,
so a bench cannot rot unnoticed. A smoke run checks that the script works from start to end
(exit status 0, its report printed); it never judges a figure — how fast is for the runs by
hand (bench/README.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "bench"
#: The benches that need the running service (nginx + app): tests/e2e/test_bench_smoke.py runs
#: them against the shared session service; the others run from tests/integration.
SERVICE_BENCHES = frozenset({"event_latency.py", "detail_list.py"})
#: Benches that start services of their own (``chingin serve`` on one and on two workers, with
#: nginx, a front-end build, PostgreSQL and Redis): tests/e2e/test_bench_smoke.py runs them too,
#: beside the end-to-end tests that build and serve the same way.
SELF_SERVING_BENCHES = frozenset({"load.py"})
#: Bounds a smoke run on a busy machine; never reached unless the bench hangs.
TIMEOUT = 600.0


def run_bench(script: str, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run ``bench/<script> --smoke ARGS`` with this interpreter from the project root and
    return what it printed; fails with its output when it exits with anything but 0."""
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / script), "--smoke", *args],
        cwd=ROOT, env=dict(os.environ if env is None else env), capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )
    assert done.returncode == 0, f"{script} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout
