"""The pattern every 労金控除 output screen shares (SPEC §11 RK-4 … RK-11): choose a request
(控除年月 + 支給区分 of the selected payment group, newest first, the kept cycles), choose which
list, optionally 件数確認, then make the PDF or CSV in the background (state/outputs.py) and
offer 表示 / ダウンロード. Drawn by ``components/request_picker.py``.

A screen mixes ``RequestChoiceMixin`` into its state with ``SessionState`` and fills in the
hooks: ``_menu_key`` (the permission checked at every event), ``_list_choices`` (code → title;
empty for a screen with one output), ``_results_only`` (RK-11: requests with results only),
``_build`` (the file to make) and, for a screen that shows the list, ``_after_choice``. A
screen over other statements than 控除依頼 (一斉積立) also fills in ``_choice_options``,
``_find_choice``, ``_no_choice_text``, ``_unknown_choice_code`` and ``_preview_text``.

Every request id or list code that comes from the client is checked again on the server: the
request through ``services.rokin_outputs`` (the session's contract and payment group), the list
against this screen's own choices."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.validation import parse_row_id
from chingin_app.reports.csv_writer import ENCODING_CHOICES
from chingin_app.services.rokin import outputs as rokin_outputs
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin
from chingin_app.state.outputs import Build, OutputMixin, run_output


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

    # -- hooks a screen fills in ------------------------------------------------------------

    def _menu_key(self) -> str:
        raise NotImplementedError

    def _list_choices(self) -> Mapping[str, str]:
        return {}

    def _results_only(self) -> bool:
        return False

    def _after_choice(self, info: SessionInfo) -> None:
        """Refresh what the screen shows of the chosen request and list (default: nothing)."""

    def _build(self, info: SessionInfo) -> Build | None:
        """The file to make for the chosen request and list, or None (with ``alert_text``)."""
        raise NotImplementedError

    def _inline(self) -> bool:
        """Whether the output gets a 表示 link (PDFs) besides ダウンロード."""
        return True

    # The choices themselves (default: the 労金控除 requests of ``services.rokin_outputs``); a
    # screen over other statements (一斉積立, state/batch_savings.py) fills these in instead.

    def _choice_options(self, info: SessionInfo) -> list[dict[str, str]]:
        """[{"id", "label"}] to choose from, newest first (the session's group only)."""
        with session_scope(read_only=True) as db:
            views = rokin_outputs.choices(db, info, results_only=self._results_only())
        return [{"id": str(v.id), "label": rokin_outputs.request_label(v)} for v in views]

    def _find_choice(self, info: SessionInfo, request_id: object) -> dict[str, str] | None:
        """The choice with this id when it is one of ``_choice_options``; None otherwise."""
        with session_scope(read_only=True) as db:
            view = rokin_outputs.find_request(db, info, request_id,
                                              results_only=self._results_only())
        return None if view is None else {"id": str(view.id),
                                          "label": rokin_outputs.request_label(view)}

    def _no_choice_text(self) -> str:
        return message("I-OUT-NO-RESULTS" if self._results_only() else "I-OUT-NO-REQUEST")

    def _unknown_choice_code(self) -> str:
        return "E-OUT-REQUEST"

    def _preview_text(self, info: SessionInfo) -> str | None:
        """件数確認's sentence for the chosen request and list; None when it is not one of
        the session's."""
        with session_scope(read_only=True) as db:
            found = rokin_outputs.preview(db, info, request_id=self.request_id,
                                          which=self.list_kind,
                                          results_only=self._results_only())
        if found is None:
            return None
        return message("I-OUT-PREVIEW", count=f"{found.count:,}", amount=f"{found.amount:,}")

    # -- shared steps -------------------------------------------------------------------------

    def _access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        # Output menus: 閲覧のみ may print and export (R-USER-7), so "view" is the right.
        return self._menu_access(self._menu_key(), "view")

    def _start(self, info: SessionInfo) -> None:
        """A new visit: the requests to choose from, the newest chosen, the first list."""
        self._clear_messages()
        self._reset_output()
        self.preview_text = ""
        views = self._choice_options(info)
        self.request_options = views
        self.no_request_text = "" if views else self._no_choice_text()
        self.request_id = self.request_options[0]["id"] if views else ""
        self.request_label = self.request_options[0]["label"] if views else ""
        lists = self._list_choices()
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
            self._refuse(self._unknown_choice_code())
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
        """控除依頼 chosen: only one of the session's group's requests is taken."""
        info, redirect = self._access()
        if info is None:
            return redirect
        view = self._find_choice(info, request_id)
        if view is None:
            self._clear_messages()
            self._refuse(self._unknown_choice_code())
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
        lists = self._list_choices()
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
        """件数確認: how many lines the output will hold and their 依頼額."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._clear_messages()
        text = self._preview_text(info)
        if text is None:
            self.preview_text = ""
            self._refuse(self._unknown_choice_code())
            return None
        self.preview_text = text
        return None

    @rx.event(background=True)
    async def make_output(self) -> EventSpec | None:
        """PDF出力 / CSV出力: checked here, made in a worker thread with progress, then offered
        as 表示 / ダウンロード (the screen's ``_build``)."""
        async with self:
            if self.output_running:
                return None  # one output at a time per screen
            info, redirect = self._access()
            if info is None:
                return redirect
            self._clear_messages()
            build = self._build(info)
            inline = self._inline()
        if build is None:
            return None
        await run_output(self, build, inline=inline)
        return None
