"""RL-2 賃控元帳明細新規登録 (SPEC §11; カナ氏名 checked on entry, A.1)."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.detail_fields import select_field
from chingin_app.components.detail_new import detail_new_page
from chingin_app.pages.ledger.fields import ledger_fields
from chingin_app.state.ledger.detail_new import LedgerDetailNewState as N


def ledger_detail_new_page() -> rx.Component:
    """RL-2: a ledger detail for a registered employee, or a new employee with the first."""
    return detail_new_page(
        N, title="賃控元帳明細新規登録", list_title="賃控元帳明細照会",
        detail_fields=(
            select_field("種目", "item_code", N.items, required=True,
                         error=N.errors.get("item_code", "")),  # type: ignore[attr-defined]
            ledger_fields(N.errors),
        ),
    )
