"""The 財形 (事業主) demo contract (issue 4; SPEC §11 財形貯蓄事務, R-INFO-1, R-PLUS-3): contract
87654321 「デモ事業主株式会社」 with 財形, 加入者残高一覧表 and 奨励金, one payment group, about
80 employees, three months of 財形預入依頼書 (月例) and one 加入者残高一覧表 — with a few people
who raise each 財形アラーム (near the ¥5.5M limit, 55 or older at a new 財形住宅, a second
財形年金).

The files go through the bank's own loader (``services.zaikei_bank``), so the demo data is what
``chingin bank load-zaikei`` would store. Deterministic: one seeded ``random.Random`` and dates
derived from ``today``. Idempotent: a contract that has 預入依頼書 is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from sqlmodel import Session, select

from chingin_app.domain import calendar
from chingin_app.domain.clock import Clock
from chingin_app.domain.kana import normalise_kana
from chingin_app.domain.result import Invalid
from chingin_app.models import ZaikeiDeposit
from chingin_app.services import zaikei_bank

__all__ = [
    "EMPLOYER_CONTRACT_NO",
    "EMPLOYER_NAME",
    "EMPLOYER_SERVICES",
    "build_files",
    "load_demo_employer",
]

EMPLOYER_CONTRACT_NO: Final = "87654321"
EMPLOYER_NAME: Final = "デモ事業主株式会社"
EMPLOYER_SERVICES: Final = "zaikei,zaikei-balance,zaikei-incentive"
EMPLOYER_GROUPS: Final = ("001:本社",)
_SEED: Final = 20260404
_EMPLOYEES: Final = 80
_ACTOR: Final = "operator:demo"

_SURNAMES: Final = (
    ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"),
    ("伊藤", "いとう"), ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"),
    ("小林", "こばやし"), ("加藤", "かとう"), ("吉田", "よしだ"), ("山田", "やまだ"),
    ("松本", "まつもと"), ("井上", "いのうえ"), ("木村", "きむら"), ("清水", "しみず"),
)
_GIVEN: Final = (
    ("太郎", "たろう"), ("健太", "けんた"), ("直樹", "なおき"), ("誠", "まこと"),
    ("花子", "はなこ"), ("京子", "きょうこ"), ("美咲", "みさき"), ("由美", "ゆみ"),
    ("翔太", "しょうた"), ("陽子", "ようこ"), ("隆", "たかし"), ("彩", "あや"),
)
_DEPARTMENTS: Final = ("総務部", "営業部", "製造部", "経理部")
_HEADER_D: Final = ",".join(zaikei_bank.DEPOSIT_HEADER)
_HEADER_B: Final = ",".join(zaikei_bank.BALANCE_HEADER)


@dataclass(frozen=True)
class _Line:
    staff_no: str
    kana: str
    kanji: str
    department: str
    birth: date
    kind: str  # label
    account: str
    monthly: int
    bonus: int
    incentive: int | None


def _deposit_date(month: date) -> date:
    """The 25th of the month, or the bank business day before it (A.3)."""
    day = month.replace(day=25)
    while not calendar.is_business_day(day):
        day -= timedelta(days=1)
    return day


def _months(today: date) -> list[date]:
    first = today.replace(day=1)
    prev = (first - timedelta(days=1)).replace(day=1)
    prev2 = (prev - timedelta(days=1)).replace(day=1)
    return [prev2, prev, first]


def _people(rng: random.Random, today: date) -> list[_Line]:
    lines: list[_Line] = []
    for n in range(1, _EMPLOYEES + 1):
        sur, sur_r = _SURNAMES[rng.randrange(len(_SURNAMES))]
        giv, giv_r = _GIVEN[rng.randrange(len(_GIVEN))]
        staff = f"{n:06d}"
        birth = date(today.year - rng.randint(23, 60), rng.randint(1, 12), rng.randint(1, 28))
        kana, kanji = normalise_kana(f"{sur_r} {giv_r}"), f"{sur}　{giv}"
        department = _DEPARTMENTS[n % len(_DEPARTMENTS)]
        account = 1000000 + n * 10

        def line(kind: str, offset: int, monthly: int, bonus: int, incentive: int | None,
                 *, staff: str = staff, kana: str = kana, kanji: str = kanji,
                 department: str = department, birth: date = birth,
                 account: int = account) -> _Line:
            return _Line(staff, kana, kanji, department, birth, kind,
                         f"{account + offset:07d}", monthly, bonus, incentive)

        if rng.random() < 0.7:
            lines.append(line("一般財形", 1, rng.choice((5000, 10000, 20000)),
                              rng.choice((0, 30000, 50000)), rng.choice((None, 1000, 2000))))
        if rng.random() < 0.4:
            lines.append(line("財形住宅", 2, rng.choice((10000, 20000, 30000)), 50000, None))
        if rng.random() < 0.3:
            lines.append(line("財形年金", 3, rng.choice((10000, 15000)), 0, None))
    return lines


def _row(group: str, month: date, deposit_date: date, line: _Line, change: str,
         monthly: int) -> str:
    incentive = "" if line.incentive is None else str(line.incentive)
    return ",".join((
        group, f"{month:%Y-%m}", "月例", f"{deposit_date:%Y-%m-%d}", line.staff_no, line.kana,
        line.kanji, line.department, f"{line.birth:%Y-%m-%d}", line.kind, line.account,
        str(monthly), str(line.bonus), incentive, change,
    ))


def build_files(today: date) -> tuple[list[bytes], bytes]:
    """The three monthly 預入依頼書 files and the 加入者残高一覧表 file (UTF-8 CSV)."""
    rng = random.Random(_SEED)
    lines = _people(rng, today)
    months = _months(today)
    # Alarm cases: a 58-year-old's new 財形住宅 in the latest month; a second 財形年金.
    old = _Line("000900", "ﾀｶﾊｼ ｵｻﾑ", "高橋　修", "総務部",
                date(today.year - 58, 4, 2), "財形住宅", "1009002", 20000, 0, None)
    twin = next(x for x in lines if x.kind == "財形年金")
    second = _Line(twin.staff_no, twin.kana, twin.kanji, twin.department, twin.birth,
                   "財形年金", "1999993", 10000, 0, None)
    files: list[bytes] = []
    for index, month in enumerate(months):
        deposit_date = _deposit_date(month)
        out = [_HEADER_D]
        for n, line in enumerate(lines):
            monthly, change = line.monthly, "継続"
            if index > 0 and n % 17 == 0:
                monthly, change = line.monthly + 5000, "変更"
            if index == 0 and n % 23 == 0:
                change = "新規"
            out.append(_row("001", month, deposit_date, line, change, monthly))
        if index == len(months) - 1:
            out.append(_row("001", month, deposit_date, old, "新規", old.monthly))
            out.append(_row("001", month, deposit_date, second, "新規", second.monthly))
        files.append(("\r\n".join(out) + "\r\n").encode("utf-8"))
    as_of = months[-1] - timedelta(days=1)  # the end of the month before the latest
    out = [_HEADER_B]
    for n, line in enumerate(lines):
        years = max(1, (today.year - line.birth.year - 22) // 3)
        balance = line.monthly * 12 * years + line.bonus * 2 * years
        total = balance + balance // 50
        if line.kind == "財形住宅" and n % 11 == 0:  # near the ¥5.5M tax-free limit
            balance, total = 4_900_000 + n * 1000, 5_100_000 + n * 1000
        out.append(",".join(("001", f"{as_of:%Y-%m-%d}", line.staff_no, line.kana, line.kanji,
                             line.kind, line.account, str(balance), str(total))))
    return files, ("\r\n".join(out) + "\r\n").encode("utf-8")


def load_demo_employer(db: Session, contract_id: int, clock: Clock, today: date) -> None:
    """The employer demo contract's data (the contract is the demo loader's, flagged as demo,
    R-DEP-1); a contract that already has 預入依頼書 is left alone."""
    has = db.exec(select(ZaikeiDeposit.id).where(ZaikeiDeposit.contract_id == contract_id)).first()
    if has is not None:
        return
    deposits, balance = build_files(today)
    for data in deposits:
        got = zaikei_bank.load_deposits(db, contract_no=EMPLOYER_CONTRACT_NO, data=data,
                                        actor=_ACTOR, clock=clock)
        if isinstance(got, Invalid):
            raise RuntimeError(f"demo 財形 data refused: {got.errors[:3]}")
    got = zaikei_bank.load_balances(db, contract_no=EMPLOYER_CONTRACT_NO, data=balance,
                                    actor=_ACTOR, clock=clock)
    if isinstance(got, Invalid):
        raise RuntimeError(f"demo 財形 balances refused: {got.errors[:3]}")

