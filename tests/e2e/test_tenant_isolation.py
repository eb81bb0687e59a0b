"""R-SEC-1 / issue 4 tenant isolation: "Every event re-checks the session, the certificate's
status, the tenant and the menu permission (a crafted websocket frame can call any handler)."

A user of contract A — its master, and a general user with restrictions — signed in with a real
certificate through nginx, sends crafted frames to **every event handler the app registers**
(enumerated from Reflex's state tree, so a handler added later is covered without touching this
file), with arguments aimed at contract B (B's user IDs, contract number, manual ids, payment
group numbers and ids), odd and big values, wrong types, and the fields the handler's form
reads. Then:

1. nothing of B changed: every row of every table that belongs to B (by ``contract_id``,
   ``user_pk``, ``contract_no``, B's log chain, B's mail) is as before, no mail to B was queued,
   and the operation-log chains still verify;
2. nothing A received names B: not B's contract name, user names, e-mail addresses, payment
   group names, the ID of a B user A never sent, B's certificate fingerprints or the titles of
   manuals of B's kind (A is a 会員 contract, B an 事業主 one); and B's user IDs and contract
   number (which A does send, so a screen may echo them, e.g. a search filter) never appear in
   a table or choice list of A's screens.

A positive control at the end shows the same checks see A's own data, so they can fail.
"""

from __future__ import annotations

import inspect
import json
import re
import secrets
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import or_, select
from sqlmodel import SQLModel

# Reflex registers state classes in a context of the importing thread: the states are imported
# here, in pytest's thread, never inside the worker thread that runs the websocket clients.
from chingin_app.state.contract_users import ContractUsersState
from chingin_app.state.login import GroupSelectState, LoginState
from chingin_app.state.manuals import ManualsState
from chingin_app.state.session import SessionState
from tests.e2e.conftest import IssuedForTest, Service, client_tls, in_hours, issue_certificate
from tests.e2e.test_crafted_frames import run
from tests.support.reflex_client import (
    FIELD_MARKER,
    ROOT_STATE,
    ReflexClient,
    ReflexClientError,
    event_name,
)

B_PASSWORD = "Victim#Pw2"
A_PASSWORD = "Attack#Pw1"
# A crafted frame must come back within this (a hung handler fails the test, not the run).
CALL_TIMEOUT = 20.0
# Router vars only echo the URL the client itself sent; they are not the handler's output.
ROUTER_VARS = tuple(v + FIELD_MARKER for v in ("rx_router_page", "rx_router_url",
                                              "rx_router_route_id", "router"))
# Reflex's own substates that no screen names; their handlers are still sent (below).
DEFAULT_PATH = "/info"
# A's own wrong-password count that makes the run sign in again (R-LOCK-1 locks at the 6th).
FAILURES_BEFORE_RELOGIN = 3


# -- the tenants ------------------------------------------------------------------------------


@dataclass
class Tenant:
    """One contract with a master and a general user holding certificates, and what identifies
    it. ``markers`` are strings an attacker in another contract never sends and must never
    receive; ``sent_ids`` are B's identifiers the attacker does send."""

    contract_no: str
    contract_pk: int
    kind: str
    master: IssuedForTest
    general: IssuedForTest
    hidden_user_id: str
    user_pks: list[int]
    group_nos: list[str]
    group_pks: list[int]
    manual_ids: list[int]
    emails: list[str]
    markers: list[str] = field(default_factory=list)

    @property
    def sent_ids(self) -> list[str]:
        """B's identifiers that crafted frames carry (so they may be echoed as typed)."""
        return [self.master.user_id, self.general.user_id, self.contract_no]


