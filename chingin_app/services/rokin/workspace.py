"""「今月の控除」, the cycle workspace (issue 14 item 1; SPEC §11 RK-4, RK-5, RK-8, RK-9, RK-10,
R-PLUS-1, R-INFO-1): the month's 労金控除 work on one page — the current request's figures,
the 照合 of the payroll file, 入金中止 on a difference or an error line, まとめ入金確定 and the
two PDFs. The workspace has no menu right of its own: each part is the manual menu's part and
shown only to holders of that menu's right (``parts``); the state checks the right again in
every handler (``permissions.require``). Everything it does is the existing services' work
(``remittance``, ``reconciliation``, ``outputs``, ``cycle``): this module only names the
parts a user gets, what is still needed before 確定, the error lines still to hold and the
line a difference points at. Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlmodel import Session

from chingin_app.domain import dates
from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain import reconciliation as rec
from chingin_app.domain.permissions import Access
from chingin_app.services import permissions
from chingin_app.services.permissions import SessionLike
from chingin_app.services.rokin import remittance
from chingin_app.services.rokin.cycle import RequestView
from chingin_app.services.rokin.remittance import HoldLine, LineFilter
from chingin_app.services.tenant import TenantSession

__all__ = [
    "MENU_CONFIRM",
    "MENU_HOLDS",
    "MENU_RECONCILE",
    "MENU_REQUEST_EXPORT",
    "MENU_REQUEST_LIST",
    "WORKSPACE_MENUS",
    "Needed",
    "Parts",
    "line_for_key",
    "parts",
    "still_needed",
    "unheld_error_lines",
]

MENU_REQUEST_LIST: Final = "rokin.request_list"  # RK-4: 依頼リスト (PDF)
MENU_REQUEST_EXPORT: Final = "rokin.request_export"  # RK-5: 依頼データ (CSV)
MENU_HOLDS: Final = "rokin.remit_stop"  # RK-8: 入金中止にする
MENU_CONFIRM: Final = "rokin.remit_confirm"  # RK-9 確定, まとめ入金依頼書
MENU_RECONCILE: Final = "rokin.reconciliation"  # R-PLUS-1 照合 (its own row since issue 13)
#: The menus whose parts the workspace shows: it is linked for a user who may view any.
WORKSPACE_MENUS: Final = (MENU_REQUEST_LIST, MENU_REQUEST_EXPORT, MENU_HOLDS, MENU_CONFIRM,
                          MENU_RECONCILE)


@dataclass(frozen=True)
class Parts:
    """Which parts of the workspace the user gets, each from its manual menu's right."""

    request_list: bool = False  # 依頼リスト (PDF): RK-4 閲覧
    request_csv: bool = False  # 依頼データ (CSV): RK-5 閲覧
    holds_view: bool = False  # the error lines and the figures: RK-8 閲覧
    holds_change: bool = False  # 入金中止にする: RK-8 変更
    confirm_view: bool = False  # まとめ入金依頼書, the figures: RK-9 閲覧
    confirm_change: bool = False  # 確定: RK-9 変更
    reconcile: bool = False  # 照合: R-PLUS-1 閲覧

    @property
    def any(self) -> bool:
        """Whether the workspace has anything for the user (else it is not linked)."""
        return (self.request_list or self.request_csv or self.holds_view or self.confirm_view
                or self.reconcile)

    @property
    def summary(self) -> bool:
        """The request's figures: those of RK-8 / RK-9, so for holders of either."""
        return self.holds_view or self.confirm_view


def parts(db: Session, *, session: SessionLike) -> Parts:
    """The user's parts (display only; each handler checks its menu again). Read-only."""

    def may(menu_key: str, access: Access) -> bool:
        return permissions.may(db, session=session, menu_key=menu_key, access=access)

    return Parts(
        request_list=may(MENU_REQUEST_LIST, "view"),
        request_csv=may(MENU_REQUEST_EXPORT, "view"),
        holds_view=may(MENU_HOLDS, "view"),
        holds_change=may(MENU_HOLDS, "change"),
        confirm_view=may(MENU_CONFIRM, "view"),
        confirm_change=may(MENU_CONFIRM, "change"),
        reconcile=may(MENU_RECONCILE, "view"),
    )


@dataclass(frozen=True)
class Needed:
    """One thing still to do before (or after) 確定: a message code and its parameters."""

    code: str
    params: dict[str, str]


def still_needed(view: RequestView, now: datetime) -> tuple[Needed, ...]:
    """What stands between the request and its まとめ入金確定 (A.4): the error lines not yet
    held, the deadline; once confirmed, that it is done (and until when it may be undone)."""
    deadline = dates.date_label(view.deadline)
    status = cyc.CycleStatus(view.status)
    if status is cyc.CycleStatus.RESULTS:
        return (Needed("I-WS-RESULTS", {}),)
    if status is cyc.CycleStatus.CONFIRMED:
        return (Needed("I-WS-CONFIRMED", {"deadline": deadline}),)
    if not cyc.is_before_deadline(now, view.deadline):
        return (Needed("W-WS-DEADLINE-PASSED", {"deadline": deadline}),)
    needed: list[Needed] = []
    if view.unheld_error_count:
        needed.append(Needed("W-WS-UNHELD-ERRORS", {"count": f"{view.unheld_error_count:,}"}))
    needed.append(Needed("I-WS-CONFIRM-BY", {"deadline": deadline}))
    return tuple(needed)


def unheld_error_lines(
    db: Session, *, session: TenantSession, request_id: int, limit: int = 100
) -> tuple[HoldLine, ...]:
    """The request's error lines not yet held (they stop 確定, A.4), through RK-8's scoped
    query; empty for a request not of the session's contract and group."""
    found = remittance.hold_lines(db, session=session, request_id=request_id,
                                  filters=LineFilter(errors_only=True), page_size=limit)
    return tuple(line for line in found.lines if not line.hold and not line.ended)


def line_for_key(
    db: Session, *, session: TenantSession, request_id: int, key: rec.LineKey
) -> HoldLine | None:
    """The request line a 照合 difference names (職員番号 + 商品コード + 口座番号), through
    RK-8's scoped query; None when there is none (a 給与データのみ line, another contract's or
    group's request)."""
    found = remittance.hold_lines(db, session=session, request_id=request_id,
                                  filters=LineFilter(staff_no=key.staff_no), page_size=500)
    return next(
        (line for line in found.lines if line.staff_no == key.staff_no
         and line.account_no == key.account_no and line.product_code == key.product_code),
        None,
    )
