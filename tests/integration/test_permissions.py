"""The server-side menu check on SQLite and PostgreSQL (SPEC R-USER-7, R-USER-7a, R-INFO-1,
R-OPS-5, R-SEC-1 "every event re-checks … the menu permission")."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy import event as event_
from sqlmodel import Session, col, select

from chingin_app.domain.clock import MovableClock
from chingin_app.domain.permissions import Access, Level, menu, menus_for, screens_for
from chingin_app.domain.result import Err, Ok
from chingin_app.models import Contract, MenuPermission, OperationLog, User, UserRole
from chingin_app.services import permissions, sessions, tenant
from chingin_app.services.sessions import SessionInfo
from tests import factories
from tests.integration.test_login import make_login, ok_login


@dataclass(frozen=True)
class Who:
    """What a screen's session knows (``sessions.SessionInfo`` has these fields)."""

    contract_no: str
    user_id: str
    role: str


def who(contract: Contract, user: User, role: str | None = None) -> Who:
    return Who(contract.contract_no, user.user_id, role or user.role)


def set_levels(db: Session, user: User, levels: dict[str, str]) -> None:
    assert user.id is not None
    for key, level in levels.items():
        db.add(MenuPermission(user_pk=user.id, menu_key=key, level=level))
    db.commit()


def refusals(db: Session, contract_no: str) -> list[tuple[str | None, str | None, str]]:
    rows = db.exec(
        select(OperationLog.target, OperationLog.actor, OperationLog.result)
        .where(
            OperationLog.contract_no == contract_no,
            OperationLog.action == permissions.ACTION_MENU_REFUSED,
        )
        .order_by(col(OperationLog.id))
    ).all()
    db.commit()
    return [(t, a, r) for t, a, r in rows]


SETTINGS = {
    "rokin.detail_inquiry": "show",
    "rokin.history": "view_only",
    "rokin.request_list": "view_only",
    "rokin.remit_confirm": "show",
    "rokin.remit_unconfirm": "hide",
}


@pytest.mark.parametrize(
    ("key", "access", "expected"),
    [
        ("rokin.detail_inquiry", "view", None),
        ("rokin.detail_inquiry", "change", None),
        ("rokin.history", "view", None),
        ("rokin.history", "change", "E-MENU-VIEW-ONLY"),
        ("rokin.request_list", "view", None),
        ("rokin.remit_confirm", "change", None),
        ("rokin.remit_unconfirm", "change", "E-MENU-HIDDEN"),
        ("rokin.remit_unconfirm", "view", "E-MENU-HIDDEN"),
        ("rokin.detail_new", "change", "E-MENU-HIDDEN"),  # 未設定
        ("ledger.detail_inquiry", "view", "E-MENU-NOT-CONTRACTED"),
    ],
)
def test_r_user_7_require_matrix_general_user(
    db: Session, clock: MovableClock, key: str, access: str, expected: str | None
) -> None:
    """R-USER-7: 非表示 (and 未設定, R-USER-7a) refused; 閲覧のみ views but never changes; 表示
    allows both; a menu of a service the contract lacks is refused (R-OPS-5). Refusals are
    logged in the contract's chain."""
    contract = factories.make_contract(db, services="rokin,batch")
    user = factories.make_user(db, contract)
    set_levels(db, user, SETTINGS)
    result = permissions.require(
        db, session=who(contract, user), menu_key=key, access=access,  # type: ignore[arg-type]
        clock=clock,
    )
    if expected is None:
        assert result == Ok(None)
        assert refusals(db, contract.contract_no) == []
    else:
        assert result == Err(expected)
        assert refusals(db, contract.contract_no) == [(key, user.user_id, "refused")]


def test_r_user_7_may_agrees_with_require_and_logs_nothing(
    db: Session, clock: MovableClock
) -> None:
    """R-USER-7: what a screen shows (``may``: the change buttons of 閲覧のみ are absent) agrees
    with the check every handler makes, for every menu and access, and writes no log entry."""
    contract = factories.make_contract(db, services="rokin,batch")
    user = factories.make_user(db, contract)
    set_levels(db, user, SETTINGS)
    for item in menus_for(["rokin", "batch", "ledger"]):
        for access in ("view", "change"):
            if access == "change" and item.kind == "output":
                continue
            logged = len(refusals(db, contract.contract_no))
            shown = permissions.may(db, session=who(contract, user), menu_key=item.key,
                                    access=access)  # type: ignore[arg-type]
            assert len(refusals(db, contract.contract_no)) == logged
            allowed = permissions.require(
                db, session=who(contract, user), menu_key=item.key,
                access=access, clock=clock,  # type: ignore[arg-type]
            ) == Ok(None)
            assert shown == allowed, (item.key, access)


