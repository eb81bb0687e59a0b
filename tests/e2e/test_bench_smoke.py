"""The benches that need the running service (nginx + app) run once in their smoke mode against
the shared session service (STYLE §8, issue 10); tests/integration/test_bench_smoke.py runs the
others. Only that each works is checked, never how fast."""

from __future__ import annotations

from tests.e2e.conftest import Service
from tests.support.bench import run_bench


def test_event_latency_bench_smoke(service: Service) -> None:
    """The app's event and the floor's echo both go through an nginx rendered from the service's
    own templates (so a template change the floor cannot follow fails here: the `${listener}`
    the operator listener added once broke it), one row of figures for N=1."""
    out = run_bench("event_latency.py", "--base-url", service.base_url,
                    "--ca", str(service.tls_ca))
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("1 ")]
    assert len(rows) == 1 and len(rows[0]) >= 7  # N, the four percentiles, the two ratios


def test_detail_list_bench_smoke(service: Service) -> None:
    """RK-1's search, 次へ and sort through nginx with the master's certificate on a seeded
    contract, beside the heartbeat floor: one line per event kind."""
    out = run_bench("detail_list.py", "--service", service.base_url)
    assert "検索「ｻ」:" in out
    kinds = {line.split()[0] for line in out.splitlines()[-4:]}
    assert kinds == {"heartbeat", "search", "next_page", "sort"}


def test_load_bench_smoke() -> None:
    """Issue 12's load bench (R-DEP-4) starts its own services — one worker, then two workers
    with Redis — on a PostgreSQL database of its own, and three signed-in clerks (each with a
    certificate and a session over the websocket) click through the mix once on each: one
    summary row per variant, and no errors (the script exits 1 on any in smoke mode)."""
    out = run_bench("load.py")
    rows = [line.split() for line in out.splitlines()
            if line.startswith(("1 worker ", "2 workers "))]
    assert [(row[0], row[2]) for row in rows] == [("1", "3"), ("2", "3")]
    assert [row[5] for row in rows] == ["0", "0"]  # errors
