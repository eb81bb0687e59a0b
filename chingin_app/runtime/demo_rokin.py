"""The demo organisation for 労金控除事務 (issue 5): about 300 employees over the demo contract's
two payment groups, several bank products, about 450 deduction details with their history.

Deterministic: one seeded ``random.Random`` and dates derived from ``today`` only, so two loads
on the same day give the same rows. Idempotent: a contract that already has employees is left
alone. The names are realistic Japanese names whose カナ氏名 is the bank-kana form of their
reading (``domain.kana.normalise_kana``): some with small kana (ｷﾖｳｺ), long vowels (ｼﾞﾖ-ｼﾞ)
and voiced marks. ``DEMO_BANK_KANA`` lists a few employees the bank knows under another kana
(a former surname, ﾁﾞ/ｼﾞ): the cycle's demo results use it for the カナ氏名不一致リスト.

The three past cycles of requests and results are built by ``services/rokin/cycle``
(``load_demo_history``), called after this loader.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.domain.clock import JST
from chingin_app.domain.kana import normalise_kana
from chingin_app.models import (
    Contract,
    DeductionDetail,
    DeductionDetailHistory,
    Employee,
    PaymentGroup,
    RokinProduct,
)
from chingin_app.models.rokin import DetailStatus, HistoryAction, ProductKind
from chingin_app.services.detail_rules import history_values
from chingin_app.services.rokin.detail_history import detail_snapshot

__all__ = [
    "DEMO_BANK_KANA",
    "DEMO_PRODUCTS",
    "DEMO_SEED",
    "DemoOrganisation",
    "demo_contract_id",
    "load_demo_organisation",
]

DEMO_SEED: Final = 20260401
#: 職員 per payment group number (the demo contract has 001 本社 and 002 大阪支社).
_EMPLOYEES_PER_GROUP: Final[dict[str, int]] = {"001": 180, "002": 120}
#: The history's actor for the initial data and the bank's own changes (shown as 「金庫」).
BANK_ACTOR: Final = "bank"

#: (code, name, kind, 店番)
DEMO_PRODUCTS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("0001", "普通預金", ProductKind.SAVINGS.value, "101"),
    ("0002", "定期積金", ProductKind.SAVINGS.value, "101"),
    ("0003", "財形預金", ProductKind.SAVINGS.value, "101"),
    ("0101", "住宅ローン返済", ProductKind.LOAN.value, "101"),
    ("0102", "マイカーローン返済", ProductKind.LOAN.value, "305"),
    ("0103", "教育ローン返済", ProductKind.LOAN.value, "305"),
)

_DEPARTMENTS: Final[dict[str, tuple[str, ...]]] = {
    "001": ("総務部", "人事部", "経理部", "営業部", "企画部", "情報システム部"),
    "002": ("営業部", "製造部", "品質管理部", "物流部", "総務課"),
}

#: (kanji, reading in hiragana or katakana)
_SURNAMES: Final[tuple[tuple[str, str], ...]] = (
    ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"),
    ("伊藤", "いとう"), ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"),
    ("小林", "こばやし"), ("加藤", "かとう"), ("吉田", "よしだ"), ("山田", "やまだ"),
    ("佐々木", "ささき"), ("山口", "やまぐち"), ("松本", "まつもと"), ("井上", "いのうえ"),
    ("木村", "きむら"), ("林", "はやし"), ("斎藤", "さいとう"), ("清水", "しみず"),
    ("山崎", "やまざき"), ("森", "もり"), ("池田", "いけだ"), ("橋本", "はしもと"),
    ("阿部", "あべ"), ("石川", "いしかわ"), ("山下", "やました"), ("中島", "なかじま"),
    ("石井", "いしい"), ("小川", "おがわ"), ("前田", "まえだ"), ("岡田", "おかだ"),
    ("長谷川", "はせがわ"), ("藤田", "ふじた"), ("後藤", "ごとう"), ("近藤", "こんどう"),
    ("村上", "むらかみ"), ("遠藤", "えんどう"), ("青木", "あおき"), ("坂本", "さかもと"),
    ("髙橋", "たかはし"), ("東海林", "しょうじ"), ("大野", "おおの"), ("工藤", "くどう"),
    ("千々岩", "ちぢいわ"), ("服部", "はっとり"), ("新田", "にった"), ("今井", "いまい"),
)
_MALE_NAMES: Final[tuple[tuple[str, str], ...]] = (
    ("太郎", "たろう"), ("一郎", "いちろう"), ("健太", "けんた"), ("翔太", "しょうた"),
    ("大輔", "だいすけ"), ("拓也", "たくや"), ("直樹", "なおき"), ("亮", "りょう"),
    ("隆", "たかし"), ("誠", "まこと"), ("浩二", "こうじ"), ("修", "おさむ"),
    ("竜也", "りゅうや"), ("俊介", "しゅんすけ"), ("悠斗", "ゆうと"), ("蓮", "れん"),
    ("勇気", "ゆうき"), ("学", "まなぶ"), ("哲也", "てつや"), ("譲二", "ジョージ"),
    ("純平", "じゅんぺい"), ("賢治", "けんじ"), ("和也", "かずや"), ("雄一", "ゆういち"),
)
_FEMALE_NAMES: Final[tuple[tuple[str, str], ...]] = (
    ("花子", "はなこ"), ("恵子", "けいこ"), ("京子", "きょうこ"), ("陽子", "ようこ"),
    ("美咲", "みさき"), ("彩", "あや"), ("真由美", "まゆみ"), ("由美", "ゆみ"),
    ("智子", "ともこ"), ("愛", "あい"), ("優子", "ゆうこ"), ("麻衣", "まい"),
    ("結衣", "ゆい"), ("千尋", "ちひろ"), ("里奈", "りな"), ("純子", "じゅんこ"),
    ("茉莉", "マリー"), ("絵美里", "エミリー"), ("奈々", "なな"), ("沙織", "さおり"),
    ("菜摘", "なつみ"), ("舞", "まい"), ("明日香", "あすか"), ("瞳", "ひとみ"),
)

#: 職員番号 → the カナ氏名 the bank has registered, where it differs from ours (a former
#: surname after marriage; ﾁﾞ registered as ｼﾞ). The cycle's demo results use it.
DEMO_BANK_KANA: Final[dict[str, str]] = {
    "001007": "ｽｽﾞｷ ﾊﾅｺ",
    "002015": "ﾀﾅｶ ﾕｳｺ",
    "001120": "ﾁｼﾞｲﾜ ﾏｺﾄ",
}
# Who those staff numbers are, so the differences above stay true whatever the random draw.
_FIXED_PEOPLE: Final[dict[str, tuple[str, str, str, str]]] = {
    # staff_no: (surname kanji, surname reading, given kanji, given reading)
    "001007": ("山本", "やまもと", "花子", "はなこ"),
    "002015": ("井上", "いのうえ", "優子", "ゆうこ"),
    "001120": ("千々岩", "ちぢいわ", "誠", "まこと"),
}


@dataclass(frozen=True)
class DemoOrganisation:
    """What a load wrote (all zero when the contract already had employees)."""

    employees: int
    products: int
    details: int
    history: int


def demo_contract_id(db: Session, contract_no: str) -> int | None:
    """The id of the contract with this number (the demo hook knows only the number)."""
    return db.exec(select(Contract.id).where(Contract.contract_no == contract_no)).first()


def _month(day: date, offset: int) -> str:
    """``YYYY-MM`` of the month ``offset`` months from ``day``'s month."""
    index = day.year * 12 + day.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _months_between(start: str, end: str) -> int:
    sy, sm = (int(x) for x in start.split("-"))
    ey, em = (int(x) for x in end.split("-"))
    return (ey * 12 + em) - (sy * 12 + sm)


