"""The rules of 電子証明書発行 as pure functions (SPEC R-CERT-1, R-CERT-1a, R-CERT-4, R-CERT-5,
R-CERT-6, R-SEC-2, R-LOCK-4).

Dates: a certificate's last day is its notAfter's Japan-time date; the renewal window opens at
00:00 JST 30 days before it, and a new certificate may be issued when none is valid or inside
that window. The 認証コード: six digits, valid 10 minutes, at most 5 tries, a new one at the
earliest 60 seconds after the last, at most 10 code mails per ID per day. The issuance
counter (R-LOCK-4): the 6th consecutive wrong password locks issuance for that ID for 60
minutes. What the screens show: the masked mail destination and the .p12 file name.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, time, timedelta
from typing import Final

from chingin_app.domain.clock import JST, to_jst
from chingin_app.domain.result import Err
from chingin_app.domain.validation import check_required

__all__ = [
    "CODE_TTL",
    "ISSUANCE_LOCK_AFTER",
    "ISSUANCE_LOCK_FOR",
    "MAX_CODE_MAILS_PER_DAY",
    "MAX_CODE_TRIES",
    "RENEWAL_WINDOW",
    "RESEND_AFTER",
    "check_code",
    "mask_email",
    "may_issue_new",
    "p12_filename",
    "renewal_opens_at",
    "seconds_before_resend",
]

#: R-SEC-2: a code is valid 10 minutes (and so is the attempt that holds the password).
CODE_TTL: Final = timedelta(minutes=10)
#: R-SEC-2: resend after 60 seconds at the earliest.
RESEND_AFTER: Final = timedelta(seconds=60)
#: R-SEC-2: at most 5 tries; the 5th wrong code voids the attempt.
MAX_CODE_TRIES: Final = 5
#: R-SEC-2: at most 10 code mails per ID per day.
MAX_CODE_MAILS_PER_DAY: Final = 10
#: R-LOCK-4: 6 consecutive wrong passwords lock issuance for that ID …
ISSUANCE_LOCK_AFTER: Final = 6
#: … for 60 minutes.
ISSUANCE_LOCK_FOR: Final = timedelta(minutes=60)
#: R-CERT-4, R-CERT-5, R-CERT-6: renewal opens 30 days before the last day.
RENEWAL_WINDOW: Final = timedelta(days=30)

_CODE_RE: Final = re.compile(r"[0-9]{6}")


def mask_email(email: str) -> str:
    """The destination as the 認証コード screen shows it (R-CERT-1a):
    ``'tanaka@example.co.jp'`` → ``'ta****@example.co.jp'``. At most the first two characters
    of the local part stay (fewer for short ones), always followed by four ``*`` so the length
    is not shown; the domain is shown whole."""
    local, at, domain = email.rpartition("@")
    if not at:
        local, domain = email, ""
    keep = 2 if len(local) >= 3 else len(local) - 1 if len(local) == 2 else 0
    return f"{local[:keep]}****" + (f"@{domain}" if at else "")


def renewal_opens_at(not_after: datetime) -> datetime:
    """00:00 JST on (last day − 30 days), the last day being ``not_after``'s Japan-time date
    (R-CERT-4): from then a renewal may be issued (R-CERT-5) and the 30-day notice goes
    (R-CERT-6)."""
    last_day = to_jst(not_after).date()
    return datetime.combine(last_day - RENEWAL_WINDOW, time(0, 0), tzinfo=JST)


def may_issue_new(current_not_after: datetime | None, now: datetime) -> bool:
    """Whether a new certificate may be issued to a user whose current certificate ends at
    ``current_not_after`` (None: no current one) (R-CERT-5): when none is valid any more, or
    inside the renewal window."""
    if current_not_after is None or now > current_not_after:
        return True
    return now >= renewal_opens_at(current_not_after)


def p12_filename(user_id: str, issued_at: datetime) -> str:
    """``<userID><YYYYMMDDhhmmss>.p12`` in Japan time (R-CERT-1)."""
    return f"{user_id}{to_jst(issued_at):%Y%m%d%H%M%S}.p12"


def check_code(code: str | None) -> Err | None:
    """The 認証コード field (R-SEC-2): required, six half-width digits (E-FIELD-REQUIRED,
    E-CODE-FORMAT at field ``code``); None when well formed."""
    if (err := check_required(code, field="code", label="認証コード")) is not None:
        return err
    if _CODE_RE.fullmatch(code or "") is None:
        return Err("E-CODE-FORMAT", "code")
    return None


def seconds_before_resend(last_sent_at: datetime | None, now: datetime) -> int:
    """How long until 再送信 is allowed (R-SEC-2: 60 s after the last code mail): 0 when it is
    now, else whole seconds rounded up (at least 1) for the message."""
    if last_sent_at is None or now >= last_sent_at + RESEND_AFTER:
        return 0
    return max(1, math.ceil((last_sent_at + RESEND_AFTER - now).total_seconds()))