def _unique(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"


def _make_tenant(service: Service, tmp_path: Path, *, kind: str, label: str,
                 password: str) -> Tenant:
    """A contract of ``kind`` with two payment groups, a master and a general user with
    certificates, a third user without one, restrictions, and a manual of its kind."""
    from chingin_app.db import session_scope
    from chingin_app.domain.clock import SystemClock
    from chingin_app.domain.permissions import Level, allowed_levels, menus_for
    from chingin_app.domain.result import Ok
    from chingin_app.models import Certificate, Contract, MenuPermission, PaymentGroup, User
    from chingin_app.services import manuals
    from tests import factories

    contract_name = _unique(f"{label}組合")
    # Two payment groups; the second number differs per contract (R-LOGIN-4 asks to choose).
    groups = (("001", _unique(f"{label}本店")), (f"{secrets.randbelow(900) + 100:03d}",
                                                   _unique(f"{label}支店")))
    with session_scope() as db:
        contract = factories.make_contract(db, name=contract_name, kind=kind, groups=groups)
        contract_no, contract_pk = contract.contract_no, contract.id
        assert contract_pk is not None
    master = issue_certificate(service, tmp_path, password=password, contract_no=contract_no)
    general = issue_certificate(service, tmp_path, password=password, role="general",
                                contract_no=contract_no)
    hidden_user_id = factories.next_user_id("hid")
    markers = [contract_name, *(name for _, name in groups), hidden_user_id]
    with session_scope() as db:
        contract = db.get(Contract, contract_pk)
        assert contract is not None
        factories.make_user(
            db, contract, user_id=hidden_user_id, user_name=_unique(f"{label}隠れ"),
            email=f"{_unique('hid')}@{label.lower()}-only.example.jp", commit=False,
        )
        users = list(db.execute(select(User).where(User.contract_id == contract_pk)).scalars())
        for user in users:
            if user.user_id != hidden_user_id:  # unique names and addresses per user
                user.user_name = _unique(f"{label}氏名")
                user.email = f"{_unique('u')}@{label.lower()}-only.example.jp"
                db.add(user)
        db.flush()
        # Restrictions of the general users (R-USER-7a): every level the registry allows,
        # in turn, so A's general user is partly 非表示 and partly 閲覧のみ.
        items = menus_for(contract.service_list())
        for user in users:
            if user.role != "general":
                continue
            for i, item in enumerate(items):
                levels = allowed_levels(item)
                level = (Level.HIDE, Level.VIEW_ONLY, Level.SHOW)[i % 3]
                db.add(MenuPermission(user_pk=user.id, menu_key=item.key,
                                      level=(level if level in levels else Level.HIDE).value))
        group_pks = [g.id for g in db.execute(select(PaymentGroup).where(
            PaymentGroup.contract_id == contract_pk)).scalars()]
        shas = list(db.execute(select(Certificate.sha256).where(
            Certificate.user_pk.in_([u.id for u in users]))).scalars())  # type: ignore[union-attr]
        markers += [u.user_name for u in users] + [u.email for u in users] + shas
        emails = [u.email for u in users]
        user_pks = [u.id for u in users if u.id is not None]
        db.commit()
    title = _unique(f"{label}向け手引")
    with session_scope() as db:
        added = manuals.register_manual(
            db, title=title, kind=kind, filename="tenant.pdf",
            content=b"%PDF-1.4\n%tenant isolation test\n", actor="tenant-test",
            clock=SystemClock(),
        )
    assert isinstance(added, Ok), added
    markers.append(title)
    return Tenant(
        contract_no=contract_no, contract_pk=contract_pk, kind=kind, master=master,
        general=general, hidden_user_id=hidden_user_id, user_pks=user_pks,
        group_nos=[n for n, _ in groups], group_pks=[g for g in group_pks if g is not None],
        manual_ids=[added.value], emails=emails, markers=markers,
    )


# -- B's rows ---------------------------------------------------------------------------------


def _snapshot(b: Tenant) -> dict[str, Any]:
    """Every row of every table that belongs to B, as plain tuples (ids only for the outbox,
    whose rows the sender loop updates on its own)."""
    import chingin_app.models  # noqa: F401  (every table in the metadata)
    from chingin_app.db import session_scope

    out: dict[str, Any] = {}
    with session_scope(read_only=True) as db:
        for table in SQLModel.metadata.sorted_tables:
            c = table.c
            preds = []
            if "contract_id" in c:
                preds.append(c.contract_id == b.contract_pk)
            if "user_pk" in c:
                preds.append(c.user_pk.in_(b.user_pks))
            if "contract_no" in c:
                preds.append(c.contract_no == b.contract_no)
            if "chain" in c:
                preds.append(c.chain == f"contract:{b.contract_no}")
            if "to_addr" in c:
                preds.append(c.to_addr.in_(b.emails))
            if table.name == "contracts":
                preds.append(c.id == b.contract_pk)
            if table.name == "users":
                preds.append(c.id.in_(b.user_pks))
            if table.name == "manuals":
                preds.append(c.kind.in_([b.kind, "both"]))
            if not preds:
                continue  # a table that nothing of a contract lives in (calendar)
            query = select(table).where(or_(*preds))
            if table.name == "mail_outbox":
                out[table.name] = sorted(r.id for r in db.execute(query))
                continue
            key = [col.name for col in table.primary_key.columns]
            rows = [tuple(r) for r in db.execute(query.order_by(*(c[k] for k in key)))]
            out[table.name] = rows
    return out


def _touch_b(b: Tenant) -> None:
    """Change one of B's rows the way a leaking handler would (the snapshot must notice)."""
    from chingin_app.db import session_scope
    from chingin_app.models import User

    with session_scope() as db:
        user = db.execute(select(User).where(User.user_id == b.hidden_user_id)).scalar_one()
        user.user_name = _unique("改ざん")
        db.add(user)
        db.commit()


def _broken_chains(*contract_nos: str) -> dict[str, list[int]]:
    from chingin_app.db import session_scope
    from chingin_app.services import oplog

    with session_scope(read_only=True) as db:
        chains = [f"contract:{n}" for n in contract_nos] + ["system"]
        return {chain: broken for chain in chains if (broken := oplog.verify_chain(db, chain))}


# -- the handlers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    """One registered event handler and what its crafted frames look like."""

    state: Any
    name: str
    fn: Callable[..., Any]
    path: str

    @property
    def wire(self) -> str:
        return event_name(self.state, self.name)


def _walk(state: Any) -> Iterator[Any]:
    yield state
    for sub in sorted(state.get_substates(), key=lambda s: s.get_full_name()):
        yield from _walk(sub)


def registered_handlers() -> list[Handler]:
    """Every event handler of every state the app registers (Reflex's tree from its root), each
    with the route of its screen (from the app's SCREENS) as the frame's page."""
    import reflex as rx

    from chingin_app import chingin_app as app_module

    paths: dict[str, str] = {}
    for route, _title, _page, on_load in app_module.SCREENS:
        if on_load is not None:
            paths.setdefault(on_load.state_full_name, route)  # the state's first screen
            paths[f"{on_load.state_full_name}.{on_load.fn.__name__}"] = route
    found = []
    for state in _walk(rx.State):
        full = state.get_full_name()
        loads = sorted(n for n in state.event_handlers if n.startswith("load"))
        rest = sorted(n for n in state.event_handlers if not n.startswith("load"))
        for name in loads + rest:  # a screen's load first: its backend vars hold A's data
            handler = state.event_handlers[name]
            path = paths.get(f"{full}.{name}") or paths.get(full) or DEFAULT_PATH
            found.append(Handler(state=state, name=name, fn=handler.fn, path=path))
    return found


_FORM_FIELD = re.compile(r"""form(?:_data)?\.get\(\s*["']([A-Za-z_]+)["']""")
_SECRET_FIELD = re.compile(r"""take_secret\(\s*self\s*,\s*form\s*,\s*["']([A-Za-z_]+)["']""")


def _form_fields(fn: Callable[..., Any]) -> tuple[list[str], list[str]]:
    """The (plain, secret) field names a form handler reads from its submit data."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return [], []
    secret = sorted(set(_SECRET_FIELD.findall(source)))
    plain = sorted(set(_FORM_FIELD.findall(source)) - set(secret))
    return plain, secret


def _aimed_strings(b: Tenant) -> list[Any]:
    return [
        b.general.user_id, b.master.user_id, b.contract_no, str(b.manual_ids[0]),
        b.group_nos[-1], str(b.group_pks[-1]), str(b.contract_pk), str(b.user_pks[0]),
        "", "x" * 5000, "' OR '1'='1' --", b.general.user_id.upper(),
    ]


def _odd_values(b: Tenant) -> list[Any]:
    return [None, 2**63, -1, 1.5, True, [b.general.user_id], {"user_id": b.general.user_id}]


def _aimed_field(name: str, b: Tenant, which: int) -> Any:
    """A form field's value aimed at B (e-mail and name fields get the attacker's own: B's
    are markers the attacker does not know)."""
    if "user_id" in name or name in ("uid", "target"):
        return (b.general.user_id, b.master.user_id, b.general.user_id.lower())[which % 3]
    if "contract" in name:
        return b.contract_no
    if "group" in name:
        return b.group_nos[-1]
    if "email" in name:
        return "attacker@attacker.example.jp"
    if "name" in name:
        return "乗っ取り　太郎"
    if "period" in name:
        return "2000-01-01"
    if name == "code":
        return "123456"
    return b.general.user_id


def _values_for(hint: Any, param: str, handler: Handler, b: Tenant) -> list[Any]:
    """Values for one parameter: B-aimed ones for its type, odd ones and wrong types."""
    origin = typing.get_origin(hint)
    if param == "var_name":  # Reflex's setvar: try the vars that would matter
        return ["_session_token", "target_user_id", "user_id", "contract_name", "rows",
                "levels", "_versions", b.general.user_id]
    if hint is int:
        return [b.manual_ids[0], b.user_pks[0], b.contract_pk, b.group_pks[-1], 0, -1, 2**31,
                2**63, 10**30, "1", b.general.user_id, None, [1]]
    if hint is bool:
        return [True, False, "yes", None, b.general.user_id]
    if hint is dict or origin in (dict, Mapping, typing.Mapping):
        plain, secret = _form_fields(handler.fn)
        if not plain and not secret:
            return [{b.general.user_id: b.general.user_id, "user_id": b.general.user_id},
                    {f"{ROOT_STATE}.x": b.general.user_id}, {}, "x", None, [1]]
        # Secrets stay empty: a guessed password would only count against a lockout, and A
        # does not know B's (R-LOCK-1..5 are tested elsewhere).
        forms: list[Any] = []
        for which in range(3):
            form = {f: _aimed_field(f, b, which) for f in plain}
            form.update({f: "" for f in secret})
            forms.append(form)
        forms.append({f: "x" * 5000 for f in plain} | {f: "" for f in secret})
        forms.append({f: [b.general.user_id] for f in plain} | {f: 12345 for f in secret})
        forms.append({f: None for f in (*plain, *secret)})
        forms += [{}, "x", None, [b.general.user_id]]
        return forms
    if origin in (list, tuple, Sequence, typing.Sequence) or hint in (list, tuple):
        return [[b.general.user_id, b.master.user_id], [], "x", None, [[1, 2]]]
    return _aimed_strings(b) + _odd_values(b)


def _payloads(handler: Handler, b: Tenant) -> list[dict[str, Any]]:
    """The handler's crafted payloads: its own argument names with every value in turn, plus
    an argument it does not take."""
    sig = inspect.signature(handler.fn)
    try:
        hints = typing.get_type_hints(handler.fn)
    except Exception:  # unresolvable hints: every value is tried anyway
        hints = {}
    params = [p for p in sig.parameters.values()
              if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not params:
        return [{}, {"user_id": b.general.user_id}]
    columns = {p.name: _values_for(hints.get(p.name, Any), p.name, handler, b) for p in params}
    count = max(len(v) for v in columns.values())
    payloads = [{n: v[i % len(v)] for n, v in columns.items()} for i in range(count)]
    payloads.append({"contract_no": b.contract_no})  # a foreign argument only
    return payloads


# -- the attacker's tab -----------------------------------------------------------------------


class CraftingClient(ReflexClient):
    """A tab whose frames carry extra query parameters (screens read ``?uid=`` and the like)."""

    extra_query: dict[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra_query = {}

    def _router_data(self, path: str, nonce: str | None) -> dict[str, Any]:
        data = super()._router_data(path, nonce)
        if self.extra_query:
            query = {**self.extra_query, **data.get("query", {})}
            data["query"] = query
            data["asPath"] = path + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return data


def _events(updates: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [e for u in updates for e in (u.get("events") or []) if isinstance(e, Mapping)]


def _redirected(updates: Sequence[Mapping[str, Any]], path: str) -> bool:
    for event in _events(updates):
        payload = event.get("payload") or {}
        if event.get("name") == "_redirect" and str(payload.get("path", "")).startswith(path):
            return True
    return False


@dataclass
class Findings:
    """What one attacker's run saw."""

    exercised: set[str] = field(default_factory=set)
    hung: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    relogins: int = 0
    calls: int = 0


