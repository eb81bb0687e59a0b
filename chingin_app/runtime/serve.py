"""`chingin serve`: the whole service on one machine (DESIGN §2) — nginx with client-certificate
TLS in front of the Reflex app on 127.0.0.1, the scheduled jobs and the outbox, and outside
production the migrations, the CAs, the front-end build, the dev SMTP inbox and the demo
contracts. Ctrl-C or SIGTERM stops everything it started within 5 seconds, and nothing it
started outlives it even when it is killed (``runtime.children``). ``CHINGIN_WORKERS`` app
workers run behind nginx (``runtime.workers``, R-DEP-4); one that dies is started again while
the others serve — only nginx exiting stops the service.

Production (``CHINGIN_ENV=production``, SPEC R-DEP-1..3) first checks what the release steps
(``chingin build`` → ``migrate`` → ``pki init``) and the settings provide and refuses, having
created nothing, with the step that is missing; it never migrates, never creates a CA, never
builds, loads no demo and prints no credential.
"""

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
from datetime import UTC, datetime
from pathlib import Path

from chingin_app.db import migrate, session_scope
from chingin_app.logs import configure_logging
from chingin_app.proxy import nginx
from chingin_app.runtime import demo, preflight
from chingin_app.runtime.app_process import start_app
from chingin_app.runtime.build import BuildStamp, build_front_end, build_problem, read_stamp
from chingin_app.runtime.children import bound_command, stop_all
from chingin_app.runtime.devmail import start_dev_smtp
from chingin_app.runtime.private_files import make_private_dir, secure_tree
from chingin_app.runtime.workers import AppWorkers, workers_problem
from chingin_app.services import deployment, manuals
from chingin_app.services.certs import ca, crl
from chingin_app.services.context import app_clock
from chingin_app.settings import Settings, settings

log = logging.getLogger("chingin.serve")
#: The app imports and forks its workers; no compile happens here any more (R-DEP-2).
APP_START_TIMEOUT_SECONDS = 120
REFUSED = 1


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
        time.sleep(0.2)  # polling a child process that is starting, not waiting on a clock rule
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


def _release_build(s: Settings) -> BuildStamp:
    """The front-end build to serve. Production has been checked (preflight): its build is the
    release's. Elsewhere a missing build, or one made for another URL or other code, is built
    now, as before the first start (issue 11 item 4)."""
    if not s.is_production and (reason := build_problem(s)) is not None:
        print(f"{reason}フロントエンドをビルドしています（数分かかります）…", flush=True)
        return build_front_end(s)
    stamp = read_stamp(s)
    assert stamp is not None, "checked by preflight or built above"
    return stamp


def prepare_data(s: Settings) -> BuildStamp:
    """What the app needs before it starts: the data dir, outside production the migrations
    and the build, and the proxy secret (the app reads it once, at its first request)."""
    make_private_dir(s.data_dir)
    if not s.is_production:  # production never migrates by itself (R-DEP-3)
        migrate(s.database_url)
    stamp = _release_build(s)
    nginx.ensure_proxy_secret(s)
    if s.is_production:  # R-DEP-5: an install older than the records adds them (first VM)
        with session_scope() as db:
            deployment.record(s, db, now=datetime.now(UTC))
    return stamp


def prepare_proxy(s: Settings, stamp: BuildStamp) -> nginx.NginxFiles:
    """What nginx needs, while the app starts: CRLs (and outside production the CAs they
    create when missing; production's exist), the TLS files, the configuration."""
    now = datetime.now(UTC)
    ca.ensure_hierarchy(s, now=now)  # production: refuses when missing (preflight said so)
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
        script_hashes=stamp.script_hashes,
    )


def _crl_sync_loop(stop: threading.Event, s: Settings) -> None:
    """R-DEP-5: this VM's CRL files follow the database within a minute of a revocation made
    on another VM (nginx reloaded only when they changed); what is due is signed here too."""
    while not stop.wait(crl.SYNC_INTERVAL_SECONDS):
        try:
            crl.scheduled_refresh(s)  # both hierarchies; reloads nginx when they changed
        except Exception:
            log.exception("CRL sync failed")


MAIL_INTERVAL_SECONDS = 2.0


