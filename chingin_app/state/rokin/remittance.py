"""まとめ入金依頼入金中止設定 (RK-8), and the request choice the まとめ入金 screens share (RK-8,
RK-9, RK-10). Thin: the rules and every change are in ``services/rokin/cycle/``; the
group-scoped queries in ``services/rokin/remittance.py``."""

from __future__ import annotations

from typing import Any, Final

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from chingin_app.db import session_scope
from chingin_app.domain import dates, figures
from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import parse_row_id
from chingin_app.services.context import app_clock
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.services.rokin import remittance as rokin_remittance
from chingin_app.services.rokin.cycle import RequestView
from chingin_app.services.rokin.remittance import HoldLine, LineFilter
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.paging import PagingMixin
from chingin_app.state.session import SessionState

MENU_HOLDS: Final = "rokin.remit_stop"
#: The 不能理由 select's entry that lets the user type another reason (A.4).
OTHER_REASON_LABEL: Final = "その他（入力）"
#: The mark of a line held from the remittance (RK-8), in every list that shows it.
HOLD_LABEL: Final = "入金中止"


def request_summary(view: RequestView) -> dict[str, str]:
    """The figures every まとめ入金 screen shows (A.6 まとめ入金依頼書)."""
    t = view.totals
    return {
        "label": view.label,
        "group": f"{view.group_no} {view.group_name}",
        "status": view.status_label,
        "deduction_date": dates.date_label(view.deduction_date),
        "deadline": dates.date_label(view.deadline),
        "remittance_date": dates.date_label(view.remittance_date),
        "requested": figures.count_and_amount(t.requested_count, t.requested_amount,
                                              ended=t.ended_count, ended_yen=t.ended_amount),
        "held": figures.count_and_amount(t.held_count, t.held_amount),
        "remitted": figures.count_and_amount(t.remittance_count, t.remittance_amount),
        "errors": str(view.error_count),
        "ended": figures.count_and_amount(t.ended_count, t.ended_amount),
        "unheld_errors": str(view.unheld_error_count),
        "confirmed_by": view.confirmed_by or "",
        "confirmed_at": dates.datetime_label(view.confirmed_at),
    }


