"""What the operator console shows of the customers' side (SPEC R-PLUS-6): contracts found by
number or name, a contract's users with lock and certificate state. Read-only, no secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlmodel import Session, col, select

from chingin_app.models import Certificate, Contract, User
from chingin_app.services.collation import code_point
from chingin_app.services.contract_users import STATUS_BLOCKED, STATUS_LOCKED, STATUS_NORMAL

__all__ = [
    "SEARCH_LIMIT",
    "ContractLine",
    "UserLine",
    "contract_users",
    "search_contracts",
]


@dataclass(frozen=True)
class ContractLine:
    """One contract in the console's search result."""

    contract_no: str
    name: str
    status: str


@dataclass(frozen=True)
class UserLine:
    """One user of a contract as the console shows it (no secrets)."""

    user_id: str
    user_name: str
    role: str
    status: str
    certificate: str


SEARCH_LIMIT: Final = 50


def search_contracts(db: Session, *, query: str) -> list[ContractLine]:
    """Contracts whose number starts with, or whose name contains, ``query`` (at most 50,
    newest first). Read-only."""
    text = query.strip()
    stmt = select(Contract).order_by(col(Contract.id).desc()).limit(SEARCH_LIMIT)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            col(Contract.contract_no).like(f"{escaped}%", escape="\\")
            | col(Contract.name).like(f"%{escaped}%", escape="\\")
        )
    rows = [ContractLine(c.contract_no, c.name, c.status) for c in db.exec(stmt).all()]
    db.rollback()
    return rows


def contract_users(db: Session, *, contract_no: str, now: datetime) -> list[UserLine]:
    """Every live user of a contract with lock state and certificate state. Read-only."""
    contract = db.exec(select(Contract).where(Contract.contract_no == contract_no)).first()
    if contract is None:
        db.rollback()
        return []
    lines: list[UserLine] = []
    users = db.exec(
        select(User).where(User.contract_id == contract.id, col(User.deleted_at).is_(None))
        .order_by(code_point(col(User.role)).desc(), col(User.id))
    ).all()
    for user in users:
        if user.blocked:
            status = STATUS_BLOCKED
        elif user.locked_until is not None and user.locked_until > now:
            status = STATUS_LOCKED
        else:
            status = STATUS_NORMAL
        cert = db.exec(
            select(Certificate).where(Certificate.user_pk == user.id)
            .order_by(col(Certificate.issued_at).desc())
        ).first()
        if cert is None:
            cert_text = "未発行"
        elif cert.status == "current":
            cert_text = "有効" if cert.not_after > now else "期限切れ"
        else:
            cert_text = "失効" if cert.status == "revoked" else "更新済み"
        role = "マスター" if user.role == "master" else "一般"
        lines.append(UserLine(user.user_id, user.user_name, role, status, cert_text))
    db.rollback()
    return lines
