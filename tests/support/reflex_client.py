"""A small browser-less Reflex client: what the compiled front end (`.web/utils/state.js`) does on
the websocket, with python-socketio's AsyncClient (websocket transport only).

It connects the way a browser tab does (socket.io at ``/_event``, query ``token=<random>``, the
``Origin`` header of the service, the boot event ``hydrate_and_load`` inside the socket.io
CONNECT packet), waits until the page is hydrated, and then sends one event at a time with
:meth:`ReflexClient.call`, returning the state delta the server sends back for it.

Reflex 0.10.1 facts this relies on (read from ``reflex/app.py``, ``reflex/state.py`` and
``reflex_base/event/processor``):

* A delta is ``{state full name: {var name + "_rx_state_": value}}``; the full name of a state
  is ``State.get_full_name()`` (dots between the levels), the suffix is
  ``reflex_base.constants.state.FIELD_MARKER``. :func:`var` reads a var by its short name.
* ``StateUpdate.final`` is gone (deprecated since 0.9): nothing on the wire says an event is
  finished, and an event that changes nothing sends nothing at all. So every call carries a
  fresh query parameter (``NONCE_PARAM``) in its ``router_data``: the router vars change, which
  guarantees a delta and marks it as this call's. Events of one token run strictly one after
  the other, so with ``barrier=True`` a second, harmless event
  (``OnLoadInternalState.set_is_hydrated(True)``) follows the call, and its marked delta tells
  that the call's handler has finished (events the handler *chains* run after the barrier).
* The server accepts only origins in ``cors_allowed_origins`` (engine.io refuses the
  websocket upgrade with HTTP 400 otherwise), and the first event of a token with no router
  data re-hydrates the whole state; hence the Origin header and the boot event.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import importlib.metadata
import itertools
import ssl
import time
import uuid
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import urlencode, urlsplit

import socketio

__all__ = [
    "BARRIER_EVENT",
    "FIELD_MARKER",
    "HYDRATE_EVENT",
    "NAMESPACE",
    "NONCE_PARAM",
    "ROOT_STATE",
    "ReflexClient",
    "ReflexClientError",
    "event_name",
    "merge_deltas",
    "var",
]

#: Suffix Reflex adds to every var name in a delta (``reflex_base.constants.state``).
FIELD_MARKER: Final = "_rx_state_"
#: ``reflex.state.State.get_full_name()``.
ROOT_STATE: Final = "reflex___state____state"
#: The event the front end sends in the CONNECT packet (``initialEvents`` in context.jsx).
HYDRATE_EVENT: Final = f"{ROOT_STATE}.hydrate_and_load"
#: ``OnLoadInternalState.set_is_hydrated``: a no-op once hydrated, used as a barrier.
BARRIER_EVENT: Final = f"{ROOT_STATE}.reflex___state____on_load_internal_state.set_is_hydrated"
#: Query parameter that marks each call's router data (and so its delta).
NONCE_PARAM: Final = "_rxc"
#: socket.io path of the Reflex backend (``env.EVENT`` in .web/env.json).
EVENT_PATH: Final = "_event"
#: ... and its namespace: socket.io-client takes the URL's path (``/_event``) as the namespace
#: too (``config.get_event_namespace()``); the default namespace "/" gets no events.
NAMESPACE: Final = "/_event"

Delta = dict[str, dict[str, Any]]


class ReflexClientError(RuntimeError):
    """The server said something the client did not expect (state mismatch, disconnect)."""


def event_name(state: Any, handler: str) -> str:
    """The wire name of ``state``'s event handler: ``<state full name>.<handler>``.

    ``state`` is a Reflex state class (anything with ``get_full_name()``) or its full name.
    """
    full = state if isinstance(state, str) else str(state.get_full_name())
    return f"{full}.{handler}"


def var(delta: Mapping[str, Mapping[str, Any]], name: str, *, state: Any = None,
        default: Any = None) -> Any:
    """Read a var from a delta by its short name (``cert_user``), adding Reflex's suffix.

    ``state`` (a state class or its full name) picks the state; without it the var is looked
    up in every state of the delta and must be unambiguous. Returns ``default`` when absent.
    """
    key = name if name.endswith(FIELD_MARKER) else name + FIELD_MARKER
    if state is not None:
        full = state if isinstance(state, str) else str(state.get_full_name())
        return delta.get(full, {}).get(key, default)
    found = [values[key] for values in delta.values() if key in values]
    if len(found) > 1:
        raise KeyError(f"{name!r} is in several states of the delta: pass state=")
    return found[0] if found else default


def merge_deltas(deltas: Sequence[Mapping[str, Mapping[str, Any]]]) -> Delta:
    """Apply deltas in order, as the front end's reducers do: later values win per var."""
    merged: Delta = {}
    for delta in deltas:
        for state, values in delta.items():
            merged.setdefault(state, {}).update(values)
    return merged


