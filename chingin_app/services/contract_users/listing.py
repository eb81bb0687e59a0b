"""契約ユーザー情報照会 (R-INFO-2, R-INFO-2a, R-USER-5): the contract's live users as the master
sees them, or a general user's own entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock, SystemClock
from chingin_app.models import Certificate, CertificateStatus, Contract, User, UserRole

__all__ = ["STATUS_BLOCKED", "STATUS_LOCKED", "STATUS_NORMAL", "UserRow", "list_users"]

STATUS_NORMAL: Final = "通常"
STATUS_LOCKED: Final = "ロック"
STATUS_BLOCKED: Final = "閉塞"

_MASTER_LABELS: Final = {"member": "会員（マスター）", "employer": "事業主（マスター）"}
_GENERAL_LABEL: Final = "一般"


@dataclass(frozen=True)
class UserRow:
    """One line of 契約ユーザー情報照会 (R-INFO-2a, R-USER-5: IDs are listed). ``status`` is
    通常 / ロック / 閉塞; ``cert_not_after`` the current certificate's validity end (None: no
    current certificate); ``version`` goes back as ``expected_version`` on update / delete."""

    user_id: str
    user_name: str
    email: str
    role: str
    role_label: str
    status: str
    locked_until: datetime | None
    cert_not_after: datetime | None
    version: int


def _status(user: User, now: datetime) -> str:
    if user.blocked:
        return STATUS_BLOCKED
    if user.locked_until is not None and user.locked_until > now:
        return STATUS_LOCKED
    return STATUS_NORMAL


def list_users(
    db: Session, *, contract_no: str, viewer_user_id: str, clock: Clock | None = None
) -> tuple[UserRow, ...]:
    """契約ユーザー情報照会 (R-INFO-2, R-INFO-2a): the master sees every live user of the
    contract (the master first, then general users in the order added); a general user sees
    only their own entry. Empty when the viewer is not a live user of the contract. Deleted
    users are not listed. Read-only (ends with a rollback)."""
    now = (clock or SystemClock()).now()
    contract = db.exec(select(Contract).where(Contract.contract_no == contract_no)).first()
    viewer = (
        db.exec(
            select(User).where(
                User.contract_id == contract.id,
                User.user_id == viewer_user_id,
                col(User.deleted_at).is_(None),
            )
        ).first()
        if contract is not None
        else None
    )
    if contract is None or viewer is None:
        db.rollback()
        return ()
    if viewer.role == UserRole.MASTER.value:
        users = list(
            db.exec(
                select(User).where(
                    User.contract_id == contract.id, col(User.deleted_at).is_(None)
                )
            )
        )
    else:
        users = [viewer]
    users.sort(key=lambda u: (u.role != UserRole.MASTER.value, u.created_at, u.id or 0))
    pks = [u.id for u in users]
    certs = {
        pk: not_after
        for pk, not_after in db.exec(
            select(Certificate.user_pk, Certificate.not_after).where(
                col(Certificate.user_pk).in_(pks),
                Certificate.status == CertificateStatus.CURRENT.value,
            )
        )
    }
    rows = tuple(
        UserRow(
            user_id=u.user_id,
            user_name=u.user_name,
            email=u.email,
            role=u.role,
            role_label=(
                _MASTER_LABELS.get(contract.kind, "マスター")
                if u.role == UserRole.MASTER.value
                else _GENERAL_LABEL
            ),
            status=_status(u, now),
            locked_until=u.locked_until if _status(u, now) == STATUS_LOCKED else None,
            cert_not_after=certs.get(u.id or 0),
            version=u.version,
        )
        for u in users
    )
    db.rollback()
    return rows
