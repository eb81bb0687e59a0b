"""The permission list equals the menu (issue 13 item 5; SPEC R-USER-3, R-USER-7a, R-INFO-1):
for every service mix, the rows the user form offers are exactly the rights of the menu the
information screen shows; カナ氏名チェックリスト and 給与控除データ照合 have rows of their own, and
migration 0012 keeps every existing user's access to them. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlmodel import Session, select

from chingin_app.db import alembic_config, make_engine, session_scope
from chingin_app.domain.contract import Service
from chingin_app.domain.permissions import MENUS, Level, MenuItem, menus_for, screens_for
from chingin_app.models import MenuPermission, UserRole
from chingin_app.services import permissions
from tests import factories
from tests.integration.production_support import fresh_database
from tests.unit.test_domain_permissions import SERVICE_MIXES


@pytest.mark.parametrize("mix", [m for m in SERVICE_MIXES if m],  # a contract has a service
                         ids=lambda m: "+".join(m))
def test_r_user_7a_issue_13_permission_list_equals_menu_list_for_every_service_mix(
    db: Session, mix: list[str]
) -> None:
    """R-USER-7a, R-INFO-1: the master's menu is every entry of the contract's services; the
    user form's rows are exactly the rights those entries use; a general user given すべて表示
    on the form's rows sees exactly the master's menu, and one given すべて非表示 sees none."""
    contract = factories.make_contract(db, services=",".join(mix))
    master = factories.make_user(db, contract, role=UserRole.MASTER.value)
    general = factories.make_user(db, contract)
    menu = [s for s, _ in permissions.visible_menus(
        db, contract_no=contract.contract_no, user_id=master.user_id)]
    rows = [item for item, _level, _unset in permissions.user_settings(
        db, contract_no=contract.contract_no, user_id=general.user_id)]
    assert menu == list(screens_for(mix))
    assert rows == list(menus_for(mix))
    assert [r.key for r in rows] == list(dict.fromkeys(s.right_key for s in menu))

    assert general.id is not None
    for item in rows:
        db.add(MenuPermission(user_pk=general.id, menu_key=item.key, level="show"))
    db.commit()
    shown = [s for s, _ in permissions.visible_menus(
        db, contract_no=contract.contract_no, user_id=general.user_id)]
    assert shown == menu
    for p in db.exec(select(MenuPermission).where(MenuPermission.user_pk == general.id)).all():
        p.level = "hide"
        db.add(p)
    db.commit()
    assert permissions.visible_menus(
        db, contract_no=contract.contract_no, user_id=general.user_id) == ()


def test_rk_12_issue_13_a_screen_on_another_menus_right_has_no_row_and_follows_that_right(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC RK-12 (職員情報照会・変更 "rights of 労金控除明細照会"): an entry with ``rights`` is on
    the menu exactly when its right is, at that right's level, and the form has no row for it;
    ``require`` on its key asks the right's setting."""
    staff = MenuItem("rokin.staff", "職員情報照会・変更", Service.ROKIN, "view", "労金控除事務",
                     rights="rokin.detail_inquiry")
    monkeypatch.setattr(permissions, "MENUS", (*MENUS, staff))
    monkeypatch.setattr("chingin_app.domain.permissions.MENUS_BY_KEY",
                        {m.key: m for m in (*MENUS, staff)})
    contract = factories.make_contract(db, services="rokin")
    general = factories.make_user(db, contract)
    assert general.id is not None
    db.add(MenuPermission(user_pk=general.id, menu_key="rokin.detail_inquiry",
                          level="view_only"))
    db.commit()
    shown = dict(permissions.visible_menus(
        db, contract_no=contract.contract_no, user_id=general.user_id))
    assert shown[staff] is Level.VIEW_ONLY
    rows = [item.key for item, _l, _u in permissions.user_settings(
        db, contract_no=contract.contract_no, user_id=general.user_id)]
    assert "rokin.staff" not in rows
    session = _Who(contract.contract_no, general.user_id, general.role)
    assert permissions.may(db, session=session, menu_key="rokin.staff", access="view")
    assert not permissions.may(db, session=session, menu_key="rokin.staff", access="change")


