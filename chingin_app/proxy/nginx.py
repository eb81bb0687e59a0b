"""Render the nginx configuration from deploy/nginx/*.template and run nginx as a child."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import secrets
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from chingin_app.proxy.csp import content_security_policy
from chingin_app.proxy.static_pages import error_page, ie_page
from chingin_app.settings import PROJECT_ROOT, Settings

TEMPLATES = PROJECT_ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass(frozen=True)
class NginxFiles:
    """Where a rendered configuration lives."""

    prefix: Path
    conf: Path

    @property
    def pid_file(self) -> Path:
        return self.prefix / "nginx.pid"


_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def fill(template: str, values: dict[str, str]) -> str:
    """Replace `${name}` placeholders; nginx's own `$variables` (no braces) are left alone.
    An unknown placeholder raises KeyError, so a template and its renderer cannot drift."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def ensure_proxy_secret(s: Settings) -> bytes:
    """The per-install secret nginx sends to the app (R-CERT-10); created once, mode 0600."""
    path = s.proxy_secret_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
    return path.read_bytes().strip()


def _nginx_string(html: str) -> str:
    """Make HTML safe inside a single-quoted nginx string: no quote, backslash or variable."""
    return html.replace("\\", "&#92;").replace("'", "&#39;").replace("$", "&#36;")


class OperatorListenError(ValueError):
    """CHINGIN_OPERATOR_LISTEN is malformed or not an internal address (R-OPS-7)."""


@dataclass(frozen=True)
class OperatorListen:
    """Where the operator console listens: an IP literal and a port."""

    host: str
    port: int

    @property
    def listen(self) -> str:
        """nginx's ``listen`` address."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        """The console's https origin as the browser names it."""
        return f"https://{self.listen}"


