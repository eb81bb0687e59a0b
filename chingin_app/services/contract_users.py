"""Users: the contract's user administration (契約ユーザー情報照会 and its screens: R-INFO-2a,
R-USER-1..8), and the bank's paper procedures on users (R-OPS-2, R-OPS-2a, R-OPS-2b, §3).

Each function is one transaction: it commits once with its operation-log entry in the
contract's chain, or rolls back and records the refusal (``oplog.log_failure``). The bank's
procedures record the 依頼書's 受付番号 (``ticket``) in the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock, SystemClock
from chingin_app.domain.permissions import MENUS, Level, check_permissions, menu
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
from chingin_app.models import (
    ActorKind,
    Certificate,
    CertificateStatus,
    Contract,
    LogResult,
    MenuPermission,
    RevocationReason,
    User,
    UserRole,
    fold_user_id,
)
from chingin_app.services import login, mail, mail_templates, oplog, passwords, sessions
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.certs import revocation
from chingin_app.services.registration import id_taken_refusal, user_id_taken

__all__ = [
    "ACTION_CREATE_GENERAL",
    "ACTION_DELETE_GENERAL",
    "ACTION_INIT_MASTER",
    "ACTION_TEMPORARY_PASSWORD",
    "ACTION_UNBLOCK",
    "ACTION_UPDATE_GENERAL",
    "ACTION_UPDATE_OWN",
    "GENERAL_USER_LIMIT",
    "STATUS_BLOCKED",
    "STATUS_LOCKED",
    "STATUS_NORMAL",
    "UserRow",
    "change_password",
    "create_general_user",
    "delete_general_user",
    "init_master",
    "list_users",
    "set_temporary_password",
    "unblock_user",
    "update_general_user",
    "update_own_profile",
]

ACTION_CREATE_GENERAL: Final = "user.create"
ACTION_UNBLOCK: Final = "user.unblock"
ACTION_INIT_MASTER: Final = "user.init_master"

#: SPEC §1, R-USER-3: at most 10 general users per contract.
GENERAL_USER_LIMIT: Final = 10

_SCREEN_CREATE: Final = "契約ユーザー登録"


def _actor(actor: str) -> tuple[ActorKind, str]:
    if actor.startswith("operator:"):
        return ActorKind.OPERATOR, actor
    return ActorKind.USER, actor


def _lock_contract(db: Session, contract_no: str) -> Contract | None:
    return db.exec(
        select(Contract)
        .where(Contract.contract_no == contract_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


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


def _live_master(db: Session, contract_id: int) -> User | None:
    return db.exec(
        select(User).where(
            User.contract_id == contract_id,
            User.role == UserRole.MASTER.value,
            col(User.deleted_at).is_(None),
        )
    ).first()


def _creator_to_notify(
    db: Session, contract: Contract, kind: ActorKind, who: str
) -> User | Err | None:
    """Who gets the R-USER-8 notice of an addition, or E-MASTER-ONLY (see create_general_user)."""
    assert contract.id is not None
    if kind is ActorKind.OPERATOR:
        return _live_master(db, contract.id)
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


def _uncontracted(contract: Contract, levels: Mapping[str, Level]) -> list[Err]:
    services = contract.service_list()
    return [
        Err("E-PERMISSION-MENU", f"perm:{key}", {})
        for key in levels
        if menu(key).service.value not in services
    ]


def _store_permissions(
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


def _notify(db: Session, to: User, clock: Clock, message: mail.MailMessage) -> None:
    mail.enqueue(db, to=to.email, message=message, clock=clock, user_pk=to.id)


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

    def refuse(err: Err, result: LogResult = LogResult.REFUSED, **extra: Any) -> Err:
        oplog.log_failure(
            db, chain=oplog.chain_for(chain_no), at=now, actor_kind=kind, actor=who,
            action=ACTION_CREATE_GENERAL, result=result, contract_no=chain_no,
            screen=_SCREEN_CREATE, target=user_id[:40] or None,
            detail={"code": err.code, **extra},
        )
        return err

    checks = [
        check_user_id(user_id),
        check_user_name(user_name),
        check_email(email),
        check_password(
            temporary_password, field="temporary_password", label="仮のパスワード",
            user_id=user_id,
        ),
    ]
    if temporary_password_again is not None:
        checks.append(check_reentry(
            temporary_password, temporary_password_again, field="temporary_password_again",
            label="仮のパスワード再入力", other_label="仮のパスワード",
        ))
    if email_again is not None:
        checks.append(check_reentry(email, email_again, field="email_again",
                                    label="メールアドレス再入力", other_label="メールアドレス"))
    levels, perm_errors = check_permissions(permissions or {}, MENUS)
    if errors := [e for e in checks if e is not None] + perm_errors:
        oplog.log_failure(
            db, chain=oplog.chain_for(chain_no), at=now, actor_kind=kind, actor=who,
            action=ACTION_CREATE_GENERAL, result=LogResult.FAILURE, contract_no=chain_no,
            screen=_SCREEN_CREATE, target=user_id[:40] or None,
            detail={"codes": [e.code for e in errors]},
        )
        return Invalid(tuple(errors))
    password_hash = passwords.hash_secret(temporary_password)

    contract = _lock_contract(db, contract_no) if chain_no is not None else None
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    notify = _creator_to_notify(db, contract, kind, who)
    if isinstance(notify, Err):
        return refuse(notify)
    if stray := _uncontracted(contract, levels):
        oplog.log_failure(
            db, chain=oplog.chain_for(chain_no), at=now, actor_kind=kind, actor=who,
            action=ACTION_CREATE_GENERAL, result=LogResult.FAILURE, contract_no=chain_no,
            screen=_SCREEN_CREATE, target=user_id[:40] or None,
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
        contract = _lock_contract(db, contract_no)
        if contract is not None and user_id_taken(db, user_id):
            return id_taken_refusal(
                db, contract_no=contract.contract_no, actor_kind=kind, actor=who, now=now,
                ip=None, screen=_SCREEN_CREATE,
            )
        raise
    created = db.exec(select(User).where(User.user_id == user_id)).one()
    assert created.id is not None
    _store_permissions(db, created.id, levels)
    if notify is not None:
        _notify(
            db, notify, clock,
            mail_templates.general_user_added(
                master_name=notify.user_name, user_id=user_id, user_name=created.user_name,
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


def _operator_refusal(
    db: Session,
    err: Err,
    *,
    action: str,
    actor: str,
    at: datetime,
    target: str,
    ticket: str | None,
) -> Err:
    oplog.operator_refusal(
        db, at=at, actor=actor, action=action, target=target[:40], ticket=ticket,
        detail={"code": err.code},
    )
    return err


def unblock_user(
    db: Session,
    *,
    user_id: str,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
) -> Ok[None] | Err:
    """閉塞解除 from the 依頼書 (R-OPS-2, R-OPS-2b): clear the login lock, the lock count, the
    block and the failure counts (login and issuance, R-LOCK-4). The password is unchanged.

    ``user_id`` is matched exactly. Errors: E-USER-ID-FORMAT, E-USER-NOT-FOUND,
    E-USER-DELETED. A user who is not locked is "unblocked" anyway and logged with the
    (clean) previous state.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    def refuse(err: Err) -> Err:
        return _operator_refusal(
            db, err, action=ACTION_UNBLOCK, actor=who, at=now, target=user_id, ticket=ticket
        )

    if (err := check_user_id(user_id)) is not None:
        return refuse(err)
    user = db.exec(
        select(User)
        .where(User.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if user is None:
        return refuse(Err("E-USER-NOT-FOUND", "user_id"))
    if user.deleted_at is not None:
        return refuse(Err("E-USER-DELETED", "user_id"))
    contract = db.get(Contract, user.contract_id)
    assert contract is not None
    before = {
        "failure_count": user.failure_count,
        "locked_until": user.locked_until,
        "lock_count": user.lock_count,
        "blocked": user.blocked,
        "issuance_failure_count": user.issuance_failure_count,
        "issuance_locked_until": user.issuance_locked_until,
    }
    user.failure_count = 0
    user.locked_until = None
    user.lock_count = 0
    user.blocked = False
    user.issuance_failure_count = 0
    user.issuance_locked_until = None
    user.updated_at = now
    db.add(user)
    db.flush()
    detail: dict[str, Any] = {"before": before}
    oplog.operator_success(
        db, contract_no=contract.contract_no, at=now, actor=who, action=ACTION_UNBLOCK,
        target=user.user_id, ticket=ticket, detail=detail,
    )
    db.commit()
    return Ok(None)


def init_master(
    db: Session,
    *,
    contract_no: str,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
) -> Ok[str] | Err:
    """マスターユーザーＩＤ・パスワード初期化 from the 依頼書 (R-OPS-2, R-OPS-2a): returns the
    master's (now reserved) user ID.

    Revokes the master's current certificate (``revocation.revoke_current_certificate``, CRL
    reason affiliationChanged), ends their sessions (reason 'init_master'), marks them deleted
    (the ID stays reserved: never reused), clears the contract's initial-password failures, lock
    and block, so マスターユーザーの初期登録 re-opens with the same 契約番号 and 初期パスワード.
    General users, their certificates and restrictions, the data and the log are untouched.
    Publishes the CRL after the commit. Errors: E-CONTRACT-NO-FORMAT, E-CONTRACT-NOT-FOUND,
    E-MASTER-NOT-FOUND.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    def refuse(err: Err) -> Err:
        return _operator_refusal(
            db, err, action=ACTION_INIT_MASTER, actor=who, at=now, target=contract_no,
            ticket=ticket,
        )

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    contract = _lock_contract(db, contract_no)
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    master = db.exec(
        select(User)
        .where(
            User.contract_id == contract.id,
            User.role == UserRole.MASTER.value,
            col(User.deleted_at).is_(None),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if master is None or master.id is None:
        return refuse(Err("E-MASTER-NOT-FOUND", "contract_no"))
    master_pk = master.id

    # In this transaction (the certificate, the deletion and the entry commit together); the
    # CRL is published after the commit.
    cert = revocation.revoke_current_certificate(
        db, user_pk=master_pk, reason=RevocationReason.AFFILIATION_CHANGED, now=now
    )
    revoked = cert is not None
    ended = sessions.end_user_sessions_at(db, user_pk=master_pk, reason="init_master", now=now)
    master.deleted_at = now
    master.updated_at = now
    db.add(master)
    before = {
        "failure_count": contract.initial_password_failure_count,
        "lock_count": contract.initial_password_lock_count,
        "locked_until": contract.initial_password_locked_until,
        "blocked": contract.initial_password_blocked,
    }
    contract.initial_password_failure_count = 0
    contract.initial_password_lock_count = 0
    contract.initial_password_locked_until = None
    contract.initial_password_blocked = False
    contract.updated_at = now
    db.add(contract)
    db.flush()
    detail: dict[str, Any] = {
        "revoked_serial": cert.serial_hex if cert is not None else None,
        "sessions_ended": ended,
        "registration_lock_before": before,
    }
    oplog.operator_success(
        db, contract_no=contract.contract_no, at=now, actor=who, action=ACTION_INIT_MASTER,
        target=master.user_id, ticket=ticket, detail=detail,
    )
    user_id = master.user_id
    db.commit()
    if revoked:
        revocation.publish_revocations()
    return Ok(user_id)


# ---------------------------------------------------------------------------------------------
# 契約ユーザー情報照会 and its screens (R-INFO-2a, R-USER-1, R-USER-2, R-USER-5, R-USER-5a,
# R-USER-6, R-USER-8). Every change: the contract's row is locked first, the actor must be the
# contract's live master (else E-MASTER-ONLY), the target a live general user of the same
# contract (else E-USER-NOT-FOUND: another contract's user is "not found"; the master is
# E-USER-IS-MASTER), one commit with its entry in the contract's chain; refusals logged.

ACTION_UPDATE_GENERAL: Final = "user.update"
ACTION_TEMPORARY_PASSWORD: Final = "user.temporary_password"  # noqa: S105 (an action name)
ACTION_DELETE_GENERAL: Final = "user.delete"
ACTION_UPDATE_OWN: Final = "user.update_own"

_SCREEN_UPDATE: Final = "契約ユーザー更新"
_SCREEN_DELETE: Final = "契約ユーザー削除"

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


def _blank(value: str | None) -> bool:
    return value is None or value == ""


def _profile_errors(
    user_name: str | None, email: str | None, email_again: str | None
) -> list[Err]:
    """Field errors of an update form where blank means unchanged (SPEC §3); an e-mail change
    needs both entries."""
    errors: list[Err | None] = []
    if not _blank(user_name):
        errors.append(check_user_name(user_name))
    if _blank(email):
        if not _blank(email_again):
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


class _Admin:
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
        oplog.log_failure(
            self.db, chain=oplog.chain_for(self.chain_no), at=self.now,
            actor_kind=ActorKind.USER, actor=self.actor, action=self.action, result=result,
            contract_no=self.chain_no, screen=self.screen, target=self.target,
            detail={"code": err.code},
        )
        return err

    def invalid(self, errors: list[Err]) -> Invalid:
        oplog.log_failure(
            self.db, chain=oplog.chain_for(self.chain_no), at=self.now,
            actor_kind=ActorKind.USER, actor=self.actor, action=self.action,
            result=LogResult.FAILURE, contract_no=self.chain_no, screen=self.screen,
            target=self.target, detail={"codes": [e.code for e in errors]},
        )
        return Invalid(tuple(errors))

    def contract(self) -> Contract | Err:
        contract = _lock_contract(self.db, self.chain_no) if self.chain_no else None
        if contract is None or contract.id is None:
            return Err("E-CONTRACT-NOT-FOUND", "contract_no")
        return contract

    def user(self, contract: Contract, user_id: str) -> User | None:
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
        actor = self.user(contract, self.actor)
        if actor is None or actor.role != UserRole.MASTER.value:
            return Err("E-MASTER-ONLY")
        return actor

    def general(self, contract: Contract, user_id: str) -> User | Err:
        user = self.user(contract, user_id)
        if user is None:
            return Err("E-USER-NOT-FOUND", "user_id")
        if user.role != UserRole.GENERAL.value:
            return Err("E-USER-IS-MASTER", "user_id")
        return user

    def master_and_general(self, user_id: str) -> tuple[Contract, User, User] | Err:
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
        oplog.append(
            self.db, chain=oplog.chain_for(contract_no), at=self.now,
            actor_kind=ActorKind.USER, actor=self.actor, action=self.action,
            result=LogResult.SUCCESS, contract_no=contract_no, screen=self.screen,
            target=target, detail=detail,
        )


def _apply_profile(
    db: Session, user: User, *, user_name: str | None, email: str | None, clock: Clock,
    now: datetime,
) -> dict[str, Any]:
    """Set the non-blank fields and write the row (its version moves on even when only the
    restrictions changed); the old address gets the R-USER-8 notice of an e-mail change.
    Returns the before/after detail for the log."""
    detail: dict[str, Any] = {}
    old_email: str | None = None
    if not _blank(user_name):
        assert user_name is not None
        name = normalise_user_name(user_name)
        if name != user.user_name:
            detail["user_name"] = [user.user_name, name]
            user.user_name = name
    if not _blank(email) and email != user.email:
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


def update_general_user(
    db: Session,
    *,
    contract_no: str,
    actor_user_id: str,
    user_id: str,
    user_name: str | None,
    email: str | None,
    email_again: str | None,
    permissions: Mapping[str, str] | None,
    expected_version: int,
    clock: Clock,
) -> Ok[int] | Invalid | Err:
    """The master changes a general user's name, e-mail and restrictions (R-USER-5,
    R-USER-7a, R-USER-8): Ok(the user's new version).

    Blank (None or "") fields are unchanged; an e-mail change needs both entries and e-mails
    the OLD address (R-USER-8); ``permissions`` as for ``create_general_user`` (menus left
    out keep their setting). ``Invalid`` per field (``user_name``, ``email``,
    ``email_again``, ``perm:<key>``). Errors: E-NOTHING-TO-CHANGE (all blank),
    E-CONTRACT-NOT-FOUND, E-MASTER-ONLY, E-USER-NOT-FOUND, E-USER-IS-MASTER, E-USER-CONFLICT
    when the user changed since ``expected_version`` was read (optimistic lock).
    """
    now = clock.now()
    admin = _Admin(
        db, contract_no=contract_no, actor=actor_user_id, action=ACTION_UPDATE_GENERAL,
        screen=_SCREEN_UPDATE, target=user_id, now=now,
    )
    levels, perm_errors = check_permissions(permissions or {}, MENUS)
    if errors := _profile_errors(user_name, email, email_again) + perm_errors:
        return admin.invalid(errors)
    if _blank(user_name) and _blank(email) and not levels:
        return admin.refuse(Err("E-NOTHING-TO-CHANGE"), LogResult.FAILURE)
    found = admin.master_and_general(user_id)
    if isinstance(found, Err):
        return admin.refuse(found)
    contract, _master, user = found
    if user.version != expected_version:
        return admin.refuse(Err("E-USER-CONFLICT"))
    if stray := _uncontracted(contract, levels):
        return admin.invalid(stray)
    assert user.id is not None
    detail = _apply_profile(db, user, user_name=user_name, email=email, clock=clock, now=now)
    if changes := _store_permissions(db, user.id, levels):
        detail["permissions"] = changes
    admin.log(contract.contract_no, user.user_id, detail)
    version = user.version
    db.commit()
    return Ok(version)


def check_temporary_password(
    password: str, password_again: str, *, user_id: str, field: str = "password"
) -> Invalid | None:
    """§3 rules for a new 仮のパスワード typed twice (R-USER-3, R-USER-5), so a screen can refuse
    it before changing anything else in the same 更新."""
    errors = [e for e in (
        check_password(password, field=field, label="仮のパスワード", user_id=user_id),
        check_reentry(password, password_again, field=f"{field}_again",
                      label="仮のパスワード再入力", other_label="仮のパスワード"),
    ) if e is not None]
    return Invalid(tuple(errors)) if errors else None


def set_temporary_password(
    db: Session,
    *,
    contract_no: str,
    actor_user_id: str,
    user_id: str,
    password: str,
    password_again: str,
    clock: Clock,
) -> Ok[None] | Invalid | Err:
    """The master gives a general user a new temporary password (R-USER-5 forgotten password,
    R-USER-5a, R-USER-8).

    The user's sessions end (reason 'temporary_password': their next event answers
    MSG-SESSION-ENDED) and the password must be changed at the next login (R-LOGIN-3). ロック,
    閉塞 and the failure counts stay as they are (only the bank lifts 閉塞) and the certificate
    is untouched. The master is e-mailed. ``Invalid``: ``password`` (§3 rules, ≠ user ID),
    ``password_again``. Errors: E-CONTRACT-NOT-FOUND, E-MASTER-ONLY, E-USER-NOT-FOUND,
    E-USER-IS-MASTER.
    """
    now = clock.now()
    admin = _Admin(
        db, contract_no=contract_no, actor=actor_user_id, action=ACTION_TEMPORARY_PASSWORD,
        screen=_SCREEN_UPDATE, target=user_id, now=now,
    )
    if (refused := check_temporary_password(password, password_again, user_id=user_id)):
        return admin.invalid(list(refused.errors))
    db.rollback()
    password_hash = passwords.hash_secret(password)
    found = admin.master_and_general(user_id)
    if isinstance(found, Err):
        return admin.refuse(found)
    contract, master, user = found
    assert user.id is not None
    user.password_hash = password_hash
    user.password_is_temporary = True
    user.updated_at = now
    db.add(user)
    db.flush()
    ended = sessions.end_user_sessions_at(
        db, user_pk=user.id, reason="temporary_password", now=now
    )
    _notify(
        db, master, clock,
        mail_templates.temporary_password_set(
            master_name=master.user_name, user_id=user.user_id, user_name=user.user_name,
            at=now,
        ),
    )
    admin.log(contract.contract_no, user.user_id, {"sessions_ended": ended})
    db.commit()
    return Ok(None)


def delete_general_user(
    db: Session,
    *,
    contract_no: str,
    actor_user_id: str,
    user_id: str,
    expected_version: int,
    clock: Clock,
) -> Ok[None] | Err:
    """The master deletes a general user (R-USER-6, R-USER-8).

    The user is marked deleted (the row and the ID stay: never reused, §3), their current
    certificate is revoked (CRL reason affiliationChanged) and their sessions end (reason
    'deleted'); the master is e-mailed; the CRL is published after the commit. Errors:
    E-CONTRACT-NOT-FOUND, E-MASTER-ONLY, E-USER-NOT-FOUND, E-USER-IS-MASTER, E-USER-CONFLICT.
    """
    now = clock.now()
    admin = _Admin(
        db, contract_no=contract_no, actor=actor_user_id, action=ACTION_DELETE_GENERAL,
        screen=_SCREEN_DELETE, target=user_id, now=now,
    )
    found = admin.master_and_general(user_id)
    if isinstance(found, Err):
        return admin.refuse(found)
    contract, master, user = found
    if user.version != expected_version:
        return admin.refuse(Err("E-USER-CONFLICT"))
    assert user.id is not None
    cert = revocation.revoke_current_certificate(
        db, user_pk=user.id, reason=RevocationReason.AFFILIATION_CHANGED, now=now
    )
    ended = sessions.end_user_sessions_at(db, user_pk=user.id, reason="deleted", now=now)
    user.deleted_at = now
    user.updated_at = now
    db.add(user)
    db.flush()
    _notify(
        db, master, clock,
        mail_templates.general_user_deleted(
            master_name=master.user_name, user_id=user.user_id, user_name=user.user_name,
            at=now,
        ),
    )
    admin.log(
        contract.contract_no,
        user.user_id,
        {
            "revoked_serial": cert.serial_hex if cert is not None else None,
            "sessions_ended": ended,
        },
    )
    db.commit()
    if cert is not None:
        revocation.publish_revocations()
    return Ok(None)


def update_own_profile(
    db: Session,
    *,
    contract_no: str,
    user_id: str,
    user_name: str | None,
    email: str | None,
    email_again: str | None,
    clock: Clock,
    expected_version: int | None = None,
) -> Ok[int] | Invalid | Err:
    """The master changes their own user name and e-mail (R-USER-2; 会員（マスター）→ 更新へ):
    Ok(new version). Blank fields are unchanged; an e-mail change needs both entries and
    e-mails the OLD address (R-USER-8). A general user's own entry is read-only (R-INFO-2a):
    E-MASTER-ONLY. ``Invalid`` per field; errors E-NOTHING-TO-CHANGE, E-CONTRACT-NOT-FOUND,
    E-USER-CONFLICT when ``expected_version`` (the version the 契約ユーザー更新 screen read)
    is given and the master's row changed since (optimistic lock, as for general users).
    """
    now = clock.now()
    admin = _Admin(
        db, contract_no=contract_no, actor=user_id, action=ACTION_UPDATE_OWN,
        screen=_SCREEN_UPDATE, target=user_id, now=now,
    )
    if errors := _profile_errors(user_name, email, email_again):
        return admin.invalid(errors)
    if _blank(user_name) and _blank(email):
        return admin.refuse(Err("E-NOTHING-TO-CHANGE"), LogResult.FAILURE)
    contract = admin.contract()
    if isinstance(contract, Err):
        return admin.refuse(contract)
    master = admin.master(contract)
    if isinstance(master, Err):
        return admin.refuse(master)
    if expected_version is not None and master.version != expected_version:
        return admin.refuse(Err("E-USER-CONFLICT"))
    detail = _apply_profile(db, master, user_name=user_name, email=email, clock=clock, now=now)
    admin.log(contract.contract_no, master.user_id, detail)
    version = master.version
    db.commit()
    return Ok(version)


def change_password(
    db: Session,
    *,
    session_token: str,
    facts: CertFacts,
    current: str,
    new: str,
    new_again: str,
    clock: Clock,
    ip: str | None,
) -> Ok[None] | Invalid | Err:
    """パスワード変更 from the common menu (R-USER-1; R-INFO-2: never restricted): the same
    rules, lock counting and log entry as ``login.change_initial_password`` (R-LOGIN-3), which
    it calls. Fields ``current_password``, ``new_password``, ``new_password_again``."""
    return login.change_initial_password(
        db, session_token=session_token, facts=facts, current=current, new=new,
        new_again=new_again, clock=clock, ip=ip,
    )
