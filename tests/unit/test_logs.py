"""Log records as JSON lines (SPEC R-DEP-8): one object per line, Japanese as written, with the
request id and the user ID where there is one."""

from __future__ import annotations

import contextvars
import io
import json
import logging

import pytest

from chingin_app import logs


def _record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("壊れた値")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    return logging.LogRecord("chingin.test", logging.WARNING, __file__, 1, message, args, exc_info)


def _in_fresh_context(fn: object) -> str:
    """Run ``fn`` with no request bound (each test its own context)."""
    return contextvars.Context().run(fn)  # type: ignore[arg-type]


def test_r_dep_8_record_is_one_json_line_with_request_and_user() -> None:
    """R-DEP-8: "Logs are one JSON object per line with a request id and the user ID where there
    is one" — Japanese stays readable (ensure_ascii=False), a line break stays inside."""

    def run() -> str:
        rid = logs.bind_request("0123456789abcdef0123456789abcdef")
        logs.bind_user("TANAKA01")
        assert rid == "0123456789abcdef0123456789abcdef"
        return logs.JsonFormatter().format(_record("契約 %s を表示\n2行目", "12345678"))

    line = _in_fresh_context(run)
    assert "\n" not in line
    assert "契約 12345678 を表示" in line  # not \u-escaped
    entry = json.loads(line)
    assert entry["message"] == "契約 12345678 を表示\n2行目"
    assert entry["request_id"] == "0123456789abcdef0123456789abcdef"
    assert entry["user_id"] == "TANAKA01"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "chingin.test"
    assert entry["time"].endswith("+00:00")


def test_r_dep_8_no_user_before_a_session_checks_out() -> None:
    """A new request forgets the previous one's user; a record outside any request has neither
    field."""

    def run() -> tuple[dict[str, object], dict[str, object]]:
        bare = json.loads(logs.JsonFormatter().format(_record("起動")))
        logs.bind_request()
        logs.bind_user("TANAKA01")
        logs.bind_request()
        fresh = json.loads(logs.JsonFormatter().format(_record("次のイベント")))
        return bare, fresh

    bare, fresh = _in_fresh_context(run)
    assert "request_id" not in bare and "user_id" not in bare
    assert "user_id" not in fresh
    assert isinstance(fresh["request_id"], str) and len(fresh["request_id"]) == 32


@pytest.mark.parametrize(
    "sent", ["", "short", "0123456789ABCDEF0123456789ABCDEF", '{"user_id":"x"}' + "0" * 20]
)
def test_r_dep_8_a_malformed_request_id_is_replaced(sent: str) -> None:
    """Only nginx's form (32 lower-case hex digits) is kept; anything a client made up is not."""
    rid = _in_fresh_context(lambda: logs.bind_request(sent))
    assert rid != sent
    assert len(rid) == 32 and all(c in "0123456789abcdef" for c in rid)


def test_r_dep_8_exception_is_in_the_same_record() -> None:
    line = _in_fresh_context(lambda: logs.JsonFormatter().format(_record("失敗", exc=True)))
    entry = json.loads(line)
    assert "ValueError: 壊れた値" in entry["exception"]


def test_r_dep_8_configure_logging_replaces_the_handlers() -> None:
    """Called twice, it still writes each record once, as JSON."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    stream = io.StringIO()
    try:
        logs.configure_logging(stream=stream)
        logs.configure_logging(stream=stream)
        logging.getLogger("chingin.test").warning("一度だけ")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)
        root.setLevel(level)
    lines = stream.getvalue().splitlines()
    assert [json.loads(x)["message"] for x in lines] == ["一度だけ"]