async def _sign_in(client: CraftingClient, holder: IssuedForTest, groups: Sequence[str]) -> None:
    """ログイン with the certificate's user and their password; the first group if asked."""
    client.extra_query = {}
    start = len(client.updates)
    await client.call(event_name(LoginState, "submit"), {"form": {"password": holder.password}},
                      path="/login")
    if _redirected(client.updates[start:], "/group-select"):
        await client.call(event_name(GroupSelectState, "choose"), {"group_no": groups[0]},
                          path="/group-select")
    if not await _signed_in(client):
        said = json.dumps(client.updates[start:], ensure_ascii=False, default=str)
        raise AssertionError(f"{holder.user_id} could not sign in: {said[:3000]}")


async def _signed_in(client: CraftingClient) -> bool:
    client.extra_query = {}
    start = len(client.updates)
    try:
        await client.call(event_name(SessionState, "heartbeat"), path=DEFAULT_PATH)
    except ReflexClientError:
        # The heartbeat raised: a crafted frame left this tab's own session state unusable
        # (e.g. start_session with a dict). Only a new ログイン mends it.
        return False
    return not _redirected(client.updates[start:], "/login")


def _failure_count(user_id: str) -> int:
    from chingin_app.db import session_scope
    from chingin_app.models import User

    with session_scope(read_only=True) as db:
        count = db.execute(select(User.failure_count).where(User.user_id == user_id)).scalar()
    return int(count or 0)


