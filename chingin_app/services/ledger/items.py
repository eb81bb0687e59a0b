"""賃控元帳種目: the contract's item types (SPEC §11 RL-11 賃控元帳種目情報照会): list, add,
change and delete (refused while any ledger detail uses the 種目).

Tenant and transactions as in ``services/ledger/details.py``: the contract comes from the
caller's session (``services/tenant.py``), every change validates first (``Invalid``, nothing
changed), locks the row, compares the version the screen showed (E-RL-ITEM-VERSION-CONFLICT),
writes, logs and commits once; a refusal is rolled back and logged."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import check_fullwidth_text, normalise_fullwidth_text
from chingin_app.models import LedgerDetail, LedgerItemType
from chingin_app.services import oplog
from chingin_app.services.collation import code_point
from chingin_app.services.detail_rules import refuse as refuse_logged
from chingin_app.services.tenant import Scope, TenantSession, scope_of

__all__ = [
    "ACTION_ITEM_ADD",
    "ACTION_ITEM_CHANGE",
    "ACTION_ITEM_DELETE",
    "ITEM_NAME_MAX_LEN",
    "ItemView",
    "add_item",
    "change_item",
    "delete_item",
    "list_items",
]

ACTION_ITEM_ADD: Final = "ledger.item.add"
ACTION_ITEM_CHANGE: Final = "ledger.item.change"
ACTION_ITEM_DELETE: Final = "ledger.item.delete"
_SCREEN: Final = "賃控元帳種目情報照会"
ITEM_NAME_MAX_LEN: Final = 20
_CODE_RE: Final = re.compile(r"[0-9]{1,4}")


@dataclass(frozen=True)
class ItemView:
    """A 種目 as the list and the forms show it; ``in_use`` counts its ledger details."""

    id: int
    version: int
    code: str
    name: str
    in_use: int


def list_items(db: Session, *, session: TenantSession) -> tuple[ItemView, ...]:
    """The contract's 種目 in code order with how many details use each. Read-only."""
    scope = scope_of(db, session)
    if scope is None:
        return ()
    used = (
        select(LedgerDetail.item_type_id, func.count().label("n"))
        .where(LedgerDetail.contract_id == scope.contract_id)
        .group_by(col(LedgerDetail.item_type_id))
        .subquery()
    )
    rows = db.exec(
        select(LedgerItemType, used.c.n)
        .outerjoin(used, used.c.item_type_id == col(LedgerItemType.id))
        .where(LedgerItemType.contract_id == scope.contract_id)
        .order_by(code_point(col(LedgerItemType.code)))
    ).all()
    return tuple(
        ItemView(item.id, item.version, item.code, item.name, int(n or 0))
        for item, n in rows
        if item.id is not None
    )


def _check(code: str | None, name: str) -> tuple[str | None, str] | list[Err]:
    """(code, name converted) or every field error; ``code`` None = not asked."""
    errors: list[Err] = []
    if code is not None:
        if code == "":
            errors.append(Err("E-FIELD-REQUIRED", "code", {"label": "種目コード"}))
        elif _CODE_RE.fullmatch(code) is None:
            errors.append(Err("E-RL-ITEM-CODE-FORMAT", "code", {"label": "種目コード"}))
    if (err := check_fullwidth_text(
        name, field="name", label="種目名", max_len=ITEM_NAME_MAX_LEN,
        format_code="E-RL-ITEM-NAME-FORMAT",
    )) is not None:
        errors.append(err)
    return errors or (code, normalise_fullwidth_text(name))


def _code_taken(db: Session, scope: Scope, code: str, except_id: int | None) -> bool:
    query = select(LedgerItemType.id).where(
        LedgerItemType.contract_id == scope.contract_id, LedgerItemType.code == code
    )
    if except_id is not None:
        query = query.where(col(LedgerItemType.id) != except_id)
    return db.exec(query).first() is not None


def add_item(
    db: Session, *, session: TenantSession, clock: Clock, code: str, name: str,
    ip: str | None = None,
) -> Ok[int] | Invalid | Err:
    """RL-11 登録: a new 種目 (code 1–4 digits, unique in the contract; name full-width ≤ 20).
    Returns its id. ``Invalid`` with every field error; Err E-RL-ITEM-CODE-TAKEN (field
    ``code``). Logged as ``ledger.item.add``."""
    def refuse(err: Err | Invalid) -> Err | Invalid:
        return refuse_logged(db, err, session=session, clock=clock, action=ACTION_ITEM_ADD,
                             screen=_SCREEN, ip=ip, target=code[:40] or None)

    now = clock.now()
    scope = scope_of(db, session)
    if scope is None:
        return refuse(Err("E-RL-ITEM-NOT-FOUND"))
    checked = _check(code, name)
    if isinstance(checked, list):
        return refuse(Invalid(tuple(checked)))
    if _code_taken(db, scope, code, None):
        return refuse(Err("E-RL-ITEM-CODE-TAKEN", "code", {"label": "種目コード"}))
    item = LedgerItemType(contract_id=scope.contract_id, code=code, name=checked[1],
                          created_at=now, updated_at=now)
    db.add(item)
    db.flush()
    oplog.user_success(db, contract_no=scope.contract_no, at=now, actor=session.user_id,
                       action=ACTION_ITEM_ADD, ip=ip, target=code, screen=_SCREEN,
                       detail={"item_id": item.id, "name": item.name})
    db.commit()
    assert item.id is not None
    return Ok(item.id)


