"""`chingin serve`: the whole service on one machine (DESIGN §2) — migrations, CAs, CRLs, nginx
with client-certificate TLS in front of the Reflex app on 127.0.0.1, the dev SMTP inbox, the
scheduled jobs, and the demo contract. Ctrl-C stops everything it started."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from chingin_app.db import migrate, session_scope
from chingin_app.proxy import nginx
from chingin_app.runtime import demo
from chingin_app.runtime.devmail import start_dev_smtp
from chingin_app.services import manuals
from chingin_app.services.certs import ca, crl
from chingin_app.services.context import app_clock
from chingin_app.settings import PROJECT_ROOT, Settings, settings

log = logging.getLogger("chingin.serve")
JOBS_INTERVAL_SECONDS = 600
BUILD_TIMEOUT_SECONDS = 1200


def reflex_env(s: Settings) -> dict[str, str]:
    """Environment for the Reflex process: the venv's Node first, npm instead of bun (DESIGN §3)."""
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
    env.update({
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "CHINGIN_DATA_DIR": str(s.data_dir),
        "CHINGIN_DATABASE_URL": s.database_url,
        "CHINGIN_BASE_URL": s.base_url,
        "CHINGIN_PORT": str(s.port),
        "CHINGIN_APP_PORT": str(s.app_port),
        "CHINGIN_SERVICE_HOURS": s.service_hours,
        "CHINGIN_CA_PASSPHRASE_FILE": str(s.ca_passphrase_file),
        # The front end is compiled with the public URL in it: each data dir gets its own build,
        # so a test service on other ports never overwrites the one a developer is running.
        "REFLEX_WEB_WORKDIR": str(s.data_dir / "web"),
        "REFLEX_STATES_WORKDIR": str(s.data_dir / "states"),
    })
    if s.redis_url:
        env["REFLEX_REDIS_URL"] = s.redis_url
    return env


def start_app(s: Settings) -> subprocess.Popen[bytes]:
    """Build the front end and start the app bound to 127.0.0.1 (single port, production mode)."""
    reflex = str(Path(sys.executable).parent / "reflex")
    return subprocess.Popen(
        [reflex, "run", "--env", "prod", "--single-port", "--backend-host", "127.0.0.1",
         "--backend-port", str(s.app_port), "--frontend-port", str(s.app_port)],
        cwd=PROJECT_ROOT, env=reflex_env(s), start_new_session=True,
    )


def wait_until_ready(url: str, proc: subprocess.Popen[bytes], *, timeout: float) -> None:
    """Poll `url` until it answers 200; fail if the process exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)  # polling a child process that is starting, not waiting on a clock rule
    raise RuntimeError(f"the app did not answer {url} within {timeout:.0f} s")


def wait_for_nginx(
    port: int, proc: subprocess.Popen[bytes], files: nginx.NginxFiles, *, timeout: float
) -> None:
    """Wait until nginx accepts connections on 127.0.0.1:port and has written its pid file
    (reloads after a revocation signal that pid)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with code {proc.returncode}")
        with socket.socket() as probe:
            listening = probe.connect_ex(("127.0.0.1", port)) == 0
        if listening and files.pid_file.exists() and files.pid_file.read_text().strip():
            return
        time.sleep(0.1)  # polling a starting child process, not waiting on a clock rule
    raise RuntimeError(f"nginx did not listen on port {port} within {timeout:.0f} s")


def prepare(s: Settings) -> nginx.NginxFiles:
    """Everything before the processes start: data dir, migrations, CAs, CRLs, nginx config."""
    s.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(s.database_url)
    now = datetime.now(UTC)
    ca.ensure_hierarchy(s, now=now)
    ca.ensure_operator_hierarchy(s, now=now)  # the operator console's own CA (R-OPS-7)
    crl.refresh(s)  # both hierarchies
    tls_cert, tls_key, _ = ca.tls_files(s, now=now)
    http_port_text = os.environ.get("CHINGIN_HTTP_PORT")
    http_port = int(http_port_text) if http_port_text else None
    return nginx.render(
        s, tls_cert=tls_cert, tls_key=tls_key, client_ca_chain=s.pki_dir / "chain.pem",
        crl_bundle=s.pki_dir / "crl.pem", http_port=http_port,
        operator_ca_chain=ca.operator_dir(s) / "chain.pem",
        operator_crl_bundle=ca.operator_dir(s) / "crl.pem",
        allow_public_operator=os.environ.get("CHINGIN_OPERATOR_ALLOW_PUBLIC") == "1",
    )


