"""R-DEP-4: "with `CHINGIN_REDIS_URL` and `CHINGIN_WORKERS=N`, every store that must outlive one
request lives in Redis or the database — download tickets, prepared files, per-IP throttles …
— and every flow works whichever worker an event, an upload or a download lands on."

The contract of ``services.stores``: the same test functions run against process memory (one
worker; time moved by an injected clock) and Redis on 127.0.0.1:6379 (a unique key prefix per
test, deleted afterwards; time moved by shortening the keys' own expiry with ``PEXPIRE``, never
by sleeping). "Another worker" is another store instance: for Redis one with its own client and
connections, for memory the process's one store (a single worker sees itself).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from chingin_app.domain import lockout
from chingin_app.services import stores
from chingin_app.services.download_tickets import TICKET_SECONDS, TicketSpec, TicketStore
from chingin_app.services.prepared_files import KEEP_SECONDS, PreparedFile, PreparedStore
from chingin_app.services.stores import MemoryStore, RedisStore, SharedStore, Throttle
from chingin_app.settings import settings
from tests.support import redis_server

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
SPEC = TicketSpec(kind="manual", ref="1", session_token="s", cert_sha256="a" * 64, inline=True)


@dataclass
class Backend:
    """One implementation under test, with what the tests need to drive it."""

    name: str
    store: SharedStore
    #: Another worker's store over the same data.
    worker: Callable[[], SharedStore]
    #: Let this many seconds pass for every lifetime in the store.
    pass_time: Callable[[float], None]
    #: Everything the store holds, keys and values, as bytes (to look for secrets in it).
    contents: Callable[[], bytes]


class _Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _memory() -> Iterator[Backend]:
    clock = _Monotonic()
    store = MemoryStore(monotonic=clock)

    def pass_time(seconds: float) -> None:
        clock.now += seconds

    yield Backend("memory", store, lambda: store, pass_time,
                  lambda: repr(store.__dict__).encode())


def _redis() -> Iterator[Backend]:
    conn = redis_server.client()
    with redis_server.unique_prefix() as prefix:

        def keys() -> list[bytes]:
            return list(conn.scan_iter(match=prefix + "*", count=500))

        def pass_time(seconds: float) -> None:
            # Redis measures lifetimes itself: bring every expiry forward by ``seconds``.
            for key in keys():
                left = conn.pttl(key)
                if left < 0:
                    continue
                if left - seconds * 1000 <= 0:
                    conn.delete(key)
                else:
                    conn.pexpire(key, int(left - seconds * 1000))

        def contents() -> bytes:
            return b"".join(k + b"=" + repr(conn.dump(k)).encode() for k in keys())

        yield Backend(
            "redis",
            RedisStore(conn, prefix=prefix),
            lambda: RedisStore(redis_server.client(), prefix=prefix),
            pass_time,
            contents,
        )


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Each contract test once on process memory and once on Redis."""
    yield from (_memory() if request.param == "memory" else _redis())


