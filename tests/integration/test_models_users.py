"""Users at the database level (SPEC §3 user ID, R-MREG-2, R-OPS-2a, R-USER-7, R-SESS-4):
constraints hold even when a service forgets a check or two requests race."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from chingin_app.db import session_scope
from chingin_app.models import LoginSession, MenuPermission, User, UserRole, fold_user_id
from tests import factories


def test_user_id_unique_case_insensitively_across_the_service(db: Session) -> None:
    """SPEC §3: "unique case-insensitively across the service" — even in another contract."""
    first = factories.make_contract(db)
    other = factories.make_contract(db)
    uid = factories.next_user_id("Abc")
    factories.make_user(db, first, user_id=uid)
    with pytest.raises(IntegrityError):
        factories.make_user(db, other, user_id=uid.swapcase())


def test_user_id_of_a_deleted_user_is_never_reused(db: Session) -> None:
    """SPEC §3 "deleted users included; … never reused"; R-OPS-2a "the ID stays reserved"."""
    contract = factories.make_contract(db)
    uid = factories.next_user_id("Del")
    factories.make_user(db, contract, user_id=uid, deleted_at=factories.NOW)
    with pytest.raises(IntegrityError):
        factories.make_user(db, contract, user_id=uid.upper())


def test_user_id_is_stored_as_typed_and_matched_exactly(db: Session) -> None:
    """SPEC §3 "matched exactly (case-sensitive)": the typed form is kept beside the folded key."""
    contract = factories.make_contract(db)
    uid = factories.next_user_id("MiXed")
    factories.make_user(db, contract, user_id=uid)
    assert db.exec(select(User).where(User.user_id == uid)).one().user_id_folded == uid.lower()
    assert db.exec(select(User).where(User.user_id == uid.lower())).first() is None


def test_folded_user_id_must_match_the_user_id(db: Session) -> None:
    """A check constraint keeps ``user_id_folded = lower(user_id)``, so uniqueness cannot be
    dodged by a wrong folded value."""
    contract = factories.make_contract(db)
    with pytest.raises(IntegrityError):
        factories.make_user(db, contract, user_id="Abc12345", user_id_folded="zzz12345")


def test_r_mreg_2_one_master_per_contract(db: Session) -> None:
    """R-MREG-2 "Only one master per contract", enforced by a partial unique index."""
    contract = factories.make_contract(db)
    factories.make_user(db, contract, role=UserRole.MASTER.value)
    with pytest.raises(IntegrityError):
        factories.make_user(db, contract, role=UserRole.MASTER.value)


def test_r_ops_2a_deleted_master_allows_a_new_master(db: Session) -> None:
    """R-OPS-2a: initialising the master marks them deleted and re-opens master registration."""
    contract = factories.make_contract(db)
    old = factories.make_user(db, contract, role=UserRole.MASTER.value)
    old.deleted_at = factories.NOW
    db.add(old)
    db.commit()
    new = factories.make_user(db, contract, role=UserRole.MASTER.value)
    assert new.id != old.id


def test_r_user_7_menu_permission_unique_per_user_and_menu(db: Session) -> None:
    """R-USER-7: one setting per user and menu, and only 表示 / 非表示 / 閲覧のみ."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    assert user.id is not None
    db.add(MenuPermission(user_pk=user.id, menu_key="rokin.detail_inquiry", level="view_only"))
    db.commit()
    db.add(MenuPermission(user_pk=user.id, menu_key="rokin.detail_inquiry", level="show"))
    with pytest.raises(IntegrityError):
        db.flush()


@pytest.mark.parametrize("level", ["SHOW", "hidden", ""])
def test_r_user_7_menu_permission_level_checked(db: Session, level: str) -> None:
    """Only 'show', 'hide' and 'view_only' are stored."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    assert user.id is not None
    db.add(MenuPermission(user_pk=user.id, menu_key="m", level=level))
    with pytest.raises(IntegrityError):
        db.flush()


def _session_row(user: User, token: str) -> LoginSession:
    assert user.id is not None
    return LoginSession(
        token_hash=token,
        user_pk=user.id,
        contract_id=user.contract_id,
        cert_serial="1f",
        created_at=factories.NOW,
        last_activity_at=factories.NOW,
        expires_at=factories.NOW + timedelta(hours=12),
    )


def test_r_sess_4_one_open_session_per_user(db: Session) -> None:
    """R-SESS-4 "One active login per user": a second open session needs the first ended."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    first = _session_row(user, "a" * 64)
    db.add(first)
    db.commit()
    db.add(_session_row(user, "b" * 64))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    first.ended_at = factories.NOW
    first.end_reason = "replaced"
    db.add(first)
    db.add(_session_row(user, "c" * 64))
    db.commit()


def test_user_version_detects_a_lost_update(db_engine: Engine) -> None:
    """Optimistic locking (STYLE §7 "versioned rows"): saving a user read before another
    change raises StaleDataError instead of overwriting it."""
    with session_scope(bind=db_engine) as setup:
        contract = factories.make_contract(setup)
        user = factories.make_user(setup, contract)
        user_pk = user.id
    with session_scope(bind=db_engine) as first:
        stale = first.get(User, user_pk)
        assert stale is not None
        first.commit()  # the page has shown the user; its transaction is over
        with session_scope(bind=db_engine) as second:
            fresh = second.get(User, user_pk)
            assert fresh is not None
            fresh.user_name = "別の　名前"
            second.add(fresh)
            second.commit()
            assert fresh.version == 2
        stale.user_name = "古い　名前"
        first.add(stale)
        with pytest.raises(StaleDataError):
            first.commit()
    with session_scope(bind=db_engine) as check:
        saved = check.get(User, user_pk)
        assert saved is not None
        assert saved.user_name == "別の　名前"


def test_fold_user_id_is_lower_case() -> None:
    """User IDs are ASCII, so Python's lower() equals SQL lower()."""
    assert fold_user_id("AbC123") == "abc123"
