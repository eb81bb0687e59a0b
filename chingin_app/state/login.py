"""ログイン, パスワード変更（初回）, 入金グループ選択 and the information screen
(R-LOGIN-1..5, R-CERT-12, R-PLUS-4; manual P.17–20)."""

from __future__ import annotations

from datetime import date
from typing import Final

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.clock import to_jst
from chingin_app.domain.contract import Service
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.services import batch_savings, login, notices, tenant
from chingin_app.services.context import app_clock
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.services.rokin.workspace import WORKSPACE_MENUS
from chingin_app.services.sessions import SessionInfo
from chingin_app.services.tenant import Scope
from chingin_app.services.zaikei import latest_info as zaikei_latest_info
from chingin_app.state.forms import FormMixin
from chingin_app.state.off_loop import off_loop
from chingin_app.state.session import SessionState
from chingin_app.state.software_keyboard import (
    SoftwareKeyboardExpired,
    SoftwareKeyboardMixin,
    reset_keyboard,
    take_secret,
)


def _day(d: date) -> str:
    return dates.date_label(d)


RESULT_LABELS: Final = {"success": "成功", "failure": "失敗", "refused": "拒否"}
#: The schedule panel's title, by whether the contract has the ledger (manual P.21).
SCHEDULE_TITLES: Final = {False: "労金控除スケジュール", True: "労金控除・賃控元帳スケジュール"}
#: The schedule's rows: this cycle and the next.
CYCLE_LABELS: Final = ("今回", "次回")
#: 最新受信情報（財形）: what was received, named when nothing was (manual P.24).
ZAIKEI_INFO_LABELS: Final = {
    "deposit": "預入依頼書", "balance": "加入者残高一覧表", "incentive": "奨励金",
}


