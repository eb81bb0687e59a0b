"""RL-4 賃控元帳明細更新履歴照会 (SPEC §11): who, when, what, and each field before → after."""

from __future__ import annotations

import reflex as rx

from chingin_app import routes
from chingin_app.components.detail_history import detail_history_page, history_columns
from chingin_app.state.ledger.history import LedgerHistoryState

COLUMNS = history_columns("種目", "item")


def ledger_history_page() -> rx.Component:
    """RL-4: newest first, 50 a page; one detail's history when opened from RL-1's 履歴."""
    return detail_history_page(LedgerHistoryState, title="賃控元帳明細更新履歴照会",
                               columns=COLUMNS, list_title="賃控元帳明細照会",
                               list_route=routes.LEDGER_DETAILS)
