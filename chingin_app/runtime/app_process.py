"""The app process: Reflex's production backend on 127.0.0.1 serving the release build
(SPEC R-DEP-2; DESIGN §1 "Reflex app (one port)").

Why not ``reflex run --env prod --single-port`` (checked against Reflex 0.10.1, reflex.py
``_run_prod``): it compiles the app and runs ``npm run export`` before it serves, at every
start. ``--backend-only`` skips that but then does not mount the compiled front end, and
``--single-port`` refuses ``--backend-only``. So ``chingin build`` compiles once
(``runtime.build``), and this module does what ``_run_prod`` does after its build: with
``REFLEX_SKIP_COMPILE`` the app only re-reads the build's markers (``.web/backend``), and
``utils.exec.run_backend_prod(…, mount_frontend_compiled_app=True)`` serves
``.web/build/client`` from the same port as the websocket. Nothing here needs Node or a
package registry.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

from chingin_app.logs import configure_logging
from chingin_app.runtime.children import PARENT_ENV, bind_to_parent
from chingin_app.runtime.disk_states import throttle_expiry_scan
from chingin_app.settings import PROJECT_ROOT, Settings, settings

__all__ = [
    "PORT_ENV", "WORKERS_KILL_SECONDS", "InternalAddressFilter", "main", "reflex_env", "start_app",
]

#: The port one app worker listens on (R-DEP-4: ``runtime.workers`` gives each its own).
PORT_ENV: Final = "CHINGIN_WORKER_PORT"

#: granian's workers get this long to stop after SIGTERM, then are killed (stop within 5 s).
WORKERS_KILL_SECONDS: Final = 2


def reflex_env(s: Settings) -> dict[str, str]:
    """Environment for Reflex (the build and the app): the venv's Node first, npm instead of
    bun (DESIGN §3), and Reflex's working directories inside the data dir (R-SEC-5)."""
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
        "REFLEX_WEB_WORKDIR": str(s.web_dir),
        "REFLEX_STATES_WORKDIR": str(s.states_dir),
        # Reflex creates its upload dir at start; chingin keeps uploads in memory (DESIGN
        # "Uploads"), so the empty dir stays private in the data dir, not in the checkout.
        "REFLEX_UPLOADED_FILES_DIR": str(s.data_dir / "uploads"),
    })
    if s.redis_url:
        env["REFLEX_REDIS_URL"] = s.redis_url
    return env


def start_app(s: Settings, port: int | None = None) -> subprocess.Popen[bytes]:
    """Start one app worker on 127.0.0.1:``port`` (default ``CHINGIN_APP_PORT``): a process
    group of its own, bound to this process."""
    env = reflex_env(s)
    env[PARENT_ENV] = str(os.getpid())
    env[PORT_ENV] = str(port if port is not None else s.app_port)
    # One granian worker per process (R-DEP-4): with a Redis URL Reflex would fork 2 × CPUs + 1
    # on one port by itself; runtime.workers starts CHINGIN_WORKERS processes instead.
    env["GRANIAN_WORKERS"] = "1"
    # Reflex's and granian's own records as JSON lines too (R-DEP-8).
    env["REFLEX_LOG_JSON"] = "true"
    return subprocess.Popen(
        [sys.executable, "-m", "chingin_app.runtime.app_process"],
        cwd=PROJECT_ROOT, env=env, process_group=0,
    )


_LISTENING: Final = re.compile(r"^(?:Listening|App running|Backend running) at:?\s*(\S+)")


class InternalAddressFilter(logging.Filter):
    """The start banner of ``chingin serve`` is the only URL a person is shown (issue 14 item
    11). The app process's server announces its own loopback address ("Listening at:
    http://127.0.0.1:8000"); opened in a browser that address bypasses nginx and shows an
    English websocket error. The record is kept for the operator (R-DEP-8) but relabelled as
    the internal address it is, without a URL to click."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = _LISTENING.match(record.getMessage())
        if found is not None:
            address = re.sub(r"^[a-z]+://", "", found.group(1)).rstrip("/")
            record.msg = (f"internal app process listening on {address} (behind nginx; "
                          "not for browsers: use the URL of the start banner)")
            record.args = ()
        return True


def _granian_with_kill_timeout() -> None:
    """Reflex builds granian's server without ``workers_kill_timeout``, so granian would wait
    for its workers (open websockets) without limit after SIGTERM; give it one. And without
    ``respawn_failed_workers``, so a worker killed with SIGKILL stopped the whole server
    (issue 12): granian now starts it again itself (R-DEP-4). Its start record is relabelled
    (``InternalAddressFilter``) once it has configured its logging."""
    import granian.server

    base: Any = granian.server.Server

    class Server(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("workers_kill_timeout", WORKERS_KILL_SECONDS)
            kwargs.setdefault("respawn_failed_workers", True)
            super().__init__(*args, **kwargs)
            logging.getLogger("_granian").addFilter(InternalAddressFilter())

    granian.server.Server = Server  # type: ignore[misc]


def _silent(*args: object, **kwargs: object) -> None:
    """Stands in for Reflex's start notices in the app process."""


def main() -> int:
    """Serve the built front end and the backend on 127.0.0.1:CHINGIN_WORKER_PORT (default
    CHINGIN_APP_PORT) until SIGTERM."""
    parent = os.environ.get(PARENT_ENV)
    bind_to_parent(int(parent) if parent else None)
    configure_logging()
    s = settings()
    from reflex.istate.manager import reset_disk_state_manager
    from reflex.utils import exec as reflex_exec
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    if s.redis_url is None:
        # The disk state manager (then one worker only): start empty, as `reflex run` does.
        # With Redis the states live there, and several workers starting at once must not race
        # to delete the same leftover files (a worker died on FileNotFoundError; bench/load.py).
        reset_disk_state_manager()
        throttle_expiry_scan()
    _granian_with_kill_timeout()
    # Reflex's own "App running at …" / "Backend running at …" lines name the internal
    # address as if it were the app's URL (issue 14 item 11): the banner is the only URL.
    for name in ("notify_app_running", "notify_frontend", "notify_backend"):
        setattr(reflex_exec, name, _silent)
    reflex_exec.run_backend_prod(
        "127.0.0.1", int(os.environ.get(PORT_ENV) or s.app_port),
        get_config().loglevel.subprocess_level(), mount_frontend_compiled_app=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
