"""R-PLUS-7 business notices, the pure parts: every notice mail template carries no amount, no
name and no 6-digit number (people look for their authentication code in mails); the
2-bank-day rule on the bank calendar (A.3); who holds which menu."""

from __future__ import annotations

import inspect
import itertools
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from chingin_app.domain.line_kinds import PayKind
from chingin_app.domain.notices import (
    NOTICE_MENUS,
    NoticeKind,
    RequestKind,
    deadline_notice_due,
    deadline_notice_opens,
    month_label,
)
from chingin_app.domain.permissions import MENUS_BY_KEY
from chingin_app.services import mail_templates
from chingin_app.services.mail import MailMessage
from chingin_app.settings import settings

SIX_DIGITS = re.compile(r"[0-9]{6}")
#: An amount as the service writes one: 123,456円 / 1,000 / ￥… (also the raw 123456).
AMOUNT = re.compile(r"円|[¥￥]|[0-9],[0-9]{3}")


@pytest.fixture(autouse=True)
def _helpdesk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A helpdesk as a bank would configure it (the closing is part of every mail)."""
    monkeypatch.setenv("CHINGIN_HELPDESK_NAME", "ろうきん ヘルプデスク")
    monkeypatch.setenv("CHINGIN_HELPDESK_TEL", "0120-00-1234")
    settings.cache_clear()
    yield
    settings.cache_clear()


def _every_notice_mail() -> Iterator[tuple[str, MailMessage]]:
    """Every notice template × request kind × pay kind, with the largest figures a cycle can
    have (a 6-digit 控除不能 count, a 9-digit month-end)."""
    for (request_kind, kind), pay_kind, count in itertools.product(
        NOTICE_MENUS, PayKind, (0, 7, 123_456)
    ):
        yield f"{request_kind}/{kind}/{pay_kind}/{count}", mail_templates.business_notice(
            kind=kind, request_kind=request_kind, group_no="999", deduct_month="2026-12",
            pay_kind=pay_kind.value, deadline=date(2026, 12, 28), not_deducted=count,
        )


def test_r_plus_7_notice_mails_carry_no_amounts_names_or_six_digit_numbers() -> None:
    """R-PLUS-7 "No amounts or names in the mail", and no 6-digit number that could be taken
    for an authentication code (R-SEC-2) — over every notice template. The templates take no
    name or amount at all, so none can slip in; full-width digits count as digits."""
    for name in inspect.signature(mail_templates.business_notice).parameters:
        assert "name" not in name and "amount" not in name, name
    seen = set()
    for label, msg in _every_notice_mail():
        seen.add(msg.kind)
        text = unicodedata.normalize("NFKC", msg.subject + "\n" + msg.body)
        assert SIX_DIGITS.search(text) is None, (label, text)
        assert AMOUNT.search(text.replace("123,456件", "")) is None, (label, text)
        assert "様" in msg.body and "ご担当者 様" in msg.body  # no one's name
        assert "http" not in text  # R-SEC-2: no links
        assert "お心当たりのない場合は" in msg.body
    assert seen == {f"notice_{k.value}" for k in NoticeKind}


def test_r_plus_7_six_digit_check_can_fail() -> None:
    """The check above finds a code-like number where there is one."""
    code = mail_templates.auth_code(user_name="x", code="123456",
                                    expires_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert SIX_DIGITS.search(code.body) is not None


def test_r_plus_7_notice_mail_texts() -> None:
    """What each notice says: the request (業務, 入金グループ, 控除年月 as 2026年12月, 支給区分),
    the deadline for the deadline notice, the count of 控除不能 for the results."""
    deadline = mail_templates.business_notice(
        kind=NoticeKind.DEADLINE, request_kind=RequestKind.ROKIN, group_no="001",
        deduct_month="2026-12", pay_kind="bonus", deadline=date(2026, 12, 8))
    assert deadline.subject == "【賃金控除事務支援サービス】まとめ入金期限が近づいています"
    for line in ("業務　　　　：労金控除", "入金グループ：001", "控除年月　　：2026年12月",
                 "支給区分　　：一時金", "まとめ入金期限：2026年12月8日"):
        assert line in deadline.body
    results = mail_templates.business_notice(
        kind=NoticeKind.RESULTS, request_kind=RequestKind.LEDGER, group_no="002",
        deduct_month="2026-11", pay_kind="monthly", not_deducted=3)
    assert "控除不能　　：3件" in results.body and "業務　　　　：賃控元帳" in results.body
    with pytest.raises(ValueError, match="deadline"):
        mail_templates.business_notice(kind=NoticeKind.DEADLINE, request_kind=RequestKind.ROKIN,
                                       group_no="001", deduct_month="2026-12", pay_kind="monthly")


def test_r_plus_7_deadline_notice_two_bank_days_before_across_holidays() -> None:
    """A.3 business days: the deadline Tue 2026-11-24 follows 勤労感謝の日 (Mon 11-23) and a
    weekend, so its notice opens Thu 11-19 (2 bank days before), not Sun 11-22 (2 calendar
    days); due up to the deadline day, not after. The operator's closed days count too."""
    tuesday = date(2026, 11, 24)
    assert deadline_notice_opens(tuesday) == date(2026, 11, 19)
    assert not deadline_notice_due(date(2026, 11, 18), tuesday)
    for day in range(19, 25):
        assert deadline_notice_due(date(2026, 11, day), tuesday)
    assert not deadline_notice_due(date(2026, 11, 25), tuesday)
    closed = {date(2026, 11, 19)}
    assert deadline_notice_opens(tuesday, extra_closed=closed) == date(2026, 11, 18)
    # Across the year end (12/31–1/3 closed): a deadline on Mon 2027-01-04 opens 12/29.
    assert deadline_notice_opens(date(2027, 1, 4)) == date(2026, 12, 29)


def test_r_plus_7_notice_menus_are_real_menus_of_their_area() -> None:
    """Each notice goes to the holders of a declared menu of its own service; 賃控元帳 has no
    まとめ入金確定, hence no deadline notice."""
    for (request_kind, _kind), key in NOTICE_MENUS.items():
        assert key in MENUS_BY_KEY and key.startswith(f"{request_kind.value}.")
    assert (RequestKind.LEDGER, NoticeKind.DEADLINE) not in NOTICE_MENUS
    assert NOTICE_MENUS[(RequestKind.ROKIN, NoticeKind.DEADLINE)] == "rokin.remit_confirm"


def test_month_label() -> None:
    """One month style (issue 14): 2026年12月."""
    assert month_label("2026-12") == "2026年12月" and month_label("2027-01") == "2027年1月"
