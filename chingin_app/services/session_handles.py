"""Session handles: a signed-in tab's session recoverable outside its Reflex state (SPEC
R-DEP-4; DESIGN §1 "Production and scale").

With several workers, Reflex records which worker holds a tab's socket in Redis. A worker
killed with SIGKILL leaves that record behind, so when the tab reconnects (to another worker)
Reflex takes its token for a duplicate and hands the tab a fresh token and a fresh, empty
state: the session token the old state held is out of reach, and the user would be logged out.

So at login the session token is also kept here, under the tab's client token (hashed), in the
shared store (process memory, or Redis with several workers) for the session's absolute
lifetime. The certificate gate tells the app which token a websocket connected with (the
``x-chingin-tab`` header, ``services.cert_gate.H_TAB``): an event whose state holds no session
and no ended-session notice takes the handle of that token, and the session is checked again
exactly as at every event — the certificate it is bound to, its lifetime, idle time and hours
(R-SEC-1) — before the state adopts it. The gate has already admitted that token only with the
certificate it is bound to (R-SEC-3), so a handle never serves another browser.

Nothing here is more exposed than before: Reflex's Redis state holds the same session token in
its pickles, and a download ticket carries it too. A logout or an ended session drops the handle.
"""

from __future__ import annotations

import hashlib
from typing import Final

from chingin_app.services.sessions import ABSOLUTE_LIFETIME
from chingin_app.services.stores import SharedStore, shared

__all__ = ["HANDLE_SECONDS", "SessionHandles", "handles", "tab_key"]

#: A handle outlives no session it could serve (R-SEC-1's absolute lifetime).
HANDLE_SECONDS: Final = ABSOLUTE_LIFETIME.total_seconds()
_PREFIX: Final = "session-handle:"


def tab_key(client_token: str) -> str:
    """What a tab's handle is kept under: its client token's SHA-256 as hex (the token itself
    opens the tab's state, so it is never stored)."""
    return hashlib.sha256(client_token.encode("utf-8", "surrogateescape")).hexdigest()


class SessionHandles:
    """Session tokens by tab key. ``backend`` is for tests; by default the process's shared
    store is looked up at each use."""

    def __init__(self, backend: SharedStore | None = None) -> None:
        self._backend = backend

    def _store(self) -> SharedStore:
        return self._backend if self._backend is not None else shared()

    def remember(self, key: str, session_token: str) -> None:
        """Keep ``session_token`` as the handle of the tab with ``key``."""
        if key and session_token:
            self._store().put_expiring(
                _PREFIX + key, session_token.encode("ascii"), ttl=HANDLE_SECONDS
            )

    def recover(self, key: str | None) -> str | None:
        """The session token kept for ``key``, or None. Taken in one atomic step, so two
        workers never both adopt it; the caller remembers it again once checked."""
        if not key:
            return None
        value = self._store().take(_PREFIX + key)
        return value.decode("ascii") if value else None

    def forget(self, key: str | None) -> None:
        """Drop the handle of ``key`` (logout, ended session)."""
        if key:
            self._store().take(_PREFIX + key)


_HANDLES: Final = SessionHandles()


def handles() -> SessionHandles:
    """The process's session handles (in the shared store)."""
    return _HANDLES
