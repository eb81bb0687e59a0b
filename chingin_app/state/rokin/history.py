"""RK-3 労金控除明細更新履歴照会 (SPEC §11 "every change records who, when, before and after"):
the session's history newest first, for the employees whose 職員番号 starts with what was typed,
or for one detail (the 履歴 button of a row of RK-1 links here with ``?detail=<id>``; the
service limits it to the session's contract and payment group, so another tenant's id shows
nothing). The filters, handlers and paging are ``state/detail_history.py``'s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from chingin_app.services.rokin import detail_history
from chingin_app.services.rokin.detail_history import HistoryRow
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.detail_history import DetailHistoryMixin
from chingin_app.state.session import SessionState

MENU = "rokin.history"


class RokinHistoryState(DetailHistoryMixin, SessionState):
    """One page of the history; the 職員番号 filter as typed and the detail asked for."""

    def _history_menu(self) -> str:
        return MENU

    def _history_fetch(self, db: Session, info: SessionInfo, **criteria: Any) -> Any:
        return detail_history.history(db, session=info, **criteria)

    def _history_what(self, row: HistoryRow) -> str:
        return row.product_name

    def _history_what_key(self) -> str:
        return "product"

    def _history_query_staff_no(self, query: Mapping[str, Any]) -> str:
        asked = query.get("staff_no", "")
        return asked if isinstance(asked, str) and asked.isdigit() else ""
