"""The rules of 電子証明書発行 (SPEC R-CERT-1, R-CERT-1a, R-CERT-4, R-CERT-5, R-SEC-2), without a
database: dates, masking, the file name, the code's format and the resend wait."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

import pki
from chingin_app.domain import certificate
from chingin_app.domain.clock import JST
from chingin_app.domain.result import Err


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("tanaka@example.co.jp", "ta****@example.co.jp"),
        ("ab@example.jp", "a****@example.jp"),
        ("a@example.jp", "****@example.jp"),
        ("yamada.hanako+chingin@example.com", "ya****@example.com"),
    ],
)
def test_r_cert_1a_masked_destination(address: str, masked: str) -> None:
    """R-CERT-1a: "the masked destination (`ta****@example.co.jp`)"; the length is not shown."""
    assert certificate.mask_email(address) == masked


@pytest.mark.parametrize(
    ("issued", "last_day", "opens"),
    [
        (datetime(2026, 3, 1, 9, 0, tzinfo=JST), "2027-03-01", "2027-01-30"),
        (datetime(2027, 3, 1, 9, 0, tzinfo=JST), "2028-02-29", "2028-01-30"),
        (datetime(2028, 2, 29, 9, 0, tzinfo=JST), "2029-02-28", "2029-01-29"),
    ],
)
def test_r_cert_4_renewal_window_dates(issued: datetime, last_day: str, opens: str) -> None:
    """R-CERT-4's examples: the last day and the renewal window's first day (00:00 JST)."""
    _, not_after = pki.client_validity(issued)
    assert not_after.astimezone(JST).date().isoformat() == last_day
    start = certificate.renewal_opens_at(not_after)
    assert start.astimezone(JST).isoformat() == f"{opens}T00:00:00+09:00"
    assert not certificate.may_issue_new(not_after, start - timedelta(seconds=1))
    assert certificate.may_issue_new(not_after, start)
    assert certificate.may_issue_new(not_after, not_after + timedelta(seconds=1))


def test_r_cert_5_without_a_current_certificate_one_may_be_issued() -> None:
    """R-CERT-5: a user without a current certificate may always be issued one."""
    assert certificate.may_issue_new(None, datetime(2026, 4, 1, tzinfo=UTC))


def test_r_cert_1_filename_in_japan_time() -> None:
    """R-CERT-1 / SPEC "All times … the .p12 file name are Japan time"."""
    when = datetime(2026, 12, 31, 15, 4, 5, tzinfo=UTC)  # 2027-01-01 00:04:05 JST
    assert certificate.p12_filename("tanaka01", when) == "tanaka0120270101000405.p12"
    assert re.fullmatch(r"tanaka01\d{14}\.p12", certificate.p12_filename("tanaka01", when))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("123456", None),
        ("000000", None),
        ("", Err("E-FIELD-REQUIRED", "code", {"label": "認証コード"})),
        ("   ", Err("E-FIELD-REQUIRED", "code", {"label": "認証コード"})),
        ("12345", Err("E-CODE-FORMAT", "code")),
        ("1234567", Err("E-CODE-FORMAT", "code")),
        ("１２３４５６", Err("E-CODE-FORMAT", "code")),
        ("12345a", Err("E-CODE-FORMAT", "code")),
        (" 12345", Err("E-CODE-FORMAT", "code")),
    ],
)
def test_r_sec_2_code_is_six_half_width_digits(code: str, expected: Err | None) -> None:
    """R-SEC-2 "random 6 digits": anything else is refused at the field before any attempt is
    looked up (so it is never counted as a try)."""
    assert certificate.check_code(code) == expected


@pytest.mark.parametrize(
    ("after", "wait"),
    [(0, 60), (30, 30), (59.5, 1), (59.999, 1), (60, 0), (3600, 0)],
)
def test_r_sec_2_resend_after_60_seconds(after: float, wait: int) -> None:
    """R-SEC-2 "resend after 60 seconds at the earliest": the wait the message names, in whole
    seconds rounded up (never 0 while still refused); 0 once a resend is allowed."""
    sent = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
    assert certificate.seconds_before_resend(sent, sent + timedelta(seconds=after)) == wait
    assert certificate.seconds_before_resend(None, sent) == 0
