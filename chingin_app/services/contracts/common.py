"""What the contract commands share: the view an operator sees and the two
ways an operator command ends in the log (R-LOG-1): a success entry in the contract's chain
with the 受付番号, or a rollback and a failure entry in the system chain with the contract
number as typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from chingin_app.domain.result import Err
from chingin_app.models import Contract, PaymentGroup
from chingin_app.services import contract_records, oplog
from chingin_app.services.collation import code_point

__all__ = ["ContractView", "contract_view", "log_refusal", "log_success"]


@dataclass(frozen=True)
class ContractView:
    """What an operator (``chingin contract show``) and the お知らせ need; no secrets."""

    contract_no: str
    name: str
    kind: str
    services: tuple[str, ...]
    groups: tuple[tuple[str, str], ...]
    status: str
    initial_password_set: bool
    initial_password_blocked: bool
    initial_password_failures: int
    has_master: bool
    created_at: datetime
    is_demo: bool = False  # made by the demo loader (R-DEP-1)
    #: 職員番号桁数 as the bank set it (RL-CYCLE-3); None: the most common length is used.
    staff_no_digits: int | None = None


def log_refusal(
    db: Session,
    err: Err,
    *,
    action: str,
    actor: str,
    at: datetime,
    contract_no: str,
    ticket: str | None,
) -> Err:
    """Roll back, log the failure in the system chain, and return ``err`` (R-LOG-1)."""
    oplog.operator_refusal(
        db, at=at, actor=actor, action=action, target=contract_no, ticket=ticket,
        detail={"code": err.code, "field": err.field},
    )
    return err


def log_success(
    db: Session,
    contract_no: str,
    *,
    action: str,
    actor: str,
    at: datetime,
    ticket: str | None,
    detail: dict[str, Any],
) -> None:
    """The command's success entry in the contract's chain, in the caller's transaction."""
    oplog.operator_success(
        db, contract_no=contract_no, at=at, actor=actor, action=action, target=contract_no,
        ticket=ticket, detail=detail,
    )


def contract_view(db: Session, contract: Contract) -> ContractView:
    """What an operator sees of ``contract`` (reads only)."""
    assert contract.id is not None
    groups = db.exec(
        select(PaymentGroup)
        .where(PaymentGroup.contract_id == contract.id)
        .order_by(code_point(col(PaymentGroup.number)))
    ).all()
    return ContractView(
        contract_no=contract.contract_no,
        name=contract.name,
        kind=contract.kind,
        services=contract.service_list(),
        groups=tuple((g.number, g.name) for g in groups),
        status=contract.status,
        initial_password_set=contract.initial_password_hash is not None,
        initial_password_blocked=contract.initial_password_blocked,
        initial_password_failures=contract.initial_password_failure_count,
        has_master=contract_records.live_master(db, contract.id) is not None,
        created_at=contract.created_at,
        is_demo=contract.is_demo,
        staff_no_digits=contract.staff_no_digits,
    )
