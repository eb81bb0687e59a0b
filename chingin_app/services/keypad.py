"""The software keyboard's key buffer (SPEC R-SESS-3, R-SESS-3a).

The browser draws a keyboard whose keys are shuffled per display and sends only the position
of a clicked key. This module is the server side of that: for each (client token, field) it
keeps the current layout (position → character) and the characters typed so far, in this
process's memory only — never in Reflex state, the database or Redis (R-SESS-3a).

* A layout is a uniformly random permutation of the password character set (ASCII 0x21–0x7E,
  SPEC §3) over the positions ``0 … 93``. The browser shows the keys grouped (digits, A–Z,
  a–z, symbols; each group shuffled on its own) for usability, but every key sends its
  position in the *whole* permutation, so a position alone does not even tell which group
  the character belongs to.
* An entry lives 15 minutes after its last use (:data:`KEYPAD_TTL`), measured by an injected
  clock; expired entries are wiped at the next call to the store.
* :meth:`KeypadStore.take` hands the typed text to the submit handler and wipes the entry.
  Wiping overwrites the buffer (a ``bytearray``) before dropping it: the returned ``str`` is
  the only copy left, and the caller drops it after hashing or verifying.
* Sizes are bounded against crafted clients: :data:`MAX_TYPED` characters per field,
  :data:`MAX_FIELDS_PER_CLIENT` fields per client token, :data:`MAX_ENTRIES` in all; past a
  limit the least recently used entry goes first.

Several worker processes (Redis-backed Reflex): a websocket stays on one worker, so its events
find their buffer; a reconnect to another worker finds none, which callers treat like expiry.
"""

from __future__ import annotations

import random
import re
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from chingin_app.domain.clock import Clock
from chingin_app.domain.validation import PASSWORD_SYMBOLS

__all__ = [
    "CHARSET",
    "GROUPS",
    "KEYPAD_TTL",
    "MAX_ENTRIES",
    "MAX_FIELDS_PER_CLIENT",
    "MAX_TYPED",
    "KeyFace",
    "KeypadStore",
    "default_store",
    "use_store",
]

#: The keys' groups in display order: 数字, 英大文字, 英小文字, 記号 (SPEC §3 character set).
GROUPS: Final[tuple[tuple[str, str], ...]] = (
    ("数字", string.digits),
    ("英大文字", string.ascii_uppercase),
    ("英小文字", string.ascii_lowercase),
    ("記号", PASSWORD_SYMBOLS),
)
#: The password character set, ASCII 0x21–0x7E (94 characters).
CHARSET: Final[str] = "".join(chr(code) for code in range(0x21, 0x7F))

KEYPAD_TTL: Final = timedelta(minutes=15)
#: Longest buffer kept; passwords are at most 12 characters (SPEC §3), extra presses are ignored.
MAX_TYPED: Final = 32
MAX_FIELDS_PER_CLIENT: Final = 8
MAX_ENTRIES: Final = 20_000

_FIELD_RE: Final = re.compile(r"[A-Za-z0-9_.:-]{1,256}")


@dataclass(frozen=True, slots=True)
class KeyFace:
    """One key as the browser draws it: the label, and the position its click sends."""

    label: str
    position: int


@dataclass(slots=True)
class _Entry:
    slots: tuple[str, ...]
    touched: datetime
    typed: bytearray = field(default_factory=bytearray)

    def wipe(self) -> None:
        self.typed[:] = bytes(len(self.typed))
        del self.typed[:]


def _system_rng() -> random.Random:
    return secrets.SystemRandom()


def _app_clock() -> Clock:
    # Imported late: the default store is created at import time, the clock on first use.
    from chingin_app.services.context import app_clock

    return app_clock()


