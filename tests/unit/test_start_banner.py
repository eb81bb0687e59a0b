"""Issue 14 item 11: the start banner of ``chingin serve`` is the only URL printed — the app
process's own "Listening at: http://127.0.0.1:8000" (an address that bypasses nginx and shows
an English websocket error in a browser) is relabelled as the internal address it is."""

from __future__ import annotations

import io
import logging

from chingin_app.runtime.app_process import InternalAddressFilter


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("_granian", logging.INFO, __file__, 1, msg, args, None)


def test_listening_record_is_relabelled_without_a_url() -> None:
    record = _record("Listening at: http://127.0.0.1:8000")
    assert InternalAddressFilter().filter(record) is True  # kept for the operator (R-DEP-8)
    text = record.getMessage()
    assert "http://" not in text and "127.0.0.1:8000" in text
    assert "internal" in text and "start banner" in text


def test_reflex_style_lines_are_relabelled_too_and_others_untouched() -> None:
    running = _record("App running at: %s", "http://127.0.0.1:8000/")
    InternalAddressFilter().filter(running)
    assert "http" not in running.getMessage()
    other = _record("Starting granian (main PID: %s)", 42)
    InternalAddressFilter().filter(other)
    assert other.getMessage() == "Starting granian (main PID: 42)"


def test_a_logger_with_the_filter_prints_no_url() -> None:
    """As granian's logger is set up in the app process: whatever its handler prints."""
    logger = logging.getLogger("test_start_banner._granian")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.addFilter(InternalAddressFilter())
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.info("Listening at: %s://%s", "http", "127.0.0.1:8000")
    finally:
        logger.removeHandler(handler)
    assert "http://" not in stream.getvalue() and "127.0.0.1:8000" in stream.getvalue()
