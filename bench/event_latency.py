"""Click-to-update latency of the running service, beside a bare websocket floor.

For N concurrent browser-less clients (default 1, 10, 50) each doing M round trips, this times
one Reflex event (`TopState.load`, the top page's on_load) from emit to its state update,
through nginx (TLS) and the Reflex backend. As the floor, a bare Starlette websocket echo on
uvicorn is put behind the same nginx binary, with the `/_event` location copied from
deploy/nginx/chingin.conf.template (TLS on another free loopback port, the service's own demo
server certificate), so both paths have one TLS nginx hop. Prints the machine, N, M, p50/p95
of each and the ratios app/floor.

Start the service first (`./dev.sh serve`), then:

    .venv/bin/python bench/event_latency.py [--base-url https://127.0.0.1:8443] [--ca PEM]

Loopback only; every wait is bounded; the helper nginx and echo server are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from tests.support.reflex_client import ReflexClient, event_name  # noqa: E402

TEMPLATES = PROJECT_ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: `TopState.get_full_name()`; checked against the app's state when it can be imported.
TOP_STATE = (
    "reflex___state____state.chingin_app___state___page____page_state."
    "chingin_app___state___top____top_state"
)
START_TIMEOUT = 20.0
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
C = TypeVar("C")


# ---------------------------------------------------------------------------------------------
# The floor: a bare Starlette websocket echo (run in a child process: `--serve-echo PORT`)


def serve_echo(port: int) -> None:
    """Run the echo app on 127.0.0.1:`port` with uvicorn until terminated."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await ws.send_text(await ws.receive_text())

    app = Starlette(routes=[WebSocketRoute("/echo", echo)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait until 127.0.0.1:`port` accepts connections (bounded)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {START_TIMEOUT:.0f} s")


def _block(text: str, head: str) -> str:
    """The `head { ... }` block in `text` (braces balanced)."""
    start = text.find(head)
    if start < 0:
        raise RuntimeError(f"`{head}` not found in the nginx template")
    depth = 0
    for i in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start : i + 1]
    raise RuntimeError(f"unbalanced braces after `{head}` in the nginx template")


def fill_known(template: str, values: dict[str, str]) -> str:
    """Replace the `${name}` placeholders we know; the others stay as they are. Only for the
    service's template, of which the floor copies two blocks: the file it includes is rendered
    with the service's own strict `nginx.fill`, so a new placeholder there stops the bench
    (and its smoke test) instead of reaching nginx as an unknown variable."""
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def render_floor_nginx(prefix: Path, *, listen_port: int, echo_port: int, tls_cert: Path,
                       tls_key: Path) -> Path:
    """Write an nginx config under `prefix` proxying /echo like the service's /_event."""
    for sub in ("logs", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    values = {"prefix": str(prefix), "app_port": str(echo_port),
              "app_servers": f"server 127.0.0.1:{echo_port};"}
    service_conf = fill_known((TEMPLATES / "chingin.conf.template").read_text(encoding="utf-8"),
                              values)
    upstream = _block(service_conf, "upstream chingin_app").replace("chingin_app", "floor_echo")
    location = _block(service_conf, "location /_event")
    location = location.replace("location /_event", "location /echo", 1)
    location = location.replace("http://chingin_app", "http://floor_echo")
    tls = "\n".join(
        line.strip() for line in service_conf.splitlines()
        if re.match(r"\s*ssl_(protocols|ciphers|prefer_server_ciphers|session_tickets)\b", line)
    )
    from chingin_app.proxy import nginx

    headers = (TEMPLATES / "cert_headers.conf.template").read_text(encoding="utf-8")
    (prefix / "cert_headers.conf").write_text(
        nginx.fill(headers, {"proxy_secret": "floor-bench-not-a-secret", "listener": "public"}),
        encoding="utf-8")
    conf = f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log {prefix}/logs/access.log;
  client_body_temp_path {prefix}/tmp/body;
  proxy_temp_path {prefix}/tmp/proxy;
  fastcgi_temp_path {prefix}/tmp/fastcgi;
  uwsgi_temp_path {prefix}/tmp/uwsgi;
  scgi_temp_path {prefix}/tmp/scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  {upstream}
  server {{
    listen 127.0.0.1:{listen_port} ssl;
    ssl_certificate {tls_cert};
    ssl_certificate_key {tls_key};
    {tls}
    {location}
  }}
}}
"""
    path = prefix / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    return path


def stop(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    """Stop a child we started, by its own pid."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Result:
    """Round-trip times (seconds) of one run, and how busy this (client) process was."""

    samples: list[float]
    client_cpu: float = 0.0  # CPU seconds of this process per wall second while timing

    def pct(self, p: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        ordered = sorted(self.samples)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1] * 1000


