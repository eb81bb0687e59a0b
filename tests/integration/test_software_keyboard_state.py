"""The software keyboard's state handlers and component (SPEC R-SESS-3, R-SESS-3a, DESIGN §1).

Handlers are called directly on a state tree built under pytest (DESIGN §3). The screen state
below is also the shape a real screen takes: the mixin, a base state, and a submit handler that
reads the password once with ``take_secret``.

R-SESS-3a: "the field shows ● per character, the buffer goes to the submit handler and is
wiped. Switching between it and the physical keyboard clears the field."
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import SessionData
from reflex.state import BaseState

from chingin_app.components.password_field import password_field
from chingin_app.domain.clock import MovableClock
from chingin_app.services import keypad
from chingin_app.services.keypad import KEYPAD_TTL, KeypadStore
from chingin_app.state.forms import FormMixin
from chingin_app.state.page import PageState
from chingin_app.state.software_keyboard import (
    KB_EXPIRED_NOTICE,
    SoftwareKeyboardExpired,
    SoftwareKeyboardMixin,
    reset_keyboard,
    take_secret,
)

#: What the demo screen's submit handler handed on (standing in for a service call).
RECEIVED: list[str] = []
TYPED = "Zq7#Wv2&"


class KeyboardDemoState(SoftwareKeyboardMixin, FormMixin, PageState):
    """A login-like screen, shaped as the real ones are: both mixins, then the base state."""

    expired: bool = False

    @rx.event
    def submit(self, form: dict[str, Any]) -> None:
        try:
            RECEIVED.append(take_secret(self, form, "password"))
        except SoftwareKeyboardExpired:
            self.expired = True


class OtherScreenState(SoftwareKeyboardMixin, PageState):
    """Another screen with a field of the same name."""


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(autouse=True)
def store(clock: MovableClock) -> Iterator[KeypadStore]:
    RECEIVED.clear()
    test_store = KeypadStore(clock=clock, rng=random.Random(3))
    previous = keypad.use_store(test_store)
    yield test_store
    keypad.use_store(previous)


def build_root(token: str) -> rx.State:
    root = rx.State()
    root.rx_router_session = SessionData(client_token=token)
    return root


def screen(root: rx.State, cls: type[rx.State] = KeyboardDemoState) -> Any:
    return root.get_substate(cls.get_full_name().split("."))


@pytest.fixture
def root() -> rx.State:
    return build_root("token-a")


@pytest.fixture
def kb(root: rx.State) -> Any:
    return screen(root)


def click(kb: Any, text: str) -> None:
    """Click the keys drawn with these labels: the handler gets positions only."""
    position_of = {label: position for label, position in kb.kb_keys}
    for char in text:
        kb.kb_press(position_of[char])


def every_state(state: BaseState) -> Iterator[BaseState]:
    yield state
    for sub in state.substates.values():
        yield from every_state(sub)


def assert_nowhere_in_state(root: rx.State, secret: str) -> None:
    """Neither what the browser gets (dict, delta) nor what is persisted (the pickles of every
    state, backend vars included) holds a run of the typed characters."""
    delta = json.dumps(root.get_delta(), default=str, ensure_ascii=False)
    whole = json.dumps(root.dict(), default=str, ensure_ascii=False)
    pickles = b"".join(state._serialize() for state in every_state(root))
    for run in {secret[i : i + 3] for i in range(len(secret) - 2)}:
        assert run not in delta
        assert run not in whole
        assert run.encode() not in pickles


def test_r_sess_3a_panel_opens_with_a_shuffled_layout(kb: Any) -> None:
    kb.kb_show("password")
    assert kb.kb_open == "password"
    assert kb.kb_counts == {"password": 0}
    assert len(kb.kb_keys) == 94
    assert sorted(position for _, position in kb.kb_keys) == list(range(94))
    first = list(kb.kb_keys)
    kb.kb_close()
    kb.kb_show("password")
    assert list(kb.kb_keys) != first


def test_r_sess_3a_press_counts_and_no_var_holds_the_characters(root: rx.State, kb: Any) -> None:
    kb.kb_show("password")
    click(kb, TYPED)
    assert kb.kb_counts == {"password": len(TYPED)}
    assert_nowhere_in_state(root, TYPED)
    kb.submit({"password": "●" * len(TYPED)})
    assert RECEIVED == [TYPED]
    assert_nowhere_in_state(root, TYPED)


def test_r_sess_3a_take_secret_returns_the_buffer_once(kb: Any) -> None:
    kb.kb_show("password")
    click(kb, TYPED)
    kb.submit({})
    assert kb.kb_counts == {"password": 0}
    assert kb.kb_open == ""
    kb.submit({"password": "ignored on the software keyboard"})
    assert RECEIVED == [TYPED, ""]


def test_r_sess_3a_physical_keyboard_value_comes_from_the_form(kb: Any) -> None:
    kb.submit({"password": "Typed1!x"})
    kb.submit({})
    kb.submit({"password": None})
    assert RECEIVED == ["Typed1!x", "", ""]


def test_r_sess_3a_a_state_without_the_keyboard_reads_the_form(root: rx.State) -> None:
    plain = screen(root, PageState)
    assert take_secret(plain, {"password": "Typed1!x"}, "password") == "Typed1!x"
    assert take_secret(plain, {}, "password") == ""


def test_r_sess_3a_switching_to_the_physical_keyboard_clears(kb: Any, store: KeypadStore) -> None:
    kb.kb_show("password")
    click(kb, "abc")
    kb.kb_physical("password")
    assert kb.kb_counts == {}
    assert kb.kb_open == ""
    assert kb.kb_refocus == "password"
    assert len(store) == 0
    kb.submit({"password": "Typed1!x"})
    assert RECEIVED == ["Typed1!x"]


def test_r_sess_3a_switching_to_the_software_keyboard_starts_empty(kb: Any) -> None:
    """The physical input unmounts (its value goes with it); the buffer starts empty."""
    kb.kb_show("password")
    assert kb.kb_counts == {"password": 0}
    kb.submit({"password": "typed physically before"})
    assert RECEIVED == [""]


def test_r_sess_3a_shuffle_backspace_clear(kb: Any) -> None:
    kb.kb_show("password")
    click(kb, "ab")
    before = list(kb.kb_keys)
    kb.kb_shuffle()
    assert list(kb.kb_keys) != before
    click(kb, "cd")
    kb.kb_backspace()
    assert kb.kb_counts["password"] == 3
    kb.submit({})
    kb.kb_show("password")
    click(kb, "xyz")
    kb.kb_clear()
    assert kb.kb_counts["password"] == 0
    click(kb, "Q")
    kb.submit({})
    assert RECEIVED == ["abc", "Q"]


def test_r_sess_3a_close_keeps_the_characters(kb: Any) -> None:
    kb.kb_show("password")
    click(kb, "ab")
    kb.kb_close()
    assert kb.kb_open == "" and kb.kb_keys == []
    assert kb.kb_counts == {"password": 2}
    kb.kb_show("password")  # a new display: reshuffled, still 2 characters
    assert kb.kb_counts == {"password": 2}
    click(kb, "c")
    kb.kb_show("password")  # the same button again closes the panel
    assert kb.kb_open == ""
    kb.submit({})
    assert RECEIVED == ["abc"]


def test_r_sess_3a_close_with_nothing_typed_leaves_keyboard_mode(kb: Any) -> None:
    """Issue 14 item 7: 閉じる on an empty field gives the physical input back, focused (the
    field was left as an empty ● display that typing into only wiped)."""
    kb.kb_show("password")
    kb.kb_close()
    assert kb.kb_open == "" and kb.kb_keys == []
    assert "password" not in kb.kb_counts  # the input is mounted again
    assert kb.kb_refocus == "password"
    kb.kb_show("password")
    click(kb, "a")
    kb.kb_backspace()  # typed, then deleted: empty again
    kb.kb_show("password")  # the toggle button closes the panel by the same rule
    assert "password" not in kb.kb_counts
    kb.submit({"password": "typed"})
    assert RECEIVED == ["typed"]


def test_r_sess_3a_expired_buffer_while_typing(kb: Any, clock: MovableClock) -> None:
    kb.kb_show("password")
    click(kb, "ab")
    clock.advance(KEYPAD_TTL)
    kb.kb_press(kb.kb_keys[0][1])
    assert kb.kb_counts == {"password": 0}
    assert kb.kb_notice == {"password": KB_EXPIRED_NOTICE}
    click(kb, "c")
    assert kb.kb_notice == {}
    kb.submit({})
    assert RECEIVED == ["c"]


def test_r_sess_3a_expired_buffer_at_submit_is_not_an_empty_password(
    kb: Any, clock: MovableClock
) -> None:
    kb.kb_show("password")
    click(kb, "ab")
    kb.kb_close()
    clock.advance(KEYPAD_TTL + timedelta(seconds=1))
    kb.submit({"password": "●●"})
    assert kb.expired is True
    assert RECEIVED == []
    assert kb.kb_counts == {"password": 0}
    assert kb.kb_notice == {"password": KB_EXPIRED_NOTICE}


def test_r_sess_3a_other_clients_cannot_read_the_buffer(kb: Any) -> None:
    kb.kb_show("password")
    click(kb, TYPED)
    other = screen(build_root("token-b"))
    other.kb_show("password")
    other.submit({})
    other.kb_physical("password")
    other.submit({"password": "theirs1!"})
    assert RECEIVED == ["", "theirs1!"]
    kb.submit({})
    assert RECEIVED[-1] == TYPED


def test_r_sess_3a_same_field_name_on_another_screen_is_separate(root: rx.State, kb: Any) -> None:
    kb.kb_show("password")
    click(kb, "abc")
    other = screen(root, OtherScreenState)
    other.kb_show("password")
    assert take_secret(other, {}, "password") == ""
    kb.submit({})
    assert RECEIVED == ["abc"]


def test_r_sess_3a_reset_wipes_every_field(kb: Any, store: KeypadStore) -> None:
    kb.kb_show("password")
    click(kb, "abc")
    kb.kb_show("password_again")
    click(kb, "d")
    kb.kb_reset()
    assert (kb.kb_counts, kb.kb_open, kb.kb_keys, kb.kb_notice) == ({}, "", [], {})
    assert len(store) == 0
    reset_keyboard(kb)  # idempotent


@pytest.mark.parametrize("name", ["", "../x", "a b", "x" * 65, "1abc"])
def test_r_sess_3a_crafted_field_names_are_ignored(kb: Any, name: str) -> None:
    kb.kb_show(name)
    kb.kb_physical(name)
    assert kb.kb_open == "" and kb.kb_counts == {}


def test_r_sess_3a_keys_without_an_open_panel_do_nothing(kb: Any, store: KeypadStore) -> None:
    kb.kb_press(3)
    kb.kb_backspace()
    kb.kb_clear()
    kb.kb_shuffle()
    assert kb.kb_counts == {} and len(store) == 0


# -- the component ---------------------------------------------------------------------------


def walk(component: Any) -> Iterator[Any]:
    """Every component in the tree, including cond branches and foreach bodies."""
    yield component
    for child in getattr(component, "children", []):
        yield from walk(child)
    for child in component._get_components_in_props():
        yield from walk(child)


def lit(value: Any) -> Any:
    """The Python value of a literal prop (None when unset)."""
    return getattr(value, "_var_value", value)


def events(component: Any, trigger: str) -> list[tuple[str, dict[str, Any]]]:
    """(handler name, {argument: literal or JS expression}) of each event on a trigger."""
    chain = component.event_triggers.get(trigger)
    if chain is None:
        return []
    return [
        (
            spec.handler.fn.__name__,
            {
                str(lit(name)): lit(v) if hasattr(v, "_var_value") else str(v)
                for name, v in spec.args
            },
        )
        for spec in chain.events
    ]


@pytest.fixture(scope="module")
def field_tree() -> list[Any]:
    return list(
        walk(
            password_field(
                "パスワード",
                "password",
                state=KeyboardDemoState,
                error=KeyboardDemoState.errors.get("password", ""),
            )
        )
    )


def test_r_sess_3_field_is_labelled_and_uncontrolled(field_tree: list[Any]) -> None:
    (label,) = [c for c in field_tree if getattr(c, "tag", None) == "label"]
    assert lit(label.html_for) == "password"
    (physical,) = [c for c in field_tree if getattr(c, "tag", None) == "TextField.Root"]
    assert (lit(physical.id), lit(physical.name), lit(physical.type)) == (
        "password",
        "password",
        "password",
    )
    assert physical.value is None
    assert physical.event_triggers == {}  # no keystroke ever reaches the server
    assert physical.custom_attrs["aria-describedby"] == "password-error"


def test_r_sess_3_error_is_shown_at_the_field(field_tree: list[Any]) -> None:
    (message,) = [c for c in field_tree if lit(getattr(c, "id", None)) == "password-error"]
    assert lit(message.role) == "alert"


def test_r_sess_3_offers_the_software_keyboard(field_tree: list[Any]) -> None:
    buttons = [c for c in field_tree if getattr(c, "tag", None) == "Button"]
    toggle = [b for b in buttons if events(b, "on_click") == [("kb_show", {"name": "password"})]]
    assert len(toggle) == 1
    assert lit(toggle[0].children[0].contents) == "ソフトウェアキーボード"
    (panel,) = [c for c in field_tree if lit(getattr(c, "id", None)) == "password-kb"]
    assert lit(panel.role) == "group"
    assert panel.custom_attrs["aria-label"] == "ソフトウェアキーボード"
    # Buttons inside the caller's rx.form must never submit it.
    assert {lit(b.type) for b in buttons} == {"button"}


def test_r_sess_3a_key_clicks_send_the_position_only(field_tree: list[Any]) -> None:
    presses = [e for c in field_tree for e in events(c, "on_click") if e[0] == "kb_press"]
    assert len(presses) == len(keypad.GROUPS)  # one foreach body per key group
    for _, args in presses:
        assert list(args) == ["position"]
        assert args["position"] == "key_rx_state_?.at?.(1)"


def test_r_sess_3a_typing_into_the_display_sends_no_character(field_tree: list[Any]) -> None:
    (display,) = [c for c in field_tree if getattr(c, "tag", None) == "input"]
    assert events(display, "on_change") == [("kb_physical", {"name": "password"})]
    # Not a form control: the form never submits the ● (nor anything else) for it.
    assert display.id is None and display.name is None
    assert display.custom_attrs["aria-labelledby"] == "password-label"


def test_r_sess_3a_form_submits_only_the_real_input() -> None:
    form = rx.form(
        password_field("パスワード", "password", state=KeyboardDemoState),
        on_submit=KeyboardDemoState.submit,
    )
    assert set(form._get_form_refs()) == {"password"}


def test_password_field_needs_the_mixin() -> None:
    with pytest.raises(TypeError):
        password_field("パスワード", "password", state=PageState)  # type: ignore[arg-type]
