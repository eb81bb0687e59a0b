"""The software keyboard's key buffer, `services/keypad.py` (SPEC R-SESS-3, R-SESS-3a).

R-SESS-3a: "The software keyboard sends only key positions on a layout shuffled per display;
the server maps them to characters in a buffer held in process memory for that connection
(never in Reflex state, the database or Redis), … the buffer goes to the submit handler and is
wiped."
"""

from __future__ import annotations

import random
import string
from datetime import timedelta

import pytest

from chingin_app.domain.clock import MovableClock
from chingin_app.services.keypad import (
    CHARSET,
    GROUPS,
    KEYPAD_TTL,
    MAX_FIELDS_PER_CLIENT,
    MAX_TYPED,
    KeyFace,
    KeypadStore,
)

TOKEN = "token-a"
FIELD = "login_state:password"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def store(clock: MovableClock) -> KeypadStore:
    return KeypadStore(clock=clock, rng=random.Random(20260401))


def positions(faces: tuple[KeyFace, ...], text: str) -> list[int]:
    """The positions a user clicks to type ``text`` on this layout."""
    by_label = {face.label: face.position for face in faces}
    return [by_label[char] for char in text]


def type_text(store: KeypadStore, faces: tuple[KeyFace, ...], text: str) -> int | None:
    count: int | None = None
    for position in positions(faces, text):
        count = store.press(TOKEN, FIELD, position)
    return count


def test_r_sess_3a_keys_are_the_password_character_set() -> None:
    """§3: ASCII 0x21–0x7E, i.e. A–Z, a–z, 0–9 and the 32 symbols, and nothing else."""
    assert len(CHARSET) == 94
    assert CHARSET[0] == "!" and CHARSET[-1] == "~"
    assert sorted("".join(chars for _, chars in GROUPS)) == list(CHARSET)
    assert [title for title, _ in GROUPS] == ["数字", "英大文字", "英小文字", "記号"]
    assert GROUPS[3][1] == string.punctuation


def test_r_sess_3a_layout_groups_shuffled_positions_a_permutation(store: KeypadStore) -> None:
    faces = store.start(TOKEN, FIELD)
    assert len(faces) == 94
    assert sorted(face.position for face in faces) == list(range(94))
    start = 0
    for _, chars in GROUPS:
        shown = "".join(face.label for face in faces[start : start + len(chars)])
        assert sorted(shown) == sorted(chars)
        start += len(chars)
    assert "".join(face.label for face in faces[:10]) != string.digits


def test_r_sess_3a_a_position_does_not_reveal_the_group(store: KeypadStore) -> None:
    """Keys are drawn grouped, but positions index the whole shuffled set: position 0 holds a
    digit on one display and a letter or symbol on another."""
    group_of = {char: title for title, chars in GROUPS for char in chars}
    seen = set()
    for _ in range(40):
        faces = store.start(TOKEN, FIELD)
        seen.add(next(group_of[f.label] for f in faces if f.position == 0))
    assert len(seen) >= 3


def test_r_sess_3a_positions_map_through_the_layout(store: KeypadStore) -> None:
    faces = store.start(TOKEN, FIELD)
    assert type_text(store, faces, "Zq7#Wv2&") == 8
    assert store.take(TOKEN, FIELD) == "Zq7#Wv2&"


def test_r_sess_3a_every_character_can_be_typed(store: KeypadStore) -> None:
    for chunk in (CHARSET[i : i + MAX_TYPED] for i in range(0, len(CHARSET), MAX_TYPED)):
        faces = store.start(TOKEN, FIELD)
        type_text(store, faces, chunk)
        assert store.take(TOKEN, FIELD) == chunk


def test_r_sess_3a_shuffled_per_display(store: KeypadStore) -> None:
    first = store.start(TOKEN, FIELD)
    second = store.start(TOKEN, FIELD)
    assert positions(first, CHARSET) != positions(second, CHARSET)
    assert [f.label for f in first] != [f.label for f in second]


def test_r_sess_3a_reshuffle_changes_mapping_and_keeps_typed(store: KeypadStore) -> None:
    faces = store.start(TOKEN, FIELD)
    type_text(store, faces, "Ab")
    old_position_of_c = positions(faces, "c")[0]
    new_faces = store.reshuffle(TOKEN, FIELD)
    assert new_faces is not None
    assert positions(new_faces, CHARSET) != positions(faces, CHARSET)
    assert positions(new_faces, "c")[0] != old_position_of_c
    type_text(store, new_faces, "c")
    assert store.take(TOKEN, FIELD) == "Abc"


def test_r_sess_3a_old_positions_type_what_the_new_layout_holds(store: KeypadStore) -> None:
    """After 並び替え a stale click types the new layout's character, not the old one."""
    faces = store.start(TOKEN, FIELD)
    stale = positions(faces, "x")[0]
    new_faces = store.reshuffle(TOKEN, FIELD)
    assert new_faces is not None
    store.press(TOKEN, FIELD, stale)
    expected = next(f.label for f in new_faces if f.position == stale)
    assert store.take(TOKEN, FIELD) == expected


