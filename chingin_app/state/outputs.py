"""Generating a list or export without blocking the app, with progress on screen (SPEC §11
outputs; issue 5: "Long outputs show progress and do not block the rest of the app").

A screen's handler checks the session and the menu permission, then hands a build function to
``run_output`` from a background event: the build runs in a worker thread, reports progress,
and its file is kept in ``services.prepared_files`` for the user; the screen then offers 表示 /
ダウンロード through single-use download tickets (DESIGN §1)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from chingin_app.services import prepared_files
from chingin_app.services.context import app_clock
from chingin_app.services.outputs import XLSX, Progress
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.sessions import SessionInfo

log = logging.getLogger(__name__)

PREPARED_KIND = "prepared"
#: Build the file, reporting (done, total) as it goes; runs in a worker thread.
Build = Callable[[Progress], PreparedFile]
#: A service function ``make(db, info, *, clock, ip, on_progress, **criteria)`` that makes a
#: prepared file (and logs the print or export) or refuses.
Maker = Callable[..., "Ok[PreparedFile] | Err"]


class OutputRefused(RuntimeError):
    """The service refused while the file was being made (e.g. the data went away meanwhile);
    the screen shows this message instead of E-OUT-FAILED's."""


def service_build(info: SessionInfo, ip: str | None, make: Maker, **criteria: object) -> Build:
    """The worker-thread build of a screen's output: its own database session, the service's
    file, or its refusal as ``OutputRefused``."""

    def build(report: Progress) -> PreparedFile:
        with session_scope() as db:
            result = make(db, info, clock=app_clock(), ip=ip, on_progress=report, **criteria)
        if isinstance(result, Err):
            raise OutputRefused(message(result.code, **result.params))
        return result.value

    return build


class OutputMixin(rx.State, mixin=True):
    """The one output a screen is making or has made."""

    output_running: bool = False
    output_percent: int = 0
    output_name: str = ""
    output_error: str = ""
    output_view_url: str = ""
    _output_ref: str = ""
    # True while 「Excel出力」's build is being set up: the export asks for the workbook (.xlsx)
    # instead of the CSV of the chosen 文字コード (issue 14 item 5).
    _excel: bool = False

    def _export_encoding(self) -> str:
        """What the export is asked for: ``xlsx`` for 「Excel出力」, else the 文字コード."""
        if self._excel:
            return XLSX
        return str(getattr(self, "encoding", "cp932"))

    def _reset_output(self) -> None:
        """Forget the last output (a new visit or new criteria)."""
        self.output_running = False
        self.output_percent = 0
        self.output_name = self.output_error = self.output_view_url = ""
        self._output_ref = ""

    @rx.event
    def download_output(self) -> EventSpec | None:
        """ダウンロード of the output just made (a fresh ticket each time)."""
        return self._download_event()

    def _download_event(self) -> EventSpec | None:
        """The download of the output just made, on a fresh single-use ticket (also sent
        right after the output by a screen that saves the click: 今月の控除)."""
        if not self._output_ref:
            return None
        ticket = self._download_ticket(  # type: ignore[attr-defined]
            PREPARED_KIND, self._output_ref, inline=False
        )
        if ticket is None:
            return self._guard()  # type: ignore[attr-defined,no-any-return]
        return rx.download(url=f"/dl/{ticket}")


async def run_output(state: Any, build: Build, *, inline: bool = True) -> None:
    """Run ``build`` off the event loop from a background event of ``state`` (an
    ``OutputMixin`` screen), showing progress every few tenths of a second; then keep the file
    and offer it (a 表示 link for PDFs when ``inline``)."""
    progress = {"done": 0, "total": 1}

    def report(done: int, total: int) -> None:
        progress["done"], progress["total"] = done, max(1, total)

    async with state:
        state.output_running, state.output_percent = True, 0
        state.output_error = state.output_view_url = state.output_name = ""
        state._output_ref = ""
    task = asyncio.create_task(asyncio.to_thread(build, report))
    while not task.done():
        await asyncio.wait({task}, timeout=0.3)
        async with state:
            state.output_percent = min(99, progress["done"] * 100 // progress["total"])
    try:
        file = task.result()
        # Off the event loop: with several workers the file goes to Redis (R-DEP-4).
        ref = await asyncio.to_thread(prepared_files.store().put, file)
    except OutputRefused as refused:
        async with state:
            state.output_running, state.output_error = False, str(refused)
        return
    except Exception:  # the user gets a message, the operator the traceback
        log.exception("output failed")
        async with state:
            state.output_running, state.output_error = False, message("E-OUT-FAILED")
        return
    async with state:
        state.output_running, state.output_percent = False, 100
        state.output_name = file.filename
        state._output_ref = ref
        if inline:
            ticket = state._download_ticket(PREPARED_KIND, ref, inline=True)
            state.output_view_url = f"/dl/{ticket}" if ticket else ""
