"""User IDs are unique in the whole service, ignoring case, and never reused (SPEC §3), and a
taken ID is told at most 10 times an hour per contract (MSG-ID-TAKEN, then MSG-TRY-LATER).

Shared by マスターユーザーの初期登録 (``registration``) and 契約ユーザー登録
(``contract_users``): the answers are counted from the operation log (action
``user.id_taken``), so both screens draw on one allowance per contract.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from chingin_app.domain.result import Err
from chingin_app.models import ActorKind, LogResult, OperationLog, User, fold_user_id
from chingin_app.services import oplog

__all__ = [
    "ACTION_ID_CHECK_LIMITED",
    "ACTION_ID_TAKEN",
    "ID_TAKEN_LIMIT",
    "ID_TAKEN_WINDOW",
    "id_taken_refusal",
    "user_id_taken",
]

ACTION_ID_TAKEN: Final = "user.id_taken"
ACTION_ID_CHECK_LIMITED: Final = "user.id_check_limited"

#: SPEC §3: MSG-ID-TAKEN at most 10 times per hour per contract.
ID_TAKEN_LIMIT: Final = 10
ID_TAKEN_WINDOW: Final = timedelta(hours=1)


def user_id_taken(db: Session, user_id: str) -> bool:
    """Whether an ID equal to ``user_id`` ignoring case exists anywhere in the service,
    deleted users included (SPEC §3: never reused)."""
    query = select(exists().where(col(User.user_id_folded) == fold_user_id(user_id)))
    return bool(db.execute(query).scalar())


def id_taken_refusal(
    db: Session,
    *,
    contract_no: str,
    actor_kind: ActorKind,
    actor: str,
    now: datetime,
    ip: str | None,
    screen: str,
) -> Err:
    """Answer an ID that is taken, within SPEC §3's limit: MSG-ID-TAKEN (field ``user_id``)
    at most ``ID_TAKEN_LIMIT`` times per ``ID_TAKEN_WINDOW`` per contract, then MSG-TRY-LATER.

    Call it under the contract's row lock (so parallel answers count one by one); it records
    the answer in the contract's chain and commits (the entry is what is counted).
    """
    chain = oplog.chain_for(contract_no)
    answered = db.execute(
        select(func.count())
        .select_from(OperationLog)
        .where(
            col(OperationLog.contract_no) == contract_no,
            col(OperationLog.action) == ACTION_ID_TAKEN,
            col(OperationLog.at) > now - ID_TAKEN_WINDOW,
        )
    ).scalar_one()
    limited = int(answered) >= ID_TAKEN_LIMIT
    oplog.append(
        db,
        chain=chain,
        at=now,
        actor_kind=actor_kind,
        actor=actor,
        action=ACTION_ID_CHECK_LIMITED if limited else ACTION_ID_TAKEN,
        result=LogResult.REFUSED,
        contract_no=contract_no,
        ip=ip,
        screen=screen,
    )
    db.commit()
    return Err("MSG-TRY-LATER") if limited else Err("MSG-ID-TAKEN", "user_id")
