"""SPEC R-CERT-4: validity window of a client certificate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pki import client_validity, issue_client_cert
from tests.support.pki_testing import CRL_URL, shared_hierarchy

JST = timezone(timedelta(hours=9))


def _last_day_jst(not_after: datetime) -> date:
    assert not_after.astimezone(JST).time().isoformat() == "23:59:59"
    return not_after.astimezone(JST).date()


@pytest.mark.parametrize(
    ("issued_on", "last_day"),
    [
        (date(2026, 3, 1), date(2027, 3, 1)),
        (date(2027, 3, 1), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2029, 2, 28)),
    ],
)
def test_r_cert_4_validity_leap_years(issued_on: date, last_day: date) -> None:
    """R-CERT-4 "Examples: issued 2026-03-01 → last day 2027-03-01; 2027-03-01 → 2028-02-29;
    2028-02-29 → 2029-02-28"."""
    issued_at = datetime.combine(issued_on, datetime.min.time(), JST).replace(hour=14, minute=30)
    not_before, not_after = client_validity(issued_at)
    assert _last_day_jst(not_after) == last_day
    assert not_before == issued_at - timedelta(minutes=5)
    assert not_before.tzinfo == UTC
    assert not_after.tzinfo == UTC


def test_r_cert_4_validity_exact_instants() -> None:
    """R-CERT-4 "notBefore = issuance − 5 minutes; notAfter = 23:59:59 JST on (issue date in
    JST + 365 days)", as UTC instants."""
    not_before, not_after = client_validity(datetime(2026, 3, 1, 1, 2, 3, tzinfo=UTC))
    assert (not_before, not_after) == (
        datetime(2026, 3, 1, 0, 57, 3, tzinfo=UTC),
        datetime(2027, 3, 1, 14, 59, 59, tzinfo=UTC),
    )


def test_r_cert_4_issue_date_is_the_jst_date() -> None:
    """R-CERT-4 "issue date in JST": 2026-02-28T20:00Z is already 2026-03-01 05:00 JST."""
    not_before, not_after = client_validity(datetime(2026, 2, 28, 20, 0, tzinfo=UTC))
    assert not_before == datetime(2026, 2, 28, 19, 55, tzinfo=UTC)
    assert _last_day_jst(not_after) == date(2027, 3, 1)
    assert not_after == datetime(2027, 3, 1, 14, 59, 59, tzinfo=UTC)


def test_r_cert_4_last_second_of_a_jst_day() -> None:
    """R-CERT-4: 23:59:59 JST (14:59:59Z) is still the same issue date; one second later is
    the next one."""
    _, before_midnight = client_validity(datetime(2026, 3, 1, 14, 59, 59, tzinfo=UTC))
    _, after_midnight = client_validity(datetime(2026, 3, 1, 15, 0, 0, tzinfo=UTC))
    assert _last_day_jst(before_midnight) == date(2027, 3, 1)
    assert _last_day_jst(after_midnight) == date(2027, 3, 2)


def test_r_cert_4_366_days_counting_the_day_of_issue() -> None:
    """R-CERT-4 "Valid for 366 days counting the day of issue"."""
    issued_at = datetime(2026, 7, 10, 9, 0, tzinfo=JST)
    _, not_after = client_validity(issued_at)
    assert (_last_day_jst(not_after) - issued_at.date()).days + 1 == 366


def test_r_cert_4_naive_datetime_is_misuse() -> None:
    """STYLE §5: a naive datetime raises ValueError."""
    with pytest.raises(ValueError, match="timezone-aware"):
        client_validity(datetime(2026, 3, 1, 12, 0))


def test_r_cert_4_certificate_carries_the_window() -> None:
    """R-CERT-4: the issued certificate's notBefore/notAfter are client_validity's, to the
    second (microseconds of the issuing instant are dropped, as X.509 has none)."""
    now = datetime(2028, 2, 29, 3, 4, 5, 678_901, tzinfo=UTC)
    issued = issue_client_cert(shared_hierarchy().issuing, user_id="u1", now=now, crl_url=CRL_URL)
    assert (issued.cert.not_valid_before_utc, issued.cert.not_valid_after_utc) == client_validity(
        now
    )
    assert issued.cert.not_valid_before_utc == datetime(2028, 2, 29, 2, 59, 5, tzinfo=UTC)
    assert _last_day_jst(issued.cert.not_valid_after_utc) == date(2029, 2, 28)
