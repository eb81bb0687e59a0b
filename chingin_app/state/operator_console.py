"""The operator console on the internal listener (SPEC R-PLUS-6, R-OPS-7; R-OPS-1..6 through the
same services as the `chingin` command).

Thin: every handler first asks ``services.operators.console.check_session`` whether the event came
through the operator listener with the operator's current certificate and an open console
session (a crafted frame over the public listener gets nothing), then calls the service the
CLI calls, with ``operator:<login id>`` as actor and the 受付番号 as ticket. Secrets (the
console password, initial passwords) are read once from the form submit; no var holds them.
"""

from __future__ import annotations

from typing import Any, Final

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import check_required
from chingin_app.services import contracts, jobs, user_procedures
from chingin_app.services.cert_gate import listener_from_headers
from chingin_app.services.certs import revocation
from chingin_app.services.context import app_clock
from chingin_app.services.operators import console, procedures, reads
from chingin_app.services.operators.console import OperatorInfo
from chingin_app.settings import settings
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.page import PageState

ROUTE_SIGNIN: Final = "/operator"
ROUTE_CONTRACTS: Final = "/operator/contracts"

STATUS_LABELS: Final = {"active": "利用中", "suspended": "一時停止中", "terminated": "解約済み"}
#: 照会's 初期パスワード and マスターユーザー cells: registered or not.
REGISTERED_LABELS: Final = {True: "登録済み", False: "未登録"}
BLOCKED_LABEL: Final = "閉塞"

#: The procedures of R-OPS-1..6 and R-OPS-4 the console offers: action → dialog title.
PROCEDURE_TITLES: Final[dict[str, str]] = {
    "create": "契約の登録",
    "notice": "ご利用開始（変更）のお知らせの出力",
    "set_initial_password": "初期パスワードの変更",
    "unblock_contract": "初期パスワード閉塞解除",
    "init_master": "マスターユーザーの初期化",
    "user_unblock": "ユーザーの閉塞解除",
    "cert_revoke": "電子証明書の失効",
    "change": "契約内容の変更",
    "suspend": "契約の一時停止",
    "resume": "契約の再開",
    "terminate": "契約の解約",
    "jobs": "定期処理の実行",
}
_NEEDS_CONTRACT: Final = frozenset(PROCEDURE_TITLES) - {"create", "jobs"}
#: Procedures on one user of the selected contract → the action their refusal is logged as.
_USER_ACTIONS: Final = {"user_unblock": user_procedures.ACTION_UNBLOCK,
                        "cert_revoke": revocation.ACTION_REVOKE}