def _list_values(value: Any, own_ids: Sequence[str]) -> Iterator[str]:
    """The JSON text of every list item found in a var (tables, choices), however deeply
    nested; rows of the attacker's own operation log (actor = one of A's users) are skipped:
    they record what A typed, B's IDs included, in A's own chain."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping) and item.get("actor") in own_ids:
                continue
            yield json.dumps(item, ensure_ascii=False, default=str)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _list_values(v, own_ids)


def _leaks(updates: Sequence[Mapping[str, Any]], b: Tenant, where: str,
           sent: Mapping[str, Any], own_ids: Sequence[str]) -> list[str]:
    """B's data in what the attacker received: markers anywhere (events and errors included),
    B's identifiers in any table or list var (a var that only repeats a value of the frame
    just sent is an echo, not a leak)."""
    echoes = [json.dumps(v, ensure_ascii=False, default=str) for v in sent.values()]
    found = []
    for update in updates:
        update = dict(update)
        delta = {s: {k: v for k, v in vars_.items() if k not in ROUTER_VARS}
                 for s, vars_ in (update.get("delta") or {}).items()}
        update["delta"] = delta
        text = json.dumps(update, ensure_ascii=False, default=str)
        found += [f"{where}: {m!r} in {text[:300]}" for m in b.markers if m in text]
        for state, vars_ in delta.items():
            for var_name, value in vars_.items():
                if json.dumps(value, ensure_ascii=False, default=str) in echoes:
                    continue
                for listed in _list_values(value, own_ids):
                    found += [f"{where}: {i!r} listed in {state}.{var_name}: {listed[:200]}"
                              for i in b.sent_ids if i in listed]
    return found


async def _attack(service: Service, tmp_path: Path, attacker: IssuedForTest, a: Tenant,
                  b: Tenant, handlers: Sequence[Handler]) -> Findings:
    """One connection: sign in, then every handler with every crafted payload, in sequence."""
    findings = Findings()
    groups = a.group_nos
    own_ids = [a.master.user_id, a.general.user_id, a.hidden_user_id]
    client = CraftingClient(service.base_url, ssl_context=client_tls(service, attacker, tmp_path),
                            timeout=CALL_TIMEOUT)
    try:
        await client.connect(path="/login")
        await _sign_in(client, attacker, groups)
        queries = [{"uid": b.general.user_id}, {"uid": b.master.user_id},
                   {"contract_no": b.contract_no, "id": str(b.manual_ids[0])}]
        for handler in handlers:
            for i, payload in enumerate(_payloads(handler, b)):
                client.extra_query = queries[i % len(queries)]
                start = len(client.updates)
                findings.calls += 1
                try:
                    await client.call(handler.wire, payload, path=handler.path)
                except TimeoutError:
                    findings.hung.append(f"{handler.wire} {payload!r:.200}")
                    continue
                except ReflexClientError:
                    # The barrier overtook the event: the server processed it (events of one
                    # tab run in order) but sent no delta (the handler raised or refused).
                    pass
                findings.exercised.add(handler.wire)
                findings.leaks += _leaks(client.updates[start:], b, handler.wire, payload,
                                         own_ids)
                if _failure_count(attacker.user_id) >= FAILURES_BEFORE_RELOGIN:
                    # Empty passwords at ログイン count (R-LOCK-1): a success resets the count
                    # before A's own lock would end the run.
                    findings.relogins += 1
                    await _sign_in(client, attacker, groups)
            if not await _signed_in(client):  # logout, a foreign token, …: sign in again
                findings.relogins += 1
                await _sign_in(client, attacker, groups)
        findings.leaks += _leaks(client.hydration, b, "hydration", {}, own_ids)
    finally:
        await client.close()
    return findings


async def _own_view(service: Service, tmp_path: Path, holder: IssuedForTest,
                    groups: Sequence[str]) -> str:
    """Everything a signed-in user receives from 契約ユーザー情報照会 and マニュアル照会."""
    client = CraftingClient(service.base_url, ssl_context=client_tls(service, holder, tmp_path),
                            timeout=CALL_TIMEOUT)
    try:
        await client.connect(path="/login")
        await _sign_in(client, holder, groups)
        start = len(client.updates)
        await client.call(event_name(ContractUsersState, "load"), path="/users")
        await client.call(event_name(ManualsState, "load"), path="/manuals")
        return json.dumps(client.updates[start:], ensure_ascii=False, default=str)
    finally:
        await client.close()


# -- the test ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _open_hours(service: Service) -> None:
    in_hours(service)


def test_r_sec_1_no_handler_reaches_another_contract(service: Service, tmp_path: Path) -> None:
    """R-SEC-1 (issue 4 "Tenant isolation"): A's master and A's restricted general user call
    every registered handler with frames aimed at contract B; nothing of B changes and nothing
    of B reaches them."""
    a = _make_tenant(service, tmp_path, kind="member", label="A", password=A_PASSWORD)
    b = _make_tenant(service, tmp_path, kind="employer", label="B", password=B_PASSWORD)
    # B's users are signed in too (their sessions are data an attacker would want).
    for holder in (b.master, b.general):
        run(_own_view(service, tmp_path, holder, b.group_nos))
    handlers = registered_handlers()
    wires = {h.wire for h in handlers}
    assert len(wires) == len(handlers)
    assert any(h.name == "delete" for h in handlers)  # the tree was really walked
    before = _snapshot(b)
    assert before["users"] and before["sessions"] and before["operation_log"]
    assert _broken_chains(a.contract_no, b.contract_no) == {}

    results = {}
    for role, attacker in (("master", a.master), ("general", a.general)):
        results[role] = run(_attack(service, tmp_path, attacker, a, b, handlers),
                            timeout=900)

    for role, findings in results.items():
        print(f"{role}: {len(wires)} handlers, {findings.calls} crafted frames, "
              f"{findings.relogins} sign-ins again")
    after = _snapshot(b)
    changed = {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}
    assert changed == {}, f"B's rows changed: {changed}"
    assert _broken_chains(a.contract_no, b.contract_no) == {}
    for role, findings in results.items():
        assert findings.hung == [], f"{role}: handlers that never answered: {findings.hung}"
        missing = sorted(wires - findings.exercised)
        assert missing == [], f"{role}: handlers not exercised: {missing}"
        assert findings.leaks == [], f"{role}: B's data reached A:\n" + "\n".join(
            findings.leaks[:20])

    # The oracles can fail: a B row in a table is a leak; a change of a B row shows.
    probe = [{"delta": {"s": {"rows_rx_state_": [{"user_id": b.general.user_id}]}}}]
    assert _leaks(probe, b, "probe", {}, [a.master.user_id])
    _touch_b(b)
    assert _snapshot(b) != after

    # Positive control: the same client and checks do see a tenant's own data.
    own = run(_own_view(service, tmp_path, a.master, a.group_nos))
    assert a.general.user_id in own
    assert any(m in own for m in a.markers if "手引" in m)
    assert not [m for m in b.markers if m in own]
