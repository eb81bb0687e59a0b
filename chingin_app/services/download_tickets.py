"""Download tickets (DESIGN §1 Downloads): a 128-bit single-use ticket, stored hashed, valid 60 s,
bound to the session, the certificate and the file asked for. The browser follows /dl/<ticket>;
the route re-checks the session with the certificate of that request before streaming.

Kept in the shared store (``services.stores``: process memory, or Redis with several workers,
R-DEP-4), so the download may land on another worker than the screen that asked for it; a
ticket is taken with one atomic step (``GETDEL``), so it opens one download only, whichever
workers race for it."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Final

from chingin_app.services.stores import SharedStore, shared

__all__ = ["TICKET_SECONDS", "TicketSpec", "TicketStore", "store"]

TICKET_SECONDS: Final = 60.0


@dataclass(frozen=True)
class TicketSpec:
    """What a ticket opens, and for whom."""

    kind: str  # e.g. "manual"
    ref: str  # the file's key within its kind
    session_token: str
    cert_sha256: str
    inline: bool  # 表示 (in the browser) rather than download


class TicketStore:
    """Hashed tickets with their spec, expiring, each redeemable once.

    ``backend`` is for tests; by default the process's shared store is looked up at each use."""

    def __init__(self, *, ttl: float = TICKET_SECONDS, backend: SharedStore | None = None) -> None:
        self._ttl = ttl
        self._backend = backend

    def _store(self) -> SharedStore:
        return self._backend if self._backend is not None else shared()

    @staticmethod
    def _key(ticket: str) -> str:
        # Only the hash is kept: whoever reads the store cannot follow a ticket.
        return "ticket:" + hashlib.sha256(ticket.encode("ascii", "replace")).hexdigest()

    def issue(self, spec: TicketSpec) -> str:
        """A new ticket for `spec`."""
        ticket = secrets.token_urlsafe(16)
        value = json.dumps(asdict(spec), ensure_ascii=False).encode("utf-8")
        self._store().put_expiring(self._key(ticket), value, ttl=self._ttl)
        return ticket

    def redeem(self, ticket: str) -> TicketSpec | None:
        """The spec of a live ticket, which is used up; None for unknown or expired ones."""
        found = self._store().take(self._key(ticket))
        if found is None:
            return None
        return TicketSpec(**json.loads(found))


_store = TicketStore()


def store() -> TicketStore:
    """The process's ticket store."""
    return _store