def test_r_user_7_may_each_answers_as_may_for_every_menu_at_once(db: Session) -> None:
    """A screen asking for several buttons at once (``may_each``: one reading of the settings,
    issue 12) gets what ``may`` answers for each, in the order asked."""
    contract = factories.make_contract(db, services="rokin,batch")
    user = factories.make_user(db, contract)
    set_levels(db, user, SETTINGS)
    asks: list[tuple[str, Access]] = [
        (item.key, access) for item in menus_for(["rokin", "batch", "ledger"])
        for access in ("view", "change") if access == "view" or item.kind != "output"
    ]
    each = permissions.may_each(db, session=who(contract, user), asks=asks)
    one_by_one = tuple(permissions.may(db, session=who(contract, user), menu_key=key,
                                       access=access) for key, access in asks)
    assert each == one_by_one
    assert True in each and False in each  # the settings allow some and refuse others


def test_r_user_7_master_may_do_what_the_contract_allows(
    db: Session, clock: MovableClock
) -> None:
    """§1: the master does every operation the contract allows, whatever rows exist; a
    service the contract lacks is refused for the master too (R-OPS-5)."""
    contract = factories.make_contract(db, services="ledger")
    master = factories.make_user(db, contract, role=UserRole.MASTER.value)
    set_levels(db, master, {"ledger.bulk_update": "hide"})
    for item in menus_for(["ledger"]):
        access: Access = "view" if item.kind == "output" else "change"
        assert permissions.require(
            db, session=who(contract, master), menu_key=item.key, access=access, clock=clock
        ) == Ok(None)
    assert permissions.require(
        db, session=who(contract, master), menu_key="rokin.detail_inquiry", access="view",
        clock=clock,
    ) == Err("E-MENU-NOT-CONTRACTED")


def test_r_sec_1_require_trusts_the_database_not_the_screen(
    db: Session, clock: MovableClock
) -> None:
    """R-SEC-1 (a crafted frame can call any handler): the role is read from the database; a
    user of another contract, or a deleted user, is refused."""
    contract = factories.make_contract(db, services="rokin")
    other = factories.make_contract(db, services="rokin")
    general = factories.make_user(db, contract)
    gone = factories.make_user(db, contract, deleted_at=clock.now())
    set_levels(db, general, {"rokin.detail_inquiry": "view_only"})
    set_levels(db, gone, {"rokin.detail_inquiry": "show"})

    def ask(session: Who) -> object:
        return permissions.require(
            db, session=session, menu_key="rokin.detail_inquiry", access="change", clock=clock
        )

    assert ask(who(contract, general, role="master")) == Err("E-MENU-VIEW-ONLY")
    assert ask(Who(other.contract_no, general.user_id, "general")) == Err("E-MENU-HIDDEN")
    assert ask(who(contract, gone)) == Err("E-MENU-HIDDEN")
    assert len(refusals(db, contract.contract_no)) == 2
    assert refusals(db, other.contract_no) == [
        ("rokin.detail_inquiry", general.user_id, "refused")
    ]
    assert permissions.require(
        db, session=Who(factories.next_contract_no(), general.user_id, "general"),
        menu_key="rokin.detail_inquiry", access="view", clock=clock,
    ) == Err("E-MENU-HIDDEN")


def test_r_user_7_unknown_menu_and_output_change_are_bugs(
    db: Session, clock: MovableClock
) -> None:
    contract = factories.make_contract(db, services="rokin")
    user = factories.make_user(db, contract)
    with pytest.raises(ValueError):
        permissions.require(db, session=who(contract, user), menu_key="rokin.nope",
                            access="view", clock=clock)
    with pytest.raises(ValueError):
        permissions.require(db, session=who(contract, user), menu_key="rokin.request_list",
                            access="change", clock=clock)


