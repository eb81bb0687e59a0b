"""How the 労金控除明細 screens (RK-1, RK-2, RK-3) show a detail, a product and a カナ氏名 as it is
typed (R-PLUS-2 "on entry"): plain functions shared by their states, no rules of their own (the
rules are in services/rokin_details.py and domain/kana.py)."""

from __future__ import annotations

from collections.abc import Iterable

from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.services import rokin_details
from chingin_app.services.rokin_details import DetailRow, ProductView

#: 状態 choices of the search form (the service's status filter).
STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "（すべて）"), ("active", "有効"), ("ended", "終了"), ("cancelled", "解除"),
)


def _yen(amount: int) -> str:
    return f"{amount:,}"


def detail_row(row: DetailRow) -> dict[str, str]:
    """One list row; the keys that sort are ``rokin_details.SORT_KEYS``' own."""
    return {
        "id": str(row.id),
        "staff_no": row.staff_no,
        "name_kana": row.name_kana,
        "name_kanji": row.name_kanji,
        "department": row.department,
        "product": f"{row.product_code} {row.product_name}",
        "account_no": row.account_no,
        "monthly_amount": _yen(row.monthly_amount),
        "bonus_amount": _yen(row.bonus_amount),
        "start_month": row.start_month,
        "end_month": row.end_month or "",
        "remaining_count": "" if row.remaining_count is None else str(row.remaining_count),
        "status": row.state_label,
        "live": "" if row.state == "cancelled" else "1",
        "loan": "1" if row.product_kind == "loan" else "",
    }


def product_options(products: Iterable[ProductView]) -> list[list[str]]:
    """``[code, "code name"]`` per product, for a select."""
    return [[p.code, f"{p.code} {p.name}"] for p in products]


def kana_feedback(typed: str, *, max_bytes: int | None = rokin_details.KANA_MAX_BYTES) -> tuple[
    str, str
]:
    """(hint, error) for a カナ氏名 as typed (R-PLUS-2 on entry, A.1): 「正規化後: ｷﾕｳﾖ ｲﾁﾛｳ」 when
    the bank's form differs from what was typed, or the reason the bank would refuse it."""
    if not typed.strip():
        return "", ""
    checked = check_name_kana(typed, field="カナ氏名", key="name_kana", max_bytes=max_bytes)
    if isinstance(checked, Err):
        return "", message(checked.code, **checked.params)
    if checked.value == typed:
        return "", ""
    return f"正規化後: {checked.value}", ""
