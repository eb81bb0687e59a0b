"""Field pieces the per-employee detail screens share (労金控除 RK-1 追加登録・変更 / RK-2 新規登録,
賃控元帳 RL-1 / RL-2): a select of ``[value, text]`` pairs (商品 / 種目), a text field that
reacts when left (カナ氏名 and 職員番号 on entry, R-PLUS-2), and the amount and month fields of
a detail (月例額, 一時金額, 開始年月, 終了年月)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app.components.form import (
    field_error,
    field_label,
    invalid,
    text_field,
    width_for,
)


def select_field(label: str, name: str, options: Any, *, error: Any = "",
                 blank: str = "選択してください", required: bool = False) -> rx.Component:
    """A labelled native select of ``[value, text]`` pairs with its error (nothing chosen at
    first: the blank entry)."""
    field_id = f"field-{name}"
    return rx.box(
        field_label(label, field_id, required=required),
        rx.el.select(
            rx.el.option(blank, value=""),
            rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])),
            id=field_id, name=name, aria_describedby=f"{field_id}-error",
            aria_invalid=invalid(error), aria_required="true" if required else None,
            style={"minHeight": "32px", "minWidth": "14em"},
        ),
        field_error(error, field_id=field_id),
        margin_bottom="12px",
    )


def checked_field(label: str, name: str, *, on_blur: Any, error: Any = "", hint: Any = "",
                  max_length: int | None = None, required: bool = False,
                  note: str = "") -> rx.Component:
    """A labelled text input whose value is sent when the user leaves it (the check on entry);
    the result shows under it: the error, or the hint (e.g. 「正規化後: ｷﾕｳﾖ ｲﾁﾛｳ」).
    ``note`` is the field's standing advice, also right under it."""
    field_id = f"field-{name}"
    props: dict[str, object] = {"max_length": max_length} if max_length else {}
    if required:
        props["aria_required"] = "true"
    width = width_for(max_length)
    if width:
        props["width"] = width
    return rx.box(
        field_label(label, field_id, required=required),
        rx.input(id=field_id, name=name, auto_complete="off", on_blur=on_blur,
                 aria_describedby=f"{field_id}-error {field_id}-hint {field_id}-note",
                 aria_invalid=invalid(error), size="3", **props),
        rx.cond(note != "", rx.text(note, id=f"{field_id}-note", size="1",
                                    color="var(--gray-11)", margin_top="2px")),
        field_error(error, field_id=field_id),
        rx.cond(hint != "", rx.text(hint, id=f"{field_id}-hint", size="2", color="var(--blue-11)",
                                    role="status")),
        margin_bottom="12px",
        max_width="420px",
    )


def detail_field(errors: Any, current: Any, label: str, name: str, *, mode: str = "numeric",
                 max_length: int = 7, required: bool = False) -> rx.Component:
    """One field of a detail; with ``current`` (the row being changed) its value now under it
    (blank means unchanged, SPEC §3)."""
    # The value now is the field's hint, right under it (it floated between fields before).
    hint = "" if current is None else rx.Var.create("現在：") + current[name].to(str)
    return text_field(label, name, error=errors.get(name, ""), input_mode=mode,
                      max_length=max_length, hint=hint, required=required)


def amount_month_fields(errors: Any, *, current: Any = None) -> list[rx.Component]:
    """月例額, 一時金額, 開始年月 and 終了年月 (blank: no end, except on 変更)."""
    end_label = ("終了年月（例 2027-03）" if current is not None
                 else "終了年月（例 2027-03、空欄は終了なし）")
    return [
        detail_field(errors, current, "月例額（円）", "monthly_amount"),
        detail_field(errors, current, "一時金額（円）", "bonus_amount"),
        detail_field(errors, current, "開始年月（例 2026-05）", "start_month", mode="text",
                     required=current is None),
        detail_field(errors, current, end_label, "end_month", mode="text"),
    ]