def _jobs_loop(stop: threading.Event, files: nginx.NginxFiles, s: Settings) -> None:
    while not stop.wait(JOBS_INTERVAL_SECONDS):
        try:
            crl.scheduled_refresh(s)  # both hierarchies; reloads nginx when they changed
        except Exception:
            log.exception("scheduled jobs failed")


MAIL_INTERVAL_SECONDS = 2.0


def _mail_loop(stop: threading.Event) -> None:
    """Send the outbox in the background: a request never waits for SMTP (R-SEC-2)."""
    from chingin_app.services import mail

    while not stop.wait(MAIL_INTERVAL_SECONDS):
        try:
            mail.deliver_pending(clock=app_clock())
        except Exception:
            log.exception("mail delivery failed")


def _stop_all(stoppers: list[Callable[[], None]]) -> None:
    for stop in reversed(stoppers):
        try:
            stop()
        except Exception:
            log.exception("while stopping")


def _terminate(proc: subprocess.Popen[bytes], *, group: bool) -> None:
    if proc.poll() is not None:
        return
    try:
        if group:
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.terminate()
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        if group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve() -> int:
    """Run the service until Ctrl-C (or SIGTERM)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("mail.log", "alembic"):  # per-connection and per-migration chatter
        logging.getLogger(noisy).setLevel(logging.WARNING)
    s = settings()
    stoppers: list[Callable[[], None]] = []
    stop = threading.Event()
    # Ctrl-C and SIGTERM both stop everything, also when started in the background (a
    # non-interactive shell starts children with SIGINT ignored).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        files = prepare(s)
        info = demo.load_demo(clock=app_clock())
        with session_scope() as db:  # the bank's paper forms in マニュアル照会 (R-MAN-1)
            manuals.ensure_builtin_forms(db, clock=app_clock())
        if not s.smtp_host:
            smtp = start_dev_smtp(s.mail_dir, port=s.smtp_port)
            stoppers.append(smtp.stop)
        print("フロントエンドをビルドしています（初回は数分かかります）…", flush=True)
        app = start_app(s)
        stoppers.append(lambda: _terminate(app, group=True))
        wait_until_ready(f"http://127.0.0.1:{s.app_port}/ping", app, timeout=BUILD_TIMEOUT_SECONDS)
        web = nginx.start(files)
        stoppers.append(lambda: _terminate(web, group=False))
        wait_for_nginx(s.port, web, files, timeout=30)
        jobs_thread = threading.Thread(target=_jobs_loop, args=(stop, files, s), daemon=True)
        jobs_thread.start()
        threading.Thread(target=_mail_loop, args=(stop,), daemon=True).start()
        _, _, tls_ca = ca.tls_files(s, now=datetime.now(UTC))
        print(_banner(s, info, tls_ca), flush=True)
        while not stop.is_set():
            if app.poll() is not None or web.poll() is not None:
                log.error("a child process exited; stopping")
                return 1
            stop.wait(1)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()
        _stop_all(stoppers)


def _banner(s: Settings, info: demo.DemoInfo, tls_ca: Path | None) -> str:
    lines = [
        "",
        "賃金控除事務支援サービス を起動しました。",
        f"  URL            : {s.base_url}",
        f"  デモ契約番号   : {info.contract_no}",
        f"  初期パスワード : {info.initial_password or '（マスターユーザー登録済み）'}",
    ]
    if info.employer is not None:  # the 財形 (事業主) demo contract (issue 4)
        lines += [
            f"  デモ契約番号（財形・事業主）   : {info.employer.contract_no}",
            "  初期パスワード（財形・事業主） : "
            f"{info.employer.initial_password or '（マスターユーザー登録済み）'}",
        ]
    if tls_ca is not None:
        lines.append(f"  デモ用サーバー証明書のルートCA: {tls_ca}")
    if not s.smtp_host:
        lines.append(f"  開発用受信箱   : {s.mail_dir} （`chingin inbox` で表示）")
    if s.service_hours.strip() == "always":
        lines.append("  ご利用時間     : 制限なし（デモ設定 CHINGIN_SERVICE_HOURS=always）")
    lines.append("  停止するには Ctrl-C を押してください。")
    return "\n".join(lines)