class _Who:
    def __init__(self, contract_no: str, user_id: str, role: str) -> None:
        self.contract_no, self.user_id, self.role = contract_no, user_id, role


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (the migration is run step by step)."""
    yield from fresh_database(request.param, tmp_path)


def test_r_user_7a_migration_0012_keeps_everyones_access_and_flags_nothing_new(
    bare_db: str,
) -> None:
    """Issue 13 item 5 ("existing users keep their present access to those two, not 未設定"):
    each stored setting of 労金控除明細照会 is copied to カナ氏名チェックリスト and each of
    まとめ入金確定 to 給与控除データ照合 as the level that gives the same access (閲覧のみ on the
    change-only まとめ入金確定 counted as 非表示); a user without a setting stays 未設定."""
    command.upgrade(alembic_config(bare_db), "0010")
    eng = make_engine(bare_db)
    try:
        with session_scope(bind=eng) as db:
            contract = factories.make_contract(db, services="rokin")
            users = {name: factories.make_user(db, contract) for name in ("a", "b", "c", "d")}
            settings = {
                "a": {"rokin.detail_inquiry": "show", "rokin.remit_confirm": "show"},
                "b": {"rokin.detail_inquiry": "view_only", "rokin.remit_confirm": "view_only"},
                "c": {"rokin.detail_inquiry": "hide", "rokin.remit_confirm": "hide"},
                "d": {},
            }
            for name, levels in settings.items():
                for key, level in levels.items():
                    db.add(MenuPermission(user_pk=users[name].id, menu_key=key, level=level))
            db.commit()
            pks = {name: u.id for name, u in users.items()}
            ids = {name: u.user_id for name, u in users.items()}
            contract_no = contract.contract_no
        command.upgrade(alembic_config(bare_db), "head")
        with session_scope(bind=eng) as db:
            def stored(name: str) -> dict[str, str]:
                return {p.menu_key: p.level for p in db.exec(
                    select(MenuPermission).where(MenuPermission.user_pk == pks[name])).all()}

            assert stored("a")["rokin.kana_check"] == "show"
            assert stored("a")["rokin.reconciliation"] == "show"
            assert stored("b")["rokin.kana_check"] == "view_only"
            assert stored("b")["rokin.reconciliation"] == "hide"
            assert stored("c")["rokin.kana_check"] == "hide"
            assert stored("c")["rokin.reconciliation"] == "hide"
            assert "rokin.kana_check" not in stored("d")
            form = {item.key: (level, unset) for item, level, unset in permissions.user_settings(
                db, contract_no=contract_no, user_id=ids["a"])}
            assert form["rokin.kana_check"] == (Level.SHOW, False)
            assert form["rokin.reconciliation"] == (Level.SHOW, False)
            shown_b = {s.key for s, _ in permissions.visible_menus(
                db, contract_no=contract_no, user_id=ids["b"])}
            assert "rokin.kana_check" in shown_b and "rokin.reconciliation" not in shown_b
        command.downgrade(alembic_config(bare_db), "0010")
        with session_scope(bind=eng) as db:
            keys = set(db.exec(select(MenuPermission.menu_key)).all())
            assert keys == {"rokin.detail_inquiry", "rokin.remit_confirm"}
    finally:
        eng.dispose()


def test_r_plus_1_r_plus_2_screens_ask_their_own_rows_not_the_menus_they_rode_on(
    db: Session,
) -> None:
    """Issue 13 item 5: カナ氏名チェックリスト and 給与控除データ照合 check their own rows — a user
    with 労金控除明細照会 and まとめ入金確定 but those two 非表示 is refused them (and the other
    way round), so a restriction set on the form is the one that applies."""
    from chingin_app.domain.result import Err, Ok
    from chingin_app.state.rokin import kana_check, reconciliation

    assert (kana_check.MENU, reconciliation.MENU) == ("rokin.kana_check", "rokin.reconciliation")
    contract = factories.make_contract(db, services="rokin")
    user = factories.make_user(db, contract)
    assert user.id is not None
    for key, level in (("rokin.detail_inquiry", "show"), ("rokin.remit_confirm", "show"),
                       ("rokin.kana_check", "hide"), ("rokin.reconciliation", "show")):
        db.add(MenuPermission(user_pk=user.id, menu_key=key, level=level))
    db.commit()
    session = _Who(contract.contract_no, user.user_id, user.role)
    assert permissions.require(db, session=session, menu_key=kana_check.MENU,
                               access="view") == Err("E-MENU-HIDDEN")
    assert permissions.require(db, session=session, menu_key=reconciliation.MENU,
                               access="view") == Ok(None)
    shown = {s.key for s, _ in permissions.visible_menus(
        db, contract_no=contract.contract_no, user_id=user.user_id)}
    assert "rokin.kana_check" not in shown and "rokin.reconciliation" in shown
