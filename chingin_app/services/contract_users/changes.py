"""The master's changes on 契約ユーザー更新 / 削除 and the common menu's パスワード変更 (R-USER-1,
R-USER-2, R-USER-5, R-USER-5a, R-USER-6, R-USER-7a, R-USER-8).

Every change: the contract's row is locked first, the actor must be the contract's live
master (else E-MASTER-ONLY), the target a live general user of the same contract (else
E-USER-NOT-FOUND: another contract's user is "not found"; the master is E-USER-IS-MASTER), one
commit with its entry in the contract's chain; refusals logged (``common.MasterAction``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sqlmodel import Session

from chingin_app.domain.clock import Clock
from chingin_app.domain.permissions import PERMISSION_MENUS, check_permissions
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import check_password, check_reentry
from chingin_app.models import LogResult, RevocationReason
from chingin_app.services import login, mail_templates, passwords, sessions
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.certs import revocation
from chingin_app.services.contract_users.common import (
    MasterAction,
    apply_profile,
    blank,
    notify,
    profile_errors,
    store_permissions,
    uncontracted,
)

__all__ = [
    "ACTION_DELETE_GENERAL",
    "ACTION_TEMPORARY_PASSWORD",
    "ACTION_UPDATE_GENERAL",
    "ACTION_UPDATE_OWN",
    "change_password",
    "check_temporary_password",
    "delete_general_user",
    "set_temporary_password",
    "update_general_user",
    "update_own_profile",
]

ACTION_UPDATE_GENERAL: Final = "user.update"
ACTION_TEMPORARY_PASSWORD: Final = "user.temporary_password"  # noqa: S105 (an action name)
ACTION_DELETE_GENERAL: Final = "user.delete"
ACTION_UPDATE_OWN: Final = "user.update_own"

_SCREEN_UPDATE: Final = "契約ユーザー更新"
_SCREEN_DELETE: Final = "契約ユーザー削除"


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
    admin = MasterAction(
        db, contract_no=contract_no, actor=actor_user_id, action=ACTION_UPDATE_GENERAL,
        screen=_SCREEN_UPDATE, target=user_id, now=now,
    )
    levels, perm_errors = check_permissions(permissions or {}, PERMISSION_MENUS)
    if errors := profile_errors(user_name, email, email_again) + perm_errors:
        return admin.invalid(errors)
    if blank(user_name) and blank(email) and not levels:
        return admin.refuse(Err("E-NOTHING-TO-CHANGE"), LogResult.FAILURE)
    found = admin.master_and_general(user_id)
    if isinstance(found, Err):
        return admin.refuse(found)
    contract, _master, user = found
    if user.version != expected_version:
        return admin.refuse(Err("E-USER-CONFLICT"))
    if stray := uncontracted(contract, levels):
        return admin.invalid(stray)
    assert user.id is not None
    detail = apply_profile(db, user, user_name=user_name, email=email, clock=clock, now=now)
    if changes := store_permissions(db, user.id, levels):
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
        # The form's labels (P.28): 「パスワード」 / 「パスワード再入力」.
        check_password(password, field=field, label="パスワード", user_id=user_id),
        check_reentry(password, password_again, field=f"{field}_again",
                      label="パスワード再入力", other_label="パスワード"),
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
    admin = MasterAction(
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
    notify(
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
    admin = MasterAction(
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
    notify(
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
    admin = MasterAction(
        db, contract_no=contract_no, actor=user_id, action=ACTION_UPDATE_OWN,
        screen=_SCREEN_UPDATE, target=user_id, now=now,
    )
    if errors := profile_errors(user_name, email, email_again):
        return admin.invalid(errors)
    if blank(user_name) and blank(email):
        return admin.refuse(Err("E-NOTHING-TO-CHANGE"), LogResult.FAILURE)
    contract = admin.contract()
    if isinstance(contract, Err):
        return admin.refuse(contract)
    master = admin.master(contract)
    if isinstance(master, Err):
        return admin.refuse(master)
    if expected_version is not None and master.version != expected_version:
        return admin.refuse(Err("E-USER-CONFLICT"))
    detail = apply_profile(db, master, user_name=user_name, email=email, clock=clock, now=now)
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
