"""マスターユーザーの初期登録 (SPEC R-MREG-1..4, R-LOCK-3, R-LOCK-5, §3).

A page without a certificate: every credential problem answers MSG-CONTRACT-GENERIC after the
same work — one argon2id verify (``passwords.verify_secret(None, …)`` runs a dummy one for an
unknown contract, a contract without an initial password, or one that is locked, blocked,
suspended or terminated) — and attempts are throttled per IP
(``lockout.INITIAL_PASSWORD_THROTTLE_LIMIT`` = 30 in any 10 minutes; over it: the same generic
message, no verify, not counted).

Wrong initial passwords count per contract exactly like a user's login (R-LOCK-3 → R-LOCK-1/2,
R-LOCK-5): the 6th consecutive locks the contract's registration for 60 minutes, the 3rd lock
blocks it until the bank runs ``chingin contract unblock`` (R-OPS-2); attempts during a lock
are not counted; success resets both counts. The counting transaction locks the contract row,
so parallel guesses count one by one (see ``services.login`` for the shape).

``verify_initial_password`` hands out a ``ContractGrant``; the screens keep it server-side
(backend-only state) and pass it to ``register_master`` or ``correct_master``, which accept it
for 10 minutes. MSG-ID-TAKEN is answered only once every other field is valid, and at most 10
times per hour per contract (``services.user_ids``, shared with 契約ユーザー登録); beyond that
MSG-TRY-LATER.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import exists
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chingin_app.domain import lockout
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import (
    check_contract_no,
    check_email,
    check_initial_password,
    check_password,
    check_reentry,
    check_user_id,
    check_user_name,
    normalise_user_name,
)
from chingin_app.models import (
    ActorKind,
    Certificate,
    Contract,
    ContractStatus,
    LogResult,
    User,
    UserRole,
    fold_user_id,
)
from chingin_app.services import contract_records, oplog, passwords
from chingin_app.services.stores import Throttle
from chingin_app.services.user_ids import id_taken_refusal, user_id_taken

__all__ = [
    "ACTION_CORRECT",
    "ACTION_INITIAL_BLOCK",
    "ACTION_INITIAL_LOCK",
    "ACTION_REGISTER",
    "ACTION_VERIFY",
    "GRANT_LIFETIME",
    "INITIAL_PASSWORD_THROTTLE",
    "ContractGrant",
    "MasterForm",
    "correct_master",
    "register_master",
    "verify_initial_password",
]

ACTION_VERIFY: Final = "master_registration.verify"
ACTION_INITIAL_LOCK: Final = "master_registration.lock"
ACTION_INITIAL_BLOCK: Final = "master_registration.block"
ACTION_REGISTER: Final = "master.register"
ACTION_CORRECT: Final = "master.correct"

#: How long a verified 契約番号 + 初期パスワード stays good for 登録 / 更新.
GRANT_LIFETIME: Final = timedelta(minutes=10)

#: R-LOCK-5: the per-IP throttle of 次へ (契約番号 + 初期パスワード), shared by every worker
#: (R-DEP-4).
INITIAL_PASSWORD_THROTTLE: Final = Throttle(
    "initial_password",
    limit=lockout.INITIAL_PASSWORD_THROTTLE_LIMIT,
    window=lockout.INITIAL_PASSWORD_THROTTLE_WINDOW,
)

_SCREEN_VERIFY: Final = "マスターユーザー初期登録ログイン"
_SCREEN_REGISTER: Final = "マスターユーザー登録"
_SCREEN_CORRECT: Final = "マスターユーザー情報訂正"
_ANONYMOUS: Final = "anonymous"
_GENERIC: Final = "MSG-CONTRACT-GENERIC"


@dataclass(frozen=True)
class ContractGrant:
    """Proof that 契約番号 + 初期パスワード were right at ``verified_at`` (R-MREG-1).

    ``correction_only``: the master exists but never had a certificate, so only their name and
    e-mail may be corrected (R-MREG-4); ``master_*`` are then the values on record."""

    contract_no: str
    contract_name: str
    verified_at: datetime
    correction_only: bool
    master_user_id: str | None
    master_user_name: str | None
    master_email: str | None


@dataclass(frozen=True)
class MasterForm:
    """マスターユーザー登録: the fields as typed (R-MREG-2)."""

    user_id: str
    password: str
    password_again: str
    user_name: str
    email: str
    email_again: str


@dataclass(frozen=True)
class _Snapshot:
    contract_id: int
    contract_no: str
    state: lockout.LockState
    active: bool
    initial_hash: str | None


def _ever_had_certificate(db: Session, user_pk: int) -> bool:
    return bool(db.execute(select(exists().where(col(Certificate.user_pk) == user_pk))).scalar())


def _log(
    db: Session,
    *,
    contract_no: str | None,
    now: datetime,
    ip: str | None,
    action: str,
    screen: str,
    code: str | None,
    target: str | None = None,
    result: LogResult = LogResult.FAILURE,
    detail: dict[str, Any] | None = None,
) -> None:
    """A refusal in its own transaction after the rollback (R-LOG-1)."""
    oplog.log_failure(
        db,
        chain=oplog.chain_for(contract_no),
        at=now,
        actor_kind=ActorKind.USER,
        actor=_ANONYMOUS,
        action=action,
        result=result,
        contract_no=contract_no,
        ip=ip,
        screen=screen,
        target=target,
        detail={"code": code, **(detail or {})},
    )


def verify_initial_password(
    db: Session,
    *,
    contract_no: str,
    initial_password: str,
    clock: Clock,
    ip: str | None,
    verify: lockout.Verifier = passwords.verify_secret,
) -> Ok[ContractGrant] | Err | Invalid:
    """次へ on マスターユーザー初期登録ログイン: 契約番号 + 初期パスワード (R-MREG-1, R-LOCK-3).

    ``Invalid``: format errors per field (``contract_no``, ``initial_password``). Err:
    MSG-CONTRACT-GENERIC for an unknown contract, a wrong initial password, a contract locked,
    blocked, suspended or terminated, or an IP over the throttle — all after one argon2 verify
    except the throttle; MSG-MASTER-EXISTS when the password is right and the master exists and
    has (or had) a certificate. Ok: a grant to register the master, or (``correction_only``)
    to correct a master who never had a certificate (R-MREG-4).
    """
    now = clock.now()
    number_err = check_contract_no(contract_no)
    errors = [
        e for e in (number_err, check_initial_password(initial_password)) if e is not None
    ]
    if errors:
        # R-SEC-5: a malformed field is logged by its code only — a password typed into the
        # 契約番号 box must never reach the log. A well-formed 契約番号 (8 digits: never a
        # password, §3) still names the attempt.
        _log(
            db, contract_no=None, now=now, ip=ip, action=ACTION_VERIFY, screen=_SCREEN_VERIFY,
            code=None, target=contract_no if number_err is None else None,
            detail={"codes": [e.code for e in errors]},
        )
        return Invalid(tuple(errors))
    if not INITIAL_PASSWORD_THROTTLE.hit(ip or "unknown", now):
        _log(
            db, contract_no=None, now=now, ip=ip, action=ACTION_VERIFY, screen=_SCREEN_VERIFY,
            code=_GENERIC, target=contract_no, result=LogResult.REFUSED,
            detail={"reason": "throttled"},
        )
        return Err(_GENERIC)

    found = db.exec(select(Contract).where(Contract.contract_no == contract_no)).first()
    snap: _Snapshot | None = None
    if found is not None:
        assert found.id is not None
        snap = _Snapshot(
            contract_id=found.id,
            contract_no=found.contract_no,
            state=contract_records.initial_password_lock(found),
            active=found.status == ContractStatus.ACTIVE.value,
            initial_hash=found.initial_password_hash,
        )
    db.rollback()  # release SQLite's write lock before argon2 runs

    usable = (
        snap is not None
        and snap.active
        and snap.initial_hash is not None
        and lockout.gate(snap.state, now) is lockout.Gate.OPEN
    )
    # One verify on every path, the real one only where the answer may count (R-LOCK-5).
    ok = verify(snap.initial_hash if usable and snap is not None else None, initial_password)
    if not usable or snap is None:
        reason = "unknown" if snap is None else "unavailable"
        _log(
            db, contract_no=snap.contract_no if snap else None, now=now, ip=ip,
            action=ACTION_VERIFY, screen=_SCREEN_VERIFY, code=_GENERIC, target=contract_no,
            result=LogResult.REFUSED, detail={"reason": reason},
        )
        return Err(_GENERIC)

    contract = contract_records.lock_contract(db, contract_no)
    assert contract is not None and contract.id is not None
    state = contract_records.initial_password_lock(contract)
    if (
        lockout.gate(state, now) is not lockout.Gate.OPEN
        or contract.status != ContractStatus.ACTIVE.value
    ):
        db.rollback()  # locked meanwhile by a parallel guess: not counted
        _log(
            db, contract_no=contract_no, now=now, ip=ip, action=ACTION_VERIFY,
            screen=_SCREEN_VERIFY, code=_GENERIC, target=contract_no, result=LogResult.REFUSED,
            detail={"reason": "unavailable"},
        )
        return Err(_GENERIC)
    chain = oplog.chain_for(contract_no)
    common: dict[str, Any] = {
        "chain": chain, "at": now, "actor_kind": ActorKind.USER, "actor": _ANONYMOUS,
        "contract_no": contract_no, "ip": ip, "screen": _SCREEN_VERIFY, "target": contract_no,
    }
    if not ok:
        new_state, outcome = lockout.after_failure(state, now)
        contract_records.store_initial_password_lock(contract, new_state, now)
        db.add(contract)
        db.flush()
        oplog.append(
            db, action=ACTION_VERIFY, result=LogResult.FAILURE,
            detail={"code": _GENERIC, "consecutive": state.failure_count + 1}, **common,
        )
        if outcome is lockout.Outcome.LOCKED:
            oplog.append(
                db, action=ACTION_INITIAL_LOCK, result=LogResult.SUCCESS,
                detail={"locked_until": new_state.locked_until,
                        "lock_count": new_state.lock_count},
                **common,
            )
        elif outcome is lockout.Outcome.BLOCKED:
            oplog.append(
                db, action=ACTION_INITIAL_BLOCK, result=LogResult.SUCCESS,
                detail={"lock_count": new_state.lock_count}, **common,
            )
        db.commit()
        return Err(_GENERIC)

    if state != lockout.after_success(state):
        contract_records.store_initial_password_lock(contract, lockout.after_success(state), now)
        db.add(contract)
        db.flush()
    master = contract_records.live_master(db, contract.id)
    if master is not None and master.id is not None and _ever_had_certificate(db, master.id):
        oplog.append(
            db, action=ACTION_VERIFY, result=LogResult.REFUSED,
            detail={"code": "MSG-MASTER-EXISTS"}, **common,
        )
        db.commit()
        return Err("MSG-MASTER-EXISTS")
    grant = ContractGrant(
        contract_no=contract.contract_no,
        contract_name=contract.name,
        verified_at=now,
        correction_only=master is not None,
        master_user_id=master.user_id if master else None,
        master_user_name=master.user_name if master else None,
        master_email=master.email if master else None,
    )
    oplog.append(
        db, action=ACTION_VERIFY, result=LogResult.SUCCESS,
        detail={"correction_only": grant.correction_only}, **common,
    )
    db.commit()
    return Ok(grant)


def _grant_fresh(grant: ContractGrant, now: datetime) -> bool:
    return grant.verified_at <= now <= grant.verified_at + GRANT_LIFETIME


def _master_form_errors(form: MasterForm) -> list[Err]:
    checks = (
        check_user_id(form.user_id),
        check_password(form.password, field="password", user_id=form.user_id),
        check_reentry(
            form.password, form.password_again, field="password_again",
            label="パスワード再入力", other_label="パスワード",
        ),
        check_user_name(form.user_name),
        check_email(form.email),
        check_reentry(
            form.email, form.email_again, field="email_again",
            label="メールアドレス再入力", other_label="メールアドレス",
        ),
    )
    return [e for e in checks if e is not None]


def _usable_contract(db: Session, grant: ContractGrant) -> Contract | None:
    """The grant's contract, row-locked, while registration may go on."""
    contract = contract_records.lock_contract(db, grant.contract_no)
    if (
        contract is None
        or contract.status != ContractStatus.ACTIVE.value
        or contract.initial_password_blocked
    ):
        return None
    return contract


