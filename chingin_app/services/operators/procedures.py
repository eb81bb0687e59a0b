"""The console's own steps around the procedures it shares with the ``chingin`` command
(SPEC R-OPS-1, R-OPS-2, R-OPS-5): a user procedure acts only on a user of the contract the
dialog names; the お知らせ PDF is handed over as a download instead of a file."""

from __future__ import annotations

from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.result import Err, Ok
from chingin_app.models import Contract, User
from chingin_app.reports.notice import render_notice
from chingin_app.services import oplog
from chingin_app.services.contracts import get_contract
from chingin_app.settings import Settings

__all__ = [
    "check_user_of",
    "notice_pdf",
]


def check_user_of(
    db: Session, *, contract_no: str, user_id: str, action: str, actor: str, clock: Clock,
    ticket: str | None,
) -> Err | None:
    """The console's procedures on one user act only on a live user of the contract the
    dialog names (R-OPS-2: the 依頼書 is the contract's): None when ``user_id`` is one, else
    E-OP-USER-OTHER-CONTRACT (at the field), logged as a refusal of ``action`` with the
    受付番号. The caller's service then checks the user itself. Commits a refusal only."""
    found = db.exec(
        select(User.id)
        .join(Contract, col(Contract.id) == col(User.contract_id))
        .where(Contract.contract_no == contract_no, User.user_id == user_id,
               col(User.deleted_at).is_(None))
    ).first()
    if found is not None:
        return None
    err = Err("E-OP-USER-OTHER-CONTRACT", "user_id")
    oplog.operator_refusal(db, at=clock.now(), actor=actor, action=action,
                           target=user_id[:40] or None, ticket=ticket,
                           detail={"code": err.code, "contract_no": contract_no})
    return err


def notice_pdf(
    db: Session, *, s: Settings, contract_no: str, change: bool, actor: str, clock: Clock,
    ticket: str | None,
) -> Ok[tuple[str, bytes]] | Err:
    """ご利用開始（変更）のお知らせ as the console's download, logged like ``chingin notice``
    (R-OPS-1, R-OPS-2 reissue, R-OPS-5). Commits."""
    now = clock.now()
    view = get_contract(db, contract_no)
    if view is None:
        oplog.operator_refusal(db, at=now, actor=actor, action="contract.notice",
                               target=contract_no[:40], ticket=ticket,
                               detail={"code": "E-CONTRACT-NOT-FOUND"})
        return Err("E-CONTRACT-NOT-FOUND", "contract_no")
    issued_on = to_jst(now).date()
    pdf = render_notice(
        view, issued_on=issued_on, change=change,
        helpdesk=(s.helpdesk_name, s.helpdesk_tel, s.helpdesk_hours), service_url=s.base_url,
    )
    oplog.operator_success(
        db, contract_no=contract_no, at=now, actor=actor, action="contract.notice",
        target=contract_no, ticket=ticket, detail={"change": change, "issued_on": issued_on},
    )
    db.commit()
    return Ok((f"notice-{contract_no}.pdf", pdf))
