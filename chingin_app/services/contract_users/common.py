"""What the 契約ユーザー use cases share (R-USER-2, R-USER-5, R-USER-7a, R-USER-8): the menu
restrictions stored per user, the notices to the master, the profile form where blank means
unchanged, and ``MasterAction`` — one master-only change on a contract with its refusal
logging and its row-locked lookups."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.permissions import Level, menu
from chingin_app.domain.result import Err, Invalid
from chingin_app.domain.validation import (
    check_contract_no,
    check_email,
    check_reentry,
    check_user_name,
    normalise_user_name,
)
from chingin_app.models import ActorKind, Contract, LogResult, MenuPermission, User, UserRole
from chingin_app.services import contract_records, mail, mail_templates, oplog

__all__ = [
    "MasterAction",
    "apply_profile",
    "blank",
    "notify",
    "profile_errors",
    "store_permissions",
    "uncontracted",
]


def uncontracted(contract: Contract, levels: Mapping[str, Level]) -> list[Err]:
    """E-PERMISSION-MENU (field ``perm:<key>``) for each menu of a service the contract does
    not have (R-USER-7a)."""
    services = contract.service_list()
    return [
        Err("E-PERMISSION-MENU", f"perm:{key}", {})
        for key in levels
        if menu(key).service.value not in services
    ]


def store_permissions(
    db: Session, user_pk: int, levels: Mapping[str, Level]
) -> dict[str, list[str | None]]:
    """Upsert the user's settings for the menus in ``levels``; returns ``{key: [before,
    after]}`` for those that changed (before None = 未設定)."""
    existing = {
        row.menu_key: row
        for row in db.exec(select(MenuPermission).where(MenuPermission.user_pk == user_pk))
    }
    changes: dict[str, list[str | None]] = {}
    for key, level in levels.items():
        row = existing.get(key)
        if row is None:
            db.add(MenuPermission(user_pk=user_pk, menu_key=key, level=level.value))
            changes[key] = [None, level.value]
        elif row.level != level.value:
            changes[key] = [row.level, level.value]
            row.level = level.value
            db.add(row)
    db.flush()
    return changes


def notify(db: Session, to: User, clock: Clock, message: mail.MailMessage) -> None:
    """Queue ``message`` to ``to`` in the caller's transaction (R-USER-8; sent after commit)."""
    mail.enqueue(db, to=to.email, message=message, clock=clock, user_pk=to.id)


def blank(value: str | None) -> bool:
    """A field left empty on an update form: unchanged (SPEC §3)."""
    return value is None or value == ""


def profile_errors(
    user_name: str | None, email: str | None, email_again: str | None
) -> list[Err]:
    """Field errors of an update form where blank means unchanged (SPEC §3); an e-mail change
    needs both entries."""
    errors: list[Err | None] = []
    if not blank(user_name):
        errors.append(check_user_name(user_name))
    if blank(email):
        if not blank(email_again):
            errors.append(Err("E-FIELD-REQUIRED", "email", {"label": "メールアドレス"}))
    else:
        errors.append(check_email(email))
        errors.append(
            check_reentry(
                email, email_again, field="email_again", label="メールアドレス再入力",
                other_label="メールアドレス",
            )
        )
    return [e for e in errors if e is not None]


