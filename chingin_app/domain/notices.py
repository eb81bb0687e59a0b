"""Business notices (SPEC §13 R-PLUS-7): what they are, who gets them and when.

Three kinds, each about one request (労金控除 or 賃控元帳) of one payment group:

- ``request``: a new request was received (the bank published it);
- ``deadline``: the まとめ入金期限 is 2 bank business days away (or nearer) while the 労金控除
  request is still unconfirmed (依頼受信) — the 賃控元帳 request has no まとめ入金確定 of its own;
- ``results``: the results were received, with the count of 控除不能.

A notice goes to the users "who hold the menu" (R-PLUS-7): the menu where the user acts on it
(``NOTICE_MENUS``), seen through the same rule as the screens (``permissions.can`` with
'view'). Every user may opt out of the mail per kind on 通知設定 (common menu); the information
screen shows the notices whatever the mail setting. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date
from enum import StrEnum
from typing import Final

from chingin_app.domain import dates
from chingin_app.domain.calendar import add_business_days

__all__ = [
    "DEADLINE_LEAD_BANK_DAYS",
    "NOTICE_MENUS",
    "NoticeKind",
    "RequestKind",
    "deadline_notice_due",
    "deadline_notice_opens",
    "month_label",
]


class NoticeKind(StrEnum):
    """What a notice is about; values are ``business_notices.kind``."""

    REQUEST = "request"
    DEADLINE = "deadline"
    RESULTS = "results"

    @property
    def label(self) -> str:
        """The kind as 通知設定 names it."""
        return _KIND_LABELS[self]


_KIND_LABELS: Final[dict[NoticeKind, str]] = {
    NoticeKind.REQUEST: "控除依頼の受信",
    NoticeKind.DEADLINE: "まとめ入金期限（2営業日前・未確定）",
    NoticeKind.RESULTS: "控除結果の受信",
}


class RequestKind(StrEnum):
    """Which request a notice is about; values are ``business_notices.request_kind``."""

    ROKIN = "rokin"
    LEDGER = "ledger"

    @property
    def label(self) -> str:
        """労金控除 / 賃控元帳."""
        return _REQUEST_LABELS[self]


_REQUEST_LABELS: Final[dict[RequestKind, str]] = {
    RequestKind.ROKIN: "労金控除",
    RequestKind.LEDGER: "賃控元帳",
}

#: The menu whose holders get each notice (R-PLUS-7 "to the users who hold the menu"): the
#: list where a new request or its results are read, and まとめ入金確定 for the deadline (the
#: one who must confirm). A pair that is not here sends nothing (no ledger deadline).
NOTICE_MENUS: Final[dict[tuple[RequestKind, NoticeKind], str]] = {
    (RequestKind.ROKIN, NoticeKind.REQUEST): "rokin.request_list",
    (RequestKind.ROKIN, NoticeKind.DEADLINE): "rokin.remit_confirm",
    (RequestKind.ROKIN, NoticeKind.RESULTS): "rokin.result_list",
    (RequestKind.LEDGER, NoticeKind.REQUEST): "ledger.request_list",
    (RequestKind.LEDGER, NoticeKind.RESULTS): "ledger.result_list",
}

#: R-PLUS-7 "the まとめ入金 deadline in 2 bank days".
DEADLINE_LEAD_BANK_DAYS: Final = 2


def deadline_notice_opens(deadline: date, *, extra_closed: Container[date] = ()) -> date:
    """The first day the deadline notice is due: 2 bank business days before the まとめ入金期限
    (Appendix A.3 calendar, the operator's closed days included)."""
    return add_business_days(deadline, -DEADLINE_LEAD_BANK_DAYS, extra_closed=extra_closed)


def deadline_notice_due(today: date, deadline: date, *, extra_closed: Container[date] = ()) -> bool:
    """Whether the deadline notice is due on ``today`` (the Japan-time day): from 2 bank days
    before the deadline up to the deadline day itself. A daily job that missed the exact day
    (not run, or run on a holiday) still sends it later, while it can still help."""
    return deadline_notice_opens(deadline, extra_closed=extra_closed) <= today <= deadline


def month_label(month: str) -> str:
    """``2026-12`` → ``2026年12月`` (the one month style of the screens, issue 14)."""
    return dates.month_label(month)
