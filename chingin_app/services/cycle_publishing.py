"""``chingin bank publish-request``: the month's requests of a contract, both kinds in one
transaction (SPEC §11 RK-4, RL-CYCLE-1; Appendix A.4 依頼受信).

The 労金控除 request (``services/rokin/cycle``) is made when the contract has 労金控除 (or
neither kind: the command has always published it); beside it, when the contract has 賃控元帳,
the 賃控元帳控除依頼 (``services/ledger/cycle``), on the 労金控除 request's dates — every group
that got a 労金控除 request gets a ledger request too, so RL-12 always has the cycle — and for
a group with ledger lines only, on the calendar's dates. All or nothing: either kind refused
(E-CYCLE-EXISTS without ``--replace``, a confirmed or closed request, …) refuses both, logged
once; a contract whose groups have nothing of either kind is E-CYCLE-NO-LINES. Each request
made is noticed to the users who hold its menu (R-PLUS-7, ``services.notices``) in the same
transaction: a notice exists exactly when its request does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import Clock
from chingin_app.domain.contract import Service
from chingin_app.domain.line_kinds import PayKind
from chingin_app.domain.notices import RequestKind
from chingin_app.domain.result import Err, Ok
from chingin_app.models import DeductionRequest, PaymentGroup
from chingin_app.services import contract_records, notices, oplog
from chingin_app.services.ledger.cycle import publishing as ledger_publishing
from chingin_app.services.ledger.cycle.common import PublishedLedgerRequest
from chingin_app.services.rokin.cycle import publishing as rokin_publishing
from chingin_app.services.rokin.cycle.common import (
    ACTION_PUBLISH,
    PublishedRequest,
    _groups,
    _key_text,
)

__all__ = ["MonthPublished", "publish_month"]


@dataclass(frozen=True)
class MonthPublished:
    """The requests one ``publish_month`` made, of each kind."""

    rokin: tuple[PublishedRequest, ...]
    ledger: tuple[PublishedLedgerRequest, ...]


def _chosen_groups(db: Session, contract_id: int, group_no: str | None) -> list[PaymentGroup]:
    groups = list(_groups(db, contract_id).values())
    return groups if group_no is None else [g for g in groups if g.number == group_no]


def publish_month(
    db: Session,
    *,
    contract_no: str,
    deduct_month: str,
    pay_kind: str = "monthly",
    group_no: str | None = None,
    replace_existing: bool = False,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[MonthPublished] | Err:
    """Publish the month's 労金控除 request and the 賃控元帳控除依頼 beside it (module
    docstring), of one payment group (``group_no``) or every group; committed, one log entry
    per request made. Refused (rolled back, one failure entry): E-CONTRACT-NOT-FOUND,
    E-MONTH-FORMAT, E-PAY-KIND, E-GROUP-NOT-FOUND, and either kind's refusals."""
    who = oplog.operator_actor(actor)
    now = clock.now()

    def refuse(err: Err) -> Err:
        oplog.operator_refusal(
            db, at=now, actor=who, action=ACTION_PUBLISH,
            target=_key_text(group_no or "*", deduct_month, pay_kind)[:40], ticket=ticket,
            detail={"code": err.code, "contract_no": contract_no[:40]},
        )
        return err

    contract = contract_records.find_contract(db, contract_no)
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    contract_id = contract.id
    services = contract.service_list()
    with_ledger = Service.LEDGER.value in services
    with_rokin = Service.ROKIN.value in services or not with_ledger
    month = cyc.check_month(deduct_month)
    if isinstance(month, Err):
        return refuse(month)
    try:
        kind = PayKind(pay_kind)
    except ValueError:
        return refuse(Err("E-PAY-KIND", "pay_kind"))
    groups = _chosen_groups(db, contract_id, group_no)
    if not groups:
        return refuse(Err("E-GROUP-NOT-FOUND", "group", {"number": group_no}))

    rokin: list[PublishedRequest] = []
    nothing: Err | None = None
    if with_rokin:
        got = rokin_publishing.publish_groups(
            db, contract_id=contract_id, groups=groups, month=month.value, kind=kind, now=now,
            replace_existing=replace_existing, skip_empty=group_no is None, rules=rules,
        )
        if isinstance(got, Err) and (got.code != "E-CYCLE-NO-LINES" or not with_ledger):
            return refuse(got)
        if isinstance(got, Err):
            # Nothing of 労金控除; the ledger may have lines. Undo whatever the attempt
            # touched (a replaced request's lines) before the ledger's turn.
            db.rollback()
            nothing = got
            groups = _chosen_groups(db, contract_id, group_no)
        else:
            rokin = got
    ledger: list[PublishedLedgerRequest] = []
    if with_ledger:
        beside: dict[int, DeductionRequest] = {}
        for pub in rokin:
            request = db.get(DeductionRequest, pub.request_id)
            assert request is not None
            beside[request.payment_group_id] = request
        made = ledger_publishing.publish_ledger_groups(
            db, contract_id=contract_id, groups=groups, month=month.value, kind=kind, now=now,
            replace_existing=replace_existing, beside=beside, rules=rules,
        )
        if isinstance(made, Err):
            return refuse(made)
        ledger = made
    if not rokin and not ledger:
        return refuse(nothing or Err("E-CYCLE-NO-LINES", "deduct_month", {
            "group": group_no or groups[0].number, "month": month.value,
            "pay_kind": kind.label}))
    rokin_publishing.log_published(db, contract_no=contract_no, made=rokin, actor=who, now=now,
                                   ticket=ticket)
    ledger_publishing.log_published(db, contract_no=contract_no, made=ledger, actor=who,
                                    now=now, ticket=ticket)
    notices.notify_requests(db, contract_id=contract_id, clock=clock, refs=[
        *(notices.RequestRef(RequestKind.ROKIN, p.request_id, p.group_no, p.deduct_month,
                             p.pay_kind, deadline=p.dates.deadline) for p in rokin),
        *(notices.RequestRef(RequestKind.LEDGER, p.request_id, p.group_no, p.deduct_month,
                             p.pay_kind, deadline=p.dates.deadline) for p in ledger),
    ])
    db.commit()
    return Ok(MonthPublished(tuple(rokin), tuple(ledger)))