class RemitRequestMixin(rx.State, mixin=True):
    """The selected group's request a まとめ入金 screen works on: the choice (last cycles) and
    its figures. Only ids the service listed for the session's group can be chosen."""

    # [{"id", "label"}] (components/request_picker.request_select's shape), newest first.
    request_options: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    request_id: str = ""
    summary: dict[str, str] = {}  # noqa: RUF012
    request_status: str = ""
    open_for_change: bool = False  # 依頼受信 and before the まとめ入金期限
    _request_version: int = 0

    def _choose_default(
        self, info: SessionInfo, statuses: tuple[str, ...] | None, prefer: tuple[str, ...] = ()
    ) -> None:
        """List the group's requests and keep the current choice when it is still offered;
        else the newest one whose status is in ``prefer`` and whose まとめ入金期限 has not
        passed (the one to work on), else the newest."""
        with session_scope(read_only=True) as db:  # one transaction for the list and the figures
            views = rokin_remittance.group_requests(db, session=info, statuses=statuses)
            self.request_options = [{"id": str(v.id), "label": v.label} for v in views]
            ids = [str(v.id) for v in views]
            if self.request_id not in ids:
                now = app_clock().now()
                preferred = [str(v.id) for v in views
                             if v.status in prefer and cyc.is_before_deadline(now, v.deadline)]
                self.request_id = (preferred or ids or [""])[0]
            self._show_request(info, db)

    def _pick(self, info: SessionInfo, request_id: Any) -> bool:
        """Choose a request from the offered ones (a crafted id is refused)."""
        wanted = parse_row_id(request_id)
        if wanted is None or str(wanted) not in {o["id"] for o in self.request_options}:
            self.alert_text = message("E-CYCLE-NOT-FOUND")  # type: ignore[attr-defined]
            return False
        self.request_id = str(wanted)
        self._show_request(info)
        return True

    def _current(self, info: SessionInfo, db: Session | None = None) -> RequestView | None:
        rid = parse_row_id(self.request_id)
        if rid is None:
            return None
        if db is not None:
            return rokin_remittance.scoped_request(db, session=info, request_id=rid)
        with session_scope(read_only=True) as own:
            return rokin_remittance.scoped_request(own, session=info, request_id=rid)

    def _send_confirmation(self, info: SessionInfo, *, undo: bool, ip: str | None) -> bool:
        """確定 (or 確定解除) of the chosen request at the version its figures were read at
        (the service refuses a stale one, an unheld error line, a passed deadline); the
        figures and the choice's label read again either way. The caller checked the menu's
        変更 right. True when it was done."""
        rid = parse_row_id(self.request_id)
        if rid is None or self._request_version == 0:
            self.alert_text = message("E-CYCLE-NOT-FOUND")  # type: ignore[attr-defined]
            return False
        action = rokin_cycle.undo_confirmation if undo else rokin_cycle.confirm
        with session_scope() as db:
            result = action(db, session=info, clock=app_clock(), request_id=rid,
                            version=self._request_version, ip=ip)
        done = bool(self._settle(result))  # type: ignore[attr-defined]
        self._show_request(info)
        return done

    def _show_request(self, info: SessionInfo, db: Session | None = None) -> RequestView | None:
        """Re-read the chosen request's figures (after every change: live totals), in ``db``
        when the caller has a transaction open."""
        view = self._current(info, db)
        if view is None:
            self.summary, self.request_status, self.open_for_change = {}, "", False
            self._request_version = 0
            return None
        self.summary = request_summary(view)
        # The choice names the status (「…（依頼受信）」): relabel it after 確定 / 確定解除 so
        # the dropdown never disagrees with the summary beside it (issue 14 item 2).
        self.request_options = [
            {"id": o["id"], "label": view.label} if o["id"] == str(view.id) else o
            for o in self.request_options
        ]
        self.request_status = view.status
        self._request_version = view.version
        self.open_for_change = view.status == cyc.CycleStatus.RECEIVED.value and (
            cyc.is_before_deadline(app_clock().now(), view.deadline)
        )
        return view


def line_row(line: HoldLine) -> dict[str, str]:
    """A request line as RK-8's table (and 今月の控除's error list) shows it."""
    return {
        "id": str(line.id),
        "department": line.department,
        "staff_no": line.staff_no,
        "name_kana": line.name_kana,
        "name_kanji": line.name_kanji,
        "product": line.product_name,
        "account_no": line.account_no,
        "amount": figures.amount(line.amount),
        "change_kind": line.change_kind,
        "error": line.error_text or "",
        "hold": HOLD_LABEL if line.hold else "",
        "reason": line.hold_reason or "",
        "can_hold": "" if line.hold or line.ended else "1",
        "can_clear": "1" if line.hold else "",
    }