class MasterAction:
    """One master-only action on a contract: its refusal logging and its lookups."""

    def __init__(
        self, db: Session, *, contract_no: str, actor: str, action: str, screen: str,
        target: str, now: datetime,
    ) -> None:
        self.db = db
        self.chain_no = contract_no if check_contract_no(contract_no) is None else None
        self.actor = actor[:40] or "?"
        self.action = action
        self.screen = screen
        self.target = target[:40] or None
        self.now = now

    def refuse(self, err: Err, result: LogResult = LogResult.REFUSED) -> Err:
        """Roll back, log ``err`` in the contract's chain (R-LOG-1) and return it."""
        oplog.log_failure(
            self.db, chain=oplog.chain_for(self.chain_no), at=self.now,
            actor_kind=ActorKind.USER, actor=self.actor, action=self.action, result=result,
            contract_no=self.chain_no, screen=self.screen, target=self.target,
            detail={"code": err.code},
        )
        return err

    def invalid(self, errors: list[Err]) -> Invalid:
        """Roll back, log the field errors by code only (R-SEC-5) and return them."""
        oplog.log_failure(
            self.db, chain=oplog.chain_for(self.chain_no), at=self.now,
            actor_kind=ActorKind.USER, actor=self.actor, action=self.action,
            result=LogResult.FAILURE, contract_no=self.chain_no, screen=self.screen,
            target=self.target, detail={"codes": [e.code for e in errors]},
        )
        return Invalid(tuple(errors))

    def contract(self) -> Contract | Err:
        """The contract, row-locked first, or E-CONTRACT-NOT-FOUND."""
        contract = contract_records.lock_contract(self.db, self.chain_no) if self.chain_no else None
        if contract is None or contract.id is None:
            return Err("E-CONTRACT-NOT-FOUND", "contract_no")
        return contract

    def user(self, contract: Contract, user_id: str) -> User | None:
        """A live user of ``contract`` by exact ID, row-locked; None for anyone else's."""
        return self.db.exec(
            select(User)
            .where(
                User.contract_id == contract.id,
                User.user_id == user_id,
                col(User.deleted_at).is_(None),
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def master(self, contract: Contract) -> User | Err:
        """The actor, who must be the contract's live master, or E-MASTER-ONLY."""
        actor = self.user(contract, self.actor)
        if actor is None or actor.role != UserRole.MASTER.value:
            return Err("E-MASTER-ONLY")
        return actor

    def general(self, contract: Contract, user_id: str) -> User | Err:
        """The target, a live general user of the contract, or E-USER-NOT-FOUND /
        E-USER-IS-MASTER."""
        user = self.user(contract, user_id)
        if user is None:
            return Err("E-USER-NOT-FOUND", "user_id")
        if user.role != UserRole.GENERAL.value:
            return Err("E-USER-IS-MASTER", "user_id")
        return user

    def master_and_general(self, user_id: str) -> tuple[Contract, User, User] | Err:
        """``contract``, ``master`` and ``general`` in that order (the contract's lock
        first)."""
        contract = self.contract()
        if isinstance(contract, Err):
            return contract
        master = self.master(contract)
        if isinstance(master, Err):
            return master
        target = self.general(contract, user_id)
        if isinstance(target, Err):
            return target
        return contract, master, target

    def log(self, contract_no: str, target: str, detail: Mapping[str, Any]) -> None:
        """The success entry in the contract's chain, in this transaction."""
        oplog.append(
            self.db, chain=oplog.chain_for(contract_no), at=self.now,
            actor_kind=ActorKind.USER, actor=self.actor, action=self.action,
            result=LogResult.SUCCESS, contract_no=contract_no, screen=self.screen,
            target=target, detail=detail,
        )


def apply_profile(
    db: Session, user: User, *, user_name: str | None, email: str | None, clock: Clock,
    now: datetime,
) -> dict[str, Any]:
    """Set the non-blank fields and write the row (its version moves on even when only the
    restrictions changed); the old address gets the R-USER-8 notice of an e-mail change.
    Returns the before/after detail for the log."""
    detail: dict[str, Any] = {}
    old_email: str | None = None
    if not blank(user_name):
        assert user_name is not None
        name = normalise_user_name(user_name)
        if name != user.user_name:
            detail["user_name"] = [user.user_name, name]
            user.user_name = name
    if not blank(email) and email != user.email:
        assert email is not None
        detail["email"] = [user.email, email]
        old_email = user.email
        user.email = email
    user.updated_at = now
    flag_modified(user, "updated_at")
    db.add(user)
    db.flush()
    if old_email is not None:
        mail.enqueue(
            db, to=old_email, clock=clock, user_pk=user.id,
            message=mail_templates.email_changed(
                user_name=user.user_name, user_id=user.user_id, at=now
            ),
        )
    return detail


