"""Log records as JSON lines (SPEC R-DEP-8): one object per line, UTF-8 as written
(``ensure_ascii=False``), with the request id and the user ID where there is one.

Lowest layer (stdlib only), beside ``settings``: the web layer binds the request id (one per
HTTP request, websocket connection and Reflex event), ``services.sessions`` binds the user ID
once a session checks out, and every record logged in that context carries both. Nothing else
is added: a record holds its logger's message, never the arguments of a request, so a secret
can only reach the log if the code logs it (R-SEC-5: invalid input is logged by its code).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Final, TextIO

__all__ = [
    "JsonFormatter",
    "bind_request",
    "bind_user",
    "configure_logging",
    "current_request_id",
    "current_user_id",
]

_request_id: ContextVar[str | None] = ContextVar("chingin_request_id", default=None)
_user_id: ContextVar[str | None] = ContextVar("chingin_user_id", default=None)

#: nginx's ``$request_id``: 32 hex digits. Anything else a client sends is replaced.
_REQUEST_ID: Final = re.compile(r"[0-9a-f]{32}")

#: Loggers that chatter per connection or per migration step.
_QUIET: Final = ("mail.log", "alembic", "aiosmtpd", "httpx")


def bind_request(request_id: str | None = None) -> str:
    """Start a request's log context: ``request_id`` when it looks like nginx's, else a fresh
    one; the user ID is cleared until a session checks out. Returns the id."""
    rid = request_id if request_id and _REQUEST_ID.fullmatch(request_id) else None
    rid = rid or secrets.token_hex(16)
    _request_id.set(rid)
    _user_id.set(None)
    return rid


def bind_user(user_id: str | None) -> None:
    """Name the signed-in user in the records of the current request (R-DEP-8)."""
    _user_id.set(user_id or None)


def current_request_id() -> str | None:
    """The request id of the current context, if one was bound."""
    return _request_id.get()


def current_user_id() -> str | None:
    """The user ID of the current context, if a session checked out."""
    return _user_id.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, and the
    request id, user ID and exception when present."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (rid := _request_id.get()) is not None:
            entry["request_id"] = rid
        if (uid := _user_id.get()) is not None:
            entry["user_id"] = uid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # A line break inside a value stays escaped: one record, one line.
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(*, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Send every record of this process to ``stream`` (stderr) as JSON lines (R-DEP-8).
    Replaces the root logger's handlers, so calling it again does not duplicate lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
