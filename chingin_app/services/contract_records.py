"""The contract's own rows as several use cases read and change them (SPEC R-LOCK-3, R-OPS-2,
R-OPS-2a): the contract looked up by its number or locked for a change, its live master, and
the initial-password lock counters of マスターユーザーの初期登録.

One home for what master registration (``registration``), the master's user administration
(``contract_users``), the bank's procedures (``user_procedures``), the contract commands
(``contracts``) and the bank's file loads would otherwise each spell out. Nothing here
commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from chingin_app.domain import lockout
from chingin_app.models import Contract, User, UserRole

__all__ = [
    "find_contract",
    "initial_password_lock",
    "live_master",
    "lock_contract",
    "release_initial_password_lock",
    "store_initial_password_lock",
]


def find_contract(db: Session, contract_no: str) -> Contract | None:
    """The contract with this number, unlocked, or None (services take the number the bank
    and the screens know, never a row id)."""
    return db.exec(select(Contract).where(Contract.contract_no == contract_no)).first()


def lock_contract(db: Session, contract_no: str) -> Contract | None:
    """The contract, row-locked for this transaction (``SELECT … FOR UPDATE``; SQLite holds
    the write lock already) and re-read, so parallel changes to one contract queue here."""
    return db.exec(
        select(Contract)
        .where(Contract.contract_no == contract_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def live_master(db: Session, contract_id: int, *, lock: bool = False) -> User | None:
    """The contract's master who is not deleted (one at most, R-MREG-2), row-locked when
    ``lock``."""
    query = select(User).where(
        User.contract_id == contract_id,
        User.role == UserRole.MASTER.value,
        col(User.deleted_at).is_(None),
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.exec(query).first()


def initial_password_lock(contract: Contract) -> lockout.LockState:
    """The contract's initial-password counters as the lockout rules see them (R-LOCK-3)."""
    return lockout.LockState(
        failure_count=contract.initial_password_failure_count,
        locked_until=contract.initial_password_locked_until,
        lock_count=contract.initial_password_lock_count,
        blocked=contract.initial_password_blocked,
    )


def store_initial_password_lock(
    contract: Contract, state: lockout.LockState, now: datetime
) -> None:
    """Write ``state`` back to the contract's row (the caller adds and flushes it)."""
    contract.initial_password_failure_count = state.failure_count
    contract.initial_password_locked_until = state.locked_until
    contract.initial_password_lock_count = state.lock_count
    contract.initial_password_blocked = state.blocked
    contract.updated_at = now


def release_initial_password_lock(contract: Contract, now: datetime) -> dict[str, Any]:
    """The bank clears the contract's initial-password failures, lock, lock count and block
    (R-OPS-2 初期パスワード閉塞解除, R-OPS-2a マスター初期化; R-LOCK-2: only the bank lifts a
    block). Returns the counters before, for the operation log."""
    before = initial_password_lock(contract)
    store_initial_password_lock(contract, lockout.LockState(), now)
    return {
        "failure_count": before.failure_count,
        "lock_count": before.lock_count,
        "locked_until": before.locked_until,
        "blocked": before.blocked,
    }
