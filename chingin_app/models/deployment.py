"""What several VMs share through the database (SPEC R-DEP-5): the signed CRLs, and the
fingerprints of the files every VM must hold identically. The rules are in
``services.certs.crl`` and ``services.deployment``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["DeploymentFile", "StoredCrl"]


class StoredCrl(SQLModel, table=True):
    """The current CRL of one CA, signed once and read by every VM (R-DEP-5).

    Keyed by the SHA-256 fingerprint of the signing CA's certificate, so a CRL is only ever
    written to the files of a VM that holds that very CA. ``der`` is the CRL itself (public:
    it is served at the distribution point); ``this_update``/``next_update`` are its own."""

    __tablename__ = "stored_crls"

    issuer_sha256: str = Field(primary_key=True, max_length=64)
    der: bytes = Field(sa_type=LargeBinary)
    this_update: datetime = Field(sa_type=UTCDateTime)
    next_update: datetime = Field(sa_type=UTCDateTime)


class DeploymentFile(SQLModel, table=True):
    """The fingerprint of one file every VM must hold identically (R-DEP-5): the CA roots,
    the secret-box key, the proxy secret. Recorded by the first VM; a VM whose file is
    missing or different is refused, never given a new one.

    ``fingerprint`` is a SHA-256 that reveals nothing of a secret (a key's is derived from
    it by HKDF, see ``services.deployment``)."""

    __tablename__ = "deployment_files"

    name: str = Field(primary_key=True, max_length=40)
    fingerprint: str = Field(max_length=64)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