def _marker(delta: Mapping[str, Mapping[str, Any]]) -> str | None:
    page = delta.get(ROOT_STATE, {}).get("rx_router_page" + FIELD_MARKER)
    if isinstance(page, Mapping):
        params = page.get("params")
        if isinstance(params, Mapping):
            value = params.get(NONCE_PARAM)
            return str(value) if value is not None else None
    return None


def _without_marker(delta: Mapping[str, Mapping[str, Any]], nonce: str) -> Delta:
    """The delta minus the router vars our nonce changed (they are not the handler's)."""
    out: Delta = {state: dict(values) for state, values in delta.items()}
    root = out.get(ROOT_STATE)
    if root is not None and _marker(delta) == nonce:
        for key in ("rx_router_page", "rx_router_url", "rx_router_route_id"):
            root.pop(key + FIELD_MARKER, None)
        if not root:
            del out[ROOT_STATE]
    return out


class _RecordingClient(socketio.AsyncClient):  # type: ignore[misc]
    """AsyncClient that keeps every Engine.IO message it receives, as received."""

    def __init__(self, frames: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._frames = frames

    async def _handle_eio_message(self, data: Any) -> None:
        self._frames.append(data if isinstance(data, str) else repr(data))
        await super()._handle_eio_message(data)


class ReflexClient:
    """One browser tab's websocket to a Reflex backend, without a browser.

    ``base_url`` is ``https://host:port`` (through nginx; give ``ssl_context``, which may carry
    a client certificate via ``load_cert_chain``) or ``http://127.0.0.1:PORT`` (the backend
    itself). ``origin`` is the Origin header sent (default: ``base_url``; a browser sends the
    service's public origin, so pass that when talking to the backend directly). ``headers``
    are added to the websocket upgrade request (tests use them to forge nginx's headers).

    Use as ``async with ReflexClient(...) as client:`` or call :meth:`connect` /
    :meth:`close`. Everything the server sent is kept in :attr:`frames` (raw Engine.IO
    messages) and :attr:`updates` (decoded ``event`` updates), for leak checks.
    """

    def __init__(
        self,
        base_url: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        headers: Mapping[str, str] | None = None,
        origin: str | None = None,
        token: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be http(s)://host:port")
        if parts.scheme == "https" and ssl_context is None:
            raise ValueError("an https base_url needs an ssl_context that trusts its CA")
        self.origin = (origin or self.base_url).rstrip("/")
        self.token = token or str(uuid.uuid4())
        self.timeout = timeout
        self.frames: list[str] = []
        self.updates: list[dict[str, Any]] = []
        self.other_events: list[tuple[str, Any]] = []
        #: Deltas received while connecting (hydration and the page's on_load events).
        self.hydration: list[Delta] = []
        self._headers = dict(headers or {})
        self._ssl_context = ssl_context
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._nonces = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._disconnected = asyncio.Event()
        self._sio: _RecordingClient | None = None

    # -- connection ----------------------------------------------------------------------

    def _router_data(self, path: str, nonce: str | None) -> dict[str, Any]:
        query = {NONCE_PARAM: nonce} if nonce is not None else {}
        as_path = path + ("?" + urlencode(query) if query else "")
        data: dict[str, Any] = {"pathname": path, "asPath": as_path}
        if query:
            data["query"] = query
        return data

    async def connect(self, *, path: str = "/", hydrate: bool = True) -> Delta:
        """Open the websocket as the page at ``path`` does; return the hydration deltas merged.

        With ``hydrate`` (the browser's behaviour) the boot event rides in the CONNECT packet
        and this waits until the state says ``is_hydrated`` (the page's on_load events have
        run). Raises ``socketio.exceptions.ConnectionError`` when the server refuses the
        connection (wrong Origin, refused upgrade), ``TimeoutError`` when hydration stalls.
        Without ``hydrate`` only the connection is made: the first event then re-hydrates the
        whole state and queues the page's on_load events (Reflex does that for a token it has
        no router data for), so use it for connection checks, not before :meth:`call`.
        """
        if self._sio is not None:
            raise ReflexClientError("already connected")
        self._disconnected.clear()
        extra: dict[str, Any] = {"protocols": (importlib.metadata.version("reflex"),)}
        if self._ssl_context is not None:
            extra["ssl"] = self._ssl_context
        sio = _RecordingClient(
            self.frames, reconnection=False, websocket_extra_options=extra,
            request_timeout=self.timeout,
        )
        sio.on("event", self._on_update, namespace=NAMESPACE)
        sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        sio.on("*", self._on_other, namespace=NAMESPACE)
        self._sio = sio
        auth: dict[str, Any] | None = None
        if hydrate:
            auth = {"event": {"name": HYDRATE_EVENT, "payload": {},
                              "router_data": self._router_data(path, None)}}
        headers = {**self._headers, "Origin": self.origin}
        url = f"{self.base_url}?{urlencode({'token': self.token})}"
        try:
            await sio.connect(
                url, headers=headers, auth=auth, transports=["websocket"],
                socketio_path=EVENT_PATH, namespaces=[NAMESPACE], wait_timeout=self.timeout,
            )
            if not hydrate:
                return {}
            deadline = time.monotonic() + self.timeout
            while True:
                update = await self._next(deadline, "hydration")
                delta = update.get("delta") or {}
                self.hydration.append(delta)
                if delta.get(ROOT_STATE, {}).get("is_hydrated" + FIELD_MARKER) is True:
                    return merge_deltas(self.hydration)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Disconnect (idempotent)."""
        if self._sio is not None:
            with contextlib.suppress(Exception):
                await self._sio.disconnect()
            self._sio = None
            # Let the transports run their close callbacks before a caller's loop ends.
            await asyncio.sleep(0.01)

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- events --------------------------------------------------------------------------

    async def _on_update(self, update: Any) -> None:
        if isinstance(update, dict):
            self.updates.append(update)
            await self._queue.put(update)

    async def _on_disconnect(self, *args: Any) -> None:
        self._disconnected.set()

    async def _on_other(self, event: str, *args: Any) -> None:
        self.other_events.append((event, args))

    async def _next(self, deadline: float, what: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no reply for {what} within {self.timeout:.0f} s")
        if self._disconnected.is_set() and self._queue.empty():
            raise ReflexClientError(f"disconnected while waiting for {what}")
        try:
            return await asyncio.wait_for(self._queue.get(), remaining)
        except TimeoutError:
            mismatch = [e for e, _ in self.other_events if e == "state_mismatch"]
            hint = " (the server reported a state schema mismatch)" if mismatch else ""
            raise TimeoutError(f"no reply for {what} within {self.timeout:.0f} s{hint}") from None

    async def _emit(self, name: str, payload: Mapping[str, Any], path: str, nonce: str) -> None:
        if self._sio is None:
            raise ReflexClientError("not connected")
        await self._sio.emit("event", {
            "name": name,
            "payload": dict(payload),
            "router_data": self._router_data(path, nonce),
        }, namespace=NAMESPACE)

    async def call(
        self,
        name: str,
        payload: Mapping[str, Any] | None = None,
        *,
        path: str = "/",
        barrier: bool = True,
    ) -> Delta:
        """Send one event and return the delta the server sent back for it (merged).

        ``name`` is the wire name (:func:`event_name`). With ``barrier`` this waits until the
        handler has finished (all its deltas, yields included); without, it returns at the
        first delta of the call, which for a handler that does not yield is also the last
        (the bench measures that). The router vars changed by the call's marker are removed
        from the result. One call at a time per client.
        """
        prefix = f"{self._prefix}-{next(self._nonces)}"
        nonce, done = prefix + "a", prefix + "b"
        while not self._queue.empty():  # late updates of earlier events (chained ones)
            self._queue.get_nowait()
        await self._emit(name, payload or {}, path, nonce)
        if barrier:
            await self._emit(BARRIER_EVENT, {"value": True}, path, done)
        deadline = time.monotonic() + self.timeout
        collected: list[Delta] = []
        seen_own = False
        while True:
            update = await self._next(deadline, name)
            delta = update.get("delta") or {}
            marker = _marker(delta)
            if barrier and marker == done:
                if not seen_own:
                    raise ReflexClientError(f"{name}: the barrier came back before the event")
                return merge_deltas(collected)
            if marker == nonce:
                seen_own = True
                collected.append(_without_marker(delta, nonce))
                if not barrier:
                    return merge_deltas(collected)
            elif seen_own:
                collected.append(copy.deepcopy(delta))

    async def timed_call(self, name: str, payload: Mapping[str, Any] | None = None, *,
                         path: str = "/") -> tuple[float, Delta]:
        """:meth:`call` without barrier, timed: (seconds from emit to the update, delta)."""
        start = time.perf_counter()
        delta = await self.call(name, payload, path=path, barrier=False)
        return time.perf_counter() - start, delta
