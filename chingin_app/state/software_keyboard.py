"""ソフトウェアキーボード, the state side (SPEC R-SESS-3, R-SESS-3a).

A mixin for every screen state with a password field::

    class LoginState(SoftwareKeyboardMixin, PageState): ...

The vars hold only what the browser may see: which fields are on the software keyboard and
how many characters each holds (``kb_counts``), which field's panel is open, and the shuffled
key labels with the position each key sends. The typed characters live in
``services.keypad`` (process memory) and reach the submit handler through
:func:`take_secret`; no var, backend var included, ever holds them.

A field is either on the physical keyboard (its uncontrolled ``<input type=password>`` is
mounted and submitted with the form) or on the software keyboard (``name in kb_counts``: the
input is unmounted and a ● display stands in its place). Switching either way clears the
field: unmounting drops what was typed into the input, and going back wipes the buffer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import reflex as rx

from chingin_app.domain.messages import message
from chingin_app.services import keypad

__all__ = [
    "KB_EXPIRED_NOTICE",
    "SoftwareKeyboardExpired",
    "SoftwareKeyboardMixin",
    "reset_keyboard",
    "take_secret",
]

#: Shown at the field when the buffer expired (15 minutes) or was lost (server restart, a
#: reconnect to another worker) before it was used.
KB_EXPIRED_NOTICE: Final = message("E-KB-EXPIRED")

_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class SoftwareKeyboardExpired(Exception):
    """The field was typed on the software keyboard, but its buffer is gone (expired or lost).

    :func:`take_secret` has already reset the field and set :data:`KB_EXPIRED_NOTICE` at it:
    the submit handler stops without counting anything (it is not a wrong password).
    """

    def __init__(self, name: str) -> None:
        super().__init__(f"software keyboard buffer of field {name!r} expired")
        self.name = name


class SoftwareKeyboardMixin(rx.State, mixin=True):
    """Software keyboard vars and handlers; mix into a screen state before its base."""

    #: field name → characters typed on the software keyboard; a field is on the software
    #: keyboard exactly when its name is a key here.
    kb_counts: rx.Field[dict[str, int]] = rx.field(default_factory=dict)
    #: The field whose panel is open ("" = none).
    kb_open: rx.Field[str] = rx.field("")
    #: The open panel's keys in display order: (label, position sent by a click).
    kb_keys: rx.Field[list[tuple[str, int]]] = rx.field(default_factory=list)
    #: The field that just went back to the physical keyboard: its input mounts focused.
    kb_refocus: rx.Field[str] = rx.field("")
    #: field name → a notice at the field (the buffer expired).
    kb_notice: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    @rx.event
    def kb_show(self, name: str) -> None:
        """「ソフトウェアキーボード」: open the field's panel with a new layout (or close it)."""
        if not _NAME_RE.fullmatch(name):
            return
        if self.kb_open == name:
            _close_panel(self)
            return
        store = keypad.default_store()
        token, key = _ids(self, name)
        faces = None
        if name in self.kb_counts:
            # Back to a field already on the software keyboard: keep what was typed.
            faces = store.reshuffle(token, key)
            if faces is None and self.kb_counts[name] > 0:
                _set_notice(self, name, KB_EXPIRED_NOTICE)
        if faces is None:
            # From the physical keyboard (or after expiry): the input unmounts, the field
            # starts empty (R-SESS-3a).
            faces = store.start(token, key)
            _set_count(self, name, 0)
        self.kb_open = name
        self.kb_keys = [(face.label, face.position) for face in faces]
        self.kb_refocus = ""

    @rx.event
    def kb_press(self, position: int) -> None:
        """A key: the browser sends only its position in the current layout."""
        name = self.kb_open
        if not name:
            return
        token, key = _ids(self, name)
        count = keypad.default_store().press(token, key, position)
        if count is None:
            _restart(self, name)
            return
        _set_count(self, name, count)
        _set_notice(self, name, "")

    @rx.event
    def kb_backspace(self) -> None:
        """「1文字削除」."""
        name = self.kb_open
        if not name:
            return
        token, key = _ids(self, name)
        count = keypad.default_store().backspace(token, key)
        if count is None:
            _restart(self, name)
            return
        _set_count(self, name, count)

    @rx.event
    def kb_clear(self) -> None:
        """「クリア」: empty the field, keep the panel and its layout."""
        name = self.kb_open
        if not name:
            return
        token, key = _ids(self, name)
        if keypad.default_store().clear(token, key) is None:
            _restart(self, name)
            return
        _set_count(self, name, 0)
        _set_notice(self, name, "")

    @rx.event
    def kb_shuffle(self) -> None:
        """「並び替え」: a new layout, keeping what was typed."""
        name = self.kb_open
        if not name:
            return
        token, key = _ids(self, name)
        faces = keypad.default_store().reshuffle(token, key)
        if faces is None:
            _restart(self, name)
            return
        self.kb_keys = [(face.label, face.position) for face in faces]

    @rx.event
    def kb_close(self) -> None:
        """「閉じる」: hide the panel; the field keeps its characters (shown as ●), or, when
        nothing was typed on the panel, goes back to the physical keyboard (issue 14 item 7)."""
        _close_panel(self)

    @rx.event
    def kb_physical(self, name: str) -> None:
        """「キーボードで入力」, or typing into the ● display: back to the physical keyboard.

        The buffer is wiped and the empty input mounts focused (R-SESS-3a).
        """
        if not _NAME_RE.fullmatch(name):
            return
        _to_physical(self, name)
        self.kb_refocus = name

    @rx.event
    def kb_reset(self) -> None:
        """Every field back to the physical keyboard, buffers wiped: for a page's on_load."""
        reset_keyboard(self)