class OperatorConsoleState(FormMixin, PageState):
    """Sign-in and the console session (R-OPS-7)."""

    _op_token: str = ""
    operator_id: str = ""
    operator_name: str = ""
    cert_subject: str = ""
    cert_problem: str = ""
    ended_message: str = ""

    def _listener(self) -> str:
        return listener_from_headers(dict(self.router.headers.raw_headers))

    def _signed_in_operator(self, *, touch: bool = True) -> OperatorInfo | None:
        """The operator for this event, or None (the reason in ``ended_message``)."""
        with session_scope() as db:
            result = console.check_session(
                db, listener=self._listener(), facts=self._cert_facts(),
                token=self._op_token or None, clock=app_clock(), touch=touch,
            )
        if isinstance(result, Err):
            self._op_token = ""
            self.operator_id = self.operator_name = ""
            self.ended_message = message(result.code)
            return None
        self.operator_id, self.operator_name = result.value.login_id, result.value.name
        return result.value

    @rx.event
    def load_signin(self) -> None:
        """サインイン: name the operator from the certificate, or say what is wrong."""
        self._clear_messages()
        facts = self._cert_facts()
        self.cert_subject = ""
        self.cert_problem = ""
        if self._listener() != console.LISTENER_OPERATOR:
            self.cert_problem = message("E-OP-LISTENER")
        elif not facts.usable or not facts.subject:
            self.cert_problem = message("E-OP-CERT")
        else:
            self.cert_subject = facts.subject

    @rx.event
    def sign_in(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        """サインイン with the operator certificate and password (lockout as for users)."""
        password = form.get("password")
        self._start_busy()
        yield
        with session_scope() as db:
            result = console.sign_in(
                db, listener=self._listener(), facts=self._cert_facts(),
                password=password if isinstance(password, str) else "", clock=app_clock(),
                ip=self._client_ip(),
            )
        if isinstance(result, Err):
            self._settle(result)
            return
        self.busy = False
        token, info = result.value
        self._op_token = token
        self.operator_id, self.operator_name = info.login_id, info.name
        self.ended_message = ""
        yield rx.redirect(ROUTE_CONTRACTS)

    @rx.event
    def sign_out(self) -> EventSpec:
        """サインアウト: end the console session on the server."""
        if self._op_token:
            with session_scope() as db:
                console.sign_out(db, token=self._op_token, clock=app_clock(),
                             ip=self._client_ip())
        self._op_token = ""
        self.operator_id = self.operator_name = ""
        self.ended_message = message("I-OP-SIGNED-OUT")
        return rx.redirect(ROUTE_SIGNIN)


class ConsoleContractsState(OperatorConsoleState):
    """契約の検索・照会 and the procedures, each behind a confirmation dialog."""

    results: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    selected: dict[str, str] = {}  # noqa: RUF012
    groups: list[str] = []  # noqa: RUF012
    user_rows: list[dict[str, str]] = []  # noqa: RUF012
    selected_no: str = ""
    dialog_action: str = ""
    dialog_open: bool = False
    done_text: str = ""

    @rx.var
    def dialog_title(self) -> str:
        """The open procedure's name."""
        return PROCEDURE_TITLES.get(self.dialog_action, "")

    def _refresh(self, query: str = "") -> None:
        with session_scope(read_only=True) as db:
            lines = reads.search_contracts(db, query=query)
        self.results = [
            {"contract_no": c.contract_no, "name": c.name,
             "status": STATUS_LABELS.get(c.status, c.status)}
            for c in lines
        ]

    def _show(self, contract_no: str) -> None:
        with session_scope(read_only=True) as db:
            view = contracts.get_contract(db, contract_no)
            rows = reads.contract_users(db, contract_no=contract_no, now=app_clock().now())
        if view is None:
            self.selected, self.groups, self.user_rows = {}, [], []
            self.selected_no = ""
            return
        self.selected_no = view.contract_no
        self.selected = {
            "contract_no": view.contract_no, "name": view.name, "kind": view.kind,
            "services": ",".join(view.services),
            "status": STATUS_LABELS.get(view.status, view.status),
            "initial_password": BLOCKED_LABEL if view.initial_password_blocked
            else REGISTERED_LABELS[view.initial_password_set],
            "master": REGISTERED_LABELS[view.has_master],
        }
        self.groups = [f"{no}：{name}" for no, name in view.groups]
        self.user_rows = [
            {"user_id": u.user_id, "user_name": u.user_name, "role": u.role,
             "status": u.status, "certificate": u.certificate}
            for u in rows
        ]

    @rx.event
    def load(self) -> EventSpec | None:
        """契約照会 opens with the newest contracts."""
        if self._signed_in_operator() is None:
            return rx.redirect(ROUTE_SIGNIN)
        self._clear_messages()
        self.done_text = ""
        self.dialog_open = False
        self._refresh()
        return None

    @rx.event
    def search(self, form: dict[str, Any]) -> EventSpec | None:
        """検索: by contract number prefix or name."""
        if self._signed_in_operator() is None:
            return rx.redirect(ROUTE_SIGNIN)
        self._refresh(str(form.get("query") or ""))
        return None

    @rx.event
    def select(self, contract_no: str) -> EventSpec | None:
        """照会: one contract with its groups, users and certificate states."""
        if self._signed_in_operator() is None:
            return rx.redirect(ROUTE_SIGNIN)
        self.done_text = ""
        self._end_dialog()  # a procedure opened for another contract is cancelled
        self._show(str(contract_no))
        return None

    @rx.event
    def open_dialog(self, action: str) -> EventSpec | None:
        """Open the confirmation dialog of a procedure (nothing changes yet)."""
        if self._signed_in_operator() is None:
            return rx.redirect(ROUTE_SIGNIN)
        if action not in PROCEDURE_TITLES or (action in _NEEDS_CONTRACT and not self.selected):
            return None
        self._clear_messages()
        self.done_text = ""
        self.dialog_action = action
        self.dialog_open = True
        return None

    def _end_dialog(self) -> None:
        self.dialog_open = False
        self.dialog_action = ""

    @rx.event
    def close_dialog(self) -> None:
        """キャンセル: nothing changes, and 実行 does nothing until a dialog is opened again."""
        self._end_dialog()
        self._clear_messages()

    @rx.event
    def confirm(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        """実行: the procedure of the open dialog, through the CLI's service (R-OPS-1..6)."""
        info = self._signed_in_operator()
        if info is None:
            yield rx.redirect(ROUTE_SIGNIN)
            return
        action = self.dialog_action
        if not self.dialog_open or action not in PROCEDURE_TITLES or (
            action in _NEEDS_CONTRACT and not self.selected
        ):
            # Only the open confirmation dialog runs a procedure (a crafted 実行 without it, or
            # after キャンセル, does nothing).
            self._end_dialog()
            return
        ticket = str(form.get("ticket") or "").strip()
        if (err := check_required(ticket, field="ticket", label="受付番号")) is not None:
            self._show_refusal(err)
            return
        self._start_busy()
        yield
        result, done, download = _run(action, info, ticket, form, self.selected)
        if not self._settle(result):
            return
        self._end_dialog()
        self.done_text = done
        number = str(form.get("contract_no") or "") if action == "create" else self.selected.get(
            "contract_no", "")
        self._refresh()
        if number:
            self._show(number)
        if download is not None:
            yield rx.download(data=download[1], filename=download[0])



def _run(
    action: str, info: OperatorInfo, ticket: str, form: dict[str, Any], selected: dict[str, str]
) -> tuple[Ok[Any] | Err | Invalid, str, tuple[str, bytes] | None]:
    """Call the service of ``action``; the result, the done text and a file to download."""
    clock = app_clock()
    number = selected.get("contract_no", "")
    common: dict[str, Any] = {"actor": info.actor, "clock": clock, "ticket": ticket}
    with session_scope() as db:
        if action == "create":
            number = text(form, "contract_no")
            result: Ok[Any] | Err | Invalid = contracts.create_contract(
                db, contract_no=number, name=text(form, "name"), kind=text(form, "kind"),
                services=text(form, "services"),
                groups=[g.strip() for g in text(form, "groups").splitlines() if g.strip()],
                initial_password=text(form, "initial_password"), **common,
            )
            return result, message("I-OP-CREATED", number=number), None
        if action == "notice":
            notice = procedures.notice_pdf(
                db, s=settings(), contract_no=number, change=bool(form.get("change")), **common,
            )
            return notice, message("I-OP-NOTICE", number=number), (
                notice.value if isinstance(notice, Ok) else None)
        if action == "set_initial_password":
            result = contracts.set_initial_password(
                db, contract_no=number, initial_password=text(form, "initial_password"),
                **common,
            )
            return result, message("I-OP-INITIAL-PASSWORD", number=number), None
        if action == "unblock_contract":
            result = contracts.unblock_contract(db, contract_no=number, **common)
            return result, message("I-OP-CONTRACT-UNBLOCKED", number=number), None
        if action == "init_master":
            result = user_procedures.init_master(db, contract_no=number, **common)
            return result, message("I-OP-MASTER-INIT", number=number), None
        if action in ("user_unblock", "cert_revoke") and (refused := procedures.check_user_of(
            db, contract_no=number, user_id=text(form, "user_id"),
            action=_USER_ACTIONS[action], **common,
        )) is not None:
            return refused, "", None
        if action == "user_unblock":
            user_id = text(form, "user_id")
            result = user_procedures.unblock_user(db, user_id=user_id, **common)
            return result, message("I-OP-USER-UNBLOCKED", user_id=user_id), None
        if action == "cert_revoke":
            user_id = text(form, "user_id")
            result = revocation.revoke_user_certificate(
                db, user_id=user_id, reason=text(form, "reason") or "other", **common,
            )
            if isinstance(result, Ok):
                revocation.publish_revocations()
            return result, message("I-OP-CERT-REVOKED", user_id=user_id), None
        if action == "change":
            result = contracts.change_contract(
                db, contract_no=number, name=text(form, "name") or None,
                services=text(form, "services") or None,
                add_groups=[g.strip() for g in text(form, "add_groups").splitlines()
                            if g.strip()],
                remove_groups=[g.strip() for g in text(form, "remove_groups").split(",")
                               if g.strip()],
                **common,
            )
            return result, message("I-OP-CHANGED", number=number), None
        if action == "suspend":
            result = contracts.suspend_contract(db, contract_no=number, **common)
            return result, message("I-OP-SUSPENDED", number=number), None
        if action == "resume":
            result = contracts.resume_contract(db, contract_no=number, **common)
            return result, message("I-CONTRACT-RESUMED", number=number), None
        if action == "terminate":
            try:
                result = contracts.terminate_contract(db, contract_no=number, **common)
            except contracts.RevocationsNotPublished:
                return Ok(None), message("W-OP-TERMINATED-CRL", number=number), None
            return result, message("I-OP-TERMINATED", number=number), None
    status = jobs.run_for_operator(actor=info.actor, clock=clock, ticket=ticket)
    return Ok(status), message("I-OP-JOBS" if status == 0 else "W-OP-JOBS"), None
