"""Shared harness of the integration tests of screen states (労金控除 RK-1/2/3, 賃控元帳
RL-1/2/4/11): users signed in with a certificate and payment group, a state tree built under
pytest as such a user's connection would see it, and rows read back as stored."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Protocol

import reflex as rx
from reflex.istate.data import RouterData
from sqlalchemy import func
from sqlmodel import Session, select

from chingin_app import routes
from chingin_app.domain.clock import SystemClock
from chingin_app.domain.result import Ok
from chingin_app.services import login
from chingin_app.services.cert_gate import CertFacts
from chingin_app.state.session import SessionState
from tests import factories


class SignedIn(Protocol):
    """What ``screen`` needs of a test organisation: the users' certificate facts and tokens."""

    facts: dict[str, CertFacts]
    tokens: dict[str, str]


def sign_in(db: Session, user: Any, org_facts: dict[str, CertFacts], tokens: dict[str, str],
            group_no: str = "001") -> None:
    """Log ``user`` in with a fresh certificate and select ``group_no``; record facts and token."""
    cert = factories.make_certificate(db, user, issued_at=SystemClock().now())
    facts = CertFacts("current", user.user_id, cert.serial_hex, cert.sha256)
    signed = login.login(db, facts=facts, password=factories.PASSWORD, clock=SystemClock(),
                         ip="192.0.2.40")
    assert isinstance(signed, Ok), signed
    token = signed.value.session_token
    assert isinstance(login.select_group(db, session_token=token, facts=facts, group_no=group_no,
                                         clock=SystemClock()), Ok)
    org_facts[user.user_id], tokens[user.user_id] = facts, token


def screen(org: SignedIn, user_id: str, cls: type[rx.State], path: str = routes.ROKIN_DETAILS,
           query: dict[str, str] | None = None) -> Any:
    """The screen's state on a fresh tree, as the connection of ``user_id`` would see it."""
    root = rx.State()
    query = query or {}
    as_path = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    root.router = RouterData.from_router_data({
        "token": f"client-{user_id}", "headers": dict(org.facts[user_id].to_headers()),
        "pathname": path, "query": query, "asPath": as_path,
    })
    shared = root.get_substate(SessionState.get_full_name().split("."))
    shared._start_session(org.tokens[user_id])  # type: ignore[attr-defined]
    return root.get_substate(cls.get_full_name().split("."))


def stored_row(db: Session, model: Any, row_id: int) -> Any:
    """A row as stored now, as plain values (not the session's live object; None when gone)."""
    db.expire_all()
    row = db.get(model, row_id)
    values = None if row is None else SimpleNamespace(**row.model_dump())
    db.commit()
    return values


def count_rows(db: Session, model: Any, contract_id: int) -> int:
    """How many rows of ``model`` the contract has now."""
    db.rollback()
    found = int(db.execute(select(func.count()).select_from(model)
                           .where(model.contract_id == contract_id)).scalar_one())
    db.commit()
    return found