def take_secret(state: rx.State, form_data: Mapping[str, Any], name: str) -> str:
    """The secret the user entered in field ``name``, read once in a submit handler.

    On the software keyboard: the buffer (wiped by reading it); the field stays on the software
    keyboard, empty, with its panel closed. On the physical keyboard: the form's value ("" if
    absent). A state without :class:`SoftwareKeyboardMixin` offers no keyboard: the form's value.
    Raises :class:`SoftwareKeyboardExpired` when characters were typed on the software keyboard
    but the buffer is gone; the field then shows :data:`KB_EXPIRED_NOTICE`.
    """
    value = form_data.get(name)
    typed_value = value if isinstance(value, str) else ""
    if not isinstance(state, SoftwareKeyboardMixin):
        return typed_value
    store = keypad.default_store()
    token, key = _ids(state, name)
    if name not in state.kb_counts:
        if token:  # a stale buffer of this field, if any, goes too
            store.discard(token, key)
        return typed_value
    typed = state.kb_counts[name]
    secret = store.take(token, key)
    _set_count(state, name, 0)
    if state.kb_open == name:
        _close(state)
    if secret is None:
        if typed:
            _set_notice(state, name, KB_EXPIRED_NOTICE)
            raise SoftwareKeyboardExpired(name)
        return ""
    return secret


def reset_keyboard(state: SoftwareKeyboardMixin) -> None:
    """Wipe the state's software keyboard buffers; every field back to the physical keyboard."""
    store = keypad.default_store()
    token = _token(state)
    for name in {*state.kb_counts, *([state.kb_open] if state.kb_open else [])}:
        if token:
            store.discard(token, _field_key(state, name))
    state.kb_counts = {}
    state.kb_open = ""
    state.kb_keys = []
    state.kb_refocus = ""
    state.kb_notice = {}


# -- helpers (module functions: a public method on a state would become an event handler) ----


def _token(state: rx.State) -> str:
    return state.router.session.client_token


def _field_key(state: rx.State, name: str) -> str:
    # Namespaced by screen state: a "password" field on another screen has its own buffer.
    return f"{state.get_name()}:{name}"


def _ids(state: rx.State, name: str) -> tuple[str, str]:
    return _token(state), _field_key(state, name)


def _set_count(state: SoftwareKeyboardMixin, name: str, count: int) -> None:
    state.kb_counts = {**state.kb_counts, name: count}


def _set_notice(state: SoftwareKeyboardMixin, name: str, text: str) -> None:
    if text:
        state.kb_notice = {**state.kb_notice, name: text}
    elif name in state.kb_notice:
        state.kb_notice = {k: v for k, v in state.kb_notice.items() if k != name}


def _close(state: SoftwareKeyboardMixin) -> None:
    state.kb_open = ""
    state.kb_keys = []


def _close_panel(state: SoftwareKeyboardMixin) -> None:
    """Close the open panel. A field with nothing typed on it leaves keyboard mode: its input
    mounts again, focused, instead of an empty ● display the user cannot type into (issue 14
    item 7); a field holding characters keeps them, since going back would wipe them."""
    name = state.kb_open
    if name and state.kb_counts.get(name, 0) == 0:
        _to_physical(state, name)
        state.kb_refocus = name
        return
    _close(state)


def _restart(state: SoftwareKeyboardMixin, name: str) -> None:
    """The open field's buffer expired: start over with a new layout, and say so."""
    faces = keypad.default_store().start(*_ids(state, name))
    _set_count(state, name, 0)
    _set_notice(state, name, KB_EXPIRED_NOTICE)
    state.kb_keys = [(face.label, face.position) for face in faces]


def _to_physical(state: SoftwareKeyboardMixin, name: str) -> None:
    keypad.default_store().discard(*_ids(state, name))
    state.kb_counts = {k: v for k, v in state.kb_counts.items() if k != name}
    _set_notice(state, name, "")
    if state.kb_open == name:
        _close(state)
