"""The operation log and its hash-chain heads (SPEC R-LOG-1, R-OPS-2; DESIGN "Operation log").

Append-only: ``services.oplog.append`` is the only writer. The migration adds triggers that
refuse UPDATE and DELETE on ``operation_log`` on both databases; each entry's ``entry_hash``
chains it to the one before in its chain, so an edit made around the triggers is detected by
``services.oplog.verify_chain``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["ActorKind", "LogResult", "OperationLog", "OperationLogHead"]


class ActorKind(StrEnum):
    """Who acted: a user of a contract, a bank operator (shown as 「金庫」), or the system."""

    USER = "user"
    OPERATOR = "operator"
    SYSTEM = "system"


class LogResult(StrEnum):
    """The outcome recorded for an action (R-LOG-1 "result")."""

    SUCCESS = "success"
    FAILURE = "failure"
    REFUSED = "refused"


class OperationLog(SQLModel, table=True):
    """One operation-log entry (R-LOG-1).

    ``chain`` is ``'system'`` or ``'contract:<contract_no>'``; ``seq`` runs 1, 2, … per chain;
    ``entry_hash = sha256(prev_hash + canonical JSON of the entry)``. ``detail`` is canonical
    JSON text and never holds passwords, codes, certificates or file contents.
    """

    __tablename__ = "operation_log"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        CheckConstraint("actor_kind IN ('user', 'operator', 'system')", name="actor_kind"),
        CheckConstraint("result IN ('success', 'failure', 'refused')", name="result"),
        Index("ix_operation_log_contract_no_at", "contract_no", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(max_length=32)
    seq: int
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    contract_no: str | None = Field(default=None, max_length=8)
    actor_kind: str = Field(max_length=16)
    actor: str = Field(max_length=80)
    ip: str | None = Field(default=None, max_length=45)
    screen: str | None = Field(default=None, max_length=80)
    action: str = Field(max_length=80)
    target: str | None = None
    result: str = Field(max_length=16)
    detail: str | None = Field(default=None, sa_type=Text)


class OperationLogHead(SQLModel, table=True):
    """The tip of one chain: the row an append locks (R-LOG-1; DESIGN "Operation log")."""

    __tablename__ = "operation_log_heads"

    chain: str = Field(primary_key=True, max_length=32)
    seq: int
    last_hash: str = Field(max_length=64)
