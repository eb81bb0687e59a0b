"""Business notices (SPEC §13 R-PLUS-7): made where the event happens, shown on the
information screen, mailed through the outbox; and each user's 通知設定.

- ``notify_requests`` — a new request: called by ``cycle_publishing.publish_month`` (the bank's
  ``chingin bank publish-request``) inside its transaction;
- ``notify_results`` — results received: called by the two results loaders inside theirs;
- ``send_deadline_notices`` — the まとめ入金期限 2 bank days away while unconfirmed: the daily
  job (``chingin jobs run``).

Once only: a notice row per (request, kind, user) is unique in the database; it is inserted
with ``ON CONFLICT DO NOTHING`` and its mail is queued only when the insert took, in the same
transaction — so a job run twice, or on two workers at once, or a request published again
(``--replace`` keeps its id), mails nobody twice. Recipients are the live users who may see
the notice's menu (``domain.notices.NOTICE_MENUS``, the rule the screens use); a user who opted
out of a kind's mail still sees the notice on the information screen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.deduction_cycle import CycleStatus
from chingin_app.domain.line_kinds import PayKind
from chingin_app.domain.messages import message
from chingin_app.domain.notices import (
    NOTICE_MENUS,
    NoticeKind,
    RequestKind,
    deadline_notice_due,
    month_label,
)
from chingin_app.domain.permissions import can, effective_level, menu
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    ActorKind,
    BusinessNotice,
    ClosedDay,
    Contract,
    ContractStatus,
    DeductionRequest,
    LogResult,
    MenuPermission,
    NoticeSetting,
    PaymentGroup,
    User,
    UserRole,
)
from chingin_app.services import mail, mail_templates, oplog
from chingin_app.services.permissions import SessionLike

__all__ = [
    "ACTION_DEADLINE",
    "ACTION_SETTINGS",
    "NoticeLine",
    "NoticeSettings",
    "RequestRef",
    "list_for_user",
    "notify_requests",
    "notify_results",
    "read_settings",
    "recipients",
    "save_settings",
    "send_deadline_notices",
    "text_of",
]

log = logging.getLogger(__name__)

ACTION_SETTINGS: Final = "notice.settings"
ACTION_DEADLINE: Final = "notice.deadline"
#: How many notices the information screen lists, newest first.
SHOWN_NOTICES: Final = 10
#: The deadline job looks at requests whose deadline is at most this far ahead (2 bank days
#: never span more than the longest run of closed days plus 2).
_DEADLINE_HORIZON: Final = timedelta(days=14)

_T = BusinessNotice.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RequestRef:
    """What a notice says about its request: never an amount or a name."""

    request_kind: RequestKind
    request_id: int
    group_no: str
    deduct_month: str
    pay_kind: str
    deadline: date | None = None
    not_deducted: int | None = None


@dataclass(frozen=True)
class NoticeSettings:
    """A user's 通知設定: which kinds come by mail, and the version the screen read."""

    mail: dict[NoticeKind, bool]
    version: int


@dataclass(frozen=True)
class NoticeLine:
    """One notice as the information screen lists it."""

    created_at: datetime
    kind: NoticeKind
    request_kind: RequestKind
    group_no: str
    deduct_month: str
    pay_kind_label: str
    deadline: date | None
    not_deducted: int | None

    @property
    def month_text(self) -> str:
        """``2026年12月``."""
        return month_label(self.deduct_month)


# ---------------------------------------------------------------------------- who and whether


def recipients(db: Session, *, contract_id: int, menu_key: str) -> list[User]:
    """The live users of the contract who may see the menu ``menu_key`` (R-PLUS-7 "the users
    who hold the menu"; R-USER-7 through ``permissions.can``): none when the contract lacks
    the menu's service."""
    item = menu(menu_key)
    contract = db.get(Contract, contract_id)
    if contract is None or item.service.value not in contract.service_list():
        return []
    users = db.exec(
        select(User)
        .where(User.contract_id == contract_id, col(User.deleted_at).is_(None))
        .order_by(col(User.id))
    ).all()
    stored = {
        pk: level for pk, level in db.exec(
            select(MenuPermission.user_pk, MenuPermission.level)
            .join(User, col(User.id) == col(MenuPermission.user_pk))
            .where(User.contract_id == contract_id, MenuPermission.menu_key == menu_key)
        ).all()
    }
    chosen: list[User] = []
    for user in users:
        assert user.id is not None
        level, _unset = effective_level(item, stored.get(user.id))
        if user.role == UserRole.MASTER.value or can(user.role, level, "view"):
            chosen.append(user)
    return chosen


def _mail_wanted(db: Session, user_pk: int, kind: NoticeKind) -> bool:
    setting = db.get(NoticeSetting, user_pk)
    return _settings_of(setting).mail[kind]