def parse_operator_listen(value: str, *, allow_public: bool = False) -> OperatorListen:
    """Check ``CHINGIN_OPERATOR_LISTEN`` (``HOST:PORT``, default 127.0.0.1:8444).

    The console listens only on an internal address (R-OPS-7): HOST must be an IP address
    that is loopback or private; anything else is refused unless ``allow_public`` (the
    operator's explicit CHINGIN_OPERATOR_ALLOW_PUBLIC=1). Raises OperatorListenError."""
    text = value.strip()
    host, sep, port_text = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise OperatorListenError(
            f"CHINGIN_OPERATOR_LISTEN must be HOST:PORT with an IP address, not {text!r}"
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError as exc:
        raise OperatorListenError(
            f"CHINGIN_OPERATOR_LISTEN needs an IP address, not the name {host!r}"
        ) from exc
    internal = address.is_loopback or (address.is_private and not address.is_unspecified)
    if not internal and not allow_public:
        raise OperatorListenError(
            f"the operator console must listen on an internal address, not {host} "
            "(set CHINGIN_OPERATOR_ALLOW_PUBLIC=1 to override)"
        )
    return OperatorListen(host=str(address), port=int(port_text))


class HealthListenError(ValueError):
    """CHINGIN_HEALTH_LISTEN is malformed or not a loopback address (R-DEP-8)."""


def parse_health_listen(value: str) -> OperatorListen:
    """Check ``CHINGIN_HEALTH_LISTEN`` (``HOST:PORT``, default 127.0.0.1:8441): plain HTTP, so
    a loopback address only — the monitor runs on the same machine (R-DEP-8). Raises
    HealthListenError."""
    text = value.strip()
    host, sep, port_text = text.rpartition(":")
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536 or address is None:
        raise HealthListenError(
            f"CHINGIN_HEALTH_LISTEN must be HOST:PORT with an IP address, not {text!r}"
        )
    if not address.is_loopback:
        raise HealthListenError(
            f"the health listener speaks plain HTTP: it listens on loopback only, not {host}"
        )
    return OperatorListen(host=str(address), port=int(port_text))


def _operator_server(
    s: Settings, *, listen: OperatorListen, tls_cert: Path, tls_key: Path, ca_chain: Path,
    crl_bundle: Path, csp: str,
) -> str:
    if listen.port == s.port:
        raise OperatorListenError("the operator console needs a port of its own (R-OPS-7)")
    # public_netloc → operator_netloc: the one rewrite in the front end's env chunk that points
    # the console's websocket at this listener (why it is needed: the template's comment).
    public = urlsplit(s.base_url)
    values = {
        "operator_origin": listen.origin,
        "operator_listen": listen.listen,
        "operator_host": listen.host,
        "tls_cert": str(tls_cert),
        "tls_key": str(tls_key),
        "operator_ca_chain": str(ca_chain),
        "operator_crl_bundle": str(crl_bundle),
        "public_netloc": public.netloc,
        "operator_netloc": listen.listen,
        "public_origin": f"{public.scheme}://{public.netloc}",
        "error_page": _nginx_string(error_page(s)),
        "prefix": str(s.nginx_dir),
        "csp": csp,
    }
    return fill((TEMPLATES / "operator.conf.template").read_text(), values)


def _worker_tmp(s: Settings) -> Path:
    """Where nginx workers write temp files. Running as root, workers drop to nobody, who
    cannot enter a private data dir: their temp dirs then live under /run instead."""
    if os.geteuid() != 0:
        return s.nginx_dir / "tmp"
    tag = hashlib.sha256(str(s.data_dir).encode()).hexdigest()[:12]
    return Path("/run/chingin") / f"nginx-{tag}"


def render(
    s: Settings, *, tls_cert: Path, tls_key: Path, client_ca_chain: Path, crl_bundle: Path,
    http_port: int | None = None,
    operator_ca_chain: Path | None = None,
    operator_crl_bundle: Path | None = None,
    allow_public_operator: bool = False,
    script_hashes: Sequence[str] = (),
) -> NginxFiles:
    """Write nginx.conf, cert_headers.conf and operator_headers.conf (mode 0600: they hold the
    proxy secret). With the operator CA's chain and CRLs, a second server for the operator
    console listens on ``CHINGIN_OPERATOR_LISTEN`` (R-OPS-7). /healthz is served only on
    ``CHINGIN_HEALTH_LISTEN`` (R-DEP-8). ``script_hashes``: the release build's inline
    scripts, the only ones the CSP allows (``runtime.build``)."""
    prefix = s.nginx_dir
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    worker_tmp = _worker_tmp(s)
    running_as_root = os.geteuid() == 0
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (worker_tmp / sub).mkdir(parents=True, exist_ok=True)
        if running_as_root:
            shutil.chown(worker_tmp / sub, user="nobody")
    if running_as_root:
        # Commands run with umask 077 (R-SEC-5): the workers (nobody) must still reach their
        # temp dirs — /run/chingin traversable only, their own directory theirs alone.
        worker_tmp.parent.chmod(0o711)
        shutil.chown(worker_tmp, user="nobody")
        worker_tmp.chmod(0o700)
    host = s.base_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    # A loopback origin (the demo) listens on loopback only; a public one on every address.
    # The plain-HTTP port listens where the TLS listener does: it exists for the browsers that
    # type the bare host name, and answers nothing but the redirect (R-ENV-2a).
    address = "127.0.0.1:" if host in {"127.0.0.1", "localhost"} else ""
    redirect = ""
    if http_port:
        redirect = (
            f"  server {{ listen {address}{http_port}; server_tokens off;\n"
            f"    return 301 {s.base_url}$request_uri; }}\n"
        )
    values = {
        "user_line": "user nobody nogroup;" if running_as_root else "",
        "prefix": str(prefix),
        "worker_tmp": str(worker_tmp),
        # One server per app worker (R-DEP-4). A worker that refuses connections (it died and
        # is being started again) is skipped for a few seconds, then tried again.
        "app_servers": " ".join(
            f"server 127.0.0.1:{port} max_fails=1 fail_timeout=3s;" for port in s.app_ports
        ),
        "listen": f"{address}{s.port}",
        "server_name": host,
        "tls_cert": str(tls_cert),
        "tls_key": str(tls_key),
        "client_ca_chain": str(client_ca_chain),
        "crl_bundle": str(crl_bundle),
        "ie_page": _nginx_string(ie_page(s)),
        "error_page": _nginx_string(error_page(s)),
        "http_redirect_server": redirect,
        "operator_server": "",
        "health_listen": parse_health_listen(s.health_listen).listen,
        "csp": content_security_policy(script_hashes),
    }
    if operator_ca_chain is not None and operator_crl_bundle is not None:
        values["operator_server"] = _operator_server(
            s,
            listen=parse_operator_listen(s.operator_listen, allow_public=allow_public_operator),
            tls_cert=tls_cert, tls_key=tls_key, ca_chain=operator_ca_chain,
            crl_bundle=operator_crl_bundle, csp=values["csp"],
        )
    conf = prefix / "nginx.conf"
    conf.write_text(fill((TEMPLATES / "chingin.conf.template").read_text(), values))
    secret = ensure_proxy_secret(s).decode("ascii")
    for name, listener in (("cert_headers.conf", "public"), ("operator_headers.conf", "operator")):
        fd = os.open(prefix / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(fill((TEMPLATES / "cert_headers.conf.template").read_text(),
                         {"proxy_secret": secret, "listener": listener}))
    return NginxFiles(prefix=prefix, conf=conf)


def check(files: NginxFiles) -> None:
    """`nginx -t` on the rendered configuration; raises with nginx's own message on error."""
    result = subprocess.run(
        [NGINX, "-t", "-p", str(files.prefix), "-c", str(files.conf)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"nginx configuration refused:\n{result.stderr}")


def command(files: NginxFiles) -> list[str]:
    """nginx in the foreground on the rendered configuration (`chingin serve` starts it as a
    child bound to itself, ``runtime.children``)."""
    return [NGINX, "-p", str(files.prefix), "-c", str(files.conf), "-g", "daemon off;"]


def reload(files: NginxFiles) -> bool:
    """Ask a running nginx to re-read its configuration, certificates and CRLs.

    Returns False when no nginx is running for this prefix."""
    try:
        pid = int(files.pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    return True


def files_for(s: Settings) -> NginxFiles:
    """The rendered files' locations for these settings."""
    return NginxFiles(prefix=s.nginx_dir, conf=s.nginx_dir / "nginx.conf")