async def _run_clients(
    n: int,
    connect_one: Callable[[], Awaitable[C]],
    round_trip: Callable[[C], Awaitable[float]],
    close_one: Callable[[C], Awaitable[object]],
    *,
    rounds: int,
    warmup: int,
    timeout: float,
) -> Result:
    """Connect n clients, then let all of them do warmup + rounds round trips at once (each
    client one at a time); close them all whatever happens."""
    opened = await asyncio.wait_for(
        asyncio.gather(*(connect_one() for _ in range(n)), return_exceptions=True), timeout * 2)
    conns = [c for c in opened if not isinstance(c, BaseException)]
    samples: list[float] = []
    try:
        failed = [c for c in opened if isinstance(c, BaseException)]
        if failed:
            raise RuntimeError(f"{len(failed)} of {n} clients did not connect: {failed[0]!r}")
        go = asyncio.Event()

        async def worker(conn: C) -> None:
            await go.wait()
            for i in range(warmup + rounds):
                elapsed = await asyncio.wait_for(round_trip(conn), timeout)
                if i >= warmup:
                    samples.append(elapsed)

        tasks = [asyncio.create_task(worker(c)) for c in conns]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        go.set()
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), timeout * (warmup + rounds))
        finally:
            for t in tasks:
                t.cancel()
        cpu = (time.process_time() - cpu0) / max(time.perf_counter() - wall0, 1e-9)
    finally:
        await asyncio.gather(*(close_one(c) for c in conns), return_exceptions=True)
    return Result(samples, cpu)


async def bench_app(base_url: str, ctx: ssl.SSLContext, n: int, rounds: int, warmup: int,
                    timeout: float) -> Result:
    """N ReflexClients through nginx, each calling TopState.load `rounds` times."""
    load = event_name(TOP_STATE, "load")

    async def connect_one() -> ReflexClient:
        client = ReflexClient(base_url, ssl_context=ctx, timeout=timeout)
        await client.connect()
        return client

    async def round_trip(client: ReflexClient) -> float:
        elapsed, _ = await client.timed_call(load)
        return elapsed

    return await _run_clients(n, connect_one, round_trip, ReflexClient.close,
                              rounds=rounds, warmup=warmup, timeout=timeout)


async def bench_floor(url: str, ctx: ssl.SSLContext, n: int, rounds: int, warmup: int,
                      timeout: float, message: str) -> Result:
    """N aiohttp websockets through the floor nginx, each echoing `message` `rounds` times."""
    session = aiohttp.ClientSession()

    async def connect_one() -> aiohttp.ClientWebSocketResponse:
        return await session.ws_connect(url, ssl=ctx, autoping=True)

    async def round_trip(ws: aiohttp.ClientWebSocketResponse) -> float:
        start = time.perf_counter()
        await ws.send_str(message)
        reply = await ws.receive()
        elapsed = time.perf_counter() - start
        if reply.type is not aiohttp.WSMsgType.TEXT or reply.data != message:
            raise RuntimeError(f"floor echo replied {reply.type!r}")
        return elapsed

    async def close_one(ws: aiohttp.ClientWebSocketResponse) -> object:
        return await ws.close()

    try:
        return await _run_clients(n, connect_one, round_trip, close_one,
                                  rounds=rounds, warmup=warmup, timeout=timeout)
    finally:
        await session.close()


# ---------------------------------------------------------------------------------------------


def machine() -> str:
    """Cores and CPU model."""
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {model}"


def nginx_version() -> str:
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).strip().removeprefix("nginx version: nginx/")


