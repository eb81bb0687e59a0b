"""The one server-side menu check every business handler calls (SPEC R-USER-7, R-USER-7a,
R-SEC-1 "every event re-checks … the menu permission", R-OPS-5).

``require`` answers Ok or a refusal for one menu and one access ('view' for showing, listing,
printing and exporting; 'change' for anything that writes). The user's role and restriction
are read from the database in the event that asks, never trusted from the screen's state: a
session that carries ``rights`` (``sessions.check`` reads them with the session at the start of
every event, in the same transaction) is answered from that reading; anything else is read
now. Refusals are written to the contract's operation-log chain (``oplog.log_failure``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock, SystemClock
from chingin_app.domain.permissions import (
    MENUS,
    Access,
    Level,
    MenuItem,
    can,
    effective_level,
    menu,
    menus_for,
)
from chingin_app.domain.result import Err, Ok
from chingin_app.models import ActorKind, Contract, LogResult, MenuPermission, User, UserRole
from chingin_app.services import oplog

__all__ = [
    "ACTION_MENU_REFUSED",
    "MenuSetting",
    "SessionLike",
    "UserRights",
    "may",
    "may_each",
    "read_rights",
    "require",
    "rights_of",
    "settings_from",
    "stored_levels",
    "user_settings",
    "visible_menus",
]

ACTION_MENU_REFUSED: Final = "menu.refused"


class SessionLike(Protocol):
    """What ``require`` needs of the signed-in user (``sessions.SessionInfo`` fits)."""

    @property
    def contract_no(self) -> str: ...

    @property
    def user_id(self) -> str: ...

    @property
    def role(self) -> str: ...


MenuSetting = tuple[MenuItem, Level, bool]


@dataclass(frozen=True)
class UserRights:
    """What decides a live user's menus: the role, the contract's services and the stored
    settings ``{menu_key: level}`` (none kept for the master, who may do everything the contract
    allows). One reading from the database, made in the event that uses it."""

    role: str
    services: tuple[str, ...]
    stored: Mapping[str, str] = field(default_factory=dict)


def rights_of(
    db: Session, user: User, contract: Contract, *, stored: Mapping[str, str] | None = None
) -> UserRights:
    """The rights of ``user`` (a live user of ``contract``, both just read in ``db``);
    ``stored``: the user's settings when the caller read them with the user (else read now)."""
    assert user.id is not None
    if user.role == UserRole.MASTER.value:
        stored = {}
    elif stored is None:
        stored = stored_levels(db, user.id)
    return UserRights(role=user.role, services=contract.service_list(), stored=stored)


def read_rights(db: Session, *, contract_no: str, user_id: str) -> UserRights | None:
    """The rights of the live user ``user_id`` of the contract, or None when there is none."""
    found = _user(db, contract_no, user_id)
    return None if found is None else rights_of(db, found[1], found[0])


def _rights(db: Session, session: SessionLike) -> UserRights | None:
    # A session checked in this event carries its reading (sessions.SessionInfo.rights);
    # any other SessionLike is read now.
    known = getattr(session, "rights", None)
    if isinstance(known, UserRights):
        return known
    return read_rights(db, contract_no=session.contract_no, user_id=session.user_id)


def _user(db: Session, contract_no: str, user_id: str) -> tuple[Contract, User] | None:
    row = db.exec(
        select(Contract, User)
        .join(User, col(User.contract_id) == col(Contract.id))
        .where(
            Contract.contract_no == contract_no,
            User.user_id == user_id,
            col(User.deleted_at).is_(None),
        )
    ).first()
    return None if row is None else (row[0], row[1])


def stored_levels(db: Session, user_pk: int) -> dict[str, str]:
    """The user's stored settings ``{menu_key: level}`` (no row = 未設定)."""
    rows = db.exec(
        select(MenuPermission.menu_key, MenuPermission.level).where(
            MenuPermission.user_pk == user_pk
        )
    ).all()
    return {key: level for key, level in rows}


