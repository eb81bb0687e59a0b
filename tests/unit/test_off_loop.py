"""``state/off_loop.py`` (issue 12, R-DEP-4): a handler's body runs in a worker thread when
Reflex calls it on the event loop, so the loop serves other tabs meanwhile; called anywhere else
it runs at once."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading

import pytest

from chingin_app.state.off_loop import off_loop

_TAB: contextvars.ContextVar[str] = contextvars.ContextVar("tab", default="")


class Screen:
    """Stands for a state: the handler sets a var and returns what Reflex would chain."""

    def __init__(self) -> None:
        self.seen: tuple[int, str] | None = None

    @off_loop
    def load(self, tab_no: int = 0) -> str:
        """The screen's on_load."""
        self.seen = (threading.get_ident(), _TAB.get())
        return "redirect"


def test_r_dep_4_called_outside_an_event_loop_it_runs_at_once() -> None:
    screen = Screen()
    assert screen.load() == "redirect"
    assert screen.seen == (threading.get_ident(), "")
    assert inspect.signature(Screen.load).parameters["tab_no"].annotation == "int"
    assert Screen.load.__doc__ == "The screen's on_load."


def test_r_dep_4_on_the_loop_the_body_runs_in_a_thread_with_the_events_context() -> None:
    async def event() -> tuple[list[str], int]:
        _TAB.set("tab-1")
        screen = Screen()
        events = screen.load()
        assert inspect.isasyncgen(events)  # Reflex emits the delta, then chains the result
        yielded = [item async for item in events]
        assert screen.seen is not None and screen.seen[1] == "tab-1"
        return yielded, screen.seen[0]

    yielded, thread = asyncio.run(event())
    assert yielded == ["redirect"]
    assert thread != threading.get_ident()


def test_r_dep_4_the_loop_serves_others_while_a_handler_waits() -> None:
    """Two tabs' handlers wait for each other (a barrier: run one after the other, the first
    would wait alone and fail) and for a release that only the event loop gives — so both
    bodies ran at once and the loop kept running meanwhile."""
    both_running = threading.Barrier(2, timeout=10)
    met = threading.Event()
    released = threading.Event()

    class Waiting:
        @off_loop
        def load(self) -> str:
            both_running.wait()
            met.set()
            if not released.wait(timeout=10):
                raise TimeoutError("the event loop never ran while the handlers waited")
            return "done"

    async def tabs() -> list[list[str]]:
        async def one() -> list[str]:
            return [item async for item in Waiting().load()]

        async def loop_work() -> None:
            while not met.is_set() and not both_running.broken:
                await asyncio.sleep(0.001)
            released.set()

        *replies, _ = await asyncio.gather(one(), one(), loop_work())
        return replies

    assert asyncio.run(tabs()) == [["done"], ["done"]]


def test_r_dep_4_a_cancelled_event_ends_only_after_its_body() -> None:
    """Cancelling the event (a tab gone mid-click) cannot stop the thread: the cancellation
    reaches Reflex, and releases the tab's state lock, only once the body has finished."""
    started, release = threading.Event(), threading.Event()
    finished: list[str] = []

    class Slow:
        @off_loop
        def load(self) -> str:
            started.set()
            release.wait(timeout=10)
            finished.append("body")
            return "late"

    async def cancel_mid_body() -> list[str]:
        async def event() -> None:
            async for _ in Slow().load():
                pass

        task = asyncio.create_task(event())
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        asyncio.get_running_loop().call_later(0.05, release.set)
        try:
            await task
        except asyncio.CancelledError:
            finished.append("cancelled")
        return finished

    assert asyncio.run(cancel_mid_body()) == ["body", "cancelled"]


def test_r_dep_4_generators_and_coroutines_are_refused() -> None:
    def steps() -> object:
        yield None

    async def coro() -> None:
        return None

    for handler in (steps, coro):
        with pytest.raises(TypeError, match="plain function"):
            off_loop(handler)