def check_top_state() -> None:
    """Fail early if the app's TopState is named differently than TOP_STATE."""
    with contextlib.suppress(ImportError):
        from chingin_app.state.top import TopState

        if TopState.get_full_name() != TOP_STATE:
            raise SystemExit(f"TopState is now {TopState.get_full_name()}: update TOP_STATE")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--base-url", default="https://127.0.0.1:8443",
                   help="the running service (default %(default)s)")
    p.add_argument("--ca", type=Path, default=PROJECT_ROOT / "var/pki/demo-tls/root.pem",
                   help="root of the demo TLS CA (default var/pki/demo-tls/root.pem); the "
                        "server certificate and key beside it are reused for the floor")
    p.add_argument("--clients", default="1,10,50", help="values of N (default %(default)s)")
    p.add_argument("--rounds", type=int, default=50, help="M round trips per client")
    p.add_argument("--warmup", type=int, default=3, help="untimed round trips per client first")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per wait")
    p.add_argument("--smoke", action="store_true",
                   help="1 client, 1 round trip, no warm-up: checks that the bench works "
                        "(the test run does this against its service); the figures mean nothing")
    p.add_argument("--serve-echo", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.smoke:
        args.clients, args.rounds, args.warmup = "1", 1, 0
    if args.rounds < 1 or args.rounds > 10_000 or args.warmup < 0:
        p.error("--rounds must be 1..10000 and --warmup >= 0")
    try:
        args.ns = [int(x) for x in args.clients.split(",") if x.strip()]
    except ValueError:
        p.error("--clients is a comma-separated list of numbers")
    if not args.ns or any(n < 1 or n > 500 for n in args.ns):
        p.error("each N must be 1..500")
    host = urlsplit(args.base_url).hostname or ""
    if urlsplit(args.base_url).scheme != "https" or host not in LOOPBACK:
        p.error("--base-url must be https on loopback (this bench stays on this machine)")
    return args


async def run(args: argparse.Namespace) -> int:
    tls_dir = args.ca.parent
    cert, key = tls_dir / "server.pem", tls_dir / "server.key"
    for f in (args.ca, cert, key):
        if not f.exists():
            print(f"missing {f}: start the service first (./dev.sh serve) and point --ca at "
                  "its demo-tls/root.pem", file=sys.stderr)
            return 2
    ctx = ssl.create_default_context(cafile=str(args.ca))
    check_top_state()

    # Is the service up? One client, connected and hydrated.
    try:
        probe = ReflexClient(args.base_url, ssl_context=ctx, timeout=args.timeout)
        await probe.connect()
        await probe.close()
    except Exception as exc:
        print(f"cannot reach the service at {args.base_url} ({type(exc).__name__}: {exc}); "
              "start it first with ./dev.sh serve", file=sys.stderr)
        return 2

    echo: subprocess.Popen[bytes] | None = None
    web: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="chingin-bench-") as tmp:
        try:
            echo_port, floor_port = free_port(), free_port()
            echo = subprocess.Popen([sys.executable, __file__, "--serve-echo", str(echo_port)])
            wait_for_port(echo_port, echo, "the echo server")
            conf = render_floor_nginx(Path(tmp), listen_port=floor_port, echo_port=echo_port,
                                      tls_cert=cert, tls_key=key)
            subprocess.run([NGINX, "-t", "-q", "-p", tmp, "-c", str(conf)], check=True)
            web = subprocess.Popen([NGINX, "-p", tmp, "-c", str(conf), "-g", "daemon off;"])
            wait_for_port(floor_port, web, "the floor nginx")
            floor_url = f"wss://127.0.0.1:{floor_port}/echo"
            # The floor echoes a frame the size of the app's request frame.
            message = "42" + json.dumps(["event", {
                "name": event_name(TOP_STATE, "load"), "payload": {},
                "router_data": {"pathname": "/", "asPath": "/?_rxc=00000000-1a",
                                "query": {"_rxc": "00000000-1a"}}}])

            if args.smoke:
                print("smoke run (--smoke): tiny sizes, one run; the figures below mean nothing")
            print(f"machine : {machine()}")
            print(f"software: Python {platform.python_version()}, nginx {nginx_version()}, "
                  f"reflex {importlib.metadata.version('reflex')}, "
                  f"uvicorn {importlib.metadata.version('uvicorn')} (floor)")
            print(f"app     : TopState.load over {args.base_url}/_event (socket.io, one TLS "
                  "nginx hop, Reflex backend)")
            print(f"floor   : Starlette echo over {floor_url} (same nginx settings as /_event)")
            print(f"M       : {args.rounds} round trips per client after {args.warmup} "
                  "warm-up; all N clients at once, each one at a time")
            print("client CPU: this process's CPU time per wall second while timing (100% = "
                  "one core): near 100% means the clients, not the server, set the pace")
            print()
            print(f"{'N':>4} {'app p50':>9} {'app p95':>9} {'floor p50':>10} {'floor p95':>10}"
                  f" {'ratio p50':>10} {'ratio p95':>10}  client CPU app/floor")
            for n in args.ns:
                app = await bench_app(args.base_url, ctx, n, args.rounds, args.warmup,
                                      args.timeout)
                floor = await bench_floor(floor_url, ctx, n, args.rounds, args.warmup,
                                          args.timeout, message)
                a50, a95, f50, f95 = app.pct(50), app.pct(95), floor.pct(50), floor.pct(95)
                print(f"{n:>4} {a50:>7.2f}ms {a95:>7.2f}ms {f50:>8.2f}ms {f95:>8.2f}ms"
                      f" {a50 / f50:>9.1f}x {a95 / f95:>9.1f}x"
                      f"  {app.client_cpu:>4.0%} / {floor.client_cpu:.0%}", flush=True)
        finally:
            stop(web, signal.SIGQUIT)
            stop(echo)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.serve_echo:
        serve_echo(args.serve_echo)
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
