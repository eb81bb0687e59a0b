"""The pattern every output screen shares (労金控除 RK-4 … RK-11, 一斉積立 RS-2/RS-3, 財形
RZ-1 … RZ-3; SPEC §11): choose what to output from (a 控除依頼, a statement, a 預入依頼書 … of
the selected payment group, newest first, the kept ones), choose which list, optionally
件数確認, then make the PDF or CSV in the background (state/outputs.py) and offer 表示 /
ダウンロード. Drawn by ``components/request_picker.py``.

A screen mixes ``RequestChoiceMixin`` into its state with ``SessionState``, declares its menu
(``_menu_key``, the permission checked at every event), its lists (``_list_choices``: code →
title; empty for a screen with one output), whether its file is shown inline (``_inline``) and
its two message codes (``_no_choice_code``, ``_unknown_choice_code``), and fills in the hooks:
``_choice_options``, ``_find_choice`` and ``_preview_text`` over its own service (each area
supplies its own: state/rokin/outputs.py, state/batch_savings.py, state/zaikei.py), ``_build``
(the file to make) and, for a screen that shows the list, ``_after_choice``.

Every id or list code that comes from the client is checked again on the server: the choice
through the area's service (the session's contract and payment group), the list against this
screen's own choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Protocol

import reflex as rx
from reflex.event import EventSpec

from chingin_app.domain.messages import message
from chingin_app.domain.validation import parse_row_id
from chingin_app.reports.csv_writer import ENCODING_CHOICES
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin
from chingin_app.state.outputs import Build, OutputMixin, run_output
from chingin_app.state.paging import PagingMixin


class RequestChoiceMixin(OutputMixin, MenuAccessMixin, FormMixin, mixin=True):
    """The chosen request and list of an output screen, and its output."""

    # [{"id", "label"}] of the session's group's requests, newest first.
    request_options: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    request_id: str = ""
    request_label: str = ""
    # [{"code", "title"}] of the screen's lists (empty: one output only).
    list_options: list[dict[str, str]] = []  # noqa: RUF012
    list_kind: str = ""
    list_title: str = ""
    encoding: str = "cp932"
    preview_text: str = ""
    no_request_text: str = ""

    # -- what a screen declares (class constants, not state) ------------------------------

    #: The menu whose permission every event checks.
    _menu_key: ClassVar[str]
    #: The screen's lists, code → title (empty: one output only).
    _list_choices: ClassVar[Mapping[str, str]] = {}
    #: Whether the output gets a 表示 link (PDFs) besides ダウンロード.
    _inline: ClassVar[bool] = True
    #: The message shown when there is nothing to choose from.
    _no_choice_code: ClassVar[str]
    #: The refusal when a chosen id is not (or no longer) one of the session's.
    _unknown_choice_code: ClassVar[str]

    # -- hooks a screen fills in ------------------------------------------------------------

    def _choice_options(self, info: SessionInfo) -> list[dict[str, str]]:
        """[{"id", "label"}] to choose from, newest first (the session's group only)."""
        raise NotImplementedError

    def _find_choice(self, info: SessionInfo, request_id: object) -> dict[str, str] | None:
        """The choice with this id when it is one of ``_choice_options``; None otherwise."""
        raise NotImplementedError

    def _preview_text(self, info: SessionInfo) -> str | None:
        """件数確認's sentence for the chosen id and list; None when it is not one of the
        session's."""
        raise NotImplementedError

    def _after_choice(self, info: SessionInfo) -> None:
        """Refresh what the screen shows of the chosen id and list (default: nothing)."""

    def _build(self, info: SessionInfo) -> Build | None:
        """The file to make for the chosen id and list, or None (with ``alert_text``)."""
        raise NotImplementedError

    # -- shared steps -------------------------------------------------------------------------

    def _access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        # Output menus: 閲覧のみ may print and export (R-USER-7), so "view" is the right.
        return self._menu_access(self._menu_key, "view")

    def _start(self, info: SessionInfo) -> None:
        """A new visit: the requests to choose from, the newest chosen, the first list."""
        self._clear_messages()
        self._reset_output()
        self.preview_text = ""
        views = self._choice_options(info)
        self.request_options = views
        self.no_request_text = "" if views else message(self._no_choice_code)
        self.request_id = self.request_options[0]["id"] if views else ""
        self.request_label = self.request_options[0]["label"] if views else ""
        lists = self._list_choices
        self.list_options = [{"code": code, "title": title} for code, title in lists.items()]
        self.list_kind = next(iter(lists), "all")
        self.list_title = lists.get(self.list_kind, "")
        self.encoding = "cp932"
        self._after_choice(info)

    def _chosen_request(self) -> int | None:
        return parse_row_id(self.request_id)

    def _refuse(self, code: str) -> None:
        self.alert_text = message(code)

    def _changed(self, info: SessionInfo) -> None:
        self._clear_messages()
        self._reset_output()
        self.preview_text = ""
        self._after_choice(info)

    # -- handlers -------------------------------------------------------------------------------

    def _checked(self, info: SessionInfo) -> bool:
        """The chosen request is still one of the session's (else the message, False):
        checked again right before a file is made."""
        if self._find_choice(info, self.request_id) is None:
            self._refuse(self._unknown_choice_code)
            return False
        return True

    @rx.event
    def load(self) -> EventSpec | None:
        """The screen opens: what there is to choose from, the newest chosen."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._start(info)
        return None

    @rx.event
    def choose_request(self, request_id: str) -> EventSpec | None:
        """A 控除依頼 (一斉積立 statement, 預入依頼書) chosen: only one of the group's is taken."""
        info, redirect = self._access()
        if info is None:
            return redirect
        view = self._find_choice(info, request_id)
        if view is None:
            self._clear_messages()
            self._refuse(self._unknown_choice_code)
            return None
        self.request_id = view["id"]
        self.request_label = view["label"]
        self._changed(info)
        return None

    @rx.event
    def choose_list(self, which: str) -> EventSpec | None:
        """出力するリスト chosen (one of this screen's lists)."""
        info, redirect = self._access()
        if info is None:
            return redirect
        lists = self._list_choices
        if not isinstance(which, str) or which not in lists:
            self._clear_messages()
            self._refuse("E-OUT-LIST")
            return None
        self.list_kind, self.list_title = which, lists[which]
        self._changed(info)
        return None

    @rx.event
    def choose_encoding(self, encoding: str) -> EventSpec | None:
        """文字コード of a CSV: CP932 (default) or UTF-8 with BOM (R-ENV-3)."""
        info, redirect = self._access()
        if info is None:
            return redirect
        if not isinstance(encoding, str) or encoding not in ENCODING_CHOICES:
            self._clear_messages()
            self._refuse("E-OUT-ENCODING")
            return None
        self.encoding = encoding
        self._reset_output()
        return None

    @rx.event
    def count_lines(self) -> EventSpec | None:
        """件数確認: how many lines the output will hold and their total."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._clear_messages()
        text = self._preview_text(info)
        if text is None:
            self.preview_text = ""
            self._refuse(self._unknown_choice_code)
            return None
        self.preview_text = text
        return None

    async def _make(self, *, excel: bool) -> EventSpec | None:
        """Check, then make the screen's file in a worker thread with progress and offer it
        (``excel``: the export as a workbook instead of a CSV)."""
        async with self:
            if self.output_running:
                return None  # one output at a time per screen
            info, redirect = self._access()
            if info is None:
                return redirect
            self._clear_messages()
            self._excel = excel
            try:
                build = self._build(info)
            finally:
                self._excel = False
            inline = self._inline and not excel
        if build is None:
            return None
        await run_output(self, build, inline=inline)
        return None

    @rx.event(background=True)
    async def make_output(self) -> EventSpec | None:
        """PDF出力 / CSV出力: checked here, made in a worker thread with progress, then offered
        as 表示 / ダウンロード (the screen's ``_build``)."""
        return await self._make(excel=False)

    @rx.event(background=True)
    async def make_excel(self) -> EventSpec | None:
        """Excel出力 (issue 14 item 5): the same export as an .xlsx workbook — codes as text,
        amounts as numbers — offered through the same ダウンロード."""
        return await self._make(excel=True)


class ShownPage(Protocol):
    """One page of a list as an area's service returns it (``services.outputs.LinePage``)."""

    @property
    def rows(self) -> Sequence[Mapping[str, str]]: ...

    @property
    def total(self) -> int: ...

    @property
    def page(self) -> int: ...

    @property
    def pages(self) -> int: ...


class ListChoiceMixin(PagingMixin, RequestChoiceMixin, mixin=True):
    """An output screen that also shows the chosen list, one page at a time (server-side):
    労金控除 RK-4/RK-11, 賃控元帳 RL-5/RL-7. A screen fills in ``_fetch`` over its service."""

    def _fetch(self, info: SessionInfo) -> ShownPage | None:
        """The chosen list's page ``self.page`` of the chosen request; None when either is not
        the session's."""
        raise NotImplementedError

    def _after_choice(self, info: SessionInfo) -> None:
        self.page = 1
        self._refresh(info)

    def _refresh(self, info: SessionInfo) -> None:
        found = self._fetch(info) if self.request_id else None
        if found is None:
            self._show_page(total=0, page=1, pages=1, rows=[])
            return
        self._show_page(total=found.total, page=found.page, pages=found.pages, rows=found.rows)

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._access()

    def _reload_page(self, info: SessionInfo) -> None:
        self._refresh(info)
