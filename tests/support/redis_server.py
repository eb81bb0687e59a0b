"""The test Redis (127.0.0.1:6379, as ``./dev.sh test`` starts it; ``CHINGIN_TEST_REDIS_URL``
overrides). Tests that need it fail with a message saying how to start it: they never skip
because a service is absent (STYLE §7)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

REDIS_URL = os.environ.get("CHINGIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
START_HINT = (
    'Start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no  (or run ./dev.sh test, which starts it). The tests never skip Redis."
)


def client() -> redis.Redis:
    """A new client for the test Redis, or the test fails saying how to start the server."""
    conn = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    try:
        conn.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable ({REDIS_URL}): {exc}\n{START_HINT}", pytrace=False)
    return conn


def delete_prefixed(conn: redis.Redis, prefix: str) -> None:
    """Delete every key starting with ``prefix`` (``prefix`` holds no glob characters)."""
    names = list(conn.scan_iter(match=prefix + "*", count=500))
    if names:
        conn.delete(*names)


@contextmanager
def unique_prefix() -> Iterator[str]:
    """A key prefix no other test run uses; its keys are deleted afterwards."""
    prefix = f"chingin_test_{secrets.token_hex(6)}:"
    try:
        yield prefix
    finally:
        delete_prefixed(client(), prefix)