class HoldDialogMixin(rx.State, mixin=True):
    """The 入金中止 dialog (RK-8, and 今月の控除's 「入金中止にする」): the line, the 不能理由
    choice or the typed reason, sent to ``cycle.set_hold`` with the version the line was read
    at. The screen checks the menu's 変更 right before ``_send_hold``."""

    dialog_open: bool = False
    dialog_line: dict[str, str] = {}  # noqa: RUF012
    reasons: list[str] = [*cyc.HOLD_REASONS, OTHER_REASON_LABEL]  # noqa: RUF012
    reason_max: int = cyc.HOLD_REASON_MAX
    #: The dialog's 不能理由 as chosen: "" until the user picks one (none is preselected), and
    #: その他's text field shows only for OTHER_REASON_LABEL (issue 14 item 7).
    reason_choice: str = ""
    _versions: dict[str, int] = {}  # noqa: RUF012 (the version each offered line was read at)

    def _hold_access(self) -> SessionInfo | EventSpec | None:
        """The screen's check of the 入金中止 menu's 変更 right (every handler asks it)."""
        raise NotImplementedError

    def _open_dialog(self, row: dict[str, str] | None) -> None:
        """Open the dialog on a row the screen offered (its 入金中止 is possible)."""
        if row is None or not row.get("can_hold"):
            self.alert_text = message("E-CYCLE-ITEM-NOT-FOUND")  # type: ignore[attr-defined]
            return
        self.dialog_line, self.dialog_open, self.reason_choice = dict(row), True, ""

    @rx.event
    def choose_reason(self, choice: str) -> EventSpec | None:
        """The 不能理由 select changed: show その他's text field only for その他."""
        got = self._hold_access()
        if not isinstance(got, SessionInfo):
            return got
        self.reason_choice = choice if choice in self.reasons else ""
        return None

    def _close_dialog(self) -> None:
        self.dialog_open, self.dialog_line = False, {}

    def _send_hold(
        self, info: SessionInfo, form: dict[str, Any], ip: str | None
    ) -> Ok[Any] | Err | Invalid | None:
        """入金中止 of the dialog's line with the reason chosen (or typed for その他); None
        (with the message) when no offered line is in the dialog."""
        item = self.dialog_line.get("id", "")
        version = self._versions.get(item)
        if not self.dialog_open or version is None:
            self.alert_text = message("E-CYCLE-ITEM-NOT-FOUND")  # type: ignore[attr-defined]
            return None
        choice = text(form, "reason_choice")
        if choice not in self.reasons:  # nothing chosen (or a forged value): say so at the select
            return Invalid((Err("E-HOLD-REASON-CHOOSE", "reason_choice", {}),))
        self.reason_choice = choice
        reason = text(form, "reason_text") if choice == OTHER_REASON_LABEL else choice
        with session_scope() as db:
            result = rokin_cycle.set_hold(
                db, session=info, clock=app_clock(), item_id=int(item), version=version,
                reason=reason, ip=ip,
            )
        if isinstance(result, Invalid):  # the reason: shown at the typed field
            result = Invalid(tuple(
                Err(e.code, "reason_text" if e.field == "hold_reason" else e.field, e.params)
                for e in result.errors
            ))
        return result


