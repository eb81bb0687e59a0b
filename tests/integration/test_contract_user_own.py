"""The master's own entry on 契約ユーザー更新 (SPEC R-USER-2 "Master changes own user name and
e-mail (契約ユーザー情報照会 → 会員（マスター）→ 更新へ)", R-USER-8, SPEC §3 "blank means
unchanged", manual P.26 "変更する項目のみ入力して、更新ボタンをクリックします"), on SQLite and
PostgreSQL.

The screen's state handlers are called directly on a state tree built under pytest (DESIGN §3),
with the session and certificate facts a real connection carries; the database, the outbox and
the operation log are real."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import Session, col, select

from chingin_app.domain.clock import SystemClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Ok
from chingin_app.models import MailOutbox, OperationLog, User, UserRole
from chingin_app.services import contract_users as users
from chingin_app.services import login, passwords
from chingin_app.services.cert_gate import CertFacts
from chingin_app.state.contract_users import ContractUserFormState, ContractUsersState
from chingin_app.state.session import SessionState
from tests import factories


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    """The handlers open their own database sessions through the process settings."""
    return app_env


@dataclass(frozen=True)
class Person:
    """Plain values of a user (no ORM object: reading one would open a transaction)."""

    pk: int
    user_id: str
    email: str


@dataclass
class Signed:
    contract_no: str
    master: Person
    general: Person
    facts: dict[str, CertFacts]
    tokens: dict[str, str]


@pytest.fixture
def org(db: Session) -> Iterator[Signed]:
    """A contract with its master and one general user, both signed in (real clock: the
    handlers use the process clock)."""
    contract = factories.make_contract(db)
    master = factories.make_user(db, contract, role=UserRole.MASTER.value,
                                 user_name="管理　花子", user_id=factories.next_user_id("Own"))
    general = factories.make_user(db, contract, user_id=factories.next_user_id("Gen"))
    facts: dict[str, CertFacts] = {}
    tokens: dict[str, str] = {}
    for user in (master, general):
        cert = factories.make_certificate(db, user, issued_at=SystemClock().now())
        facts[user.user_id] = CertFacts("current", user.user_id, cert.serial_hex, cert.sha256)
        signed = login.login(db, facts=facts[user.user_id], password=factories.PASSWORD,
                             clock=SystemClock(), ip="192.0.2.30")
        assert isinstance(signed, Ok), signed
        tokens[user.user_id] = signed.value.session_token
    people = [Person(u.id or 0, u.user_id, u.email) for u in (master, general)]
    signed_in = Signed(contract.contract_no, people[0], people[1], facts, tokens)
    db.commit()  # SQLite: release the write lock the reads above took
    yield signed_in


def screen(org: Signed, user_id: str, cls: type[rx.State], uid: str = "") -> Any:
    """The screen's state on a fresh tree, as the connection of ``user_id`` would see it."""
    root = rx.State()
    path = "/users/edit" + (f"?uid={uid}" if uid else "")
    root.router = RouterData.from_router_data({
        "token": f"client-{user_id}",
        "headers": dict(org.facts[user_id].to_headers()),
        "pathname": "/users/edit",
        "query": {"uid": uid} if uid else {},
        "asPath": path,
    })
    shared = root.get_substate(SessionState.get_full_name().split("."))
    shared._start_session(org.tokens[user_id])
    return root.get_substate(cls.get_full_name().split("."))


def run(events: Any) -> list[Any]:
    """Drive a generator handler to its end; what it yielded (redirects, None)."""
    return list(events)


def redirected_to(yielded: list[Any], path: str) -> bool:
    return any(path in str(e) for e in yielded if e is not None)


def fresh(db: Session, user: Person) -> User:
    db.expire_all()
    row = db.get(User, user.pk)
    assert row is not None
    db.commit()
    return row


def own_entries(db: Session, contract_no: str) -> list[OperationLog]:
    rows = list(db.exec(
        select(OperationLog)
        .where(OperationLog.contract_no == contract_no,
               OperationLog.action == users.ACTION_UPDATE_OWN)
        .order_by(col(OperationLog.id))
    ))
    db.commit()
    return rows


def test_r_user_2_list_offers_update_for_the_masters_own_row(db: Session, org: Signed) -> None:
    """R-USER-2 "契約ユーザー情報照会 → 会員（マスター）→ 更新へ": the master's row is marked as
    their own (更新へ, no 削除); a general user's rows never are (R-INFO-2a: read-only)."""
    listing = screen(org, org.master.user_id, ContractUsersState)
    listing.load()
    own = {r["user_id"]: (r["role"], r["own"], r["general"]) for r in listing.rows}
    assert own[org.master.user_id] == ("会員（マスター）", "1", "")
    assert own[org.general.user_id] == ("一般", "", "1")
    theirs = screen(org, org.general.user_id, ContractUsersState)
    theirs.load()
    assert [(r["user_id"], r["own"]) for r in theirs.rows] == [(org.general.user_id, "")]


