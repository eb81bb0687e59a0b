"""Settings read from the environment (DESIGN §2). One frozen object, built once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: R-SEC-3: how many live tab-token bindings the store holds unless CHINGIN_BINDINGS_MAX says.
DEFAULT_BINDINGS_MAX = 100_000
#: R-PLUS-8, A.4: how many past cycles the lists keep unless CHINGIN_KEEP_CYCLES says ("one
#: bank's 財形 manual keeps 3 — an assumption, configurable").
DEFAULT_KEEP_CYCLES = 3


@dataclass(frozen=True)
class DatabasePool:
    """The PostgreSQL connection pool of one process (DESIGN §1 "Production and scale").

    Each worker holds up to ``size + max_overflow`` connections, so workers × VMs × that must
    stay under the server's ``max_connections``. ``recycle``: seconds after which a pooled
    connection is replaced (0: never). ``statement_timeout``: seconds one statement may run
    before PostgreSQL cancels it (0: no limit). SQLite ignores all of these."""

    size: int = 5
    max_overflow: int = 10
    recycle: int = 1800
    statement_timeout: int = 60

    def __post_init__(self) -> None:
        if self.size < 1 or min(self.max_overflow, self.recycle, self.statement_timeout) < 0:
            raise ValueError("pool size must be positive; overflow, recycle, timeout >= 0")


def _pool(e: dict[str, str]) -> DatabasePool:
    """``CHINGIN_DB_POOL_SIZE``, ``_MAX_OVERFLOW``, ``_POOL_RECYCLE`` and
    ``_STATEMENT_TIMEOUT`` (whole seconds), each defaulting to :class:`DatabasePool`'s."""
    default = DatabasePool()

    def number(name: str, fallback: int) -> int:
        return int(e.get(name) or fallback)

    return DatabasePool(
        size=number("CHINGIN_DB_POOL_SIZE", default.size),
        max_overflow=number("CHINGIN_DB_MAX_OVERFLOW", default.max_overflow),
        recycle=number("CHINGIN_DB_POOL_RECYCLE", default.recycle),
        statement_timeout=number("CHINGIN_DB_STATEMENT_TIMEOUT", default.statement_timeout),
    )


