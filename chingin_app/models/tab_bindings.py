"""Tab-token bindings (SPEC R-SEC-3, R-DEP-4): which certificate a Reflex tab's client token is
bound to, shared by every worker and VM and kept across restarts. The rules are in
``services.tab_bindings``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["TabBinding"]


class TabBinding(SQLModel, table=True):
    """One client token bound to one certificate until ``expires_at``.

    Only the SHA-256 of the token is stored: the token opens the tab's whole state, like a
    session token (R-SEC-1). ``cert_sha256`` is the certificate's fingerprint as the gate
    classified it. ``expires_at`` is indexed: the store counts and purges by it."""

    __tablename__ = "tab_bindings"

    token_hash: str = Field(primary_key=True, max_length=64, repr=False)
    cert_sha256: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