def _at(day: date, hour: int = 10) -> datetime:
    """A JST office-hours moment on ``day`` (stored as UTC by the models)."""
    return datetime.combine(day, time(hour, 0), tzinfo=JST)


def _first_day(month: str) -> date:
    year, mon = (int(x) for x in month.split("-"))
    return date(year, mon, 1)


def _products(db: Session, contract_id: int) -> dict[str, RokinProduct]:
    existing = {
        p.code: p
        for p in db.exec(select(RokinProduct).where(RokinProduct.contract_id == contract_id))
    }
    for code, name, kind, branch in DEMO_PRODUCTS:
        if code not in existing:
            product = RokinProduct(
                contract_id=contract_id, code=code, name=name, kind=kind, branch_no=branch
            )
            db.add(product)
            existing[code] = product
    db.flush()
    return existing


def _person(rng: random.Random, staff_no: str) -> tuple[str, str]:
    """(漢字氏名, カナ氏名) for one employee."""
    if staff_no in _FIXED_PEOPLE:
        sur, sur_kana, given, given_kana = _FIXED_PEOPLE[staff_no]
    else:
        sur, sur_kana = rng.choice(_SURNAMES)
        given, given_kana = rng.choice(_MALE_NAMES if rng.random() < 0.55 else _FEMALE_NAMES)
    return f"{sur}\u3000{given}", normalise_kana(f"{sur_kana} {given_kana}")


