"""Every bench runs once in the test run, in its smoke mode (STYLE §8, issue 10): the benches
that need no running service here, the others in tests/e2e/test_bench_smoke.py. Only that each
one works is checked, never how fast: the figures of a smoke run mean nothing."""

from __future__ import annotations

import os

import pytest

from tests.support.bench import BENCH_DIR, SELF_SERVING_BENCHES, SERVICE_BENCHES, run_bench

#: Standalone bench → a line its report ends with, so the run went all the way through.
STANDALONE = {
    "cert_issuance.py": "ratio 2 threads / 1 thread:",
    "csv_export.py": "ratio of the fastest runs",
    "event_checks.py": "ratio baseline / one reading:",
    "list_pdf.py": "ratio of the fastest runs",
}


def test_every_bench_has_a_smoke_test() -> None:
    """A new script in bench/ must be added here or to the e2e smoke tests."""
    scripts = {p.name for p in BENCH_DIR.glob("*.py")}
    assert scripts == STANDALONE.keys() | SERVICE_BENCHES | SELF_SERVING_BENCHES


@pytest.mark.parametrize("script", sorted(STANDALONE))
def test_bench_runs_in_smoke_mode(script: str) -> None:
    """The bench prints its machine, sizes and figures and exits 0 (on a temporary database
    of its own where it needs one: none of the test's settings are passed on)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHINGIN_")}
    out = run_bench(script, env=env)
    assert out.startswith("chingin bench:")
    assert "smoke run (--smoke)" in out
    assert out.splitlines()[-1].strip().startswith(STANDALONE[script])
