"""RK-2 労金控除明細新規登録 (SPEC §11; R-PLUS-2 カナ氏名 checked on entry)."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.detail_fields import select_field
from chingin_app.components.detail_new import detail_new_page
from chingin_app.pages.rokin.detail_fields import detail_fields
from chingin_app.state.rokin.detail_new import RokinDetailNewState as N


def rokin_detail_new_page() -> rx.Component:
    """RK-2: a new employee with the first detail, or another detail of a registered one."""
    return detail_new_page(
        N, title="労金控除明細新規登録", list_title="労金控除明細照会",
        detail_fields=(
            select_field("商品", "product_code", N.products, required=True,
                         error=N.errors.get("product_code", "")),  # type: ignore[attr-defined]
            detail_fields(N.errors),
        ),
    )
