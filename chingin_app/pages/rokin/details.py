"""RK-1 労金控除明細照会 (SPEC §11): search, the paged and sortable list, and from a row 追加登録,
変更, 解除 (with a confirmation) and 履歴. The page is ``components/detail_list.py``'s; here the
columns, the 商品 and the detail's own fields (口座番号, 残回数)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.detail_fields import select_field
from chingin_app.components.detail_list import detail_list_page, status_select
from chingin_app.components.paged_table import Column
from chingin_app.pages.rokin.detail_fields import detail_fields
from chingin_app.state.rokin.details import RokinDetailsState as S

COLUMNS = (
    Column("職員番号", "staff_no", sortable=True),
    Column("カナ氏名", "name_kana", sortable=True),
    Column("漢字氏名", "name_kanji"),
    Column("所属", "department", sortable=True),
    Column("商品", "product", sortable=True),
    Column("口座番号", "account_no", sortable=True),
    Column("月例額", "monthly_amount", numeric=True, sortable=True),
    Column("一時金額", "bonus_amount", numeric=True, sortable=True),
    Column("開始年月", "start_month", sortable=True, shown="start_month_label"),
    Column("終了年月", "end_month", sortable=True, shown="end_month_label"),
    Column("残回数", "remaining_count", numeric=True),
    Column("状態", "status", sortable=True),
)


def _cancel_tail(row: Any) -> tuple[Any, ...]:
    return "（口座番号 ", row["account_no"], "）の控除を解除します。解除してよろしいですか？"


def rokin_details_page() -> rx.Component:
    """RK-1: the payment group's details, 50 a page, sorted by a column header."""
    return detail_list_page(
        S, title="労金控除明細照会", noun="労金控除明細", columns=COLUMNS,
        what_key="product", what_label="商品",
        filters=(status_select(), select_field("商品", "product", S.products, blank="（すべて）")),
        add_fields=(
            select_field("商品", "product_code", S.products,
                         error=S.errors.get("product_code", "")),  # type: ignore[attr-defined]
            detail_fields(S.errors),
        ),
        change_fields=detail_fields(S.errors, current=S.target),
        history_route=routes.ROKIN_HISTORY, cancel_tail=_cancel_tail,
    )
