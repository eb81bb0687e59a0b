"""A password field with the ソフトウェアキーボード (SPEC R-SESS-3, R-SESS-3a, DESIGN §1).

Usage: the screen state mixes in
:class:`~chingin_app.state.software_keyboard.SoftwareKeyboardMixin` (before its other bases)
and reads the password once in its submit handler::

    class LoginState(SoftwareKeyboardMixin, FormMixin, SessionState):
        @rx.event
        def submit(self, form: dict[str, str]):
            try:
                password = take_secret(self, form, "password")
            except SoftwareKeyboardExpired:
                return  # the field already says so; nothing was checked or counted
            ...

    rx.form(
        password_field("パスワード", "password", state=LoginState,
                       error=LoginState.errors.get("password", "")),
        submit_button("ログイン", busy=LoginState.busy),
        on_submit=LoginState.submit,
    )

The input is uncontrolled: its value reaches the server only in the form's submit data, and
no event fires while it is typed into. Its id is its name, so the form data holds the secret
once (Reflex also submits form controls by id). On the software keyboard the input is
unmounted and a display of ● (one per character, from the count in state) stands in its place,
named by the same label; typing into that display goes back to the physical keyboard.
"""

from __future__ import annotations

from typing import Any, cast

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from chingin_app.components.form import field_error, field_hint, labelled
from chingin_app.services.keypad import GROUPS
from chingin_app.state.software_keyboard import (
    KB_EXPIRED_NOTICE,
    SoftwareKeyboardExpired,
    SoftwareKeyboardMixin,
    reset_keyboard,
    take_secret,
)

# The state-side helpers are re-exported: a screen state imports them from here or from
# chingin_app.state.software_keyboard, where they live.
__all__ = [
    "KB_EXPIRED_NOTICE",
    "SoftwareKeyboardExpired",
    "SoftwareKeyboardMixin",
    "password_field",
    "reset_keyboard",
    "take_secret",
]

_DOT = "●"
_KEY_STYLE = {"minWidth": "2.6em", "fontFamily": "monospace", "fontSize": "1rem"}
_DISPLAY_STYLE = {
    "width": "100%",
    "height": "var(--space-7)",
    "padding": "0 var(--space-2)",
    "border": "1px solid var(--gray-7)",
    "borderRadius": "var(--radius-2)",
    "letterSpacing": "0.2em",
    "background": "var(--gray-2)",
}