class RemitHoldsState(RemitRequestMixin, HoldDialogMixin, PagingMixin, FormMixin, MenuAccessMixin,
                      SessionState):
    """RK-8: the chosen request's lines, filtered and paged on the server; 入金中止 per line
    with a reason (a dialog), or its 解除; the totals after each change."""

    f_staff_no: str = ""
    f_name_kana: str = ""
    f_department: str = ""
    f_name_kanji: str = ""
    f_errors: bool = False
    f_held: bool = False
    notice: str = ""

    def _fetch(self, info: SessionInfo) -> None:
        rid = parse_row_id(self.request_id)
        if rid is None:
            self._show_page(total=0, page=1, pages=1, rows=[])
            self._versions = {}
            return
        filters = LineFilter(self.f_staff_no, self.f_name_kana, self.f_department,
                             self.f_errors, self.f_held, self.f_name_kanji)
        with session_scope(read_only=True) as db:
            found = rokin_remittance.hold_lines(
                db, session=info, request_id=rid, filters=filters, page=self.page
            )
        self._show_page(total=found.total, page=found.page, pages=found.pages,
                        rows=[line_row(line) for line in found.lines])
        self._versions = {str(line.id): line.version for line in found.lines}

    def _start(self, access: str) -> SessionInfo | EventSpec | None:
        info, redirect = self._menu_access(MENU_HOLDS, access)  # type: ignore[arg-type]
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        return info

    @rx.event
    def load(self) -> EventSpec | None:
        """The group's open request (依頼受信) first, all its lines."""
        got = self._start("view")
        if not isinstance(got, SessionInfo):
            return got
        self._note_change_right(got, MENU_HOLDS)
        self.f_staff_no = self.f_name_kana = self.f_department = self.f_name_kanji = ""
        self.f_errors = self.f_held = False
        self.dialog_open, self.dialog_line, self.page = False, {}, 1
        self._choose_default(got, None, prefer=(cyc.CycleStatus.RECEIVED.value,))
        if not self.request_id:
            self.notice = message("I-REMIT-NO-REQUEST")
        self._fetch(got)
        return None

    @rx.event
    def choose_request(self, request_id: str) -> EventSpec | None:
        """控除依頼の選択."""
        got = self._start("view")
        if not isinstance(got, SessionInfo):
            return got
        if self._pick(got, request_id):
            self.page = 1
            self._fetch(got)
        return None

    @rx.event
    def search(self, form: dict[str, Any]) -> EventSpec | None:
        """検索: 職員番号, カナ氏名, 所属, エラーのみ, 入金中止のみ."""
        got = self._start("view")
        if not isinstance(got, SessionInfo):
            return got
        self.f_staff_no = text(form, "staff_no").strip()[:10]
        self.f_name_kana = text(form, "name_kana").strip()[:40]
        self.f_department = text(form, "department").strip()[:40]
        self.f_name_kanji = text(form, "name_kanji").strip()[:40]
        self.f_errors = text(form, "errors_only") in ("on", "true", "1")
        self.f_held = text(form, "held_only") in ("on", "true", "1")
        self.page = 1
        self._show_request(got)
        self._fetch(got)
        return None

    def _hold_access(self) -> SessionInfo | EventSpec | None:
        return self._start("change")

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        got = self._start("view")
        return (got, None) if isinstance(got, SessionInfo) else (None, got)

    def _reload_page(self, info: SessionInfo) -> None:
        self._fetch(info)

    @rx.event
    def open_hold(self, item_id: str) -> EventSpec | None:
        """入金中止 on a row: the dialog with the line and the 不能理由 choice."""
        got = self._start("change")
        if not isinstance(got, SessionInfo):
            return got
        row = next((r for r in self.rows if r["id"] == str(parse_row_id(item_id))), None)
        self._open_dialog(row)
        return None

    @rx.event
    def close_dialog(self) -> EventSpec | None:
        """キャンセル (nothing is sent to the service)."""
        got = self._start("view")
        if not isinstance(got, SessionInfo):
            return got
        self._close_dialog()
        return None

    def _after_change(self, info: SessionInfo, result: Ok[Any] | Err | Invalid, done: str) -> None:
        if self._settle(result):
            self.notice = done
            self.dialog_open, self.dialog_line = False, {}
        elif isinstance(result, Err) and result.code == "E-CYCLE-CONFLICT":
            self.dialog_open, self.dialog_line = False, {}
        self._show_request(info)
        self._fetch(info)

    @rx.event
    def set_hold(self, form: dict[str, Any]) -> EventSpec | None:
        """入金中止 with the reason chosen (or typed for その他)."""
        got = self._start("change")
        if not isinstance(got, SessionInfo):
            return got
        result = self._send_hold(got, form, self._client_ip())
        if result is not None:
            self._after_change(got, result, message("I-REMIT-HOLD-SET"))
        return None

    @rx.event
    def clear_hold(self, item_id: str) -> EventSpec | None:
        """入金中止の解除 of a row."""
        got = self._start("change")
        if not isinstance(got, SessionInfo):
            return got
        key = str(parse_row_id(item_id))
        version = self._versions.get(key)
        if version is None:
            self.alert_text = message("E-CYCLE-ITEM-NOT-FOUND")
            return None
        with session_scope() as db:
            result = rokin_cycle.clear_hold(
                db, session=got, clock=app_clock(), item_id=int(key), version=version,
                ip=self._client_ip(),
            )
        self._after_change(got, result, message("I-REMIT-HOLD-CLEARED"))
        return None
