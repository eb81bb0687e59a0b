"""Appending to and verifying the operation log (SPEC R-LOG-1, R-OPS-2; DESIGN "Operation log").

Every entry belongs to one hash chain: ``'contract:<contract_no>'`` for anything done on a
contract (its users, and the bank's actions on it, which the master sees as 「金庫」), or
``'system'`` (operators' actions without a contract, the service calendar). Entries of a
chain are numbered 1, 2, … and
``entry_hash = sha256(prev_hash + canonical JSON of the entry)``, the first ``prev_hash`` being
64 zeros; ``operation_log_heads`` holds each chain's tip.

Appending locks the chain's head row first, so concurrent appends queue instead of forking
the chain: ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every writing session already
holds the database write lock from its ``BEGIN IMMEDIATE`` (``chingin_app.db``), and a
read-only session is refused.

A success entry is written with ``append`` inside the caller's transaction, so it commits or
rolls back with the change it records. A failure (validation, authentication, permission
refused) is written with ``log_failure`` in a transaction of its own after the rollback.
Entries never hold passwords, codes, certificates or file contents: ``detail`` keys that
name such things are refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Final

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from chingin_app.db import is_read_only, writable_bind
from chingin_app.models import ActorKind, LogResult, OperationLog, OperationLogHead, utc

__all__ = [
    "GENESIS_HASH",
    "SYSTEM_CHAIN",
    "ChainEntry",
    "append",
    "chain_counts",
    "chain_for",
    "compute_entry_hash",
    "log_failure",
    "operator_actor",
    "operator_refusal",
    "operator_success",
    "user_success",
    "verify_chain",
]

SYSTEM_CHAIN: Final = "system"
GENESIS_HASH: Final = "0" * 64

_CONTRACT_CHAIN_RE: Final = re.compile(r"contract:([0-9]{8})")
_CONTRACT_NO_RE: Final = re.compile(r"[0-9]{8}")
# Keys that would put a secret into the log (R-LOG-1, R-OPS-7, DESIGN "Secrets").
_SECRET_KEY_RE: Final = re.compile(
    r"password|passphrase|secret|token|auth_?code|private_?key|pkcs12|p12|certificate_pem",
    re.IGNORECASE,
)

_LOG = OperationLog.__table__  # type: ignore[attr-defined]
_HEADS = OperationLogHead.__table__  # type: ignore[attr-defined]


def chain_for(contract_no: str | None) -> str:
    """The chain an entry about ``contract_no`` belongs to; ``'system'`` for None."""
    if contract_no is None:
        return SYSTEM_CHAIN
    if _CONTRACT_NO_RE.fullmatch(contract_no) is None:
        raise ValueError(f"not a contract number: {contract_no!r}")
    return f"contract:{contract_no}"


@dataclass(frozen=True)
class ChainEntry:
    """The hashed fields of one entry, in the form they are stored."""

    chain: str
    seq: int
    at: datetime
    contract_no: str | None
    actor_kind: str
    actor: str
    ip: str | None
    screen: str | None
    action: str
    target: str | None
    result: str
    detail: str | None

    def canonical_json(self) -> str:
        """Sorted keys, no spaces, UTF-8 text, ``at`` as UTC ISO 8601 with microseconds."""
        payload = {
            "action": self.action,
            "actor": self.actor,
            "actor_kind": self.actor_kind,
            "at": utc(self.at).isoformat(timespec="microseconds"),
            "chain": self.chain,
            "contract_no": self.contract_no,
            "detail": self.detail,
            "ip": self.ip,
            "result": self.result,
            "screen": self.screen,
            "seq": self.seq,
            "target": self.target,
        }
        return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def compute_entry_hash(prev_hash: str, entry: ChainEntry) -> str:
    """``sha256(prev_hash + canonical JSON of the entry)`` as lower-case hex (R-LOG-1)."""
    data = (prev_hash + entry.canonical_json()).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not loggable as JSON: {type(value)!r}")


def _check_no_secrets(value: Any, path: str = "detail") -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if _SECRET_KEY_RE.search(str(key)):
                raise ValueError(f"{path}.{key}: secrets never go into the operation log")
            _check_no_secrets(inner, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            _check_no_secrets(inner, f"{path}[{index}]")


def _detail_text(detail: Mapping[str, Any] | None) -> str | None:
    if detail is None:
        return None
    _check_no_secrets(detail)
    return json.dumps(
        detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default
    )


def operator_actor(name: str) -> str:
    """The actor recorded for a bank operator: ``'operator:<name>'`` (``'cli'`` →
    ``'operator:cli'``; a name already carrying the prefix is kept). Masters see 「金庫」
    (R-LOG-1)."""
    if not name or name.strip() != name:
        raise ValueError("operator name required, without surrounding spaces")
    return name if name.startswith("operator:") else f"operator:{name}"


def _check_chain(chain: str, contract_no: str | None) -> None:
    if chain == SYSTEM_CHAIN:
        # contract_no is set exactly on a contract's own chain, so the master's view of the
        # log (R-LOG-1) is that chain and nothing else.
        if contract_no is not None:
            raise ValueError("system-chain entries carry no contract_no (use target)")
        return
    match = _CONTRACT_CHAIN_RE.fullmatch(chain)
    if match is None:
        raise ValueError(f"unknown chain {chain!r}: 'system' or 'contract:<8 digits>'")
    if contract_no != match.group(1):
        raise ValueError(f"chain {chain!r} needs contract_no={match.group(1)!r}")


def _lock_head(db: Session, chain: str) -> tuple[int, str]:
    """Lock the chain's head row (creating it at seq 0) and return (seq, last_hash)."""
    query = select(_HEADS.c.seq, _HEADS.c.last_hash).where(_HEADS.c.chain == chain)
    row = db.execute(query.with_for_update()).one_or_none()
    if row is None:
        dialect = db.connection().dialect.name
        values = {"chain": chain, "seq": 0, "last_hash": GENESIS_HASH}
        if dialect == "postgresql":
            db.execute(postgresql.insert(_HEADS).values(values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            db.execute(sqlite.insert(_HEADS).values(values).on_conflict_do_nothing())
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise RuntimeError(f"unsupported database {dialect!r}")
        row = db.execute(query.with_for_update()).one()
    return int(row.seq), str(row.last_hash)


def append(
    db: Session,
    *,
    chain: str,
    at: datetime,
    actor_kind: ActorKind | str,
    actor: str,
    action: str,
    result: LogResult | str,
    contract_no: str | None = None,
    ip: str | None = None,
    screen: str | None = None,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> OperationLog:
    """Append one entry to ``chain`` inside the caller's transaction (R-LOG-1).

    The caller commits (the entry then stands or falls with the change it records). Raises
    ValueError for a malformed chain, kind, result, naive ``at`` or a secret-looking detail
    key, RuntimeError on a read-only session.
    """
    _check_chain(chain, contract_no)
    kind = ActorKind(actor_kind).value
    outcome = LogResult(result).value
    when = utc(at)
    if not actor or not action:
        raise ValueError("actor and action are required")
    detail_text = _detail_text(detail)
    if is_read_only(db):
        raise RuntimeError("the operation log needs a writing session, not a read-only one")

    seq, prev_hash = _lock_head(db, chain)
    entry = ChainEntry(
        chain=chain,
        seq=seq + 1,
        at=when,
        contract_no=contract_no,
        actor_kind=kind,
        actor=actor,
        ip=ip,
        screen=screen,
        action=action,
        target=target,
        result=outcome,
        detail=detail_text,
    )
    entry_hash = compute_entry_hash(prev_hash, entry)
    row = OperationLog(
        chain=chain,
        seq=entry.seq,
        prev_hash=prev_hash,
        entry_hash=entry_hash,
        at=when,
        contract_no=contract_no,
        actor_kind=kind,
        actor=actor,
        ip=ip,
        screen=screen,
        action=action,
        target=target,
        result=outcome,
        detail=detail_text,
    )
    db.add(row)
    db.flush()
    db.execute(
        update(_HEADS).where(_HEADS.c.chain == chain).values(seq=entry.seq, last_hash=entry_hash)
    )
    return row


def log_failure(
    db: Session,
    *,
    chain: str,
    at: datetime,
    actor_kind: ActorKind | str,
    actor: str,
    action: str,
    result: LogResult | str = LogResult.FAILURE,
    contract_no: str | None = None,
    ip: str | None = None,
    screen: str | None = None,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> OperationLog:
    """Record a failure or refusal in a transaction of its own (R-LOG-1, DESIGN).

    ``db`` is rolled back first, so nothing of the failed change is ever saved with it; the
    entry is then written and committed through a fresh session on the same database (a
    read-only ``db`` is fine). ``result`` is 'failure' or 'refused'.
    """
    if LogResult(result) is LogResult.SUCCESS:
        raise ValueError("log_failure records failures and refusals only")
    db.rollback()
    fields: dict[str, Any] = {
        "chain": chain,
        "at": at,
        "actor_kind": actor_kind,
        "actor": actor,
        "action": action,
        "result": result,
        "contract_no": contract_no,
        "ip": ip,
        "screen": screen,
        "target": target,
        "detail": detail,
    }
    bind = db.get_bind()
    if isinstance(bind, Connection):
        # A session bound to one connection (tests): reuse it after the rollback.
        entry = append(db, **fields)
        db.commit()
        return entry
    with Session(writable_bind(bind), expire_on_commit=False) as own:
        entry = append(own, **fields)
        own.commit()
    return entry


def _with_ticket(detail: Mapping[str, Any] | None, ticket: str | None) -> dict[str, Any]:
    out = dict(detail or {})
    if ticket is not None:
        out["ticket"] = ticket  # the 依頼書's 受付番号 (R-OPS-2a)
    return out


def operator_success(
    db: Session,
    *,
    contract_no: str,
    at: datetime,
    actor: str,
    action: str,
    target: str | None,
    ticket: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> OperationLog:
    """An operator's (the bank's) change, in the contract's chain inside the change's own
    transaction, with the 受付番号 of the paper request (R-OPS-2, R-LOG-1)."""
    return append(
        db, chain=chain_for(contract_no), at=at, actor_kind=ActorKind.OPERATOR, actor=actor,
        action=action, result=LogResult.SUCCESS, contract_no=contract_no, target=target,
        detail=_with_ticket(detail, ticket),
    )


def user_success(
    db: Session,
    *,
    contract_no: str,
    at: datetime,
    actor: str,
    action: str,
    ip: str | None,
    target: str | None,
    screen: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> OperationLog:
    """A signed-in or registering user's own change, in the contract's chain inside the change's
    own transaction (R-LOG-1)."""
    return append(
        db, chain=chain_for(contract_no), at=at, actor_kind=ActorKind.USER, actor=actor,
        action=action, result=LogResult.SUCCESS, contract_no=contract_no, ip=ip, screen=screen,
        target=target, detail=detail,
    )


def operator_refusal(
    db: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str | None,
    ticket: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> OperationLog:
    """An operator command refused: rolled back, then logged in the system chain (R-LOG-1)."""
    return log_failure(
        db, chain=SYSTEM_CHAIN, at=at, actor_kind=ActorKind.OPERATOR, actor=actor,
        action=action, result=LogResult.FAILURE, target=target,
        detail=_with_ticket(detail, ticket),
    )


def chain_counts(db: Session) -> dict[str, int]:
    """Every chain with its number of entries (``chingin log verify``, R-LOG-1); a chain whose
    entries were all cut off still has its head row and is listed with 0."""
    counts = {
        str(chain): int(count)
        for chain, count in db.execute(select(_LOG.c.chain, func.count()).group_by(_LOG.c.chain))
    }
    for (chain,) in db.execute(select(_HEADS.c.chain)).all():
        counts.setdefault(str(chain), 0)
    return counts


def verify_chain(db: Session, chain: str) -> list[int]:
    """Ids of the entries where ``chain`` is broken; an empty list means intact (R-LOG-1).

    An entry is reported when its ``seq`` does not follow the one before, its ``prev_hash`` is
    not the stored hash of the one before, or its own hash does not match its fields. When the
    head row disagrees with the last entry (entries cut off the end), the last entry's id is
    reported, or 0 when the chain has no entries left.
    """
    rows = db.execute(
        select(_LOG)
        .where(_LOG.c.chain == chain)
        .order_by(_LOG.c.seq)
        .execution_options(yield_per=1000)
    )
    broken: list[int] = []
    prev_hash = GENESIS_HASH
    expected_seq = 1
    last_id: int | None = None
    last_seq = 0
    for row in rows:
        entry = ChainEntry(
            chain=row.chain,
            seq=row.seq,
            at=row.at,
            contract_no=row.contract_no,
            actor_kind=row.actor_kind,
            actor=row.actor,
            ip=row.ip,
            screen=row.screen,
            action=row.action,
            target=row.target,
            result=row.result,
            detail=row.detail,
        )
        if (
            row.seq != expected_seq
            or row.prev_hash != prev_hash
            or row.entry_hash != compute_entry_hash(row.prev_hash, entry)
        ):
            broken.append(int(row.id))
        prev_hash = row.entry_hash
        expected_seq = row.seq + 1
        last_id, last_seq = int(row.id), int(row.seq)

    head = db.execute(
        select(_HEADS.c.seq, _HEADS.c.last_hash).where(_HEADS.c.chain == chain)
    ).one_or_none()
    if head is not None and (head.seq != last_seq or head.last_hash != prev_hash):
        reported = last_id if last_id is not None else 0
        if reported not in broken:
            broken.append(reported)
    return broken
