"""The Redis store: shared by every worker and VM that uses the same Redis (R-DEP-4).

Each operation is one atomic Redis step, so two workers never both take a ticket or both fill
the last place of a window: tickets are ``SET … PX`` and ``GETDEL``; the prepared-file pool and
the throttle windows are Lua scripts (a script runs alone on the server).

Nothing is kept without an expiry, and the prepared-file pool is capped in bytes, so the
store can never grow without bound: production Redis runs with ``maxmemory-policy
noeviction`` (DESIGN §1), where a full Redis would refuse Reflex's own state writes too.
Values are plain bytes; nothing here is ever unpickled (whoever can write Redis must not be
able to run code through these keys)."""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime, timedelta
from typing import Final

import redis

__all__ = ["DEFAULT_PREFIX", "RedisStore"]

#: What every key of the service starts with (Reflex's state keys share the database).
DEFAULT_PREFIX: Final = "chingin:"

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

#: KEYS: index (zset: key → time put, ms), sizes (hash: key → bytes), total (bytes in all), the
#: new value's key. ARGV: key, value, ttl ms, max bytes, prefix of the value keys.
#: Files past their lifetime leave the books first, then the oldest until the new one fits; the
#: books expire with the newest file, so an idle pool leaves nothing behind.
_PUT_CAPPED: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
local size = string.len(ARGV[2])
local function drop(member)
  local bytes = tonumber(redis.call('HGET', KEYS[2], member) or '0')
  redis.call('HDEL', KEYS[2], member)
  redis.call('ZREM', KEYS[1], member)
  redis.call('DEL', ARGV[5] .. member)
  redis.call('DECRBY', KEYS[3], bytes)
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - ttl)) do
  drop(member)
end
drop(ARGV[1])
while tonumber(redis.call('GET', KEYS[3]) or '0') + size > tonumber(ARGV[4]) do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #oldest == 0 then break end
  drop(oldest[1])
end
redis.call('SET', KEYS[4], ARGV[2], 'PX', ttl)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], size)
redis.call('INCRBY', KEYS[3], size)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
return 1
"""

#: KEYS: the window (zset: attempt → time, µs). ARGV: now µs, oldest time still outside the
#: window µs, limit, a unique attempt id, window ms. A refused attempt changes nothing.
_HIT: Final = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


def _ms(seconds: float) -> int:
    """A lifetime in whole milliseconds, at least 1 (Redis refuses 0)."""
    return max(1, math.ceil(seconds * 1000))


def _micros(moment: datetime) -> int:
    """An aware datetime as exact integer microseconds since the epoch."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class RedisStore:
    """:class:`~chingin_app.services.stores.SharedStore` in Redis; every key starts with
    ``prefix``."""

    def __init__(self, client: redis.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._redis = client
        self._prefix = prefix
        self._put_capped = client.register_script(_PUT_CAPPED)
        self._hit = client.register_script(_HIT)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = DEFAULT_PREFIX) -> RedisStore:
        """A store on a new client for ``url`` (``redis://``, ``rediss://``, ``unix://``).
        A Redis that does not answer within 5 s is an error, not a hang."""
        client = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
        )
        return cls(client, prefix=prefix)

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    def put_expiring(self, key: str, value: bytes, *, ttl: float) -> None:
        """See ``SharedStore.put_expiring``."""
        self._redis.set(self._key("kv", key), value, px=_ms(ttl))

    def take(self, key: str) -> bytes | None:
        """See ``SharedStore.take``."""
        found = self._redis.getdel(self._key("kv", key))
        return found if isinstance(found, bytes) else None

    def put_capped(
        self, pool: str, key: str, value: bytes, *, ttl: float, max_bytes: int
    ) -> None:
        """See ``SharedStore.put_capped``."""
        if len(value) > max_bytes:
            raise ValueError("value larger than the whole pool")
        values = self._key("pool", pool, "v", "")
        self._put_capped(
            keys=[self._key("pool", pool, "index"), self._key("pool", pool, "sizes"),
                  self._key("pool", pool, "bytes"), values + key],
            args=[key, value, _ms(ttl), max_bytes, values],
        )

    def get_capped(self, pool: str, key: str) -> bytes | None:
        """See ``SharedStore.get_capped``."""
        found = self._redis.get(self._key("pool", pool, "v", key))
        return found if isinstance(found, bytes) else None

    def hit(
        self, throttle: str, key: str, *, now: datetime, limit: int, window: timedelta
    ) -> bool:
        """See ``SharedStore.hit``."""
        now_us = _micros(now)
        allowed = self._hit(
            keys=[self._key("throttle", throttle, key)],
            args=[now_us, now_us - window // timedelta(microseconds=1), limit,
                  f"{now_us}:{secrets.token_hex(8)}", _ms(window.total_seconds())],
        )
        return bool(allowed)

    def clear_throttle(self, throttle: str) -> None:
        """See ``SharedStore.clear_throttle``."""
        pattern = _glob_escape(self._key("throttle", throttle, "")) + "*"
        batch: list[bytes] = []
        for name in self._redis.scan_iter(match=pattern, count=500):
            batch.append(name)
            if len(batch) >= 500:
                self._redis.unlink(*batch)
                batch.clear()
        if batch:
            self._redis.unlink(*batch)