class KeypadStore:
    """Layouts and typed characters per (client token, field), in process memory.

    ``clock`` defaults to the service clock (``services.context.app_clock``); ``rng`` to the
    operating system's randomness. Tests inject both.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        ttl: timedelta = KEYPAD_TTL,
    ) -> None:
        self._clock: Callable[[], Clock] = (lambda: clock) if clock is not None else _app_clock
        self._rng = rng if rng is not None else _system_rng()
        self._ttl = ttl
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    # -- layouts ---------------------------------------------------------------------------

    def start(self, token: str, field_key: str) -> tuple[KeyFace, ...]:
        """A fresh layout and an empty buffer for the field; anything typed before is wiped.

        Returns the keys in display order (grouped as :data:`GROUPS`, each group shuffled).
        """
        key = _key(token, field_key)
        with self._lock:
            now = self._sweep()
            if (old := self._entries.pop(key, None)) is not None:
                old.wipe()
            slots, faces = self._layout()
            self._make_room(token)
            self._entries[key] = _Entry(slots=slots, touched=now)
            return faces

    def reshuffle(self, token: str, field_key: str) -> tuple[KeyFace, ...] | None:
        """A new layout for the field, keeping what was typed; None if there is no entry."""
        key = _key(token, field_key)
        with self._lock:
            now = self._sweep()
            entry = self._entries.get(key)
            if entry is None:
                return None
            entry.slots, faces = self._layout()
            entry.touched = now
            return faces

    # -- typing ----------------------------------------------------------------------------

    def press(self, token: str, field_key: str, position: int) -> int | None:
        """Type the character at ``position`` of the current layout; returns the new count.

        Positions outside the layout (or not an int) and presses past :data:`MAX_TYPED`
        change nothing. None when the field has no entry (never started, expired, or taken).
        """
        key = _key(token, field_key)
        with self._lock:
            now = self._sweep()
            entry = self._entries.get(key)
            if entry is None:
                return None
            entry.touched = now
            valid = (
                isinstance(position, int)
                and not isinstance(position, bool)
                and 0 <= position < len(entry.slots)
            )
            if valid and len(entry.typed) < MAX_TYPED:
                entry.typed.append(ord(entry.slots[position]))
            return len(entry.typed)

    def backspace(self, token: str, field_key: str) -> int | None:
        """Remove the last character (1文字削除); returns the new count, None without entry."""
        key = _key(token, field_key)
        with self._lock:
            now = self._sweep()
            entry = self._entries.get(key)
            if entry is None:
                return None
            entry.touched = now
            if entry.typed:
                entry.typed[-1] = 0
                del entry.typed[-1]
            return len(entry.typed)

    def clear(self, token: str, field_key: str) -> int | None:
        """Empty the buffer, keeping the layout (クリア); 0, or None without entry."""
        key = _key(token, field_key)
        with self._lock:
            now = self._sweep()
            entry = self._entries.get(key)
            if entry is None:
                return None
            entry.touched = now
            entry.wipe()
            return 0

    def count(self, token: str, field_key: str) -> int | None:
        """How many characters are typed; None without entry."""
        key = _key(token, field_key)
        with self._lock:
            self._sweep()
            entry = self._entries.get(key)
            return None if entry is None else len(entry.typed)

    # -- reading and wiping ----------------------------------------------------------------

    def take(self, token: str, field_key: str) -> str | None:
        """The typed text, once: the entry is wiped by reading it. None without entry."""
        key = _key(token, field_key)
        with self._lock:
            self._sweep()
            entry = self._entries.pop(key, None)
            if entry is None:
                return None
            text = entry.typed.decode("ascii")
            entry.wipe()
            return text

    def discard(self, token: str, field_key: str) -> None:
        """Wipe the field's entry, if any."""
        key = _key(token, field_key)
        with self._lock:
            self._sweep()
            if (entry := self._entries.pop(key, None)) is not None:
                entry.wipe()

    def discard_client(self, token: str) -> None:
        """Wipe every entry of a client token (e.g. at logout)."""
        with self._lock:
            self._sweep()
            for key in [k for k in self._entries if k[0] == token]:
                self._entries.pop(key).wipe()

    def __len__(self) -> int:
        with self._lock:
            self._sweep()
            return len(self._entries)

    # -- internals -------------------------------------------------------------------------

    def _layout(self) -> tuple[tuple[str, ...], tuple[KeyFace, ...]]:
        chars = list(CHARSET)
        self._rng.shuffle(chars)
        slots = tuple(chars)
        position_of = {char: position for position, char in enumerate(slots)}
        faces: list[KeyFace] = []
        for _, group in GROUPS:
            shown = list(group)
            self._rng.shuffle(shown)
            faces.extend(KeyFace(label=char, position=position_of[char]) for char in shown)
        return slots, tuple(faces)

    def _sweep(self) -> datetime:
        """Wipe expired entries; returns now. Called with the lock held."""
        now = self._clock().now()
        for key in [k for k, e in self._entries.items() if now - e.touched >= self._ttl]:
            self._entries.pop(key).wipe()
        return now

    def _make_room(self, token: str) -> None:
        """Evict least recently used entries past the limits. Called with the lock held."""
        mine = [k for k in self._entries if k[0] == token]
        while len(mine) >= MAX_FIELDS_PER_CLIENT:
            oldest = min(mine, key=lambda k: self._entries[k].touched)
            self._entries.pop(oldest).wipe()
            mine.remove(oldest)
        while len(self._entries) >= MAX_ENTRIES:
            oldest = min(self._entries, key=lambda k: self._entries[k].touched)
            self._entries.pop(oldest).wipe()


def _key(token: str, field_key: str) -> tuple[str, str]:
    if not token:
        raise ValueError("a software keyboard buffer needs the client token")
    if not _FIELD_RE.fullmatch(field_key):
        raise ValueError("invalid software keyboard field key")
    return (token, field_key)


_store = KeypadStore()


def default_store() -> KeypadStore:
    """The store of this process, used by the Reflex state."""
    return _store


def use_store(store: KeypadStore) -> KeypadStore:
    """Replace the process store (tests inject a clock this way); returns the previous one."""
    global _store
    previous, _store = _store, store
    return previous