def _locked(db: Session, scope: Scope, item_id: int) -> LedgerItemType | None:
    return db.exec(
        select(LedgerItemType)
        .where(col(LedgerItemType.id) == item_id, LedgerItemType.contract_id == scope.contract_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def change_item(
    db: Session, *, session: TenantSession, clock: Clock, item_id: int, version: int,
    code: str, name: str, ip: str | None = None,
) -> Ok[int] | Invalid | Err:
    """RL-11 変更: the 種目's code and name. Returns the new version. Err E-RL-ITEM-NOT-FOUND
    (unknown or another contract's), E-RL-ITEM-VERSION-CONFLICT, E-RL-ITEM-CODE-TAKEN,
    E-RL-NO-CHANGE; ``Invalid`` with every field error. Logged as ``ledger.item.change``."""
    def refuse(err: Err | Invalid, target: str | None = None) -> Err | Invalid:
        return refuse_logged(db, err, session=session, clock=clock, action=ACTION_ITEM_CHANGE,
                             screen=_SCREEN, ip=ip, target=target)

    now = clock.now()
    scope = scope_of(db, session)
    item = None if scope is None else _locked(db, scope, item_id)
    if item is None or scope is None:
        return refuse(Err("E-RL-ITEM-NOT-FOUND"))
    target = item.code
    if item.version != version:
        return refuse(Err("E-RL-ITEM-VERSION-CONFLICT"), target)
    checked = _check(code, name)
    if isinstance(checked, list):
        return refuse(Invalid(tuple(checked)), target)
    new_name = checked[1]
    if (code, new_name) == (item.code, item.name):
        return refuse(Err("E-RL-NO-CHANGE"), target)
    if _code_taken(db, scope, code, item.id):
        return refuse(Err("E-RL-ITEM-CODE-TAKEN", "code", {"label": "種目コード"}), target)
    before = {"code": item.code, "name": item.name}
    item.code, item.name, item.updated_at = code, new_name, now
    db.add(item)
    try:
        db.flush()
    except StaleDataError:
        return refuse(Err("E-RL-ITEM-VERSION-CONFLICT"), target)
    oplog.user_success(db, contract_no=scope.contract_no, at=now, actor=session.user_id,
                       action=ACTION_ITEM_CHANGE, ip=ip, target=code, screen=_SCREEN,
                       detail={"item_id": item.id, "before": before,
                               "after": {"code": code, "name": new_name}})
    db.commit()
    return Ok(item.version)


def delete_item(
    db: Session, *, session: TenantSession, clock: Clock, item_id: int, version: int,
    ip: str | None = None,
) -> Ok[None] | Err:
    """RL-11 削除: only while no ledger detail (not even a cancelled one, kept for the
    history) uses the 種目: Err E-RL-ITEM-IN-USE otherwise; E-RL-ITEM-NOT-FOUND,
    E-RL-ITEM-VERSION-CONFLICT. Logged as ``ledger.item.delete``."""
    def refuse(err: Err, target: str | None = None) -> Err:
        refuse_logged(db, err, session=session, clock=clock, action=ACTION_ITEM_DELETE,
                      screen=_SCREEN, ip=ip, target=target)
        return err

    now = clock.now()
    scope = scope_of(db, session)
    item = None if scope is None else _locked(db, scope, item_id)
    if item is None or scope is None:
        return refuse(Err("E-RL-ITEM-NOT-FOUND"))
    target = item.code
    if item.version != version:
        return refuse(Err("E-RL-ITEM-VERSION-CONFLICT"), target)
    used = db.exec(
        select(func.count()).select_from(LedgerDetail).where(
            LedgerDetail.item_type_id == item.id
        )
    ).one()
    if used:
        return refuse(Err("E-RL-ITEM-IN-USE", None, {"name": item.name, "count": used}), target)
    detail = {"item_id": item.id, "code": item.code, "name": item.name}
    db.delete(item)
    try:
        db.flush()
    except StaleDataError:
        return refuse(Err("E-RL-ITEM-VERSION-CONFLICT"), target)
    oplog.user_success(db, contract_no=scope.contract_no, at=now, actor=session.user_id,
                       action=ACTION_ITEM_DELETE, ip=ip, target=target, screen=_SCREEN,
                       detail=detail)
    db.commit()
    return Ok(None)
