"""How the 賃控元帳 screens (RL-1, RL-2, RL-4, RL-11) show a ledger detail and a 種目
(the history rows are ``state/detail_history.py``'s): plain functions shared by their states,
no rules of their own (the rules are in services/ledger/details.py and
services/ledger/items.py)."""

from __future__ import annotations

from collections.abc import Iterable

from chingin_app.domain import dates
from chingin_app.services.ledger.details import LedgerRow
from chingin_app.services.ledger.items import ItemView


def ledger_row(row: LedgerRow) -> dict[str, str]:
    """One RL-1 list row; the keys that sort are ``ledger_details.SORT_KEYS``' own."""
    return {
        "id": str(row.id),
        "staff_no": row.staff_no,
        "name_kana": row.name_kana,
        "name_kanji": row.name_kanji,
        "department": row.department,
        "item": f"{row.item_code} {row.item_name}",
        "monthly_amount": f"{row.monthly_amount:,}",
        "bonus_amount": f"{row.bonus_amount:,}",
        "start_month": row.start_month,
        "end_month": row.end_month or "",
        # What the list shows (2026年5月); the edit form keeps the typed form above.
        "start_month_label": dates.month_label(row.start_month),
        "end_month_label": dates.month_label(row.end_month),
        "status": row.state_label,
        "live": "" if row.state == "cancelled" else "1",
    }


def item_options(items: Iterable[ItemView]) -> list[list[str]]:
    """``[code, "code name"]`` per 種目, for a select."""
    return [[i.code, f"{i.code} {i.name}"] for i in items]


def item_row(item: ItemView) -> dict[str, str]:
    """One RL-11 list row."""
    return {"id": str(item.id), "code": item.code, "name": item.name,
            "in_use": f"{item.in_use:,}"}