def test_r_info_1_visible_menus_and_unset_flags(db: Session) -> None:
    """R-INFO-1: the menus of the contracted services, hidden per user restrictions;
    R-USER-7a: menus without a setting are 非表示 and flagged 未設定; the master sees all."""
    contract = factories.make_contract(db, services="rokin,batch")
    master = factories.make_user(db, contract, role=UserRole.MASTER.value)
    general = factories.make_user(db, contract)
    set_levels(db, general, {
        "rokin.detail_inquiry": "view_only",
        "batch.detail_list": "show",
        "rokin.history": "hide",
        "ledger.detail_inquiry": "show",  # a service not contracted
    })
    shown = permissions.visible_menus(db, contract_no=contract.contract_no,
                                      user_id=general.user_id)
    # RK-12 職員情報照会・変更 rides on 労金控除明細照会's right: listed with its level.
    assert [(item.key, level) for item, level in shown] == [
        ("rokin.detail_inquiry", Level.VIEW_ONLY), ("rokin.staff", Level.VIEW_ONLY),
        ("batch.detail_list", Level.SHOW),
    ]
    everything = permissions.visible_menus(db, contract_no=contract.contract_no,
                                           user_id=master.user_id)
    assert [item for item, _ in everything] == list(screens_for(["rokin", "batch"]))
    assert {level for _, level in everything} == {Level.SHOW}

    form = {item.key: (level, unset) for item, level, unset in permissions.user_settings(
        db, contract_no=contract.contract_no, user_id=general.user_id
    )}
    assert form["rokin.history"] == (Level.HIDE, False)
    assert form["rokin.detail_new"] == (Level.HIDE, True)
    assert "ledger.detail_inquiry" not in form
    assert menu("batch.detail_list").label == "一斉積立内訳明細表出力"
    assert permissions.visible_menus(db, contract_no=contract.contract_no,
                                     user_id="nobody123") == ()


def test_r_sec_1_the_events_session_check_carries_the_rights_the_menu_check_uses(
    db: Session, db_engine: Engine, clock: MovableClock
) -> None:
    """R-SEC-1 "every event re-checks the session, the certificate and the menu permission":
    ``sessions.check`` reads the user's rights and tenant ids with the session, in its one
    transaction at the start of the event; ``require``, ``may_each``, ``visible_menus`` and
    ``scope_of`` then answer from that reading exactly as from a fresh one, without another
    statement, and a change of the rights shows at the next event's check."""
    login = make_login(db, role=UserRole.GENERAL.value, services="rokin,ledger")
    set_levels(db, login.user, SETTINGS)
    token = ok_login(db, login, clock).session_token

    def event() -> SessionInfo:
        checked = sessions.check(db, token=token, facts=login.facts, clock=clock, touch=True)
        assert isinstance(checked, Ok), checked
        return checked.value

    info = event()
    plain = who(login.contract, login.user)
    assert info.rights == permissions.read_rights(
        db, contract_no=plain.contract_no, user_id=plain.user_id)
    assert info.group_no == "001"
    assert info.scope == tenant.resolve_scope(db, contract_no=info.contract_no,
                                              group_no=info.group_no)
    db.commit()

    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event_.listen(db_engine, "before_cursor_execute", count)
    try:
        accesses: tuple[Access, ...] = ("view", "change")
        asks = [(item.key, access) for item in screens_for(["rokin", "ledger"])
                for access in accesses if not (access == "change" and item.kind == "output")]
        from_check = [permissions.require(db, session=info, menu_key=k, access=a, clock=clock)
                      for k, a in asks if permissions.may(db, session=info, menu_key=k,
                                                          access=a)]
        assert from_check and all(r == Ok(None) for r in from_check)
        allowed = permissions.may_each(db, session=info, asks=asks)
        shown = permissions.visible_menus(db, contract_no=info.contract_no,
                                          user_id=info.user_id, rights=info.rights)
        scope = tenant.scope_of(db, info)
        answered_without_sql = list(statements)
    finally:
        event_.remove(db_engine, "before_cursor_execute", count)
    assert answered_without_sql == []
    assert scope == info.scope
    # The same answers as reading the rights now, for every menu and access.
    assert allowed == permissions.may_each(db, session=plain, asks=asks)
    assert True in allowed and False in allowed  # the settings allow some and refuse others
    assert shown == permissions.visible_menus(db, contract_no=plain.contract_no,
                                              user_id=plain.user_id)
    for key, access in asks:
        assert permissions.require(db, session=info, menu_key=key, access=access,
                                   clock=clock) == permissions.require(
            db, session=plain, menu_key=key, access=access, clock=clock)

    # The master hides 労金控除明細照会 from this user: the next event refuses it (and logs it).
    db.exec(delete(MenuPermission).where(
        col(MenuPermission.user_pk) == login.user.id,
        col(MenuPermission.menu_key) == "rokin.detail_inquiry"))
    db.commit()
    assert permissions.may(db, session=info, menu_key="rokin.detail_inquiry", access="view")
    after = event()
    assert permissions.require(db, session=after, menu_key="rokin.detail_inquiry",
                               access="view", clock=clock) == Err("E-MENU-HIDDEN")
    assert refusals(db, login.contract.contract_no)[-1] == (
        "rokin.detail_inquiry", login.user.user_id, "refused")