def require(
    db: Session,
    *,
    session: SessionLike,
    menu_key: str,
    access: Access,
    clock: Clock | None = None,
) -> Ok[None] | Err:
    """Allow or refuse ``access`` to the menu ``menu_key`` for the signed-in user (R-USER-7).

    Refusals: E-MENU-NOT-CONTRACTED (the contract lacks the menu's service, R-OPS-5: also for
    the master); E-MENU-HIDDEN (非表示 or 未設定, or the user is not a live user of the
    session's contract); E-MENU-VIEW-ONLY (閲覧のみ asked to change). The master may do anything
    the contract allows. ValueError for a menu key no menu declared, or a 'change' of an
    output-only menu (bugs). Read-only: ends its transaction (rollback) either way, so call it
    first in a handler; a refusal is logged in the session contract's chain (the system chain
    when no such contract exists).
    """
    item = menu(menu(menu_key).right_key)  # a screen on another menu's right asks for that one
    if access == "change" and item.kind == "output":
        raise ValueError(f"{menu_key} is an output menu: it has no 'change' access")
    rights = _rights(db, session)
    err: Err | None = None
    if rights is None:
        err = Err("E-MENU-HIDDEN")
    elif item.service.value not in rights.services:
        err = Err("E-MENU-NOT-CONTRACTED")
    elif rights.role != UserRole.MASTER.value:
        level, _unset = effective_level(item, rights.stored.get(item.key))
        if not can(rights.role, level, access):
            err = Err("E-MENU-VIEW-ONLY" if level is Level.VIEW_ONLY else "E-MENU-HIDDEN")
    if err is None:
        db.rollback()
        return Ok(None)
    now = (clock or SystemClock()).now()
    known = rights is not None or db.exec(
        select(Contract.id).where(Contract.contract_no == session.contract_no)
    ).first() is not None
    oplog.log_failure(
        db,
        chain=oplog.chain_for(session.contract_no if known else None),
        at=now,
        actor_kind=ActorKind.USER,
        actor=session.user_id[:40] or "?",
        action=ACTION_MENU_REFUSED,
        result=LogResult.REFUSED,
        contract_no=session.contract_no if known else None,
        screen=item.label,
        target=menu_key,
        detail={"code": err.code, "access": access},
    )
    return err


def may(db: Session, *, session: SessionLike, menu_key: str, access: Access) -> bool:
    """Whether ``require`` would allow ``access``, without logging anything: for what a screen
    shows (e.g. no 変更 button for 閲覧のみ). Handlers still call ``require``. Read-only."""
    return may_each(db, session=session, asks=((menu_key, access),))[0]


def may_each(
    db: Session, *, session: SessionLike, asks: Sequence[tuple[str, Access]]
) -> tuple[bool, ...]:
    """``may`` for each (menu key, access) of ``asks``, from one reading of the user's
    settings (a screen that shows several buttons asks once). Read-only."""
    levels = {item.key: level for item, level, _unset in settings_from(_rights(db, session))}
    answers: list[bool] = []
    for menu_key, access in asks:
        item = menu(menu(menu_key).right_key)
        level = levels.get(item.key)
        answers.append(level is not None and level is not Level.HIDE and (
            access == "view" or item.kind == "output" or can(session.role, level, access)
        ))
    return tuple(answers)


def user_settings(db: Session, *, contract_no: str, user_id: str) -> tuple[MenuSetting, ...]:
    """Every menu of the contract with the user's effective level and whether it is 「未設定」
    (the user form, R-USER-3, R-USER-7a). The master gets 表示 everywhere. Empty for a user
    who is not a live user of the contract. Read-only; the caller's transaction stays open (a
    screen reads its other panels in it)."""
    return settings_from(read_rights(db, contract_no=contract_no, user_id=user_id))


def settings_from(rights: UserRights | None) -> tuple[MenuSetting, ...]:
    """``user_settings`` from a reading of the user's rights (None: no live user)."""
    if rights is None:
        return ()
    items = menus_for(rights.services)
    if rights.role == UserRole.MASTER.value:
        return tuple((item, Level.SHOW, False) for item in items)
    return tuple((item, *effective_level(item, rights.stored.get(item.key))) for item in items)


def visible_menus(
    db: Session, *, contract_no: str, user_id: str, rights: UserRights | None = None
) -> tuple[tuple[MenuItem, Level], ...]:
    """The business menus the user sees on the information screen, with their level
    (R-INFO-1, R-USER-7: 非表示 and 未設定 menus are absent; the contract's services only).

    Derived from the same rows as the user form (``user_settings``): every screen of
    ``domain.permissions.MENUS`` whose right (its own or the one it rides on, RK-12) is among
    the contract's rows and not 非表示 — so the menu and the permission rows cannot drift.
    ``rights``: this event's reading of the user's rights (``SessionInfo.rights``), or None to
    read them now."""
    if rights is None:
        rights = read_rights(db, contract_no=contract_no, user_id=user_id)
    levels = {item.key: level for item, level, _unset in settings_from(rights)}
    return tuple(
        (screen, levels[screen.right_key])
        for screen in MENUS
        if screen.right_key in levels and levels[screen.right_key] is not Level.HIDE
    )