def test_r_user_2_master_changes_own_name_and_email(db: Session, org: Signed) -> None:
    """R-USER-2, R-USER-8: name and e-mail (twice) → 更新; the old address is told, the entry
    is logged, the row's version moves on. No 仮のパスワード and no restrictions for the master:
    even a crafted form carrying a password changes no password."""
    old_email = org.master.email
    new_email = f"own.{org.master.user_id.lower()}@example.co.jp"
    form = screen(org, org.master.user_id, ContractUserFormState, uid=org.master.user_id)
    assert form.load_edit() is None
    assert (form.own, form.target_user_id, form.current_name) == (
        True, org.master.user_id, "管理　花子"
    )
    assert form.menu_rows == [] and form.levels == {}
    version = fresh(db, org.master).version

    yielded = run(form.submit_edit({
        "user_name": "管理 次郎", "email": new_email, "email_again": new_email,
        "password": "Crafted#9x", "password_again": "Crafted#9x",
    }))
    assert redirected_to(yielded, "/users"), yielded
    assert (form.errors, form.alert_text) == ({}, "")
    master = fresh(db, org.master)
    assert (master.user_name, master.email) == ("管理　次郎", new_email)
    assert master.version > version
    assert passwords.verify_secret(master.password_hash, factories.PASSWORD)
    assert not master.password_is_temporary
    kinds = db.exec(
        select(MailOutbox.to_addr, MailOutbox.kind).where(MailOutbox.user_pk == org.master.pk)
    ).all()
    db.commit()
    assert (old_email, "email_changed") in kinds
    [entry] = own_entries(db, org.contract_no)
    assert (entry.result, entry.actor, entry.target, entry.screen) == (
        "success", org.master.user_id, org.master.user_id, "契約ユーザー更新"
    )
    assert new_email in (entry.detail or "") and "Crafted" not in (entry.detail or "")


def test_r_user_2_field_errors_change_nothing(db: Session, org: Signed) -> None:
    """SPEC §3: an e-mail change needs both entries; a refused 更新 shows the message at the
    field and changes nothing; all blank is refused too."""
    form = screen(org, org.master.user_id, ContractUserFormState, uid=org.master.user_id)
    form.load_edit()
    before = fresh(db, org.master)
    run(form.submit_edit({"user_name": "", "email": "new@example.co.jp",
                          "email_again": "other@example.co.jp"}))
    assert "email_again" in form.errors
    assert form.alert_text
    run(form.submit_edit({"user_name": "", "email": "", "email_again": ""}))
    assert form.alert_text == message("E-NOTHING-TO-CHANGE")
    after = fresh(db, org.master)
    assert (after.user_name, after.email, after.version) == (
        before.user_name, before.email, before.version
    )
    assert [e.result for e in own_entries(db, org.contract_no)] == ["failure", "failure"]


def test_r_user_2_optimistic_lock(db: Session, org: Signed) -> None:
    """A change made since the screen was shown wins: 更新 answers E-USER-CONFLICT and changes
    nothing; shown again, the screen updates."""
    form = screen(org, org.master.user_id, ContractUserFormState, uid=org.master.user_id)
    form.load_edit()
    meanwhile = users.update_own_profile(
        db, contract_no=org.contract_no, user_id=org.master.user_id, user_name="別画面",
        email=None, email_again=None, clock=SystemClock(),
    )
    assert isinstance(meanwhile, Ok)
    run(form.submit_edit({"user_name": "遅い更新", "email": "", "email_again": ""}))
    assert form.alert_text == message("E-USER-CONFLICT")
    assert fresh(db, org.master).user_name == "別画面"
    form.load_edit()
    yielded = run(form.submit_edit({"user_name": "遅い更新", "email": "", "email_again": ""}))
    assert redirected_to(yielded, "/users")
    assert fresh(db, org.master).user_name == "遅い更新"


def test_r_info_2a_general_user_cannot_open_or_submit_the_masters_form(
    db: Session, org: Signed
) -> None:
    """R-INFO-2a: a general user's own entry is read-only: the update screen sends them back
    to the list, and a crafted 更新 changes nothing."""
    form = screen(org, org.general.user_id, ContractUserFormState, uid=org.general.user_id)
    assert redirected_to([form.load_edit()], "/users")
    assert form.own is False
    yielded = run(form.submit_edit({"user_name": "乗っ取り", "email": "", "email_again": ""}))
    assert redirected_to(yielded, "/users")
    assert fresh(db, org.general).user_name != "乗っ取り"
    assert fresh(db, org.master).user_name == "管理　花子"


def test_r_user_5_master_editing_a_general_user_is_not_own_mode(
    db: Session, org: Signed
) -> None:
    """The master's form for a general user keeps its restrictions and 仮のパスワード fields
    (R-USER-5); only their own ID opens the name-and-e-mail form."""
    form = screen(org, org.master.user_id, ContractUserFormState, uid=org.general.user_id)
    form.load_edit()
    assert form.own is False
    assert form.target_user_id == org.general.user_id
    assert form.menu_rows != []
