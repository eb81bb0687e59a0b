"""Running a state's background event in an integration test, as Reflex runs it: a background
handler cannot be called directly, and on a plain state (no Reflex app) ``async with self`` is
a no-op, so its coroutine is run to its end."""

from __future__ import annotations

import asyncio
from typing import Any


def run_background(state: Any, handler: str, *args: Any) -> Any:
    """``handler`` (a ``@rx.event(background=True)``) of ``state`` run to its end; what it
    returned (a redirect, or None)."""
    return asyncio.run(type(state).event_handlers[handler].fn(state, *args))
