"""Form pieces every screen uses: a labelled field with its error, the error callout, the
submit button that is disabled while its event runs (SPEC §3)."""

from __future__ import annotations

from typing import Any

import reflex as rx


def field_error(error: rx.Var[str] | str, *, field_id: str) -> rx.Component:
    """The message under a field; announced to screen readers."""
    return rx.cond(
        error != "",
        rx.text(error, id=f"{field_id}-error", color="var(--red-11)", size="2", role="alert"),
    )


def text_field(
    label: str,
    name: str,
    *,
    error: rx.Var[str] | str = "",
    default_value: rx.Var[str] | str = "",
    input_mode: str | None = None,
    max_length: int | None = None,
    autocomplete: str = "off",
) -> rx.Component:
    """A labelled, uncontrolled text input: its value reaches the server only in the form's
    submit data."""
    field_id = f"field-{name}"
    props: dict[str, object] = {}
    if input_mode:
        props["input_mode"] = input_mode
    if max_length:
        props["max_length"] = max_length
    return rx.box(
        rx.el.label(label, html_for=field_id, style={"fontWeight": "bold", "display": "block"}),
        rx.input(
            id=field_id, name=name, default_value=default_value, auto_complete=autocomplete,
            aria_describedby=f"{field_id}-error", size="3", **props,
        ),
        field_error(error, field_id=field_id),
        margin_bottom="12px",
        max_width="420px",
    )


def period_fields(errors: Any) -> list[rx.Component]:  # the state's errors var
    """期間（開始）/ 期間（終了） date inputs of a search form, named as ``FormMixin._period``
    reads them, each with its error."""
    fields = []
    for label, name in (("期間（開始）", "period_from"), ("期間（終了）", "period_to")):
        field_id = f"field-{name}"
        fields.append(rx.box(
            rx.el.label(label, html_for=field_id, style={"display": "block", "fontWeight": "bold"}),
            rx.input(id=field_id, name=name, type="date"),
            field_error(errors.get(name, ""), field_id=field_id),  # type: ignore[arg-type]
        ))
    return fields


def alert(message: rx.Var[str] | str) -> rx.Component:
    """The one callout that repeats what went wrong (STYLE §4)."""
    return rx.cond(
        message != "",
        rx.callout(message, color_scheme="red", role="alert", margin_bottom="12px"),
    )


def info(message: rx.Var[str] | str) -> rx.Component:
    """A neutral notice (e.g. where the code was sent)."""
    return rx.cond(
        message != "",
        rx.callout(message, color_scheme="blue", role="status", margin_bottom="12px"),
    )


def submit_button(label: str, *, busy: rx.Var[bool] | bool = False) -> rx.Component:
    """A real submit button named as in the manual; disabled while its event runs."""
    return rx.button(label, type="submit", size="3", disabled=busy, loading=busy)
