"""One date style in one place (issue 14 item 6): months 2026年12月, days 2026/12/07, times
2026/12/07 10:30 (Japan time) on screens and PDFs; file names
<帳票名>_<契約番号>_<入金G>_<YYYYMM>_<区分>_<出力日時>; months typed as 2026-05, 2026/05 or
202605 all read as 2026-05. And no page, state, component or report formats a date itself."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from chingin_app.domain import dates
from chingin_app.services.detail_rules import normalise_month, parse_month

APP = Path(__file__).resolve().parents[2] / "chingin_app"


def test_month_day_and_time_labels() -> None:
    assert dates.month_label("2026-12") == "2026年12月"
    assert dates.month_label("2026-04") == "2026年4月"
    assert dates.month_label("") == "" and dates.month_label(None) == ""
    assert dates.month_label("不明") == "不明"
    assert dates.date_label(date(2026, 12, 7)) == "2026/12/07"
    assert dates.date_label(None) == ""
    # 2026-12-06 15:30 UTC is already the 7th in Japan.
    late = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)
    assert dates.date_label(late) == "2026/12/07"
    assert dates.datetime_label(late) == "2026/12/07 00:30"
    assert dates.datetime_label(late, seconds=True) == "2026/12/07 00:30:00"
    assert dates.datetime_label(None) == ""


def test_file_names_follow_the_one_pattern() -> None:
    made = datetime(2026, 12, 7, 1, 30, 5, tzinfo=UTC)
    assert dates.output_file_name(
        "控除依頼リスト", contract_no="12345678", group_no="001", month="2026-12", kind="月例",
        made_at=made, ext="pdf",
    ) == "控除依頼リスト_12345678_001_202612_月例_20261207103005.pdf"
    # Parts an output lacks are left out, never left empty; brackets leave the title.
    assert dates.output_file_name("操作ログ(照会)", contract_no="12345678", made_at=made,
                                  ext="csv") == "操作ログ照会_12345678_20261207103005.csv"


@pytest.mark.parametrize("typed", ["2026-05", "2026/05", "202605", "2026/5", "2026年5月",
                                   "２０２６／０５", " 2026-05 ", "2026.05"])
def test_months_are_accepted_as_people_type_them(typed: str) -> None:
    assert dates.parse_month(typed) == "2026-05"


@pytest.mark.parametrize("typed", ["", "2026-13", "2026-00", "26-05", "2026-05-01", "五月",
                                   "20265", "2026--05"])
def test_what_is_not_a_month_is_refused(typed: str) -> None:
    assert dates.parse_month(typed) is None


def test_detail_screens_take_the_same_month_inputs() -> None:
    """開始年月 / 終了年月 / 控除年月 fields (services/detail_rules) accept every typed form."""
    assert normalise_month("202605") == normalise_month("2026/05") == "2026-05"
    assert normalise_month("1999-05") is None  # the fields' years are 2000–2099
    assert parse_month("2026/5", "start_month", "開始年月") == "2026-05"


# Formatting a date by hand: a strftime, a format spec with %Y/%m/%d/%H, or 年/月 glued to a
# value. Allowed only where a stored or bank format is written, not what people read.
_HAND_MADE = re.compile(r"strftime\(|:%[YmdHM]|\}年|年\{|\}月|月\{")
_ALLOWED = {
    "reports/csv_writer.py",  # the bank's CSV format (SPEC A.2): ISO dates
    "services/oplog_query.py",  # the operation log's CSV export (R-LOG-1 format)
    "services/zaikei.py",  # the 財形 CSV export's 入金予定日 (the bank's file format)
    "services/detail_rules.py",  # this month as a stored YYYY-MM value
    "services/ledger/check_lists.py",  # a stored YYYY-MM value
    "services/mail_templates.py",  # mails (not screens, PDFs or file names)
}


def test_issue_14_6_no_screen_pdf_or_file_name_formats_a_date_itself() -> None:
    """Every date people see goes through ``domain/dates.py``: pages, states, components,
    reports and services hold no hand-made date format (the allowed ones write stored or bank
    formats)."""
    found: list[str] = []
    for area in ("pages", "state", "components", "reports", "services"):
        for path in sorted((APP / area).rglob("*.py")):
            rel = path.relative_to(APP).as_posix()
            if rel in _ALLOWED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if _HAND_MADE.search(code) and '"""' not in code:
                    found.append(f"{rel}:{number}: {line.strip()}")
    assert found == []
