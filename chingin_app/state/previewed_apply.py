"""適用 → はい of a previewed change as a background event (R-DEP-4), shared by 賃控元帳明細一括更新
(RL-8) and 賃控元帳明細データインポート (RL-10): an apply of thousands of rows can outlast
Reflex's 10 s state lock, which would discard the state's writes and keep the tab waiting. The
state is locked only to check the menu's 変更 right and take the preview — at once, so a second
はい applies nothing twice — and again to show the result."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from reflex.event import EventSpec

from chingin_app.domain.messages import message
from chingin_app.services.sessions import SessionInfo

P = TypeVar("P")
R = TypeVar("R")


async def apply_previewed(
    state: Any,  # a background-event state with _menu_access, _preview, _forget_preview, busy
    menu_key: str,
    apply: Callable[[SessionInfo, P, str | None], R],
    show: Callable[[P, R], None],
) -> EventSpec | None:
    """Run ``apply(info, preview, ip)`` off the state lock and ``show(preview, result)`` under
    it; nothing runs without the right, while another apply runs, or without a preview."""
    async with state:
        info, redirect = state._menu_access(menu_key, "change")
        if info is None:
            return redirect  # type: ignore[no-any-return]
        if state.busy:
            return None  # an apply is running: its result will be shown
        state._clear_messages()
        state.notice = ""
        previewed = state._preview
        if previewed is None:
            state.alert_text = message("E-RL-NO-CHANGE")
            return None
        state._preview = None
        state.busy = True
        ip = state._client_ip()
    result = await asyncio.to_thread(apply, info, previewed, ip)
    async with state:
        state.busy = False
        state._forget_preview()
        show(previewed, result)
    return None
