"""The demo contracts `chingin serve` loads outside production (and `chingin demo` on its own)."""

from __future__ import annotations

import secrets
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlmodel import Session

from chingin_app.db import migrate, session_scope
from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.result import Err
from chingin_app.runtime import demo_batch, demo_ledger, demo_rokin, demo_zaikei
from chingin_app.services import contracts
from chingin_app.services.context import app_clock
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.settings import settings

DEMO_CONTRACT_NO = "12345678"
DEMO_NAME = "ろうきんデモ労働組合"
DEMO_GROUPS = ["001:本社", "002:大阪支社"]
_SYMBOLS = "!#$%&*+-=?@_"
_ACTOR = "operator:demo"  # the 0008 migration recognises earlier demo contracts by it
PRODUCTION_REFUSAL = "本番環境（CHINGIN_ENV=production）ではデモ用の契約を作りません。"


def generate_initial_password() -> str:
    """8 characters with upper, lower, digit and symbol (SPEC §3 初期パスワード)."""
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, _SYMBOLS]
    chars = [secrets.choice(c) for c in classes]
    pool = "".join(classes)
    chars += [secrets.choice(pool) for _ in range(4)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


@dataclass(frozen=True)
class DemoInfo:
    """What `chingin serve` prints: the contract, and a fresh initial password while no master
    has registered (None afterwards: it is stored only as a hash). ``taken``: a contract the
    demo did not make uses the number, and was left alone (R-DEP-1)."""

    contract_no: str
    initial_password: str | None
    #: The 財形 (事業主) demo contract (issue 4), printed the same way.
    employer: DemoInfo | None = None
    taken: bool = False


@dataclass(frozen=True)
class _DemoContract:
    contract_no: str
    name: str
    kind: str
    services: str
    groups: tuple[str, ...]


_MEMBER = _DemoContract(DEMO_CONTRACT_NO, DEMO_NAME, "member", "rokin,ledger,batch",
                        tuple(DEMO_GROUPS))
_EMPLOYER = _DemoContract(demo_zaikei.EMPLOYER_CONTRACT_NO, demo_zaikei.EMPLOYER_NAME,
                          "employer", demo_zaikei.EMPLOYER_SERVICES,
                          tuple(demo_zaikei.EMPLOYER_GROUPS))


def _load_rokin(db: Session, contract_id: int, clock: Clock) -> None:
    """The 労金控除 demo organisation (issue 5); each loader leaves a contract that already has
    its data alone, so this runs at every start."""
    today = to_jst(clock.now()).date()
    demo_rokin.load_demo_organisation(db, contract_id, today)
    # Three past cycles and the current request (issue 5); skipped once requests exist.
    rokin_cycle.load_demo_history(
        db, contract_id=contract_id, today=today, bank_kana=demo_rokin.DEMO_BANK_KANA
    )
    # Three 一斉積立内訳明細 per payment group (issue 4); skipped once statements exist.
    demo_batch.load_demo_statements(db, contract_id, today)
    # The 賃控元帳 種目 and details with their history, three past ledger cycles with results
    # and the current one (RL-1 … RL-13, RL-CYCLE-1 … 4); skipped once the contract has 種目.
    demo_ledger.load_demo_ledger(db, contract_id, today)


def _load_employer(db: Session, contract_id: int, clock: Clock) -> None:
    demo_zaikei.load_demo_employer(db, contract_id, clock, to_jst(clock.now()).date())


def _prepare(
    db: Session, spec: _DemoContract, clock: Clock, load: Callable[[Session, int, Clock], None]
) -> DemoInfo:
    """Create the demo contract (flagged as demo), or give a flagged one a fresh initial password
    while its master is unregistered; then its data unless present. A contract with the number
    that is not flagged is never touched (R-DEP-1: only operator commands change contracts)."""
    password = generate_initial_password()
    shown: str | None = password
    existing = contracts.get_contract(db, spec.contract_no)
    result: object = None
    if existing is None:
        result = contracts.create_contract(
            db, contract_no=spec.contract_no, name=spec.name, kind=spec.kind,
            services=spec.services, groups=list(spec.groups), initial_password=password,
            actor=_ACTOR, clock=clock, demo=True,
        )
    elif not existing.is_demo:
        return DemoInfo(spec.contract_no, None, taken=True)
    elif not existing.has_master:
        result = contracts.set_initial_password(
            db, contract_no=spec.contract_no, initial_password=password, actor=_ACTOR,
            clock=clock,
        )
    else:
        shown = None
    if isinstance(result, Err):
        raise RuntimeError(f"demo contract {spec.contract_no} refused: {result.code}")
    contract_id = demo_rokin.demo_contract_id(db, spec.contract_no)
    assert contract_id is not None, "created or found above"
    load(db, contract_id, clock)
    return DemoInfo(spec.contract_no, shown)


def load_demo(*, clock: Clock) -> DemoInfo:
    """Both demo contracts: the 会員 one and the 財形 (事業主) one (``employer``). Never in
    production (R-DEP-1: the caller checks)."""
    with session_scope() as db:
        member = _prepare(db, _MEMBER, clock, _load_rokin)
    with session_scope() as db:
        employer = _prepare(db, _EMPLOYER, clock, _load_employer)
    return replace(member, employer=employer)


def shown_password(info: DemoInfo) -> str:
    """The 初期パスワード line's value."""
    if info.taken:
        return "（この番号は通常の契約が使っているため、デモは読み込みませんでした）"
    return info.initial_password or "（マスターユーザー登録済み）"


def main() -> int:
    """`chingin demo`: load the demo contracts and print their credentials; refused in
    production (R-DEP-1)."""
    s = settings()
    if s.is_production:
        print(PRODUCTION_REFUSAL, file=sys.stderr)
        return 1
    migrate(s.database_url)
    info = load_demo(clock=app_clock())
    print(f"デモ契約番号: {info.contract_no}")
    print(f"初期パスワード: {shown_password(info)}")
    if info.employer is not None:
        print(f"デモ契約番号（財形・事業主）: {info.employer.contract_no}")
        print(f"初期パスワード（財形・事業主）: {shown_password(info.employer)}")
    return 0