def _insert_once(db: Session, values: dict[str, Any]) -> bool:
    """Insert a notice unless it exists (the unique constraint decides, also against a
    concurrent transaction); whether this call inserted it."""
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(_T)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["request_kind", "request_id", "kind", "user_pk"])
        .returning(_T.c.id)
    )
    return db.execute(statement).first() is not None


def _notify(db: Session, *, contract_id: int, kind: NoticeKind, ref: RequestRef,
            clock: Clock) -> int:
    """The notice of ``kind`` about ``ref`` to every recipient who has not had it, its mail
    queued unless the user opted out; in the caller's transaction. How many were made."""
    menu_key = NOTICE_MENUS.get((ref.request_kind, kind))
    if menu_key is None:
        return 0
    now = clock.now()
    made = 0
    for user in recipients(db, contract_id=contract_id, menu_key=menu_key):
        assert user.id is not None
        wanted = _mail_wanted(db, user.id, kind)
        inserted = _insert_once(db, {
            "contract_id": contract_id, "user_pk": user.id,
            "request_kind": ref.request_kind.value, "request_id": ref.request_id,
            "kind": kind.value, "group_no": ref.group_no, "deduct_month": ref.deduct_month,
            "pay_kind": ref.pay_kind, "deadline": ref.deadline,
            "not_deducted": ref.not_deducted, "mailed": wanted, "created_at": now,
        })
        if not inserted:
            continue  # already noticed (another run, another worker, a republished request)
        made += 1
        if wanted:
            mail.enqueue(db, to=user.email, clock=clock, user_pk=user.id,
                         message=mail_templates.business_notice(
                             kind=kind, request_kind=ref.request_kind, group_no=ref.group_no,
                             deduct_month=ref.deduct_month, pay_kind=ref.pay_kind,
                             deadline=ref.deadline, not_deducted=ref.not_deducted))
    return made


def notify_requests(db: Session, *, contract_id: int, refs: Iterable[RequestRef],
                    clock: Clock) -> int:
    """R-PLUS-7 "a new request received": in the publishing transaction (does not commit)."""
    return sum(_notify(db, contract_id=contract_id, kind=NoticeKind.REQUEST, ref=ref,
                       clock=clock) for ref in refs)


def notify_results(db: Session, *, contract_id: int, refs: Iterable[RequestRef],
                   clock: Clock) -> int:
    """R-PLUS-7 "results received (with the count of 控除不能)": in the loader's transaction
    (does not commit); each ``ref`` carries ``not_deducted``."""
    return sum(_notify(db, contract_id=contract_id, kind=NoticeKind.RESULTS, ref=ref,
                       clock=clock) for ref in refs)


def send_deadline_notices(*, clock: Clock) -> int:
    """The daily job's part of R-PLUS-7: for every 労金控除 request still 依頼受信 (unconfirmed)
    of an active contract whose まとめ入金期限 is 2 bank business days away or nearer (bank
    calendar with the operator's closed days, ``domain.notices``), the deadline notice; one
    transaction per request, committed. Returns how many notices were made."""
    today = to_jst(clock.now()).date()
    made = 0
    with session_scope() as db:
        closed = set(db.execute(sa_select(col(ClosedDay.day))).scalars().all())
        rows = db.execute(
            sa_select(col(DeductionRequest.id), col(DeductionRequest.contract_id),
                      col(Contract.contract_no), col(PaymentGroup.number),
                      col(DeductionRequest.deduct_month), col(DeductionRequest.pay_kind),
                      col(DeductionRequest.deadline))
            .join(PaymentGroup, col(PaymentGroup.id) == col(DeductionRequest.payment_group_id))
            .join(Contract, col(Contract.id) == col(DeductionRequest.contract_id))
            .where(
                col(DeductionRequest.status) == CycleStatus.RECEIVED.value,
                col(Contract.status) == ContractStatus.ACTIVE.value,
                col(DeductionRequest.deadline) >= today,
                col(DeductionRequest.deadline) <= today + _DEADLINE_HORIZON,
            )
            .order_by(col(DeductionRequest.deadline), col(DeductionRequest.id))
        ).all()
        db.commit()
        for request_id, contract_id, contract_no, group_no, month, pay_kind, deadline in rows:
            if request_id is None or not deadline_notice_due(today, deadline,
                                                             extra_closed=closed):
                continue
            ref = RequestRef(RequestKind.ROKIN, request_id, group_no, month, pay_kind,
                             deadline=deadline)
            count = _notify(db, contract_id=contract_id, kind=NoticeKind.DEADLINE, ref=ref,
                            clock=clock)
            if count:
                # Logged in the contract's chain like the certificate notices (R-CERT-6): who
                # was told what is part of the record (R-LOG-1).
                oplog.append(
                    db, chain=oplog.chain_for(contract_no), at=clock.now(),
                    actor_kind=ActorKind.SYSTEM, actor="system", action=ACTION_DEADLINE,
                    result=LogResult.SUCCESS, contract_no=contract_no,
                    target=f"{group_no} {month} {pay_kind}",
                    detail={"request_id": request_id, "deadline": deadline, "users": count},
                )
            db.commit()
            made += count
    return made


