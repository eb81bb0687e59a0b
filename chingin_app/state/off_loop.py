"""Event handlers whose database work runs off the event loop (issue 12, DESIGN §1
"Production and scale").

Reflex runs a plain (synchronous) handler on the worker's event loop: while it waits for
PostgreSQL, no other tab's event moves, and one worker serves one click at a time however many
cores the machine has (at 100 clerks one worker's loop was busy all the time, 45 % of it
waiting for the database, with the machine's second core half idle). ``off_loop`` runs the
handler's body in a worker thread instead, so the loop takes other tabs' events meanwhile.

How: called on the event loop (as Reflex calls it), the handler returns an async generator
that awaits the body in a thread and yields its result once; Reflex emits the state's delta
and the returned events as for any handler that yields. Called anywhere else (a script, the
integration tests) it simply runs the body and returns its result.

Safe for a handler that only reads and sets its own state's vars and calls services: the event
keeps its tab's state lock until the generator ends (no other event of the tab runs meanwhile),
the services open their own sessions (a pooled connection per thread), and the thread sees
the event's context variables (``asyncio.to_thread`` copies them). Not for a handler that
yields or awaits Reflex's async state API; ``off_loop`` refuses generators and coroutines.

One thing does not wait for the lock: without Redis, Reflex's disk state manager pickles states
up to 2 s after an event from a task of its own, and may read one that a thread is changing
(as it may while any async handler awaits). That copy is only read when the worker restarts,
and the event's end queues the state to be written again, so it is rewritten whole. Writing at
the end of every event instead (``REFLEX_STATE_MANAGER_DISK_DEBOUNCE=0``) cost a third of one
worker's throughput in bench/load.py."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any


def off_loop(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` (a plain event handler) with its body run in a worker thread when Reflex
    calls it; put it under ``@rx.event``. The signature and annotations stay (Reflex converts
    the payload by them)."""
    if inspect.isgeneratorfunction(handler) or inspect.iscoroutinefunction(handler) or (
        inspect.isasyncgenfunction(handler)
    ):
        raise TypeError(f"{handler.__qualname__}: off_loop takes a plain function")

    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # not on an event loop: nothing to keep free
            return handler(*args, **kwargs)
        return _in_thread(handler, args, kwargs)

    return run


async def _in_thread(handler: Callable[..., Any], args: tuple[Any, ...],
                     kwargs: dict[str, Any]) -> AsyncIterator[Any]:
    body = asyncio.ensure_future(asyncio.to_thread(handler, *args, **kwargs))
    try:
        result = await asyncio.shield(body)
    except asyncio.CancelledError:
        # A thread cannot be stopped: the event (and with it the tab's state lock) ends only
        # once the body has, so the next event never meets a state still being changed.
        await asyncio.wait([body])
        raise
    yield result
