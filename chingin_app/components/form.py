"""Form pieces every screen uses: a labelled field with its error, the error callout, the
submit button that is disabled while its event runs (SPEC §3).

Issue 14 item 7: a required field's label carries 「必須」, a hint sits under its own field, a
field in error gets a red border besides its message, an input is as wide as what it takes,
and a native ``<select>`` looks like a control (``FORM_STYLE``, applied once by the shell).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

LABEL_STYLE = {"fontWeight": "bold", "display": "block"}
_INVALID_RING = "inset 0 0 0 2px var(--red-9)"

#: Applied by the page shells to everything inside a screen, so every field of every form
#: follows the same rules without each page restating them.
FORM_STYLE: dict[str, Any] = {
    # Native dropdowns stay native (keyboard, screen readers) but look like controls: a border,
    # the surface colour and room for Chromium's arrow; Radix's reset left them as plain text.
    "& select": {
        "minHeight": "var(--space-6)",
        "padding": "2px 8px",
        "border": "1px solid var(--gray-a8)",
        "borderRadius": "var(--radius-2)",
        "background": "var(--color-surface)",
        "color": "var(--gray-12)",
        "fontSize": "var(--font-size-2)",
        "maxWidth": "100%",
    },
    "& select:focus-visible": {"outline": "2px solid var(--focus-8)", "outlineOffset": "1px"},
    # A field in error: red border as well as its message (aria-invalid is set by the field).
    "& select[aria-invalid='true']": {"borderColor": "var(--red-9)", "boxShadow": _INVALID_RING},
    "& .rt-TextFieldRoot:has(input[aria-invalid='true'])": {"boxShadow": _INVALID_RING},
    "& input[type='date'][aria-invalid='true']": {"boxShadow": _INVALID_RING},
    # Contrast (issue 14 item 10, WCAG AA 4.5:1, checked by axe-core): Radix's step 9 behind
    # white text and step 11 text on tinted backgrounds fall short for several accents (blue,
    # red, amber): solid buttons take step 11, tinted buttons and callouts step 12 text.
    "& .rt-BaseButton.rt-variant-solid:where(:not(:disabled, [data-disabled]))": {
        "backgroundColor": "var(--accent-11)",
    },
    "& .rt-BaseButton.rt-variant-solid:where(:not(:disabled, [data-disabled])):hover": {
        "backgroundColor": "var(--accent-12)",
    },
    "& .rt-BaseButton:where(.rt-variant-soft, .rt-variant-outline, .rt-variant-surface,"
    " .rt-variant-ghost):where(:not(:disabled, [data-disabled]))": {"color": "var(--accent-12)"},
    "& .rt-CalloutRoot": {"--accent-a11": "var(--accent-12)", "color": "var(--accent-12)"},
}


def invalid(error: rx.Var[str] | str) -> rx.Var[str]:
    """``aria-invalid`` of a field: "true" while it has a message (also draws its red border)."""
    return rx.cond(rx.Var.create(error).to(str) != "", "true", "false")  # type: ignore[return-value]


def width_for(max_length: int | None) -> str | None:
    """An input's width for its longest value: characters plus the control's padding, never
    wider than the column (None: the column's width)."""
    if not max_length:
        return None
    return f"min(100%, calc({max_length}em + 24px))" if max_length <= 12 else None


def required_mark(required: bool) -> list[rx.Component]:
    """「必須」 after a required field's label (beside the ``<label>``, not in it, and hidden
    from assistive technology: the input says aria-required)."""
    if not required:
        return []
    return [rx.badge("必須", color_scheme="red", variant="soft", size="1", margin_left="6px",
                     aria_hidden="true")]


def field_label(label: str, field_id: str, *, required: bool = False) -> rx.Component:
    """A field's label, with 「必須」 for a required field."""
    return labelled(rx.el.label(label, html_for=field_id, style=_INLINE_LABEL), required)


_INLINE_LABEL = {**LABEL_STYLE, "display": "inline"}


def labelled(label: rx.Component, required: bool) -> rx.Component:
    """``label`` on a line of its own with 「必須」 after it, outside the ``<label>``: the
    field's accessible name stays exactly the label's words (tests and screen readers find
    「パスワード」, not 「パスワード 必須」; the input says aria-required)."""
    return rx.box(label, *required_mark(required))


def field_hint(hint: rx.Var[str] | str, *, field_id: str) -> rx.Component:
    """A hint right under its field (an example, the current value), named by the input's
    aria-describedby as ``{field_id}-hint``."""
    return rx.cond(
        hint != "",
        rx.text(hint, id=f"{field_id}-hint", size="1", color="var(--gray-11)", margin_top="2px"),
    )


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
    required: bool = False,
    hint: rx.Var[str] | str = "",
) -> rx.Component:
    """A labelled, uncontrolled text input: its value reaches the server only in the form's
    submit data. ``required`` marks it 「必須」; ``hint`` shows under it; a short
    ``max_length`` makes it as wide as its value."""
    field_id = f"field-{name}"
    props: dict[str, object] = {}
    if input_mode:
        props["input_mode"] = input_mode
    if max_length:
        props["max_length"] = max_length
    if required:
        props["aria_required"] = "true"
    width = width_for(max_length)
    if width:
        props["width"] = width
    return rx.box(
        field_label(label, field_id, required=required),
        rx.input(
            id=field_id, name=name, default_value=default_value, auto_complete=autocomplete,
            aria_describedby=f"{field_id}-hint {field_id}-error", aria_invalid=invalid(error),
            size="3", **props,
        ),
        field_hint(hint, field_id=field_id),
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
        error = errors.get(name, "")
        fields.append(rx.box(
            field_label(label, field_id),
            rx.input(id=field_id, name=name, type="date", aria_invalid=invalid(error),
                     aria_describedby=f"{field_id}-error"),
            field_error(error, field_id=field_id),  # type: ignore[arg-type]
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