# ---------------------------------------------------------------------------- the screens


def _live_user(db: Session, session: SessionLike) -> User | None:
    row = db.exec(
        select(User)
        .join(Contract, col(Contract.id) == col(User.contract_id))
        .where(Contract.contract_no == session.contract_no, User.user_id == session.user_id,
               col(User.deleted_at).is_(None))
    ).first()
    return row


def list_for_user(db: Session, *, session: SessionLike,
                  limit: int = SHOWN_NOTICES) -> list[NoticeLine]:
    """The signed-in user's own notices, newest first (R-PLUS-7 "the information screen shows
    the same notices"); only ever the user's rows, so never another contract's. Read-only."""
    user = _live_user(db, session)
    if user is None:
        return []
    rows = db.exec(
        select(BusinessNotice)
        .where(BusinessNotice.user_pk == user.id, BusinessNotice.contract_id == user.contract_id)
        .order_by(col(BusinessNotice.created_at).desc(), col(BusinessNotice.id).desc())
        .limit(limit)
    ).all()
    return [
        NoticeLine(
            created_at=row.created_at, kind=NoticeKind(row.kind),
            request_kind=RequestKind(row.request_kind), group_no=row.group_no,
            deduct_month=row.deduct_month, pay_kind_label=PayKind(row.pay_kind).label,
            deadline=row.deadline, not_deducted=row.not_deducted,
        )
        for row in rows
    ]


def text_of(line: NoticeLine) -> str:
    """A notice as the information screen writes it (dates ``2026/12/07``)."""
    common = {"what": line.request_kind.label, "month": line.month_text,
              "pay_kind": line.pay_kind_label, "group": line.group_no}
    if line.kind is NoticeKind.DEADLINE:
        deadline = dates.date_label(line.deadline)
        return message("I-NOTICE-DEADLINE", deadline=deadline, **common)
    if line.kind is NoticeKind.RESULTS:
        return message("I-NOTICE-RESULTS", count=line.not_deducted or 0, **common)
    return message("I-NOTICE-REQUEST", **common)


def _settings_of(row: NoticeSetting | None) -> NoticeSettings:
    if row is None:
        return NoticeSettings({kind: True for kind in NoticeKind}, 0)
    return NoticeSettings({
        NoticeKind.REQUEST: row.mail_request,
        NoticeKind.DEADLINE: row.mail_deadline,
        NoticeKind.RESULTS: row.mail_results,
    }, row.version)


def read_settings(db: Session, *, session: SessionLike) -> Ok[NoticeSettings] | Err:
    """The signed-in user's 通知設定 (common menu: every user, own settings only).
    E-MENU-HIDDEN when the session's user is not a live user of its contract. Read-only."""
    user = _live_user(db, session)
    if user is None or user.id is None:
        return Err("E-MENU-HIDDEN")
    return Ok(_settings_of(db.get(NoticeSetting, user.id)))


def save_settings(
    db: Session,
    *,
    session: SessionLike,
    mail_kinds: Sequence[NoticeKind],
    version: int,
    clock: Clock,
    ip: str | None = None,
) -> Ok[NoticeSettings] | Err:
    """更新 on 通知設定: the kinds in ``mail_kinds`` come by mail, the others do not (R-PLUS-7
    opt-out). Always the session's own user (never an id from the screen); committed and
    logged. Refused: E-MENU-HIDDEN (no live user), E-NOTICE-SETTINGS-STALE when the settings
    changed since ``version`` was read (another tab), nothing changed."""
    user = _live_user(db, session)
    if user is None or user.id is None:
        return Err("E-MENU-HIDDEN")
    row = db.exec(
        select(NoticeSetting).where(NoticeSetting.user_pk == user.id).with_for_update()
    ).first()
    current = _settings_of(row).version
    if current != version:
        db.rollback()
        return Err("E-NOTICE-SETTINGS-STALE")
    now = clock.now()
    wanted = set(mail_kinds)
    if row is None:
        row = NoticeSetting(user_pk=user.id, version=0, updated_at=now)
    row.mail_request = NoticeKind.REQUEST in wanted
    row.mail_deadline = NoticeKind.DEADLINE in wanted
    row.mail_results = NoticeKind.RESULTS in wanted
    row.version = current + 1
    row.updated_at = now
    db.add(row)
    oplog.user_success(
        db, contract_no=session.contract_no, at=now, actor=session.user_id,
        action=ACTION_SETTINGS, ip=ip, target=session.user_id, screen="通知設定",
        detail={"mail": sorted(kind.value for kind in wanted)},
    )
    db.commit()
    return Ok(_settings_of(row))