class LoginState(SoftwareKeyboardMixin, FormMixin, SessionState):
    """The login page knows the user from the certificate (no ID is typed)."""

    target_user_id: str = ""
    target_user_name: str = ""
    cert_problem: str = ""

    @rx.event
    def load(self) -> None:
        """Identify the user from the presented certificate, or say what is wrong with it."""
        self._clear_messages()
        reset_keyboard(self)
        self.target_user_id = self.target_user_name = self.cert_problem = ""
        if not self._refresh_hours():
            return
        with session_scope(read_only=True) as db:
            result = login.identify(db, facts=self._cert_facts(), clock=app_clock())
        if isinstance(result, Err):
            self.cert_problem = message(result.code, **result.params)
            return
        self.target_user_id = result.value.user_id
        self.target_user_name = result.value.user_name

    @rx.event
    def submit(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        """ログイン (R-LOGIN-2, R-LOCK-1/2/5)."""
        try:
            password = take_secret(self, form, "password")
        except SoftwareKeyboardExpired:
            return
        if not self._refresh_hours():
            return
        self._start_busy()
        yield
        with session_scope() as db:
            result = login.login(
                db, facts=self._cert_facts(), password=password, clock=app_clock(),
                ip=self._client_ip(),
            )
        if not self._settle(result):
            return
        ok = result.value
        self._start_session(ok.session_token)
        self.last_signins = [
            f"{dates.datetime_label(s.at)}　{s.ip or '―'}　{RESULT_LABELS.get(s.result, s.result)}"
            for s in ok.last_signins
        ]
        if ok.must_change_password:
            yield rx.redirect(routes.PASSWORD_CHANGE_FIRST)
        elif len(ok.groups) > 1:
            yield rx.redirect(routes.GROUP_SELECT)
        else:
            yield rx.redirect(routes.INFO)


class PasswordChangeFirstState(SoftwareKeyboardMixin, FormMixin, SessionState):
    """パスワード変更（初回）: a temporary password is changed before anything else (R-LOGIN-3).
    The common menu's パスワード変更 (R-USER-1) is the same form after the first login."""

    # The forced change may run before a payment group is chosen; the regular one may not.
    _first: bool = True
    done_text: str = ""

    @rx.event
    def load(self) -> EventSpec | None:
        """Only with a session that still has a temporary password."""
        return self._open(first=True)

    @rx.event
    def load_regular(self) -> EventSpec | None:
        """パスワード変更 from the common menu."""
        return self._open(first=False)

    def _open(self, *, first: bool) -> EventSpec | None:
        self._clear_messages()
        reset_keyboard(self)
        self._first = first
        self.done_text = ""
        return self._guard(allow_temporary=first, allow_no_group=first)

    @rx.event
    def submit(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        """変更 / 更新."""
        try:
            current = take_secret(self, form, "current_password")
            new = take_secret(self, form, "new_password")
            new_again = take_secret(self, form, "new_password_again")
        except SoftwareKeyboardExpired:
            return
        first = self._first
        if (redirect := self._guard(allow_temporary=first, allow_no_group=first)) is not None:
            yield redirect
            return
        self._start_busy()
        yield
        with session_scope() as db:
            result = login.change_initial_password(
                db, session_token=self._session_token, facts=self._cert_facts(), current=current,
                new=new, new_again=new_again, clock=app_clock(), ip=self._client_ip(),
            )
        if not self._settle(result):
            if self._current_session(touch=False) is None:  # a lock ended the session
                yield rx.redirect(routes.LOGIN)
            return
        if first:
            yield rx.redirect(routes.GROUP_SELECT if self.has_several_groups else routes.INFO)
        else:
            self.done_text = message("I-PW-CHANGED")


class GroupSelectState(FormMixin, SessionState):
    """入金グループ選択 (R-LOGIN-4)."""

    @rx.event
    def load(self) -> EventSpec | None:
        """Lists the contract's groups."""
        self._clear_messages()
        return self._guard(allow_no_group=True)

    @rx.event
    def choose(self, group_no: str) -> EventSpec | None:
        """選択."""
        if (redirect := self._guard(allow_no_group=True)) is not None:
            return redirect
        with session_scope() as db:
            result = login.select_group(
                db, session_token=self._session_token, facts=self._cert_facts(),
                group_no=group_no, clock=app_clock(), ip=self._client_ip(),
            )
        if not self._settle(result):
            return None
        return rx.redirect(routes.INFO)


#: R-INFO-3 "Each 最新受信情報 entry opens its list or PDF": the menu whose screen shows each
#: entry (linked only when the user may see that menu and there is something received).
LATEST_MENUS: Final[dict[str, str]] = {
    "rokin": "rokin.request_list",  # 控除依頼 → 労金控除依頼リスト出力
    "batch": "batch.detail_list",  # 一斉積立内訳明細 → 一斉積立内訳明細表出力
    "zaikei_deposit": "zaikei.statement",  # 預入依頼書 → 財形積立明細書出力
    "zaikei_balance": "zaikei.detail_inquiry",  # 加入者残高一覧表 → 明細照会（財形アラーム）
    "zaikei_incentive": "zaikei.detail_inquiry",  # 奨励金 → 明細照会（奨励金の列）
}


class InfoState(SessionState):
    """インフォメーション画面 (R-INFO-1): the business menus the user may see, grouped as the
    manual groups them; only screens that exist are linked."""

    #: R-INFO-3: entry (``LATEST_MENUS``' keys) → the route it opens, or "" (plain text).
    latest_links: dict[str, str] = {}  # noqa: RUF012 (Reflex copies var defaults)

    menu_groups: list[str] = []  # noqa: RUF012 (Reflex copies var defaults per client)
    menu_links: dict[str, list[list[str]]] = {}  # noqa: RUF012  group → [label, route]
    # 今月の控除 (issue 14 item 1): for a user who may view any of its parts' menus.
    cycle_link: bool = False
    schedule_rows: list[list[str]] = []  # noqa: RUF012  [cycle, 依頼データ作成日, 控除日, 期限]
    schedule_title: str = SCHEDULE_TITLES[False]
    latest_received: str = ""
    # 最新受信情報（財形）: 預入依頼書, and 加入者残高一覧表 / 奨励金 only where contracted
    # (R-INFO-1, manual P.24).
    has_zaikei: bool = False
    zaikei_deposit: str = ""
    zaikei_has_balance: bool = False
    zaikei_balance: str = ""
    zaikei_has_incentive: bool = False
    zaikei_incentive: str = ""
    # 最新受信情報（一斉積立）: shown when the contract has 一斉積立 (R-INFO-1, manual P.21).
    has_batch: bool = False
    batch_latest: str = ""
    # お知らせ (R-PLUS-7): the user's own business notices, newest first: [date, text].
    notices: list[list[str]] = []  # noqa: RUF012 (Reflex copies var defaults per client)
    _batch_received: bool = False
    _zaikei_received: dict[str, bool] = {}  # noqa: RUF012

    @rx.event
    @off_loop
    def load(self) -> EventSpec | None:
        """Every screen after login re-checks the session first."""
        info, redirect = self._signed_in()
        if info is None:
            return redirect
        self.menu_groups, self.menu_links, visible = self._menu_links(info)
        self.nav_groups, self.nav_links = self.menu_groups, self.menu_links
        self.cycle_link = routes.is_built(routes.ROKIN_CYCLE) and any(
            key in WORKSPACE_MENUS for key in visible
        )
        # One read-only transaction for every panel (each its own would pay a connection
        # check-out, BEGIN and ROLLBACK: a third of this screen's round trips).
        with session_scope(read_only=True) as db:
            scope = tenant.scope_of(db, info)  # the event's session check read it
            services = set() if scope is None else set(scope.services)
            self._load_schedule(db, scope, services)
            self._load_zaikei_latest(db, info)
            self._load_batch_latest(db, info, services)
            self._load_notices(db, info)
        self._link_latest(visible)
        return None

    def _load_notices(self, db: Session, info: SessionInfo) -> None:
        """The signed-in user's business notices (R-PLUS-7), newest first."""
        lines = notices.list_for_user(db, session=info)
        self.notices = [[dates.date_label(line.created_at), notices.text_of(line)]
                        for line in lines]

    def _link_latest(self, visible: set[str]) -> None:
        """R-INFO-3: each received entry links to the screen of its list or PDF, when the
        user may see that menu (display only; the screen checks again)."""
        received = {
            "rokin": self.latest_received != "",
            "batch": self._batch_received,
            "zaikei_deposit": self._zaikei_received.get("deposit", False),
            "zaikei_balance": self._zaikei_received.get("balance", False),
            "zaikei_incentive": self._zaikei_received.get("incentive", False),
        }
        links: dict[str, str] = {}
        for entry, key in LATEST_MENUS.items():
            route = routes.MENU_ROUTES.get(key, "")
            ok = received[entry] and key in visible and routes.is_built(route)
            links[entry] = route if ok else ""
        self.latest_links = links

    def _load_batch_latest(self, db: Session, info: SessionInfo, services: set[str]) -> None:
        """The latest received 一斉積立内訳明細 of the selected group (R-INFO-1)."""
        self.has_batch = Service.BATCH.value in services
        latest = batch_savings.latest(db, info) if self.has_batch else None
        self._batch_received = latest is not None
        self.batch_latest = (
            message("I-BATCH-INFO-NONE") if latest is None else batch_savings.info_text(latest)
        )

    def _load_zaikei_latest(self, db: Session, info: SessionInfo) -> None:
        """The latest received 財形 data of the selected group (R-INFO-1)."""
        got = zaikei_latest_info(db, contract_no=info.contract_no, group_no=info.group_no)
        none = {k: message("I-INFO-NONE-OF", what=v) for k, v in ZAIKEI_INFO_LABELS.items()}
        self._zaikei_received = {} if got is None else {
            "deposit": got.deposit is not None, "balance": got.balance is not None,
            "incentive": got.incentive is not None,
        }
        self.has_zaikei = got is not None
        self.zaikei_deposit = (got.deposit if got else None) or none["deposit"]
        self.zaikei_has_balance = got is not None and got.balance_contracted
        self.zaikei_balance = (got.balance if got else None) or none["balance"]
        self.zaikei_has_incentive = got is not None and got.incentive_contracted
        self.zaikei_incentive = (got.incentive if got else None) or none["incentive"]

    def _load_schedule(self, db: Session, scope: Scope | None, services: set[str]) -> None:
        """労金控除 schedule of the current and next cycle and the latest received request."""
        today = to_jst(app_clock().now()).date()
        plan, latest = rokin_cycle.information_panel(db, scope=scope, today=today)
        # The ledger's deductions ride on the same cycle (manual P.21: 労金控除・賃控元帳の
        # スケジュール), so one table serves both when both are contracted.
        ledger = Service.LEDGER.value in services
        self.schedule_title = SCHEDULE_TITLES[ledger]
        self.schedule_rows = [] if plan is None else [
            [label, _day(e.dates.request_date), _day(e.dates.deduction_date),
             _day(e.dates.deadline)]
            for label, e in zip(CYCLE_LABELS, (plan.current, plan.next), strict=True)
        ]
        self.latest_received = "" if latest is None else message(
            "I-INFO-LATEST-REQUEST", month=dates.month_label(latest.deduct_month),
            pay_kind=latest.pay_kind_label, received=dates.date_label(latest.received_at),
            status=latest.status_label,
        )