def _parallel(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls together (released at once by a barrier), results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


# --- download tickets -----------------------------------------------------------------------


def test_r_dep_4_ticket_is_single_use_and_stored_hashed(backend: Backend) -> None:
    """DESIGN §1 Downloads: a 128-bit ticket opens one download; only its hash is stored."""
    tickets = TicketStore(backend=backend.store)
    ticket = tickets.issue(SPEC)
    assert len(ticket) >= 22  # 128 bits, URL-safe
    assert ticket.encode() not in backend.contents()
    assert tickets.redeem("not-a-ticket") is None
    assert tickets.redeem(ticket) == SPEC
    assert tickets.redeem(ticket) is None


def test_r_dep_4_ticket_redeemed_on_another_worker_once(backend: Backend) -> None:
    """The download may land on another worker than the screen that issued the ticket; when
    several workers race for one ticket, exactly one gets it (GETDEL)."""
    ticket = TicketStore(backend=backend.store).issue(SPEC)
    assert TicketStore(backend=backend.worker()).redeem(ticket) == SPEC
    assert TicketStore(backend=backend.store).redeem(ticket) is None

    raced = TicketStore(backend=backend.store).issue(SPEC)
    workers = [TicketStore(backend=backend.worker()) for _ in range(8)]
    results = _parallel([lambda w=w: w.redeem(raced) for w in workers])
    assert results.count(SPEC) == 1
    assert results.count(None) == 7


def test_r_dep_4_ticket_lives_60_seconds(backend: Backend) -> None:
    """A ticket is good for 60 s (DESIGN §1), then unknown."""
    tickets = TicketStore(backend=backend.store)
    assert TICKET_SECONDS == 60
    kept, lost = tickets.issue(SPEC), tickets.issue(SPEC)
    backend.pass_time(59)
    assert tickets.redeem(kept) == SPEC
    backend.pass_time(1.5)
    assert tickets.redeem(lost) is None


# --- prepared files -------------------------------------------------------------------------


def _file(size: int = 10, user: str = "USER01") -> PreparedFile:
    return PreparedFile("控除依頼リスト.pdf", b"x" * size, "application/pdf", "12345678", user)


def test_r_dep_4_prepared_file_only_for_its_user_on_any_worker(backend: Backend) -> None:
    """SPEC §11 outputs: the file is fetched only by the user of the contract who made it, as
    often as needed while it is kept (表示 and ダウンロード), from whichever worker."""
    ref = PreparedStore(backend=backend.store).put(_file())
    assert len(ref) >= 22
    other = PreparedStore(backend=backend.worker())
    for _ in range(2):  # not single use
        assert other.get(ref, contract_no="12345678", user_id="USER01") == _file()
    assert other.get(ref, contract_no="87654321", user_id="USER01") is None
    assert other.get(ref, contract_no="12345678", user_id="USER02") is None
    assert other.get("unknown", contract_no="12345678", user_id="USER01") is None


def test_r_dep_4_prepared_file_kept_ten_minutes(backend: Backend) -> None:
    files = PreparedStore(backend=backend.store)
    ref = files.put(_file())
    backend.pass_time(KEEP_SECONDS - 1)
    assert files.get(ref, contract_no="12345678", user_id="USER01") is not None
    backend.pass_time(1.5)
    assert files.get(ref, contract_no="12345678", user_id="USER01") is None


def test_r_dep_4_pool_capped_in_bytes_oldest_first_across_workers(backend: Backend) -> None:
    """The pool holds at most ``max_bytes`` in all, whichever worker put what: the oldest
    leave first; a value larger than the whole pool is refused."""
    first, second = backend.store, backend.worker()
    first.put_capped("p", "a", b"1" * 10, ttl=60, max_bytes=25)
    second.put_capped("p", "b", b"2" * 10, ttl=60, max_bytes=25)
    first.put_capped("p", "c", b"3" * 10, ttl=60, max_bytes=25)  # 30 > 25: "a" goes
    assert [second.get_capped("p", k) for k in "abc"] == [None, b"2" * 10, b"3" * 10]
    second.put_capped("p", "d", b"4" * 25, ttl=60, max_bytes=25)  # takes the whole pool
    assert [first.get_capped("p", k) for k in "bcd"] == [None, None, b"4" * 25]
    with pytest.raises(ValueError):
        first.put_capped("p", "e", b"5" * 26, ttl=60, max_bytes=25)
    assert first.get_capped("p", "d") == b"4" * 25  # a refused value evicts nothing
    first.put_capped("q", "a", b"6" * 25, ttl=60, max_bytes=25)  # pools are separate
    assert second.get_capped("p", "d") == b"4" * 25


def test_r_dep_4_expired_values_free_their_room(backend: Backend) -> None:
    """A value past its lifetime counts no more: after it, the pool has room for a full one
    and a value kept since is not pushed out for the expired one's sake."""
    backend.store.put_capped("p", "old", b"1" * 10, ttl=5, max_bytes=25)
    backend.pass_time(6)
    backend.store.put_capped("p", "new", b"2" * 25, ttl=60, max_bytes=25)
    assert backend.worker().get_capped("p", "new") == b"2" * 25
    assert backend.worker().get_capped("p", "old") is None


# --- per-IP throttles -----------------------------------------------------------------------


def test_r_dep_4_throttle_is_one_window_for_all_workers(backend: Backend) -> None:
    """R-LOCK-5 "throttled per IP", R-DEP-4: 30 attempts in any 10 minutes per address in all,
    however they spread over the workers; refused attempts are not recorded."""
    limit = lockout.INITIAL_PASSWORD_THROTTLE_LIMIT
    window = lockout.INITIAL_PASSWORD_THROTTLE_WINDOW
    workers = [Throttle("t", limit=limit, window=window, store=backend.store),
               Throttle("t", limit=limit, window=window, store=backend.worker())]
    for i in range(30):
        assert workers[i % 2].hit("192.0.2.1", NOW + timedelta(seconds=i))
    assert not workers[0].hit("192.0.2.1", NOW + timedelta(minutes=5))
    assert not workers[1].hit("192.0.2.1", NOW + timedelta(minutes=5))
    assert workers[1].hit("192.0.2.2", NOW + timedelta(minutes=5))  # another address
    # The first attempt leaves the window exactly 10 minutes after it was made.
    assert not workers[0].hit("192.0.2.1", NOW + timedelta(minutes=9, seconds=59))
    assert workers[1].hit("192.0.2.1", NOW + timedelta(minutes=10))
    assert not workers[0].hit("192.0.2.1", NOW + timedelta(minutes=10))


def test_r_dep_4_throttle_counts_atomically(backend: Backend) -> None:
    """Attempts arriving together on two workers never pass the limit between them."""
    throttles = [Throttle("t", limit=5, window=timedelta(minutes=10), store=s)
                 for s in (backend.store, backend.worker())]
    results = _parallel([lambda t=throttles[i % 2]: t.hit("198.51.100.7", NOW)
                         for i in range(16)])
    assert results.count(True) == 5


def test_r_dep_4_throttle_clear_forgets_only_its_windows(backend: Backend) -> None:
    one = Throttle("one", limit=1, window=timedelta(minutes=10), store=backend.store)
    two = Throttle("two", limit=1, window=timedelta(minutes=10), store=backend.worker())
    assert one.hit("a", NOW) and two.hit("a", NOW)
    assert not one.hit("a", NOW) and not two.hit("a", NOW)
    one.clear()
    assert one.hit("a", NOW)
    assert not two.hit("a", NOW)


# --- Redis only -----------------------------------------------------------------------------


def test_r_dep_4_redis_never_keeps_a_key_without_expiry() -> None:
    """Production Redis runs ``noeviction`` (DESIGN §1): every key the stores write carries
    its expiry, so the store cannot grow without bound."""
    backend = next(gen := _redis())
    try:
        TicketStore(backend=backend.store).issue(SPEC)
        PreparedStore(backend=backend.store).put(_file())
        Throttle("t", limit=3, window=timedelta(minutes=10), store=backend.store).hit("a", NOW)
        conn = redis_server.client()
        keys = list(conn.scan_iter(match=backend.store._prefix + "*"))  # type: ignore[attr-defined]
        assert len(keys) >= 6  # ticket, file, the pool's three books, one window
        ttls = {k: conn.pttl(k) for k in keys}
        assert all(0 < ttl <= KEEP_SECONDS * 1000 for ttl in ttls.values()), ttls
    finally:
        gen.close()


def test_r_dep_4_store_chosen_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Redis when ``CHINGIN_REDIS_URL`` is set, process memory otherwise; once per process."""
    redis_server.client()
    try:
        monkeypatch.setenv("CHINGIN_REDIS_URL", redis_server.REDIS_URL)
        settings.cache_clear()
        stores.reset_shared()
        chosen = _parallel([stores.shared] * 8)
        assert isinstance(chosen[0], RedisStore)
        assert all(store is chosen[0] for store in chosen)  # one store, however many ask
        monkeypatch.delenv("CHINGIN_REDIS_URL")
        settings.cache_clear()
        stores.reset_shared()
        chosen = _parallel([stores.shared] * 8)
        assert isinstance(chosen[0], MemoryStore)
        assert all(store is chosen[0] for store in chosen)
    finally:
        settings.cache_clear()
        stores.reset_shared()


def test_redis_down_fails_with_how_to_start_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never skip because Redis is down: they fail and say how to start it."""
    monkeypatch.setattr(redis_server, "REDIS_URL", "redis://127.0.0.1:1/0")
    with pytest.raises(pytest.fail.Exception, match="redis-server --daemonize yes"):
        redis_server.client()


def test_redis_errors_are_not_swallowed() -> None:
    """A Redis that does not answer is an error for the caller (logged with an incident id),
    never an empty store that would let a ticket or a throttle pass silently."""
    no_retry = Retry(NoBackoff(), 0)
    store = RedisStore(redis.Redis(host="127.0.0.1", port=1, retry=no_retry))
    with pytest.raises(redis.ConnectionError):
        store.hit("t", "a", now=NOW, limit=1, window=timedelta(minutes=1))


# --- session handles (R-DEP-4: a tab whose worker died carries on as the same user) ---------


def test_r_dep_4_session_handle_is_recovered_on_another_worker_once(backend: Backend) -> None:
    """R-DEP-4: the handle a tab's login left is found by another worker, taken in one step
    (two reconnects never both adopt it), and is gone after a logout."""
    from chingin_app.services.session_handles import SessionHandles, tab_key

    mine = SessionHandles(backend.store)
    key = tab_key("client-token-of-the-tab")
    mine.remember(key, "session-token-1")
    other = SessionHandles(backend.worker())
    assert other.recover(key) == "session-token-1"
    assert mine.recover(key) is None  # taken already
    mine.remember(key, "session-token-1")
    mine.forget(key)
    assert other.recover(key) is None
    assert other.recover(None) is None and other.recover("") is None


def test_r_dep_4_session_handle_lives_no_longer_than_the_session(backend: Backend) -> None:
    """R-SEC-1's absolute lifetime bounds a handle too; the tab token itself is never kept."""
    from chingin_app.services.session_handles import HANDLE_SECONDS, SessionHandles, tab_key

    handles = SessionHandles(backend.store)
    key = tab_key("client-token-kept-hashed")
    handles.remember(key, "session-token-2")
    assert b"client-token-kept-hashed" not in backend.contents()
    backend.pass_time(HANDLE_SECONDS - 60)
    assert handles.recover(key) == "session-token-2"
    handles.remember(key, "session-token-2")
    backend.pass_time(HANDLE_SECONDS + 1)
    assert handles.recover(key) is None