def password_field(
    label: str,
    name: str,
    *,
    state: type[rx.State],
    error: rx.Var[str] | str = "",
    autocomplete: str = "current-password",
    required: bool = False,
    hint: str = "",
) -> rx.Component:
    """A labelled password input for use inside ``rx.form``, with its software keyboard.

    ``name`` is the form field name (and the input's id); read the value in the submit handler
    with ``take_secret(self, form_data, name)``. ``state`` is the screen's state, which mixes in
    ``SoftwareKeyboardMixin``. ``error`` is the field's message ("" for none).
    ``autocomplete`` is the input's hint: ``new-password`` on registration and change screens.
    ``required`` marks the label 「必須」; ``hint`` (the password rules) shows under the field.
    """
    if not (isinstance(state, type) and issubclass(state, SoftwareKeyboardMixin)):
        shown = getattr(state, "__name__", repr(state))
        raise TypeError(
            f"password_field: {shown} must mix in SoftwareKeyboardMixin "
            f"(class {shown}(SoftwareKeyboardMixin, ...)) to offer the software keyboard "
            "(R-SESS-3)"
        )
    kb = cast(type[SoftwareKeyboardMixin], state)
    # mypy reads neither a dict field's class access (ObjectVar) nor rx.event's overloads
    # (EventCallback); `handlers` is the same class, untyped, for calls with arguments.
    handlers: Any = kb
    counts = cast("ObjectVar[dict[str, int]]", kb.kb_counts)
    notices = cast("ObjectVar[dict[str, str]]", kb.kb_notice)
    has_error = rx.Var.create(error).to(str) != ""
    error_id = f"{name}-error"
    status_id = f"{name}-kb-status"
    panel_id = f"{name}-kb"
    label_id = f"{name}-label"
    hint_id = f"{name}-hint"
    on_keyboard = counts.contains(name)
    count = counts.get(name, 0).to(int)
    notice = notices.get(name, "").to(str)

    physical = rx.input(
        key=f"{name}-physical",
        id=name,
        name=name,
        type="password",
        auto_complete=autocomplete,
        auto_focus=kb.kb_refocus == name,
        aria_invalid=rx.cond(has_error, "true", "false"),
        aria_describedby=f"{hint_id} {error_id}" if hint else error_id,
        aria_required="true" if required else None,
        size="3",
    )
    # No id and no name: the display is no form control, so the form never submits the ●
    # (Reflex 0.10 submits id-only controls by ref); the label names it via aria-labelledby.
    display = rx.el.input(
        key=f"{name}-software",
        type="text",
        value=rx.Var.create(_DOT) * count,
        placeholder="ソフトウェアキーボードで入力します",
        auto_complete="off",
        spell_check=False,
        # Typing here means the physical keyboard: only the field name is sent, never the
        # typed character (the lambda does not pass the value on).
        on_change=lambda _value: handlers.kb_physical(name),
        aria_labelledby=label_id,
        aria_invalid=rx.cond(has_error, "true", "false"),
        aria_describedby=f"{status_id} {error_id}",
        style=_DISPLAY_STYLE,
    )
    return rx.box(
        labelled(rx.el.label(label, id=label_id, html_for=name,
                             style={"fontWeight": "bold", "display": "inline"}), required),
        rx.box(rx.cond(on_keyboard, display, physical), max_width="420px"),
        field_hint(hint, field_id=name),
        rx.hstack(
            rx.button(
                "ソフトウェアキーボード",
                type="button",
                variant="soft",
                size="1",
                on_click=handlers.kb_show(name),
                aria_expanded=rx.cond(kb.kb_open == name, "true", "false"),
                aria_controls=panel_id,
            ),
            rx.cond(
                on_keyboard,
                rx.text(
                    "ソフトウェアキーボードで",
                    count.to_string(),
                    "文字入力済み",
                    id=status_id,
                    role="status",
                    size="1",
                ),
            ),
            align="center",
            spacing="2",
            margin_top="4px",
        ),
        rx.cond(notice != "", rx.text(notice, role="status", color_scheme="amber", size="2")),
        field_error(error, field_id=name),
        rx.cond(kb.kb_open == name, _panel(kb, name, panel_id)),
        margin_bottom="12px",
    )


def _panel(state: type[SoftwareKeyboardMixin], name: str, panel_id: str) -> rx.Component:
    sections: list[rx.Component] = []
    start = 0
    for title, chars in GROUPS:
        end = start + len(chars)
        sections.append(_section(state, title, start, end))
        start = end
    return rx.el.div(
        rx.text("キーの配置は表示するたびに変わります。", size="1", color_scheme="gray"),
        *sections,
        rx.hstack(
            _command("並び替え", state.kb_shuffle),
            _command("1文字削除", state.kb_backspace),
            _command("クリア", state.kb_clear),
            _command("キーボードで入力", cast(Any, state).kb_physical(name)),
            _command("閉じる", state.kb_close),
            wrap="wrap",
            spacing="2",
            margin_top="8px",
        ),
        id=panel_id,
        role="group",
        aria_label="ソフトウェアキーボード",
        style={
            "border": "1px solid var(--gray-7)",
            "borderRadius": "var(--radius-3)",
            "padding": "8px",
            "marginTop": "6px",
        },
    )


def _section(state: type[SoftwareKeyboardMixin], title: str, start: int, end: int) -> rx.Component:
    return rx.el.div(
        rx.text(title, size="1", color_scheme="gray"),
        rx.flex(
            rx.foreach(
                cast("ArrayVar[list[Any]]", state.kb_keys)[start:end],
                lambda key: _key(state, key),
            ),
            wrap="wrap",
            gap="4px",
        ),
        role="group",
        aria_label=title,
        margin_top="4px",
    )


def _key(state: type[SoftwareKeyboardMixin], key: Any) -> rx.Component:
    label = key[0].to(str)
    # The click sends the key's position only; the server maps it to the character.
    return rx.button(
        label,
        type="button",
        variant="outline",
        size="2",
        aria_label=label,
        on_click=cast(Any, state).kb_press(key[1].to(int)),
        style=_KEY_STYLE,
    )


def _command(text: str, handler: Any) -> rx.Component:
    return rx.button(text, type="button", variant="surface", size="2", on_click=handler)
