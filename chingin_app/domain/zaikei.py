"""財形 (employee asset-formation savings) rules of the employer side (SPEC §11 RZ-1, R-PLUS-3;
Appendix A.5): the three 種類, the tax-free limit and the
alarms (財形アラーム). Pure: no database, no Reflex.

R-PLUS-3 alarms, each for one person:

- ``limit``: 財形住宅 + 財形年金 元利合計 at or above ``limit_percent`` % (default 90) of the
  ¥5,500,000 tax-free limit (「超過」 at 100 % or more).
- ``age``: a 新規 財形住宅 / 財形年金 contract of someone aged 55 or more on the 入金予定日
  (A.5: under 55 at contract).
- ``duplicate``: a second 財形住宅 or 財形年金 contract of one person (A.5: one each).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from chingin_app.domain.line_kinds import ChangeKind

__all__ = [
    "AGE_LIMIT",
    "DEFAULT_LIMIT_PERCENT",
    "TAX_FREE_LIMIT",
    "Alarm",
    "AlarmBalance",
    "AlarmItem",
    "ZaikeiKind",
    "age_on",
    "alarms",
    "tax_free_used",
]

#: 財形住宅 + 財形年金: tax-free up to ¥5.5M principal and interest (A.5).
TAX_FREE_LIMIT: Final = 5_500_000
#: The alarm starts at this share of the limit (R-PLUS-3; configurable per call).
DEFAULT_LIMIT_PERCENT: Final = 90
#: 財形住宅 / 財形年金 are for people under 55 at contract (A.5).
AGE_LIMIT: Final = 55


class ZaikeiKind(StrEnum):
    """種類 (A.5)."""

    GENERAL = "general"
    PENSION = "pension"
    HOUSING = "housing"

    @property
    def label(self) -> str:
        """一般財形 / 財形年金 / 財形住宅."""
        return _KIND_LABELS[self]

    @property
    def tax_free(self) -> bool:
        """住宅 and 年金 share the tax-free limit; 一般財形 is taxed."""
        return self is not ZaikeiKind.GENERAL

    @classmethod
    def from_label(cls, text: str) -> ZaikeiKind | None:
        """The kind a file or a filter names by its label (or its code); None otherwise."""
        for kind, label in _KIND_LABELS.items():
            if text in (label, kind.value):
                return kind
        return None


_KIND_LABELS: Final[dict[ZaikeiKind, str]] = {
    ZaikeiKind.GENERAL: "一般財形",
    ZaikeiKind.PENSION: "財形年金",
    ZaikeiKind.HOUSING: "財形住宅",
}


def age_on(birth: date, day: date) -> int:
    """Full years of age on ``day`` (a birthday on 2/29 counts from 3/1 in other years)."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


@dataclass(frozen=True)
class AlarmItem:
    """What the alarms need of a 預入依頼書 line."""

    staff_no: str
    name: str
    kind: ZaikeiKind
    change_kind: str
    birth_date: date
    account_no: str = ""


@dataclass(frozen=True)
class AlarmBalance:
    """What the alarms need of a 加入者残高一覧表 line."""

    staff_no: str
    name: str
    kind: ZaikeiKind
    principal_interest: int
    account_no: str = ""


@dataclass(frozen=True)
class Alarm:
    """One 財形アラーム: who, which rule (``limit`` / ``age`` / ``duplicate``), and the text."""

    staff_no: str
    name: str
    code: str
    kind_label: str
    text: str


def tax_free_used(balances: Iterable[AlarmBalance]) -> dict[str, int]:
    """非課税枠使用額 per 職員番号: the 元利合計 of their 財形住宅 and 財形年金 lines."""
    used: dict[str, int] = defaultdict(int)
    for b in balances:
        if b.kind.tax_free:
            used[b.staff_no] += b.principal_interest
    return dict(used)


def alarms(
    items: Iterable[AlarmItem],
    balances: Iterable[AlarmBalance],
    *,
    deposit_date: date,
    limit_percent: int = DEFAULT_LIMIT_PERCENT,
    limit: int = TAX_FREE_LIMIT,
) -> list[Alarm]:
    """The R-PLUS-3 alarms of one 預入依頼書 (``items``, 入金予定日 ``deposit_date``) with the
    latest 加入者残高一覧表 (``balances``, may be empty), sorted by 職員番号 then rule.

    ``limit_percent`` must be 1–100 (ValueError otherwise)."""
    if not 1 <= limit_percent <= 100:
        raise ValueError("limit_percent must be between 1 and 100")
    item_list = list(items)
    balance_list = list(balances)
    found: list[Alarm] = []
    names: dict[str, str] = {}
    for b in balance_list:
        names.setdefault(b.staff_no, b.name)
    for i in item_list:
        names[i.staff_no] = i.name
    # 1. 非課税限度額
    threshold = limit * limit_percent / 100
    for staff_no, used in sorted(tax_free_used(balance_list).items()):
        if used >= threshold:
            ratio = used * 100 // limit
            state = "を超えています" if used >= limit else "に近づいています"
            found.append(Alarm(
                staff_no, names.get(staff_no, ""), "limit", "財形住宅・財形年金",
                f"非課税限度額{state}（元利合計 {used:,}円／{limit:,}円・{ratio}%）",
            ))
    # 2. 55歳以上の新規契約
    for i in item_list:
        if i.kind.tax_free and i.change_kind == ChangeKind.NEW.value:
            age = age_on(i.birth_date, deposit_date)
            if age >= AGE_LIMIT:
                found.append(Alarm(
                    i.staff_no, i.name, "age", i.kind.label,
                    f"{i.kind.label}の新規契約が満{age}歳です（{AGE_LIMIT}歳未満で契約できます）",
                ))
    # 3. 財形住宅・財形年金の重複契約 (different 口座番号, in the request or the balances)
    accounts: dict[tuple[str, ZaikeiKind], set[str]] = defaultdict(set)
    lines: dict[tuple[str, ZaikeiKind], int] = defaultdict(int)
    for i in item_list:
        if i.kind.tax_free and i.change_kind != ChangeKind.ENDED.value:
            accounts[(i.staff_no, i.kind)].add(i.account_no)
            lines[(i.staff_no, i.kind)] += 1
    for b in balance_list:
        if b.kind.tax_free and b.account_no:
            accounts[(b.staff_no, b.kind)].add(b.account_no)
    for (staff_no, kind), accs in sorted(accounts.items()):
        count = max(len(accs), lines[(staff_no, kind)])
        if count >= 2:
            found.append(Alarm(
                staff_no, names.get(staff_no, ""), "duplicate", kind.label,
                f"{kind.label}の契約が{count}件あります（1人1契約です）",
            ))
    order = {"limit": 0, "age": 1, "duplicate": 2}
    found.sort(key=lambda a: (a.staff_no, order[a.code], a.kind_label))
    return found