@dataclass(frozen=True)
class Settings:
    """Every knob an operator can turn; defaults are the embedded demo set-up."""

    env: str  # "production" | "demo" | "test"
    data_dir: Path
    database_url: str
    redis_url: str | None
    base_url: str
    port: int
    app_port: int
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    service_hours: str  # "bankdays 08:00-20:00" or "always"
    ca_passphrase_file: Path
    tls_cert: Path | None
    tls_key: Path | None
    helpdesk_name: str
    helpdesk_tel: str
    helpdesk_hours: str
    operator_listen: str
    health_listen: str  # the plain-HTTP loopback listener for /healthz (R-DEP-8)
    test_clock_file: Path | None
    #: R-SEC-3: at most this many live tab-token bindings; when full, new tokens are refused.
    bindings_max: int = DEFAULT_BINDINGS_MAX
    #: The process engine's PostgreSQL pool (``CHINGIN_DB_*``).
    db_pool: DatabasePool = DatabasePool()

    @property
    def is_production(self) -> bool:
        """``CHINGIN_ENV=production``: no demo, no dev inbox, nothing created implicitly
        (R-DEP-1, R-DEP-2, R-DEP-3)."""
        return self.env == "production"
    #: R-PLUS-8, A.4: the past cycles every area's lists keep and offer (労金控除 and 賃控元帳:
    #: the current request and this many before it; 一斉積立 and 財形: this many statements).
    keep_cycles: int = DEFAULT_KEEP_CYCLES
    #: R-DEP-4: app workers behind nginx (``CHINGIN_WORKERS``); more than one needs Redis.
    workers: int = 1

    @property
    def app_ports(self) -> tuple[int, ...]:
        """The TCP ports on 127.0.0.1 the app workers listen on: ``CHINGIN_APP_PORT`` upward,
        one per worker (R-DEP-4), never a unix socket."""
        return tuple(self.app_port + i for i in range(self.workers))

    @property
    def pki_dir(self) -> Path:
        """CA certificates, encrypted CA keys, CRLs."""
        return self.data_dir / "pki"

    @property
    def nginx_dir(self) -> Path:
        """Generated nginx prefix: config, logs, pid, temp dirs."""
        return self.data_dir / "nginx"

    @property
    def web_dir(self) -> Path:
        """Reflex's web directory: the compiled front end and its release build (R-DEP-2)."""
        return self.data_dir / "web"

    @property
    def states_dir(self) -> Path:
        """Reflex's pickled states (one process, no Redis)."""
        return self.data_dir / "states"

    @property
    def mail_dir(self) -> Path:
        """The dev inbox: one .eml file per message the embedded SMTP server received."""
        return self.data_dir / "mail"

    @property
    def proxy_secret_file(self) -> Path:
        """The random per-install secret nginx sends and the certificate gate checks."""
        return self.data_dir / "proxy-secret"


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _positive(value: str | None, default: int, name: str) -> int:
    """A whole number of at least 1 from the environment; ``default`` when unset. A value that
    is not one stops the start (ValueError naming the variable), never silently replaced."""
    if not (value or "").strip():
        return default
    try:
        number = int(value or "")
    except ValueError:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}") from None
    if number < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    return number


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (os.environ by default)."""
    e = dict(os.environ) if env is None else env
    data_dir = Path(e.get("CHINGIN_DATA_DIR") or PROJECT_ROOT / "var").resolve()
    port = int(e.get("CHINGIN_PORT") or 8443)
    run_env = e.get("CHINGIN_ENV") or "demo"
    return Settings(
        env=run_env,
        data_dir=data_dir,
        database_url=e.get("CHINGIN_DATABASE_URL") or f"sqlite:///{data_dir / 'chingin.db'}",
        redis_url=e.get("CHINGIN_REDIS_URL") or None,
        base_url=(e.get("CHINGIN_BASE_URL") or f"https://127.0.0.1:{port}").rstrip("/"),
        port=port,
        app_port=int(e.get("CHINGIN_APP_PORT") or 8000),
        smtp_host=e.get("CHINGIN_SMTP_HOST") or None,
        smtp_port=int(e.get("CHINGIN_SMTP_PORT") or 8025),
        smtp_user=e.get("CHINGIN_SMTP_USER") or None,
        smtp_password=e.get("CHINGIN_SMTP_PASSWORD") or None,
        smtp_starttls=_bool(e.get("CHINGIN_SMTP_STARTTLS")),
        mail_from=e.get("CHINGIN_MAIL_FROM") or "chingin-noreply@example.jp",
        service_hours=e.get("CHINGIN_SERVICE_HOURS")
        or ("bankdays 08:00-20:00" if run_env == "production" else "always"),
        ca_passphrase_file=Path(
            e.get("CHINGIN_CA_PASSPHRASE_FILE") or data_dir.parent / "chingin-ca-passphrase"
        ),
        tls_cert=Path(e["CHINGIN_TLS_CERT"]) if e.get("CHINGIN_TLS_CERT") else None,
        tls_key=Path(e["CHINGIN_TLS_KEY"]) if e.get("CHINGIN_TLS_KEY") else None,
        helpdesk_name=e.get("CHINGIN_HELPDESK_NAME")
        or "（デモ）ろうきん 賃金控除事務支援サービス ヘルプデスク",
        helpdesk_tel=e.get("CHINGIN_HELPDESK_TEL") or "0000-00-0000（デモ用の番号です）",
        helpdesk_hours=e.get("CHINGIN_HELPDESK_HOURS") or "9:00～18:00（休日を除く月曜日～金曜日）",
        operator_listen=e.get("CHINGIN_OPERATOR_LISTEN") or "127.0.0.1:8444",
        health_listen=e.get("CHINGIN_HEALTH_LISTEN") or "127.0.0.1:8441",
        test_clock_file=Path(e["CHINGIN_TEST_CLOCK_FILE"])
        if e.get("CHINGIN_TEST_CLOCK_FILE")
        else None,
        bindings_max=int(e.get("CHINGIN_BINDINGS_MAX") or DEFAULT_BINDINGS_MAX),
        db_pool=_pool(e),
        keep_cycles=_positive(e.get("CHINGIN_KEEP_CYCLES"), DEFAULT_KEEP_CYCLES,
                              "CHINGIN_KEEP_CYCLES"),
        workers=_positive(e.get("CHINGIN_WORKERS"), 1, "CHINGIN_WORKERS"),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
