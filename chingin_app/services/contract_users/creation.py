"""契約ユーザー登録: the master (or the bank) adds a general user with a temporary password
(R-USER-3, R-USER-7a, R-USER-8; SPEC §1 at most 10 general users, §3 IDs never reused)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.permissions import PERMISSION_MENUS, check_permissions
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import (
    check_contract_no,
    check_email,
    check_password,
    check_reentry,
    check_user_id,
    check_user_name,
    normalise_user_name,
)
from chingin_app.models import ActorKind, Contract, LogResult, User, UserRole, fold_user_id
from chingin_app.services import contract_records, mail_templates, oplog, passwords
from chingin_app.services.contract_users.common import notify, store_permissions, uncontracted
from chingin_app.services.user_ids import id_taken_refusal, user_id_taken

__all__ = ["ACTION_CREATE_GENERAL", "GENERAL_USER_LIMIT", "create_general_user"]

ACTION_CREATE_GENERAL: Final = "user.create"

#: SPEC §1, R-USER-3: at most 10 general users per contract.
GENERAL_USER_LIMIT: Final = 10

_SCREEN_CREATE: Final = "契約ユーザー登録"


def _actor(actor: str) -> tuple[ActorKind, str]:
    if actor.startswith("operator:"):
        return ActorKind.OPERATOR, actor
    return ActorKind.USER, actor


def _live_general_users(db: Session, contract_id: int) -> int:
    return int(
        db.execute(
            select(func.count())
            .select_from(User)
            .where(
                col(User.contract_id) == contract_id,
                col(User.role) == UserRole.GENERAL.value,
                col(User.deleted_at).is_(None),
            )
        ).scalar_one()
    )


def _creator_to_notify(
    db: Session, contract: Contract, kind: ActorKind, who: str
) -> User | Err | None:
    """Who gets the R-USER-8 notice of an addition, or E-MASTER-ONLY (see create_general_user)."""
    assert contract.id is not None
    if kind is ActorKind.OPERATOR:
        return contract_records.live_master(db, contract.id)
    actor = db.exec(select(User).where(User.user_id == who)).first()
    if actor is None:
        return None
    if (
        actor.contract_id != contract.id
        or actor.role != UserRole.MASTER.value
        or actor.deleted_at is not None
    ):
        return Err("E-MASTER-ONLY")
    return actor


def create_general_user(
    db: Session,
    *,
    contract_no: str,
    user_id: str,
    user_name: str,
    email: str,
    temporary_password: str,
    actor: str,
    clock: Clock,
    permissions: Mapping[str, str] | None = None,
    temporary_password_again: str | None = None,
    email_again: str | None = None,
) -> Ok[str] | Invalid | Err:
    """Add a general user with a temporary password (R-USER-3): returns the user ID.
    The re-entries, when the screen sends them, must match (``temporary_password_again``,
    ``email_again``).

    ``Invalid`` with every field error (``user_id``, ``user_name``, ``email``,
    ``temporary_password``; §3 rules, password ≠ user ID). Err: E-CONTRACT-NOT-FOUND;
    MSG-USER-LIMIT when the contract has 10 general users (deleted ones do not count);
    MSG-ID-TAKEN (field ``user_id``) when an ID equal ignoring case exists anywhere, deleted
    users included — only once every other field is valid and at most 10 times an hour per
    contract, then MSG-TRY-LATER. The user must change the password at the first login
    (R-LOGIN-3); menus without a stored setting are 非表示 (R-USER-7a). ``actor`` is the
    master's user ID, or ``operator:NAME``.

    ``permissions`` ``{menu_key: 'show'|'hide'|'view_only'}`` is stored per menu (fields
    ``perm:<key>``: E-PERMISSION-LEVEL for a level the menu does not offer, E-PERMISSION-MENU
    for a menu the contract lacks); menus left out stay 未設定 (非表示). An ``actor`` that is a
    user ID must be the contract's live master: any other user (a general user, another
    contract's, a deleted one) gets E-MASTER-ONLY. The master (or, for an operator, the
    contract's master) is e-mailed 一般ユーザー登録のお知らせ (R-USER-8). An actor that is no
    user's ID (seeding, tests) is not checked and mails nobody.
    """
    now = clock.now()
    kind, who = _actor(actor)
    chain_no = contract_no if check_contract_no(contract_no) is None else None
    id_err = check_user_id(user_id)
    # R-SEC-5: a malformed ユーザーＩＤ is logged by its code only (it may be a password typed
    # into the wrong box); a well-formed one (letters and digits: never a password, §3) names
    # the attempt.
    target = user_id if id_err is None else None

    def refuse(err: Err, result: LogResult = LogResult.REFUSED, **extra: Any) -> Err:
        oplog.log_failure(
            db, chain=oplog.chain_for(chain_no), at=now, actor_kind=kind, actor=who,
            action=ACTION_CREATE_GENERAL, result=result, contract_no=chain_no,
            screen=_SCREEN_CREATE, target=target,
            detail={"code": err.code, **extra},
        )
        return err

    checks = [
        id_err,
        check_user_name(user_name),
        check_email(email),
        check_password(
            # The form's labels (P.28): 「パスワード」 / 「パスワード再入力」.
            temporary_password, field="temporary_password", label="パスワード",
            user_id=user_id,
        ),
    ]
    if temporary_password_again is not None:
        checks.append(check_reentry(
            temporary_password, temporary_password_again, field="temporary_password_again",
            label="パスワード再入力", other_label="パスワード",
        ))
    if email_again is not None:
        checks.append(check_reentry(email, email_again, field="email_again",
                                    label="メールアドレス再入力", other_label="メールアドレス"))
    levels, perm_errors = check_permissions(permissions or {}, PERMISSION_MENUS)
    if errors := [e for e in checks if e is not None] + perm_errors:
        oplog.log_failure(
            db, chain=oplog.chain_for(chain_no), at=now, actor_kind=kind, actor=who,
            action=ACTION_CREATE_GENERAL, result=LogResult.FAILURE, contract_no=chain_no,
            screen=_SCREEN_CREATE, target=target,
            detail={"codes": [e.code for e in errors]},
        )
        return Invalid(tuple(errors))
    password_hash = passwords.hash_secret(temporary_password)

    contract = contract_records.lock_contract(db, contract_no) if chain_no is not None else None
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    recipient = _creator_to_notify(db, contract, kind, who)
    if isinstance(recipient, Err):
        return refuse(recipient)
    if stray := uncontracted(contract, levels):
        oplog.log_failure(
            db, chain=oplog.chain_for(chain_no), at=now, actor_kind=kind, actor=who,
            action=ACTION_CREATE_GENERAL, result=LogResult.FAILURE, contract_no=chain_no,
            screen=_SCREEN_CREATE, target=target,
            detail={"codes": [e.code for e in stray]},
        )
        return Invalid(tuple(stray))
    if _live_general_users(db, contract.id) >= GENERAL_USER_LIMIT:
        return refuse(Err("MSG-USER-LIMIT"))
    if user_id_taken(db, user_id):
        return id_taken_refusal(
            db, contract_no=contract.contract_no, actor_kind=kind, actor=who, now=now, ip=None,
            screen=_SCREEN_CREATE,
        )
    db.add(
        User(
            contract_id=contract.id,
            user_id=user_id,
            user_id_folded=fold_user_id(user_id),
            role=UserRole.GENERAL.value,
            user_name=normalise_user_name(user_name),
            email=email,
            password_hash=password_hash,
            password_is_temporary=True,
            created_at=now,
            updated_at=now,
        )
    )
    try:
        db.flush()
    except IntegrityError:
        # A parallel add took the ID (PostgreSQL; SQLite serialises writers).
        db.rollback()
        contract = contract_records.lock_contract(db, contract_no)
        if contract is not None and user_id_taken(db, user_id):
            return id_taken_refusal(
                db, contract_no=contract.contract_no, actor_kind=kind, actor=who, now=now,
                ip=None, screen=_SCREEN_CREATE,
            )
        raise
    created = db.exec(select(User).where(User.user_id == user_id)).one()
    assert created.id is not None
    store_permissions(db, created.id, levels)
    if recipient is not None:
        notify(
            db, recipient, clock,
            mail_templates.general_user_added(
                master_name=recipient.user_name, user_id=user_id, user_name=created.user_name,
                at=now,
            ),
        )
    oplog.append(
        db,
        chain=oplog.chain_for(contract.contract_no),
        at=now,
        actor_kind=kind,
        actor=who,
        action=ACTION_CREATE_GENERAL,
        result=LogResult.SUCCESS,
        contract_no=contract.contract_no,
        screen=_SCREEN_CREATE,
        target=user_id,
        detail={"permissions": {k: v.value for k, v in levels.items()}} if levels else None,
    )
    db.commit()
    return Ok(user_id)