def _mail_loop(stop: threading.Event) -> None:
    """Send the outbox in the background: a request never waits for SMTP (R-SEC-2)."""
    from chingin_app.services import mail

    while not stop.wait(MAIL_INTERVAL_SECONDS):
        try:
            mail.deliver_pending(clock=app_clock())
        except Exception:
            log.exception("mail delivery failed")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _refuse(problems: list[str]) -> int:
    print("本番環境として起動できません。何も作成・変更していません。", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return REFUSED


def serve() -> int:
    """Run the service until Ctrl-C or SIGTERM (R-DEP-1, R-DEP-2; issue 11 item 5)."""
    s = settings()
    if (problem := workers_problem(s)) is not None:
        return _refuse_workers(problem)
    if s.is_production:
        problems = preflight.production_problems(s, dict(os.environ))
        if problems:
            return _refuse(problems)
    configure_logging()
    children: list[subprocess.Popen[bytes]] = []
    workers: AppWorkers | None = None
    smtp = None
    stop = threading.Event()
    # Ctrl-C and SIGTERM both stop everything, also when started in the background (a
    # non-interactive shell starts children with SIGINT ignored).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        stamp = prepare_data(s)
        # The app imports and forks for several seconds: the rest is done meanwhile (R-DEP-2:
        # production answers within 15 s).
        workers = AppWorkers(s.app_ports, lambda port: start_app(s, port))
        workers.start_all()
        files = prepare_proxy(s, stamp)
        info = None if s.is_production else demo.load_demo(clock=app_clock())
        with session_scope() as db:  # the bank's paper forms in マニュアル照会 (R-MAN-1)
            manuals.ensure_builtin_forms(db, clock=app_clock())
        if not s.is_production and not s.smtp_host:
            smtp = start_dev_smtp(s.mail_dir, port=s.smtp_port)
        for port, app in workers.procs.items():
            wait_until_ready(
                f"http://127.0.0.1:{port}/ping", app, timeout=APP_START_TIMEOUT_SECONDS
            )
        nginx.check(files)
        web = subprocess.Popen(bound_command(nginx.command(files)), process_group=0)
        children.append(web)
        wait_for_nginx(s.port, web, files, timeout=30)
        # Reflex and nginx have written what they write at start; none of it for others.
        secure_tree(s.data_dir)
        threading.Thread(target=_crl_sync_loop, args=(stop, s), daemon=True).start()
        threading.Thread(target=_mail_loop, args=(stop,), daemon=True).start()
        _, _, tls_ca = ca.tls_files(s, now=datetime.now(UTC))
        print(_banner(s, info, tls_ca), flush=True)
        while not stop.is_set():
            if web.poll() is not None:
                log.error("nginx exited; stopping")
                return 1
            # A dead app worker is replaced; the others and nginx go on serving (R-DEP-4).
            workers.replace_dead()
            stop.wait(1)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()
        stop_all(children + (workers.all() if workers is not None else []))
        if smtp is not None:
            smtp.stop()


def _refuse_workers(problem: str) -> int:
    print("起動できません。何も作成・変更していません。", file=sys.stderr)
    print(f"  - {problem}", file=sys.stderr)
    return REFUSED


def _banner(s: Settings, info: demo.DemoInfo | None, tls_ca: Path | None) -> str:
    """What serve prints once it answers. Production prints no credential at all (R-DEP-1)."""
    health = nginx.parse_health_listen(s.health_listen).listen
    lines = [
        "",
        "賃金控除事務支援サービス を起動しました"
        + ("（本番モード）。" if s.is_production else "。"),
        f"  URL            : {s.base_url}",
    ]
    if info is not None:
        lines += [
            f"  デモ契約番号   : {info.contract_no}",
            f"  初期パスワード : {demo.shown_password(info)}",
        ]
        if info.employer is not None:  # the 財形 (事業主) demo contract (issue 4)
            lines += [
                f"  デモ契約番号（財形・事業主）   : {info.employer.contract_no}",
                f"  初期パスワード（財形・事業主） : {demo.shown_password(info.employer)}",
            ]
    lines.append(f"  ヘルスチェック : http://{health}/healthz")
    if tls_ca is not None:
        lines.append(f"  デモ用サーバー証明書のルートCA: {tls_ca}")
    if not s.is_production and not s.smtp_host:
        lines.append(f"  開発用受信箱   : {s.mail_dir} （`chingin inbox` で表示）")
    if s.service_hours.strip() == "always":
        lines.append("  ご利用時間     : 制限なし（CHINGIN_SERVICE_HOURS=always）")
    lines.append("  停止するには Ctrl-C を押してください。")
    return "\n".join(lines)
