"""Download tickets (DESIGN §1 Downloads): a 128-bit single-use ticket, stored hashed, valid 60 s,
bound to the session, the certificate and the file asked for. The browser follows /dl/<ticket>;
the route re-checks the session with the certificate of that request before streaming.

In process memory (one app process); with several workers this moves to Redis."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

TICKET_SECONDS = 60.0


@dataclass(frozen=True)
class TicketSpec:
    """What a ticket opens, and for whom."""

    kind: str  # e.g. "manual"
    ref: str  # the file's key within its kind
    session_token: str
    cert_sha256: str
    inline: bool  # 表示 (in the browser) rather than download


class TicketStore:
    """Hashed tickets with their spec, expiring, each redeemable once."""

    def __init__(self, *, ttl: float = TICKET_SECONDS, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._tickets: dict[str, tuple[TicketSpec, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(ticket: str) -> str:
        return hashlib.sha256(ticket.encode("ascii", "replace")).hexdigest()

    def issue(self, spec: TicketSpec) -> str:
        """A new ticket for `spec`."""
        ticket = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            for key in [k for k, (_, exp) in self._tickets.items() if exp <= now]:
                del self._tickets[key]
            if len(self._tickets) >= self._max:
                self._tickets.pop(next(iter(self._tickets)))
            self._tickets[self._key(ticket)] = (spec, now + self._ttl)
        return ticket

    def redeem(self, ticket: str) -> TicketSpec | None:
        """The spec of a live ticket, which is used up; None for unknown or expired ones."""
        with self._lock:
            found = self._tickets.pop(self._key(ticket), None)
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]


_store = TicketStore()


def store() -> TicketStore:
    """The process's ticket store."""
    return _store