def register_master(
    db: Session, *, grant: ContractGrant, form: MasterForm, clock: Clock, ip: str | None
) -> Ok[str] | Invalid | Err:
    """登録 on マスターユーザー登録 (R-MREG-2): returns the new master's user ID.

    Err MSG-CONTRACT-GENERIC: the grant is older than 10 minutes, or the contract was
    suspended, terminated or blocked since. ``Invalid`` with every field error (``user_id``,
    ``password``, ``password_again``, ``user_name``, ``email``, ``email_again``; §3 rules,
    password ≠ user ID). Then MSG-MASTER-EXISTS (one master per contract, also a grant for
    correction only) and MSG-ID-TAKEN (an ID equal ignoring case to any user's, deleted ones
    included; field ``user_id``; beyond 10 an hour per contract MSG-TRY-LATER).
    """
    now = clock.now()
    if not _grant_fresh(grant, now):
        _log(
            db, contract_no=grant.contract_no, now=now, ip=ip, action=ACTION_REGISTER,
            screen=_SCREEN_REGISTER, code=_GENERIC, detail={"reason": "grant expired"},
        )
        return Err(_GENERIC)
    if errors := _master_form_errors(form):
        _log(
            db, contract_no=grant.contract_no, now=now, ip=ip, action=ACTION_REGISTER,
            screen=_SCREEN_REGISTER, code=None, detail={"codes": [e.code for e in errors]},
        )
        return Invalid(tuple(errors))
    password_hash = passwords.hash_secret(form.password)

    def refuse(err: Err) -> Err:
        db.rollback()
        _log(
            db, contract_no=grant.contract_no, now=now, ip=ip, action=ACTION_REGISTER,
            screen=_SCREEN_REGISTER, code=err.code, result=LogResult.REFUSED,
            target=form.user_id,
        )
        return err

    contract = _usable_contract(db, grant)
    if contract is None or contract.id is None:
        return refuse(Err(_GENERIC))
    if grant.correction_only or contract_records.live_master(db, contract.id) is not None:
        return refuse(Err("MSG-MASTER-EXISTS"))
    if user_id_taken(db, form.user_id):
        return id_taken_refusal(
            db, contract_no=contract.contract_no, actor_kind=ActorKind.USER, actor=_ANONYMOUS,
            now=now, ip=ip, screen=_SCREEN_REGISTER,
        )
    user = User(
        contract_id=contract.id,
        user_id=form.user_id,
        user_id_folded=fold_user_id(form.user_id),
        role=UserRole.MASTER.value,
        user_name=normalise_user_name(form.user_name),
        email=form.email,
        password_hash=password_hash,
        password_is_temporary=False,
        created_at=now,
        updated_at=now,
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        # A parallel registration won (PostgreSQL; SQLite serialises writers): which one?
        db.rollback()
        contract = _usable_contract(db, grant)
        if contract is not None and contract.id is not None:
            if contract_records.live_master(db, contract.id) is not None:
                return refuse(Err("MSG-MASTER-EXISTS"))
            if user_id_taken(db, form.user_id):
                return id_taken_refusal(
                    db, contract_no=contract.contract_no, actor_kind=ActorKind.USER,
                    actor=_ANONYMOUS, now=now, ip=ip, screen=_SCREEN_REGISTER,
                )
        raise
    oplog.user_success(
        db,
        contract_no=contract.contract_no,
        at=now,
        actor=form.user_id,
        action=ACTION_REGISTER,
        ip=ip,
        target=form.user_id,
        screen=_SCREEN_REGISTER,
    )
    db.commit()
    return Ok(form.user_id)


def correct_master(
    db: Session,
    *,
    grant: ContractGrant,
    user_name: str,
    email: str,
    email_again: str,
    clock: Clock,
    ip: str | None,
) -> Ok[str] | Invalid | Err:
    """更新 on the correction screen (R-MREG-4): the master who never had a certificate gets a
    corrected name and e-mail; returns their user ID (for 電子証明書発行 next).

    Err MSG-CONTRACT-GENERIC: grant older than 10 minutes, not a correction grant, contract
    no longer usable, or the master changed since. ``Invalid``: ``user_name``, ``email``,
    ``email_again`` (§3). MSG-MASTER-EXISTS once the master has had a certificate.
    """
    now = clock.now()
    if not _grant_fresh(grant, now) or not grant.correction_only:
        _log(
            db, contract_no=grant.contract_no, now=now, ip=ip, action=ACTION_CORRECT,
            screen=_SCREEN_CORRECT, code=_GENERIC, detail={"reason": "grant"},
        )
        return Err(_GENERIC)
    checks = (
        check_user_name(user_name),
        check_email(email),
        check_reentry(
            email, email_again, field="email_again", label="メールアドレス再入力",
            other_label="メールアドレス",
        ),
    )
    if errors := [e for e in checks if e is not None]:
        _log(
            db, contract_no=grant.contract_no, now=now, ip=ip, action=ACTION_CORRECT,
            screen=_SCREEN_CORRECT, code=None, detail={"codes": [e.code for e in errors]},
        )
        return Invalid(tuple(errors))

    def refuse(err: Err) -> Err:
        db.rollback()
        _log(
            db, contract_no=grant.contract_no, now=now, ip=ip, action=ACTION_CORRECT,
            screen=_SCREEN_CORRECT, code=err.code, result=LogResult.REFUSED,
            target=grant.master_user_id,
        )
        return err

    contract = _usable_contract(db, grant)
    if contract is None or contract.id is None:
        return refuse(Err(_GENERIC))
    master = contract_records.live_master(db, contract.id)
    if master is None or master.id is None or master.user_id != grant.master_user_id:
        return refuse(Err(_GENERIC))
    if _ever_had_certificate(db, master.id):
        return refuse(Err("MSG-MASTER-EXISTS"))
    new_name = normalise_user_name(user_name)
    changed = [
        name
        for name, old, new in (("user_name", master.user_name, new_name),
                               ("email", master.email, email))
        if old != new
    ]
    master.user_name = new_name
    master.email = email
    master.updated_at = now
    db.add(master)
    db.flush()
    oplog.user_success(
        db,
        contract_no=contract.contract_no,
        at=now,
        actor=master.user_id,
        action=ACTION_CORRECT,
        ip=ip,
        target=master.user_id,
        screen=_SCREEN_CORRECT,
        detail={"changed": changed},
    )
    db.commit()
    return Ok(master.user_id)
