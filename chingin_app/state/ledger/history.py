"""RL-4 賃控元帳明細更新履歴照会 (SPEC §11 "every change records who, when, before and after"):
the session's ledger history newest first, by 職員番号 and period, or for one detail (the 履歴
link of an RL-1 row carries ``?detail=<id>``; the service scopes it to the session's contract
and payment group, so another tenant's id shows nothing). The filters, handlers and paging are
``state/detail_history.py``'s."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from chingin_app.services.ledger import details as ledger_details
from chingin_app.services.ledger.details import LedgerHistoryRow
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.detail_history import DetailHistoryMixin
from chingin_app.state.session import SessionState

MENU = "ledger.history"


class LedgerHistoryState(DetailHistoryMixin, SessionState):
    """One page of the history; the filters as typed and the detail asked for."""

    def _history_menu(self) -> str:
        return MENU

    def _history_fetch(self, db: Session, info: SessionInfo, **criteria: Any) -> Any:
        return ledger_details.history(db, session=info, **criteria)

    def _history_what(self, row: LedgerHistoryRow) -> str:
        return row.item_name

    def _history_what_key(self) -> str:
        return "item"
