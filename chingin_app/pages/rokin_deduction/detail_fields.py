"""Field pieces the 労金控除明細 screens (RK-1 追加登録・変更, RK-2 新規登録) share: a product
select, a text field that reacts when left (カナ氏名 and 職員番号 on entry, R-PLUS-2), and a
detail's fields (口座番号, amounts, months, 残回数)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app.components.form import field_error, text_field

LABEL_STYLE = {"fontWeight": "bold", "display": "block"}


def select_field(label: str, name: str, options: Any, *, error: Any = "",
                 blank: str = "選択してください") -> rx.Component:
    """A labelled native select of ``[value, text]`` pairs with its error."""
    field_id = f"field-{name}"
    return rx.box(
        rx.el.label(label, html_for=field_id, style=LABEL_STYLE),
        rx.el.select(
            rx.el.option(blank, value=""),
            rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])),
            id=field_id, name=name, aria_describedby=f"{field_id}-error",
            style={"minHeight": "32px", "minWidth": "14em"},
        ),
        field_error(error, field_id=field_id),
        margin_bottom="12px",
    )


def checked_field(label: str, name: str, *, on_blur: Any, error: Any = "", hint: Any = "",
                  max_length: int | None = None) -> rx.Component:
    """A labelled text input whose value is sent when the user leaves it (the check on entry);
    the result shows under it: the error, or the hint (e.g. 「正規化後: ｷﾕｳﾖ ｲﾁﾛｳ」)."""
    field_id = f"field-{name}"
    props: dict[str, object] = {"max_length": max_length} if max_length else {}
    return rx.box(
        rx.el.label(label, html_for=field_id, style=LABEL_STYLE),
        rx.input(id=field_id, name=name, auto_complete="off", on_blur=on_blur,
                 aria_describedby=f"{field_id}-error {field_id}-hint", size="3", **props),
        field_error(error, field_id=field_id),
        rx.cond(hint != "", rx.text(hint, id=f"{field_id}-hint", size="2", color="var(--blue-11)",
                                    role="status")),
        margin_bottom="12px",
        max_width="420px",
    )


def detail_fields(errors: Any, *, current: Any = None) -> rx.Component:
    """口座番号 … 残回数. With ``current`` (the row being changed) each field shows its value
    now and blank means unchanged (SPEC §3)."""

    def field(label: str, name: str, mode: str = "numeric", max_length: int = 10) -> Any:
        parts = [text_field(label, name, error=errors.get(name, ""), input_mode=mode,
                            max_length=max_length)]
        if current is not None:
            parts.append(rx.text("現在：", current[name], size="1", margin_top="-8px",
                                 margin_bottom="8px"))
        return rx.box(*parts)

    end_label = ("終了年月（例 2027-03）" if current is not None
                 else "終了年月（例 2027-03、空欄は終了なし）")
    return rx.fragment(
        field("口座番号（7桁）", "account_no", max_length=7),
        field("月例額（円）", "monthly_amount", max_length=7),
        field("一時金額（円）", "bonus_amount", max_length=7),
        field("開始年月（例 2026-05）", "start_month", mode="text", max_length=7),
        field(end_label, "end_month", mode="text", max_length=7),
        field("残回数（ローン返済のみ）", "remaining_count", max_length=3),
    )
