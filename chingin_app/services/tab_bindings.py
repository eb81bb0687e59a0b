"""Tab-token bindings (SPEC R-SEC-3, R-DEP-4; DESIGN §1 "Production and scale").

Reflex hands a tab's whole state to whoever presents its client token — on the websocket
(query ``token=``) and on the upload endpoint (header ``reflex-client-token``) — before any
handler runs, and an upload's handler sees the certificate facts cached from the tab's
websocket, not the upload's own. So the certificate gate (``web/gate.py``) admits a token only
with the certificate it is bound to:

* **websocket connect** (:meth:`TabBindings.admit_websocket`): a token bound to a certificate
  passes with that certificate and is refused with another one or with none. An unbound
  token binds to the certificate it comes with, first come first served; without one it
  passes and nothing is stored (the pages before a certificate exists: registration,
  issuance). Storing nothing there is what the binding would say anyway — any certificate
  could still claim the token — and it keeps anonymous visitors from filling the store.
* **upload** (:meth:`TabBindings.admit_upload`): passes only when the token is bound to the
  very certificate the upload presents; it never creates, moves or renews a binding.
* **lifetime**: a binding lives 12 hours, the session's absolute lifetime (R-SEC-1), from the
  last websocket connect that confirmed it. A connect renews it only when it was last renewed
  more than :data:`RENEW_AFTER` ago, so a reconnecting tab costs a read, not a write.
* **capacity**: at most ``max_entries`` live bindings. When the store is full a new token is
  refused; a live binding is never evicted to make room (R-SEC-3).

Only certificates the service knows count as certificates here: one the gate classified as
foreign (never issued by the bank) counts as none, so a self-made certificate can neither
claim a token nor fill the store.

:class:`DatabaseTabBindings` keeps the bindings in the ``tab_bindings`` table, so they survive
a restart and every worker and VM sees the same ones without Redis. :class:`TabBindings` is the
interface the gate uses; another store (Redis) can stand beside it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Final, Protocol

from sqlalchemy import Engine, delete, func, insert, text, update
from sqlmodel import Session, col, select

from chingin_app.db import session_scope
from chingin_app.domain.clock import Clock
from chingin_app.models import TabBinding
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.context import app_clock
from chingin_app.services.sessions import ABSOLUTE_LIFETIME
from chingin_app.settings import settings

__all__ = [
    "LIFETIME",
    "RENEW_AFTER",
    "DatabaseTabBindings",
    "TabBindings",
    "binding_certificate",
    "store",
]

#: R-SEC-3 "expire with the session": a binding outlives no session it could serve (R-SEC-1).
LIFETIME: Final = ABSOLUTE_LIFETIME
#: A connect renews a binding only when its last renewal is older than this.
RENEW_AFTER: Final = timedelta(minutes=10)

#: Serialises binding writes on PostgreSQL (``pg_advisory_xact_lock``), so two workers cannot
#: both take the last free place; SQLite's writing sessions are serialised already
#: (``BEGIN IMMEDIATE``, db.py). Any fixed number no other lock of the service uses.
_PG_LOCK_KEY: Final = 0x7AB_B17D


class TabBindings(Protocol):
    """What the certificate gate asks of a binding store (R-SEC-3).

    ``cert_sha256`` is the fingerprint of the certificate the request came with, or None for
    no certificate (see :func:`binding_certificate`)."""

    def admit_websocket(self, token: str, cert_sha256: str | None) -> bool:
        """Whether a websocket may connect with ``token``; binds an unbound token to the
        certificate (when there is one and the store has room) and renews a bound one."""
        ...

    def admit_upload(self, token: str, cert_sha256: str | None) -> bool:
        """Whether an upload may act on ``token``'s tab: only with the certificate the token
        is bound to. Never writes."""
        ...


def binding_certificate(facts: CertFacts) -> str | None:
    """The fingerprint a token is bound to for these certificate facts: None for no
    certificate and for one the bank never issued (``foreign``)."""
    if facts.status in ("none", "foreign"):
        return None
    return facts.sha256 or None


def _token_key(token: str) -> str:
    """What is stored for a token: its SHA-256 as hex (the token itself opens the tab)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class _Bound:
    cert_sha256: str
    expires_at: datetime


class DatabaseTabBindings:
    """Bindings in the ``tab_bindings`` table (see the module docstring for the rules).

    ``bind`` is the engine (default: the process engine, looked up at each use); ``clock``
    tells the time the lifetimes are measured in (the service's clock, movable in tests)."""

    def __init__(
        self,
        *,
        clock: Clock,
        max_entries: int,
        lifetime: timedelta = LIFETIME,
        bind: Engine | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("a binding store needs room for at least one binding")
        self._clock = clock
        self._max = max_entries
        self._lifetime = lifetime
        self._bind = bind

    def admit_websocket(self, token: str, cert_sha256: str | None) -> bool:
        """See :meth:`TabBindings.admit_websocket`."""
        key, now = _token_key(token), self._clock.now()
        with session_scope(read_only=True, bind=self._bind) as db:
            bound = _live(db, key, now)
        if bound is not None:
            if bound.cert_sha256 != cert_sha256:
                return False
            if bound.expires_at - now > self._lifetime - RENEW_AFTER:
                return True  # renewed a moment ago: nothing to write
        elif cert_sha256 is None:
            return True  # nothing to bind to
        return self._bind_or_renew(key, cert_sha256, now)

    def admit_upload(self, token: str, cert_sha256: str | None) -> bool:
        """See :meth:`TabBindings.admit_upload`."""
        if cert_sha256 is None:
            return False
        with session_scope(read_only=True, bind=self._bind) as db:
            bound = _live(db, _token_key(token), self._clock.now())
        return bound is not None and bound.cert_sha256 == cert_sha256

    def _bind_or_renew(self, key: str, cert_sha256: str, now: datetime) -> bool:
        """The writing half of a connect, decided again under the store's lock (another worker
        may have bound the same token, or taken the last place, since the read)."""
        expires_at = now + self._lifetime
        with session_scope(bind=self._bind) as db:
            if db.get_bind().dialect.name == "postgresql":
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            bound = _live(db, key, now)
            if bound is not None:
                if bound.cert_sha256 != cert_sha256:
                    return False
                db.execute(update(TabBinding).where(col(TabBinding.token_hash) == key)
                           .values(expires_at=expires_at))
            else:
                # Expired bindings (this token's among them) make room; live ones never do.
                db.execute(delete(TabBinding).where(col(TabBinding.expires_at) <= now))
                count = db.exec(select(func.count()).select_from(TabBinding)).one()
                if count >= self._max:
                    return False  # full: the session rolls back the purge too
                db.execute(insert(TabBinding).values(
                    token_hash=key, cert_sha256=cert_sha256, expires_at=expires_at))
            db.commit()
        return True


def _live(db: Session, key: str, now: datetime) -> _Bound | None:
    row = db.exec(
        select(TabBinding.cert_sha256, TabBinding.expires_at)
        .where(col(TabBinding.token_hash) == key)
    ).one_or_none()
    if row is None or row[1] <= now:
        return None
    return _Bound(*row)


@lru_cache(maxsize=1)
def store() -> TabBindings:
    """The process's binding store: the database, the service's clock and
    ``CHINGIN_BINDINGS_MAX`` (R-SEC-3, R-DEP-4)."""
    return DatabaseTabBindings(clock=app_clock(), max_entries=settings().bindings_max)