def _amount(rng: random.Random, low: int, high: int, step: int) -> int:
    return rng.randrange(low // step, high // step + 1) * step


@dataclass
class _Plan:
    """One detail before it is written."""

    product: RokinProduct
    account_no: str
    monthly: int
    bonus: int
    start: str
    end: str | None
    remaining: int | None


def _plan_detail(
    rng: random.Random, product: RokinProduct, today: date, account_no: str
) -> _Plan:
    this_month = _month(today, 0)
    start = _month(today, -rng.randrange(1, 12 * 10))
    if product.kind == ProductKind.LOAN.value:
        total = rng.choice((36, 60, 84, 120, 240, 420))
        monthly = _amount(rng, 15_000, 90_000, 100)
        bonus = rng.choice((0, 0, 50_000, 100_000))
        end_index = _months_between(this_month, start) + total - 1
        last = _month(today, end_index)
        # 残回数 counts the instalments after this month's.
        remaining = max(0, _months_between(this_month, last))
        return _Plan(product, account_no, monthly, bonus, start, last, remaining)
    if product.code == "0001":
        monthly = _amount(rng, 5_000, 50_000, 1_000)
        bonus = rng.choice((0, 0, 0, 30_000, 50_000, 100_000))
    elif product.code == "0002":
        monthly = _amount(rng, 10_000, 30_000, 5_000)
        bonus = rng.choice((0, 50_000))
    else:
        monthly = _amount(rng, 10_000, 40_000, 1_000)
        bonus = rng.choice((0, 50_000, 100_000, 150_000))
    end: str | None = None
    if rng.random() < 0.12:
        # Savings that ended (a 定期積金 that matured, a saver who stopped).
        end = _month(today, -rng.randrange(1, 18))
        if end < start:
            start, end = end, start
    return _Plan(product, account_no, monthly, bonus, start, end, None)


def load_demo_organisation(db: Session, contract_id: int, today: date) -> DemoOrganisation:
    """Load the demo organisation into ``contract_id`` (its payment groups must exist) and
    commit; a contract that already has employees is left unchanged (returns zeros).

    ``today`` (JST) anchors the months: details started up to ten years ago, some ended in
    the last year and a half, about 5 % cancelled, loans with 残回数. Every detail has a 追加
    history row at its start, some a 変更 (amount) and the cancelled ones a 解除, all by
    「金庫」 (the data came from the bank).
    """
    has_employees = db.execute(
        select(func.count()).select_from(Employee).where(Employee.contract_id == contract_id)
    ).scalar_one()
    if has_employees:
        return DemoOrganisation(0, 0, 0, 0)
    groups = {
        g.number: g
        for g in db.exec(
            select(PaymentGroup)
            .where(PaymentGroup.contract_id == contract_id)
            .order_by(col(PaymentGroup.number))
        )
    }
    before_products = db.execute(
        select(func.count()).select_from(RokinProduct).where(
            RokinProduct.contract_id == contract_id
        )
    ).scalar_one()
    products = _products(db, contract_id)
    rng = random.Random(DEMO_SEED)
    now = _at(today)

    employees: list[Employee] = []
    for number, count in _EMPLOYEES_PER_GROUP.items():
        group = groups.get(number)
        if group is None or group.id is None:
            continue
        for n in range(1, count + 1):
            staff_no = f"{number}{n:03d}"
            kanji, kana = _person(rng, staff_no)
            hired = today - timedelta(days=rng.randrange(200, 365 * 12))
            employees.append(
                Employee(
                    contract_id=contract_id,
                    payment_group_id=group.id,
                    staff_no=staff_no,
                    name_kana=kana,
                    name_kanji=kanji,
                    department=rng.choice(_DEPARTMENTS[number]),
                    created_at=_at(hired),
                    updated_at=_at(hired),
                )
            )
    db.add_all(employees)
    db.flush()

    savings = [products[c] for c in ("0001", "0002", "0003")]
    loans = [products[c] for c in ("0101", "0102", "0103")]
    plans: list[tuple[Employee, _Plan]] = []
    account = 1_000_000
    for employee in employees:
        chosen = [rng.choice(savings)]
        if rng.random() < 0.35:
            chosen.append(rng.choice([p for p in savings if p is not chosen[0]]))
        if rng.random() < 0.18:
            chosen.append(rng.choice(loans))
        for product in chosen:
            account += rng.randrange(7, 400)
            plans.append((employee, _plan_detail(rng, product, today, f"{account:07d}")))

    rows: list[tuple[Employee, DeductionDetail, _Plan, bool, bool]] = []
    for employee, plan in plans:
        assert employee.id is not None and plan.product.id is not None
        created = min(_at(_first_day(plan.start) - timedelta(days=12)), now)
        cancelled = rng.random() < 0.05
        changed = rng.random() < 0.15
        detail = DeductionDetail(
            contract_id=contract_id,
            payment_group_id=employee.payment_group_id,
            employee_id=employee.id,
            product_id=plan.product.id,
            account_no=plan.account_no,
            monthly_amount=plan.monthly,
            bonus_amount=plan.bonus,
            start_month=plan.start,
            end_month=plan.end,
            remaining_count=plan.remaining,
            status=DetailStatus.ACTIVE.value,
            created_at=created,
            updated_at=created,
        )
        rows.append((employee, detail, plan, cancelled, changed))
        if created < employee.created_at:
            # Known to the organisation before its first deduction started.
            employee.created_at = employee.updated_at = created
    db.add_all([detail for _e, detail, _p, _c, _ch in rows])
    db.flush()

    history: list[DeductionDetailHistory] = []
    for employee, detail, plan, cancelled, changed in rows:
        assert detail.id is not None
        product = plan.product
        history.append(_history(contract_id, detail, HistoryAction.ADD, detail.created_at,
                                None, detail_snapshot(detail, employee, product)))
        span = max(1, (today - detail.created_at.astimezone(JST).date()).days)
        if changed and span > 60:
            before = detail_snapshot(detail, employee, product)
            at = _at(detail.created_at.astimezone(JST).date() + timedelta(days=span // 2), 14)
            # The stored amount is the one after the change; the history shows the old one.
            before["monthly_amount"] = max(1_000, detail.monthly_amount - 5_000)
            history.append(_history(contract_id, detail, HistoryAction.CHANGE, at, before,
                                    detail_snapshot(detail, employee, product)))
            detail.updated_at = at
        if cancelled:
            before = detail_snapshot(detail, employee, product)
            at = _at(today - timedelta(days=rng.randrange(3, 90)), 15)
            at = max(at, detail.updated_at + timedelta(days=1))
            at = min(at, now)
            detail.status = DetailStatus.CANCELLED.value
            detail.cancelled_at = at
            detail.updated_at = at
            history.append(_history(contract_id, detail, HistoryAction.CANCEL, at, before,
                                    detail_snapshot(detail, employee, product)))
        db.add(detail)
    db.add_all(history)
    db.flush()
    db.commit()
    return DemoOrganisation(
        employees=len(employees),
        products=len(products) - int(before_products),
        details=len(rows),
        history=len(history),
    )


def _history(
    contract_id: int,
    detail: DeductionDetail,
    action: HistoryAction,
    at: datetime,
    before: dict[str, object] | None,
    after: dict[str, object],
) -> DeductionDetailHistory:
    assert detail.id is not None
    return DeductionDetailHistory(**history_values(
        contract_id=contract_id, detail_id=detail.id, at=at, actor=BANK_ACTOR,
        action=action.value, before=before, after=after,
    ))
