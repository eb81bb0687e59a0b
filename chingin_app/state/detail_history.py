"""The 更新履歴照会 screens of the per-employee details (RK-3 労金控除明細更新履歴照会, RL-4
賃控元帳明細更新履歴照会; SPEC §11 "every change records who, when, before and after"): the
session's history newest first, by 職員番号 (from the start) and period, or for one detail (the
履歴 button of a list row links here with ``?detail=<id>``; the service limits it to the
session's contract and payment group, so another tenant's id shows nothing).

A mixin: each screen names its menu and calls its own service (``_history_fetch``); the
filters, the handlers and the paging are here once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.domain.validation import parse_row_id
from chingin_app.models.rokin import HistoryAction
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.paging import PagingMixin

PAGE_SIZE = 50


def history_changes(action: str, changes: tuple[tuple[str, str, str], ...]) -> str:
    """「月例額: 10,000 → 12,000」 per changed field (追加: the values registered)."""
    return " ／ ".join(
        f"{label}: {before} → {after}"
        if before or action != HistoryAction.ADD
        else f"{label}: {after}"
        for label, before, after in changes
    )


def history_row(row: Any, what_key: str, what: str) -> dict[str, str]:
    """One history row (a service's history row; ``what`` is its 商品 / 種目 name, shown under
    the screen's own ``what_key``)."""
    return {
        "at": dates.datetime_label(row.changed_at),
        "actor": row.actor,
        "action": row.action,
        "staff_no": row.staff_no,
        "name_kana": row.name_kana,
        what_key: what,
        "changes": history_changes(row.action, row.changes),
    }


class DetailHistoryMixin(PagingMixin, FormMixin, MenuAccessMixin, mixin=True):
    """One page of the history; the filters as typed and the detail asked for."""

    staff_no_filter: str = ""
    period_from: str = ""
    period_to: str = ""
    detail_label: str = ""
    _detail_id: int = 0

    # --- the screen's hooks -------------------------------------------------------------

    def _history_menu(self) -> str:
        """The screen's menu key (checked with "view" by every handler)."""
        raise NotImplementedError

    def _history_fetch(self, db: Session, info: SessionInfo, **criteria: Any) -> Any:
        """The service's history page (rows, total, page, pages) or its Err; ``criteria`` are
        detail_id, staff_no, start, end, page and page_size."""
        raise NotImplementedError

    def _history_what(self, row: Any) -> str:
        """A row's 商品 / 種目 name (the list column and the one-detail heading)."""
        raise NotImplementedError

    def _history_what_key(self) -> str:
        """The row key of the 商品 / 種目 column."""
        raise NotImplementedError

    def _history_query_staff_no(self, query: Mapping[str, Any]) -> str:
        """The 職員番号 filter a link may carry (none unless the screen accepts one)."""
        return ""

    # --- shared ---------------------------------------------------------------------------

    def _fetch(self, info: SessionInfo) -> None:
        bounds = self._period(self.period_from, self.period_to)
        if bounds is None:
            return
        with session_scope(read_only=True) as db:
            found = self._history_fetch(
                db, info, detail_id=self._detail_id or None, staff_no=self.staff_no_filter,
                start=bounds[0], end=bounds[1], page=self.page, page_size=PAGE_SIZE,
            )
        if isinstance(found, Err):
            self._show_refusal(found)
            self._show_page(total=0, page=1, pages=1, rows=[])
            return
        self._show_page(total=found.total, page=found.page, pages=found.pages,
                        rows=[history_row(r, self._history_what_key(), self._history_what(r))
                              for r in found.rows])
        first = found.rows[0] if found.rows else None
        self.detail_label = "" if not self._detail_id else (
            message("I-HISTORY-OF-DETAIL", staff_no=first.staff_no, name_kana=first.name_kana,
                    what=self._history_what(first))
            if first is not None else message("I-HISTORY-OF-UNKNOWN")
        )

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the screen: the whole history, or one detail's (``?detail=``)."""
        info, redirect = self._menu_access(self._history_menu(), "view")
        if info is None:
            return redirect
        self._clear_messages()
        query = self.router.url.query_parameters
        self._detail_id = parse_row_id(query.get("detail", "")) or 0
        self.staff_no_filter = self._history_query_staff_no(query)
        self.period_from = self.period_to = ""
        self.page = 1
        self._fetch(info)
        return None

    @rx.event
    def search(self, form: dict[str, str]) -> EventSpec | None:
        """検索 by 職員番号 and period (within the detail asked for, if any)."""
        info, redirect = self._menu_access(self._history_menu(), "view")
        if info is None:
            return redirect
        self._clear_messages()
        self.staff_no_filter = text(form, "staff_no").strip()
        self.period_from = text(form, "period_from").strip()
        self.period_to = text(form, "period_to").strip()
        self.page = 1
        self._fetch(info)
        return None

    @rx.event
    def all_details(self) -> EventSpec | None:
        """すべての明細: drop the one-detail filter."""
        info, redirect = self._menu_access(self._history_menu(), "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._detail_id = 0
        self.page = 1
        self._fetch(info)
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(self._history_menu(), "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._fetch(info)
