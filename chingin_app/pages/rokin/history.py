"""RK-3 労金控除明細更新履歴照会 (SPEC §11): who, when, what, and each field before → after."""

from __future__ import annotations

import reflex as rx

from chingin_app import routes
from chingin_app.components.detail_history import detail_history_page, history_columns
from chingin_app.state.rokin.history import RokinHistoryState

COLUMNS = history_columns("商品", "product")


def rokin_history_page() -> rx.Component:
    """RK-3: newest first, 50 a page; one detail's history when opened from RK-1's 履歴."""
    return detail_history_page(RokinHistoryState, title="労金控除明細更新履歴照会",
                               columns=COLUMNS, list_title="労金控除明細照会",
                               list_route=routes.ROKIN_DETAILS)
