"""RL-1 賃控元帳明細照会 (SPEC §11): search, the paged and sortable list, and from a row 照会,
変更, 解除 (with a confirmation) and 履歴 — the manual's row actions (no 追加登録: RL-2).
The page is ``components/detail_list.py``'s; here the
columns, the 種目 and the ledger detail's fields."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.detail_fields import select_field
from chingin_app.components.detail_list import detail_list_page, status_select
from chingin_app.components.paged_table import Column
from chingin_app.pages.ledger.fields import ledger_fields
from chingin_app.state.ledger.details import LedgerDetailsState as S

COLUMNS = (
    Column("職員番号", "staff_no", sortable=True),
    Column("カナ氏名", "name_kana", sortable=True),
    Column("漢字氏名", "name_kanji"),
    Column("所属", "department", sortable=True),
    Column("種目", "item", sortable=True),
    Column("月例額", "monthly_amount", numeric=True, sortable=True),
    Column("一時金額", "bonus_amount", numeric=True, sortable=True),
    Column("開始年月", "start_month", sortable=True, shown="start_month_label"),
    Column("終了年月", "end_month", sortable=True, shown="end_month_label"),
    Column("状態", "status", sortable=True),
)


def _cancel_tail(row: Any) -> tuple[Any, ...]:
    return (" の控除を解除します。解除してよろしいですか？",)


def ledger_details_page() -> rx.Component:
    """RL-1: the payment group's ledger details, 50 a page, sorted by a column header."""
    return detail_list_page(
        S, title="賃控元帳明細照会", noun="賃控元帳明細", columns=COLUMNS,
        what_key="item", what_label="種目",
        filters=(select_field("種目", "item", S.items, blank="（すべて）"), status_select()),
        add_fields=(
            select_field("種目", "item_code", S.items,
                         error=S.errors.get("item_code", "")),  # type: ignore[attr-defined]
            ledger_fields(S.errors),
        ),
        change_fields=ledger_fields(S.errors, current=S.target),
        history_route=routes.LEDGER_HISTORY, cancel_tail=_cancel_tail, adds=False,
    )
