"""Whose rows a call may touch: the signed-in user's contract and, once one is selected, payment
group — the tenant every business area's services resolve first (労金控除, 賃控元帳, 一斉積立,
財形; SPEC R-USER-5 "a user sees only the contract's own data") — and what those services need
of the signed-in session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from chingin_app.models import Contract, PaymentGroup
from chingin_app.models.contracts import service_list

__all__ = [
    "OutputSession",
    "Scope",
    "TenantSession",
    "resolve_scope",
    "scope_of",
    "tenant_clauses",
]


class TenantSession(Protocol):
    """What the services need of the signed-in user (``sessions.SessionInfo`` fits): the
    contract and payment group it is limited to, and whose change the operation log records."""

    @property
    def contract_no(self) -> str: ...

    @property
    def user_id(self) -> str: ...

    @property
    def group_no(self) -> str | None: ...


class OutputSession(TenantSession, Protocol):
    """The signed-in user an output (list, print, export) is for: also the contract's name,
    which the header of a list prints."""

    @property
    def contract_name(self) -> str: ...


@dataclass(frozen=True)
class Scope:
    """The tenant of a call: the contract and, when one is selected, the payment group."""

    contract_id: int
    contract_no: str
    payment_group_id: int | None
    group_no: str | None
    services: tuple[str, ...] = ()  # the contract's services (``Contract.service_list``)


def resolve_scope(db: Session, *, contract_no: str, group_no: str | None) -> Scope | None:
    """The contract (and group) ids behind a session's numbers; None when they do not exist
    (a contract without that group is treated as no scope at all, never as the whole
    contract). One query: every business event asks this first, often more than once."""
    if group_no is None:
        row = db.exec(
            select(Contract.id, Contract.services).where(Contract.contract_no == contract_no)
        ).first()
        if row is None:
            return None
        assert row[0] is not None  # the primary key of a stored row
        return Scope(row[0], contract_no, None, None, service_list(row[1]))
    found = db.exec(
        select(Contract.id, PaymentGroup.id, Contract.services)
        .join(PaymentGroup, col(PaymentGroup.contract_id) == col(Contract.id))
        .where(Contract.contract_no == contract_no, PaymentGroup.number == group_no)
    ).first()
    if found is None:
        return None
    contract_id, group_id, services = found
    assert contract_id is not None and group_id is not None  # primary keys of stored rows
    return Scope(contract_id, contract_no, group_id, group_no, service_list(services))



def scope_of(db: Session, session: TenantSession) -> Scope | None:
    """``resolve_scope`` for the signed-in session's contract and selected group; a session
    checked in this event (``sessions.SessionInfo``) carries the ids it read, so no query."""
    known = getattr(session, "scope", None)
    if isinstance(known, Scope) and known.contract_no == session.contract_no \
            and known.group_no == session.group_no:
        return known
    return resolve_scope(db, contract_no=session.contract_no, group_no=session.group_no)


def tenant_clauses(model: Any, scope: Scope) -> list[ColumnElement[bool]]:
    """The WHERE clauses that keep a query of ``model`` (a table with ``contract_id`` and
    ``payment_group_id``: details, employees, requests …) to the scope's contract and, when
    one is selected, its payment group."""
    clauses: list[ColumnElement[bool]] = [col(model.contract_id) == scope.contract_id]
    if scope.payment_group_id is not None:
        clauses.append(col(model.payment_group_id) == scope.payment_group_id)
    return clauses
