"""RK-3 労金控除明細更新履歴照会 (SPEC §11 "every change records who, when, before and after"):
the session's history newest first, for the employees whose 職員番号 starts with what was typed,
or for one detail (the 履歴 button of a row of RK-1 links here with ``?detail=<id>``; the
service limits it to the session's contract and payment group, so another tenant's id shows
nothing)."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.result import Err
from chingin_app.domain.validation import parse_row_id
from chingin_app.services import rokin_details
from chingin_app.services.rokin_details import HistoryRow
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.paging import PagingMixin
from chingin_app.state.session import SessionState

MENU = "rokin.history"
PAGE_SIZE = 50


def _changes(row: HistoryRow) -> str:
    """「月例額: 10,000 → 12,000」 per changed field (追加: the values registered)."""
    return " ／ ".join(
        f"{label}: {before} → {after}" if before or row.action != "追加" else f"{label}: {after}"
        for label, before, after in row.changes
    )


def _history_row(row: HistoryRow) -> dict[str, str]:
    return {
        "at": f"{row.changed_at:%Y/%m/%d %H:%M}",
        "actor": row.actor,
        "action": row.action,
        "staff_no": row.staff_no,
        "name_kana": row.name_kana,
        "product": row.product_name,
        "changes": _changes(row),
    }


class RokinHistoryState(PagingMixin, FormMixin, MenuAccessMixin, SessionState):
    """One page of the history; the 職員番号 filter as typed and the detail asked for."""

    staff_no_filter: str = ""
    period_from: str = ""
    period_to: str = ""
    detail_label: str = ""
    _detail_id: int = 0

    def _fetch(self, info: SessionInfo) -> None:
        bounds = self._period(self.period_from, self.period_to)
        if bounds is None:
            return
        with session_scope(read_only=True) as db:
            found = rokin_details.history(
                db, session=info, detail_id=self._detail_id or None,
                staff_no=self.staff_no_filter, start=bounds[0], end=bounds[1],
                page=self.page, page_size=PAGE_SIZE,
            )
        if isinstance(found, Err):
            self._show_refusal(found)
            self._show_page(total=0, page=1, pages=1, rows=[])
            return
        self._show_page(total=found.total, page=found.page, pages=found.pages,
                        rows=[_history_row(r) for r in found.rows])
        if self._detail_id:
            first = found.rows[0] if found.rows else None
            self.detail_label = (
                f"職員番号 {first.staff_no} {first.name_kana} {first.product_name} の明細の履歴"
                if first is not None else "指定された明細の履歴"
            )
        else:
            self.detail_label = ""

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the screen: the whole history, or one detail's (``?detail=``)."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        query = self.router.url.query_parameters
        self._detail_id = parse_row_id(query.get("detail", "")) or 0
        asked = query.get("staff_no", "")
        self.staff_no_filter = asked if isinstance(asked, str) and asked.isdigit() else ""
        self.period_from = self.period_to = ""
        self.page = 1
        self._fetch(info)
        return None

    @rx.event
    def search(self, form: dict[str, str]) -> EventSpec | None:
        """検索 by 職員番号 and period (within the detail asked for, if any)."""
        info, redirect = self._menu_access(MENU, "view")
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
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._detail_id = 0
        self.page = 1
        self._fetch(info)
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(MENU, "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._fetch(info)
