"""The demo contract `chingin serve` loads (and `chingin demo` on its own)."""

from __future__ import annotations

import secrets
import string
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
    has registered (None afterwards: it is stored only as a hash)."""

    contract_no: str
    initial_password: str | None
    #: The 財形 (事業主) demo contract (issue 4), printed the same way.
    employer: DemoInfo | None = None


def _load_rokin(db: Session, clock: Clock) -> None:
    """The 労金控除 demo organisation (issue 5); each loader leaves a contract that already has
    its data alone, so this runs at every start."""
    contract_id = demo_rokin.demo_contract_id(db, DEMO_CONTRACT_NO)
    if contract_id is None:
        return
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


def load_demo(*, clock: Clock) -> DemoInfo:
    """Both demo contracts: the 会員 one and the 財形 (事業主) one (``employer``)."""
    info = _load_member_demo(clock=clock)
    with session_scope() as db:
        shown = demo_zaikei.load_demo_employer(
            db=db, clock=clock, today=to_jst(clock.now()).date(),
            password=generate_initial_password(),
        )
    return replace(info, employer=DemoInfo(demo_zaikei.EMPLOYER_CONTRACT_NO, shown))


def _load_member_demo(*, clock: Clock) -> DemoInfo:
    """Create the demo contract with two payment groups, or refresh its initial password while
    its master is still unregistered."""
    password = generate_initial_password()
    result: object
    with session_scope() as db:
        existing = contracts.get_contract(db, DEMO_CONTRACT_NO)
        if existing is None:
            result = contracts.create_contract(
                db, contract_no=DEMO_CONTRACT_NO, name=DEMO_NAME, kind="member",
                services="rokin,ledger,batch", groups=DEMO_GROUPS, initial_password=password,
                actor="operator:demo", clock=clock,
            )
        elif not existing.has_master:
            result = contracts.set_initial_password(
                db, contract_no=DEMO_CONTRACT_NO, initial_password=password,
                actor="operator:demo", clock=clock,
            )
        else:
            _load_rokin(db, clock)
            return DemoInfo(DEMO_CONTRACT_NO, None)
        if not isinstance(result, Err):
            _load_rokin(db, clock)
    if isinstance(result, Err):
        raise RuntimeError(f"demo contract refused: {result.code}")
    return DemoInfo(DEMO_CONTRACT_NO, password)


def main() -> int:
    """`chingin demo`: load the demo contract and print its credentials."""
    migrate(settings().database_url)
    info = load_demo(clock=app_clock())
    print(f"デモ契約番号: {info.contract_no}")
    if info.initial_password:
        print(f"初期パスワード: {info.initial_password}")
    else:
        print("マスターユーザーは登録済みです。")
    if info.employer is not None:
        print(f"デモ契約番号（財形・事業主）: {info.employer.contract_no}")
        print(f"初期パスワード（財形・事業主）: "
              f"{info.employer.initial_password or '（マスターユーザー登録済み）'}")
    return 0
