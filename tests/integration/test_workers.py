"""Several workers (SPEC R-DEP-4; issue 12 item 1), on SQLite and PostgreSQL:

- `chingin serve` refuses CHINGIN_WORKERS>1 without Redis before it creates anything;
- nginx's one upstream lists every worker's loopback port, and nginx accepts the config;
- a signed-in tab whose worker died gets a fresh Reflex state (Reflex hands it a new token):
  its next event recovers the session from the handle its login left, checked again with the
  certificate — another certificate gets nothing, and after ログアウト nothing is recovered.

The state handlers run on a state tree built under pytest (DESIGN §3) with the headers the
certificate gate gives a websocket (``x-chingin-tab``: the token it connected with)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import Session

from chingin_app.cli import main
from chingin_app.domain.clock import SystemClock
from chingin_app.domain.result import Ok
from chingin_app.models import UserRole
from chingin_app.proxy import nginx
from chingin_app.services import login
from chingin_app.services.cert_gate import H_TAB, CertFacts
from chingin_app.services.certs import ca, crl
from chingin_app.services.session_handles import handles, tab_key
from chingin_app.settings import settings
from chingin_app.state.contract_users import ContractUsersState
from tests import factories

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


def test_r_dep_4_serve_refuses_several_workers_without_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-DEP-4: CHINGIN_WORKERS=2 without CHINGIN_REDIS_URL → serve exits 1 with a message
    naming both settings, and has created nothing (not even the data dir)."""
    monkeypatch.setenv("CHINGIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHINGIN_WORKERS", "2")
    monkeypatch.delenv("CHINGIN_REDIS_URL", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    settings.cache_clear()
    try:
        capsys.readouterr()
        assert main(["serve"]) == 1
        err = capsys.readouterr().err
    finally:
        settings.cache_clear()
    assert "CHINGIN_WORKERS=2" in err and "CHINGIN_REDIS_URL" in err
    assert "何も作成・変更していません" in err
    assert not (tmp_path / "data").exists()


def test_r_dep_4_nginx_upstream_lists_every_worker(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-DEP-4: CHINGIN_WORKERS=3 from CHINGIN_APP_PORT=18100 → one upstream of 127.0.0.1:18100,
    18101, 18102 (TCP, never a unix socket) that `nginx -t` accepts; the access log names the
    upstream that served each request ($upstream_addr)."""
    monkeypatch.setenv("CHINGIN_WORKERS", "3")
    monkeypatch.setenv("CHINGIN_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("CHINGIN_APP_PORT", "18100")
    settings.cache_clear()
    s = settings()
    ca.ensure_hierarchy(s, now=NOW)
    crl.refresh(s, now=NOW)
    cert, key, _ = ca.tls_files(s, now=NOW)
    files = nginx.render(s, tls_cert=cert, tls_key=key, client_ca_chain=s.pki_dir / "chain.pem",
                         crl_bundle=s.pki_dir / "crl.pem", http_port=None)
    nginx.check(files)
    conf = files.conf.read_text()
    upstream = conf.split("upstream chingin_app {", 1)[1].split("}", 1)[0]
    assert [f"127.0.0.1:{p}" for p in (18100, 18101, 18102)] == [
        part.split()[0] for part in upstream.split("server ")[1:]
    ]
    assert "unix:" not in upstream
    assert '"upstream":"$upstream_addr"' in conf


# --- the session handle after a worker died ------------------------------------------------


@pytest.fixture
def signed(db: Session, app_env: Path) -> Iterator[tuple[str, CertFacts, str]]:
    """A master signed in: (user ID, certificate facts, session token). The handlers open their
    own database sessions through the process settings (``app_env``)."""
    contract = factories.make_contract(db)
    master = factories.make_user(db, contract, role=UserRole.MASTER.value,
                                 user_id=factories.next_user_id("Wrk"))
    cert = factories.make_certificate(db, master, issued_at=SystemClock().now())
    facts = CertFacts("current", master.user_id, cert.serial_hex, cert.sha256)
    done = login.login(db, facts=facts, password=factories.PASSWORD, clock=SystemClock(),
                       ip="192.0.2.40")
    assert isinstance(done, Ok), done
    db.commit()
    yield master.user_id, facts, done.value.session_token


def _tab(facts: CertFacts, *, token: str, connected_with: str) -> Any:
    """A fresh state tree for the tab now called ``token`` whose websocket connected with
    ``connected_with`` (the gate's x-chingin-tab header)."""
    root = rx.State()
    root.router = RouterData.from_router_data({
        "token": token,
        "headers": {**dict(facts.to_headers()), H_TAB: tab_key(connected_with)},
        "pathname": "/users", "query": {}, "asPath": "/users",
    })
    return root.get_substate(ContractUsersState.get_full_name().split("."))


def test_r_dep_4_a_fresh_state_after_a_dead_worker_carries_on_as_the_same_user(
    signed: tuple[str, CertFacts, str],
) -> None:
    """R-DEP-4: the tab signed in as token A; its worker died and Reflex gave it token B and an
    empty state. The next event (the screen's load) is the same user: the list is shown, no
    redirect — and a second death later recovers again (the handle moved to B)."""
    user_id, facts, session_token = signed
    first = _tab(facts, token="tab-A", connected_with="tab-A")
    first._start_session(session_token)

    fresh = _tab(facts, token="tab-B", connected_with="tab-A")
    assert fresh.load() is None
    assert fresh.user_id == user_id
    assert [r["user_id"] for r in fresh.rows] == [user_id]

    again = _tab(facts, token="tab-C", connected_with="tab-B")
    assert again.load() is None and again.user_id == user_id


def test_r_dep_4_the_handle_serves_only_its_certificate(
    db: Session, signed: tuple[str, CertFacts, str]
) -> None:
    """R-SEC-1, R-DEP-4: another user's certificate presenting the tab's token gets the login
    page, never the session (the gate would refuse it earlier still, R-SEC-3)."""
    _, facts, session_token = signed
    _tab(facts, token="tab-D", connected_with="tab-D")._start_session(session_token)
    contract = factories.make_contract(db)
    other = factories.make_user(db, contract, user_id=factories.next_user_id("Oth"))
    cert = factories.make_certificate(db, other, issued_at=SystemClock().now())
    db.commit()
    intruder = CertFacts("current", other.user_id, cert.serial_hex, cert.sha256)
    stolen = _tab(intruder, token="tab-E", connected_with="tab-D")
    assert stolen.load() is not None  # a redirect to the login page
    assert stolen.user_id == "" and stolen.rows == []


def test_r_dep_4_r_sess_2_nothing_is_recovered_after_logout(
    signed: tuple[str, CertFacts, str],
) -> None:
    """R-SESS-2: ログアウト ends the session and drops the handle: a later fresh state of the
    same tab is not signed in."""
    _, facts, session_token = signed
    tab = _tab(facts, token="tab-F", connected_with="tab-F")
    tab._start_session(session_token)
    tab.logout()
    assert handles().recover(tab_key("tab-F")) is None
    later = _tab(facts, token="tab-G", connected_with="tab-F")
    assert later.load() is not None
    assert later.user_id == ""
