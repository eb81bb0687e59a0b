"""How dates read, in one place (issue 14 item 6 "one date style"): on screens, in PDFs and in
file names a month reads 2026年12月, a day 2026/12/07, a time 2026/12/07 10:30 (Japan time);
a file name carries 202612 and 20261207103000. A month typed by a person may be 2026-05,
2026/05, 202605 or 2026年5月 (full-width digits too) and is stored as 2026-05.

Stored values and the bank's files keep their own formats (YYYY-MM, ISO dates; SPEC A.2): this
module is only how people see and type them. No database, no Reflex."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Final

from chingin_app.domain.clock import to_jst

__all__ = [
    "date_label",
    "datetime_label",
    "file_stamp",
    "month_label",
    "month_stamp",
    "output_file_name",
    "parse_month",
]

_MONTH_VALUE: Final = re.compile(r"(\d{4})-(\d{2})")
# What a person may type for a month: 2026-05, 2026/05, 2026/5, 202605, 2026年5月, 2026.05.
# Without a separator the month has two digits (202605; 20265 is refused, not guessed).
_MONTH_INPUT: Final = re.compile(r"(\d{4})(?:(?:[-/.]|年)(\d{1,2})|(\d{2}))月?")


def month_label(month: str | None) -> str:
    """``2026-12`` (a stored month) → ``2026年12月``; ``2026-04`` → ``2026年4月``. Empty for
    None or ""; anything that is not a month is returned as it is."""
    if not month:
        return ""
    found = _MONTH_VALUE.fullmatch(month)
    if found is None:
        return month
    return f"{found.group(1)}年{int(found.group(2))}月"


def date_label(day: date | None) -> str:
    """A day as ``2026/12/07`` (a datetime is taken in Japan time); empty for None."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = to_jst(day) if day.tzinfo is not None else day
    return f"{day:%Y/%m/%d}"


def datetime_label(when: datetime | None, *, seconds: bool = False) -> str:
    """A moment in Japan time as ``2026/12/07 10:30`` (``seconds``: ``10:30:05``); a naive
    datetime is taken as already local. Empty for None."""
    if when is None:
        return ""
    local = to_jst(when) if when.tzinfo is not None else when
    return f"{local:%Y/%m/%d %H:%M:%S}" if seconds else f"{local:%Y/%m/%d %H:%M}"


def month_stamp(month: str) -> str:
    """A stored month in a file name: ``2026-12`` → ``202612``."""
    return month.replace("-", "")


def file_stamp(when: datetime) -> str:
    """The time an output was made, in its file name: ``20261207103000`` (Japan time)."""
    return f"{to_jst(when):%Y%m%d%H%M%S}"


def output_file_name(
    title: str, *, contract_no: str, group_no: str | None = None, month: str | None = None,
    kind: str | None = None, made_at: datetime, ext: str,
) -> str:
    """Every delivered list, form and export is named alike (issue 14 item 6):
    ``<帳票名>_<契約番号>_<入金G>_<YYYYMM>_<区分>_<出力日時>.<ext>``, e.g.
    ``控除依頼リスト_12345678_001_202612_月例_20261207103000.pdf``; the parts an output does
    not have (no group, month or kind) are left out, never left empty. Brackets are dropped
    from the title (a file name, not a heading)."""
    name = title.replace("(", "").replace(")", "").replace("（", "").replace("）", "")
    parts = [name, contract_no]
    if group_no:
        parts.append(group_no)
    if month:
        parts.append(month_stamp(month))
    if kind:
        parts.append(kind)
    parts.append(file_stamp(made_at))
    return "_".join(parts) + f".{ext}"


def parse_month(text: str) -> str | None:
    """A month as typed → its stored form ``YYYY-MM``: 2026-05, 2026/05, 2026/5, 202605,
    2026年5月 and full-width digits are all 2026-05. None when it is not a month (the field
    shows its message)."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
    found = _MONTH_INPUT.fullmatch(cleaned)
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2) or found.group(3))
    if not 1 <= month <= 12 or year < 1900:
        return None
    return f"{year:04d}-{month:02d}"