def test_r_sess_3a_start_wipes_what_was_typed(store: KeypadStore) -> None:
    faces = store.start(TOKEN, FIELD)
    type_text(store, faces, "abc")
    store.start(TOKEN, FIELD)
    assert store.count(TOKEN, FIELD) == 0
    assert store.take(TOKEN, FIELD) == ""


def test_r_sess_3a_backspace_and_clear(store: KeypadStore) -> None:
    faces = store.start(TOKEN, FIELD)
    type_text(store, faces, "abc")
    assert store.backspace(TOKEN, FIELD) == 2
    assert store.clear(TOKEN, FIELD) == 0
    assert store.backspace(TOKEN, FIELD) == 0
    type_text(store, faces, "Q")
    assert store.take(TOKEN, FIELD) == "Q"


def test_r_sess_3a_take_wipes_the_entry(store: KeypadStore) -> None:
    faces = store.start(TOKEN, FIELD)
    type_text(store, faces, "Pw1!")
    assert store.take(TOKEN, FIELD) == "Pw1!"
    assert store.take(TOKEN, FIELD) is None
    assert store.count(TOKEN, FIELD) is None
    assert store.press(TOKEN, FIELD, 0) is None
    assert len(store) == 0


def test_r_sess_3a_other_client_tokens_cannot_read_the_buffer(store: KeypadStore) -> None:
    faces = store.start(TOKEN, FIELD)
    type_text(store, faces, "secret1!")
    assert store.take("token-b", FIELD) is None
    assert store.count("token-b", FIELD) is None
    assert store.press("token-b", FIELD, 0) is None
    store.discard("token-b", FIELD)
    store.discard_client("token-b")
    assert store.take(TOKEN, "other_state:password") is None
    assert store.take(TOKEN, FIELD) == "secret1!"


@pytest.mark.parametrize("position", [-1, 94, 10**9, True, "3", 1.0, None])
def test_r_sess_3a_out_of_range_positions_are_ignored(store: KeypadStore, position: object) -> None:
    faces = store.start(TOKEN, FIELD)
    type_text(store, faces, "ab")
    assert store.press(TOKEN, FIELD, position) == 2  # type: ignore[arg-type]
    assert store.take(TOKEN, FIELD) == "ab"


def test_r_sess_3a_buffer_is_bounded(store: KeypadStore) -> None:
    faces = store.start(TOKEN, FIELD)
    for _ in range(MAX_TYPED + 5):
        store.press(TOKEN, FIELD, faces[0].position)
    assert store.count(TOKEN, FIELD) == MAX_TYPED


def test_r_sess_3a_entries_expire_after_15_minutes(store: KeypadStore, clock: MovableClock) -> None:
    faces = store.start(TOKEN, FIELD)
    type_text(store, faces, "abc")
    clock.advance(KEYPAD_TTL - timedelta(seconds=1))
    assert store.count(TOKEN, FIELD) == 3
    clock.advance(timedelta(seconds=1))
    assert store.count(TOKEN, FIELD) is None
    assert store.press(TOKEN, FIELD, faces[0].position) is None
    assert store.take(TOKEN, FIELD) is None
    assert store.reshuffle(TOKEN, FIELD) is None
    assert len(store) == 0


def test_r_sess_3a_expiry_counts_from_the_last_use(store: KeypadStore, clock: MovableClock) -> None:
    faces = store.start(TOKEN, FIELD)
    clock.advance(timedelta(minutes=10))
    type_text(store, faces, "a")
    clock.advance(timedelta(minutes=10))
    type_text(store, faces, "b")
    assert store.take(TOKEN, FIELD) == "ab"


def test_r_sess_3a_expired_entries_of_other_clients_are_wiped(
    store: KeypadStore, clock: MovableClock
) -> None:
    store.start("token-b", FIELD)
    clock.advance(KEYPAD_TTL)
    store.start(TOKEN, FIELD)
    assert len(store) == 1


def test_r_sess_3a_fields_per_client_are_bounded(store: KeypadStore, clock: MovableClock) -> None:
    for n in range(MAX_FIELDS_PER_CLIENT + 2):
        store.start(TOKEN, f"s:f{n}")
        clock.advance(timedelta(seconds=1))
    assert len(store) == MAX_FIELDS_PER_CLIENT
    assert store.count(TOKEN, "s:f0") is None
    assert store.count(TOKEN, f"s:f{MAX_FIELDS_PER_CLIENT + 1}") == 0


def test_r_sess_3a_discard_client_wipes_all_its_fields(store: KeypadStore) -> None:
    store.start(TOKEN, "s:a")
    store.start(TOKEN, "s:b")
    store.start("token-b", "s:a")
    store.discard_client(TOKEN)
    assert store.count(TOKEN, "s:a") is None and store.count(TOKEN, "s:b") is None
    assert store.count("token-b", "s:a") == 0


@pytest.mark.parametrize(
    ("token", "field"), [("", FIELD), (TOKEN, ""), (TOKEN, "a b"), (TOKEN, "x" * 300)]
)
def test_r_sess_3a_misuse_raises(store: KeypadStore, token: str, field: str) -> None:
    with pytest.raises(ValueError):
        store.start(token, field)
