"""マスターユーザーの初期登録 on SQLite and PostgreSQL (SPEC R-MREG-1..4, R-LOCK-3, R-LOCK-5,
§3). Time comes from the MovableClock; no test sleeps."""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from chingin_app.db import session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import Contract, LogResult, OperationLog, User, UserRole
from chingin_app.services import contract_users as users
from chingin_app.services import contracts, passwords, registration
from chingin_app.services.registration import ContractGrant, MasterForm
from tests import factories
from tests.integration.test_login import CountingVerifier

RIGHT = factories.INITIAL_PASSWORD
WRONG = "Zz9!Zz9!"
_addresses = itertools.count(1)


def fresh_ip() -> str:
    """An address of its own, so the per-IP throttle (process-wide) never mixes tests."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def verify(
    db: Session, clock: MovableClock, contract_no: str, password: str = RIGHT, **kw: Any
) -> Ok[ContractGrant] | Err | Invalid:
    kw.setdefault("ip", fresh_ip())
    return registration.verify_initial_password(
        db, contract_no=contract_no, initial_password=password, clock=clock, **kw
    )


def grant_for(db: Session, clock: MovableClock, contract_no: str) -> ContractGrant:
    result = verify(db, clock, contract_no)
    assert isinstance(result, Ok), result
    return result.value


def form(user_id: str | None = None, **overrides: str) -> MasterForm:
    base = MasterForm(
        user_id=user_id or factories.next_user_id("Mst"),
        password="Mast3r-pw!",
        password_again="Mast3r-pw!",
        user_name="山田 太郎",
        email="yamada@example.co.jp",
        email_again="yamada@example.co.jp",
    )
    return replace(base, **overrides)


def register(
    db: Session, clock: MovableClock, grant: ContractGrant, master: MasterForm
) -> Ok[str] | Invalid | Err:
    return registration.register_master(db, grant=grant, form=master, clock=clock, ip="192.0.2.1")


def reload_contract(db: Session, contract: Contract) -> Contract:
    db.expire_all()
    fresh = db.get(Contract, contract.id)
    assert fresh is not None
    db.commit()
    return fresh


def entries(db: Session, contract_no: str, action: str) -> list[OperationLog]:
    rows = list(
        db.exec(
            select(OperationLog)
            .where(OperationLog.contract_no == contract_no, OperationLog.action == action)
            .order_by(col(OperationLog.id))
        ).all()
    )
    db.commit()
    return rows


def masters(db: Session, contract: Contract) -> list[User]:
    rows = list(
        db.exec(
            select(User).where(
                User.contract_id == contract.id, User.role == UserRole.MASTER.value
            )
        ).all()
    )
    db.commit()
    return rows


# ------------------------------------------------------------------ 契約番号 + 初期パスワード


@pytest.mark.parametrize(
    ("contract_no", "password", "expected"),
    [
        ("1234567", "short", [("contract_no", "E-CONTRACT-NO-FORMAT"),
                              ("initial_password", "E-INITIAL-PASSWORD-FORMAT")]),
        ("", "", [("contract_no", "E-FIELD-REQUIRED"), ("initial_password", "E-FIELD-REQUIRED")]),
        (" 12345678", RIGHT, [("contract_no", "E-FIELD-SPACES")]),
    ],
)
def test_r_mreg_1_format_errors_per_field(
    db: Session, clock: MovableClock, contract_no: str, password: str,
    expected: list[tuple[str, str]],
) -> None:
    """R-LOCK-5 "format errors are always per field"; §3 契約番号 8 digits, 初期パスワード 8 chars
    of all four classes."""
    verifier = CountingVerifier()
    result = verify(db, clock, contract_no, password, verify=verifier)
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == expected
    assert verifier.calls == []


def entries_since(db: Session, after_id: int) -> list[OperationLog]:
    """The operation-log entries written after the entry ``after_id`` (the log is shared)."""
    rows = list(db.exec(select(OperationLog).where(col(OperationLog.id) > after_id)).all())
    db.commit()
    return rows


def last_entry_id(db: Session) -> int:
    last = db.exec(select(func.max(OperationLog.id))).one()
    db.commit()
    return last or 0


@pytest.mark.parametrize(
    ("typed_number", "typed_password"),
    [
        ("{secret}", RIGHT),  # the password in the 契約番号 box
        ("{secret}", "{secret}"),  # in both boxes
        ("{secret}", "{number}"),  # the two boxes swapped
    ],
)
def test_r_sec_5_password_in_the_contract_no_field_never_reaches_the_log(
    db: Session, clock: MovableClock, typed_number: str, typed_password: str
) -> None:
    """R-SEC-5 "registration no longer logs the raw 契約番号 field on a format error (a
    password typed into the wrong box landed in the log)": the refusal is logged by its codes
    only; a well-formed 契約番号 still names the attempt."""
    contract = factories.make_contract(db)
    secret = f"Pw{factories.next_contract_no()}!"  # unique: the log is shared with other tests
    values = {"secret": secret, "number": contract.contract_no}
    seen = last_entry_id(db)
    result = verify(
        db, clock, typed_number.format(**values), typed_password.format(**values)
    )
    assert isinstance(result, Invalid)
    assert "E-CONTRACT-NO-FORMAT" in [e.code for e in result.errors]
    logged = entries_since(db, seen)
    assert [e for e in logged if secret in repr(e.model_dump())] == []
    [entry] = [e for e in logged if e.action == registration.ACTION_VERIFY]
    assert (entry.target, entry.result) == (None, "failure")
    assert "E-CONTRACT-NO-FORMAT" in (entry.detail or "")

    # A well-formed number with a malformed initial password is still named.
    seen = last_entry_id(db)
    assert isinstance(verify(db, clock, contract.contract_no, "short"), Invalid)
    [entry] = [e for e in entries_since(db, seen) if e.action == registration.ACTION_VERIFY]
    assert entry.target == contract.contract_no


def test_r_mreg_1_right_initial_password_grants_registration(
    db: Session, clock: MovableClock
) -> None:
    """R-MREG-1 "契約番号 + 初期パスワード → 次へ"."""
    contract = factories.make_contract(db, name="次へ労働組合")
    grant = grant_for(db, clock, contract.contract_no)
    assert grant == ContractGrant(contract.contract_no, "次へ労働組合", clock.now(), False,
                                  None, None, None)
    [entry] = entries(db, contract.contract_no, registration.ACTION_VERIFY)
    assert entry.result == "success"


def test_r_lock_5_every_refusal_is_generic_with_one_verify(
    db: Session, clock: MovableClock
) -> None:
    """R-LOCK-5 "unknown user IDs get the same answer and the same timing as wrong passwords;
    pages reachable without a certificate show only generic errors" — asserted structurally:
    every path runs exactly one argon2id verify (the dummy one where nothing may count)."""
    cases: dict[str, tuple[str, str]] = {}
    cases["unknown contract"] = (factories.next_contract_no(), RIGHT)
    cases["wrong password"] = (factories.make_contract(db).contract_no, WRONG)
    cases["no initial password"] = (
        factories.make_contract(db, initial_password=None).contract_no, RIGHT)
    cases["suspended"] = (factories.make_contract(db, status="suspended").contract_no, RIGHT)
    cases["terminated"] = (factories.make_contract(db, status="terminated").contract_no, RIGHT)
    cases["locked"] = (
        factories.make_contract(
            db, initial_password_locked_until=clock.now() + timedelta(minutes=5)
        ).contract_no,
        RIGHT,
    )
    cases["blocked"] = (
        factories.make_contract(db, initial_password_blocked=True).contract_no, RIGHT)
    seen: dict[str, tuple[Any, list[bool]]] = {}
    for name, (number, password) in cases.items():
        verifier = CountingVerifier()
        seen[name] = (verify(db, clock, number, password, verify=verifier), verifier.calls)
    assert seen == {
        "unknown contract": (Err("MSG-CONTRACT-GENERIC"), [False]),
        "wrong password": (Err("MSG-CONTRACT-GENERIC"), [True]),
        "no initial password": (Err("MSG-CONTRACT-GENERIC"), [False]),
        "suspended": (Err("MSG-CONTRACT-GENERIC"), [False]),
        "terminated": (Err("MSG-CONTRACT-GENERIC"), [False]),
        "locked": (Err("MSG-CONTRACT-GENERIC"), [False]),
        "blocked": (Err("MSG-CONTRACT-GENERIC"), [False]),
    }


@pytest.fixture
def production_argon2() -> Iterator[None]:
    """The real argon2id parameters for the one timing check (the suite uses the test ones)."""
    passwords.use_production_profile()
    try:
        yield
    finally:
        passwords.use_test_profile()


def test_r_lock_5_coarse_timing_unknown_contract_like_wrong_password(
    production_argon2: None, db: Session, db_engine: Engine, clock: MovableClock
) -> None:
    """DESIGN §4 "plus one coarse check (medians of 30 tries within 25%)": an unknown contract
    number answers as fast as a wrong initial password, with the production argon2 profile
    (the structural test above proves the equal work; this catches a gross difference)."""
    contract = factories.make_contract(db)  # hashed with the production parameters
    db.commit()
    timings: dict[str, list[float]] = {"wrong": [], "unknown": []}
    for _ in range(30):
        for kind in ("wrong", "unknown"):
            with session_scope(bind=db_engine) as own:
                # Keep the contract below the lock, outside the timed call.
                row = own.get(Contract, contract.id)
                assert row is not None
                row.initial_password_failure_count = 0
                own.add(row)
                own.commit()
                number = contract.contract_no if kind == "wrong" else factories.next_contract_no()
                started = time.perf_counter()
                result = verify(own, clock, number, WRONG)
                timings[kind].append(time.perf_counter() - started)
            assert result == Err("MSG-CONTRACT-GENERIC")
    wrong = statistics.median(timings["wrong"])
    unknown = statistics.median(timings["unknown"])
    assert abs(wrong - unknown) <= 0.25 * max(wrong, unknown), (wrong, unknown)


def test_r_lock_3_wrong_initial_passwords_lock_the_contract(
    db: Session, clock: MovableClock
) -> None:
    """R-LOCK-3 "Wrong initial passwords at master registration count the same way per
    contract" (R-LOCK-1: 6 lock for 60 minutes; R-LOCK-5: not counted during the lock, success
    resets)."""
    contract = factories.make_contract(db)
    for _ in range(5):
        assert verify(db, clock, contract.contract_no, WRONG) == Err("MSG-CONTRACT-GENERIC")
    assert reload_contract(db, contract).initial_password_failure_count == 5
    verify(db, clock, contract.contract_no, WRONG)
    row = reload_contract(db, contract)
    assert (row.initial_password_failure_count, row.initial_password_lock_count) == (0, 1)
    assert row.initial_password_locked_until == clock.now() + timedelta(minutes=60)
    assert len(entries(db, contract.contract_no, registration.ACTION_INITIAL_LOCK)) == 1

    clock.advance(timedelta(minutes=59, seconds=59))
    assert verify(db, clock, contract.contract_no) == Err("MSG-CONTRACT-GENERIC")
    assert verify(db, clock, contract.contract_no, WRONG) == Err("MSG-CONTRACT-GENERIC")
    assert reload_contract(db, contract).initial_password_failure_count == 0  # not counted
    clock.advance(timedelta(seconds=1))
    verify(db, clock, contract.contract_no, WRONG)
    assert isinstance(verify(db, clock, contract.contract_no), Ok)
    row = reload_contract(db, contract)
    assert (row.initial_password_failure_count, row.initial_password_lock_count) == (0, 0)


def test_r_lock_3_third_lock_blocks_until_the_bank_unblocks(
    db: Session, clock: MovableClock
) -> None:
    """R-LOCK-3 "a blocked contract needs the bank (P.44 ４)"; R-OPS-2 "unblock a contract
    blocked by initial-password failures"."""
    contract = factories.make_contract(db)
    for _ in range(3):
        for _ in range(6):
            verify(db, clock, contract.contract_no, WRONG)
        clock.advance(timedelta(minutes=60))
    row = reload_contract(db, contract)
    assert (row.initial_password_blocked, row.initial_password_lock_count) == (True, 3)
    clock.advance(timedelta(days=10))
    assert verify(db, clock, contract.contract_no) == Err("MSG-CONTRACT-GENERIC")
    assert len(entries(db, contract.contract_no, registration.ACTION_INITIAL_BLOCK)) == 1
    assert isinstance(
        contracts.unblock_contract(db, contract_no=contract.contract_no, actor="cli",
                                   clock=clock),
        Ok,
    )
    assert isinstance(verify(db, clock, contract.contract_no), Ok)


def test_r_lock_5_parallel_wrong_initial_passwords_never_pass_six(
    db: Session, db_engine: Engine, clock: MovableClock
) -> None:
    """R-LOCK-5 "counters update atomically, so parallel guesses cannot pass 6" (per contract,
    R-LOCK-3)."""
    contract = factories.make_contract(db)
    db.commit()
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def guess() -> None:
        try:
            start.wait()
            with session_scope(bind=db_engine) as own:
                verify(own, clock, contract.contract_no, WRONG)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counted = [
        e for e in entries(db, contract.contract_no, registration.ACTION_VERIFY)
        if e.result == LogResult.FAILURE.value
    ]
    assert len(counted) <= 6
    assert len(entries(db, contract.contract_no, registration.ACTION_INITIAL_LOCK)) == 1
    assert reload_contract(db, contract).initial_password_lock_count == 1


def test_r_lock_5_throttled_per_ip(db: Session, clock: MovableClock) -> None:
    """R-LOCK-5 "pages reachable without a certificate … are throttled per IP": 30 tries per
    address in any 10 minutes; then the same generic answer, without argon2 work."""
    contract = factories.make_contract(db)
    ip = fresh_ip()
    for _ in range(30):
        verify(db, clock, factories.next_contract_no(), WRONG, ip=ip)
    verifier = CountingVerifier()
    assert verify(db, clock, contract.contract_no, ip=ip, verify=verifier) == Err(
        "MSG-CONTRACT-GENERIC"
    )
    assert verifier.calls == []
    assert isinstance(verify(db, clock, contract.contract_no), Ok)  # another address
    clock.advance(timedelta(minutes=10))
    assert isinstance(verify(db, clock, contract.contract_no, ip=ip), Ok)


# ---------------------------------------------------------------------------- 登録


def test_r_mreg_2_register_the_master(db: Session, clock: MovableClock) -> None:
    """R-MREG-2 "Master's user ID, password (twice), user name, e-mail (twice) → 登録"."""
    contract = factories.make_contract(db)
    grant = grant_for(db, clock, contract.contract_no)
    master = form()
    assert register(db, clock, grant, master) == Ok(master.user_id)
    [user] = masters(db, contract)
    assert (user.user_id, user.user_name, user.email, user.password_is_temporary) == (
        master.user_id, "山田　太郎", "yamada@example.co.jp", False
    )
    assert passwords.verify_secret(user.password_hash, master.password)
    [entry] = entries(db, contract.contract_no, registration.ACTION_REGISTER)
    assert (entry.actor, entry.target, entry.result) == (master.user_id, master.user_id,
                                                         "success")


def test_r_mreg_2_every_field_error_at_once_and_nothing_saved(
    db: Session, clock: MovableClock
) -> None:
    """§3 "Every rule is checked server-side with a Japanese message at the field …
    Rejected input changes nothing"."""
    contract = factories.make_contract(db)
    grant = grant_for(db, clock, contract.contract_no)
    bad = MasterForm(
        user_id="abc", password="password", password_again="different",
        user_name="😀", email="taro@docomo.ne.jp", email_again="other@example.jp",
    )
    result = register(db, clock, grant, bad)
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [
        ("user_id", "E-USER-ID-FORMAT"),
        ("password", "E-PASSWORD-FORMAT"),
        ("password_again", "E-REENTRY-MISMATCH"),
        ("user_name", "E-FIELD-CHARS"),
        ("email", "E-EMAIL-CARRIER"),
        ("email_again", "E-REENTRY-MISMATCH"),
    ]
    assert masters(db, contract) == []


def test_r_mreg_2_id_taken_only_once_every_other_field_is_valid(
    db: Session, clock: MovableClock
) -> None:
    """§3 "MSG-ID-TAKEN is checked only once every other field is valid"; an ID is "unique
    case-insensitively across the service"."""
    other = factories.make_contract(db)
    taken = factories.next_user_id("Taken")
    factories.make_user(db, other, user_id=taken)
    contract = factories.make_contract(db)
    grant = grant_for(db, clock, contract.contract_no)
    result = register(db, clock, grant, form(taken.upper(), email_again="x@example.jp"))
    assert isinstance(result, Invalid)
    assert [e.field for e in result.errors] == ["email_again"]
    assert register(db, clock, grant, form(taken.upper())) == Err("MSG-ID-TAKEN", "user_id")
    assert register(db, clock, grant, form(taken.lower())) == Err("MSG-ID-TAKEN", "user_id")
    assert masters(db, contract) == []


def test_r_mreg_2_id_of_a_deleted_user_is_taken(db: Session, clock: MovableClock) -> None:
    """§3 "unique case-insensitively across the service, deleted users included; … never
    reused"."""
    other = factories.make_contract(db)
    gone = factories.next_user_id("Gone")
    factories.make_user(db, other, user_id=gone, deleted_at=clock.now())
    contract = factories.make_contract(db)
    grant = grant_for(db, clock, contract.contract_no)
    assert register(db, clock, grant, form(gone.swapcase())) == Err("MSG-ID-TAKEN", "user_id")


def test_r_mreg_2_id_taken_at_most_10_times_per_hour(db: Session, clock: MovableClock) -> None:
    """§3 "「ユーザーＩＤは既に使用されています」 … at most 10 times per hour per contract"."""
    taken = factories.next_user_id("Limit")
    factories.make_user(db, factories.make_contract(db), user_id=taken)
    contract = factories.make_contract(db)
    grant = grant_for(db, clock, contract.contract_no)
    answers = [register(db, clock, grant, form(taken)) for _ in range(12)]
    assert answers == [Err("MSG-ID-TAKEN", "user_id")] * 10 + [Err("MSG-TRY-LATER")] * 2
    # A free ID still registers: the limit only stops probing.
    clock.advance(timedelta(minutes=59, seconds=59))
    grant = grant_for(db, clock, contract.contract_no)
    assert register(db, clock, grant, form(taken)) == Err("MSG-TRY-LATER")
    clock.advance(timedelta(seconds=1))
    assert register(db, clock, grant, form(taken)) == Err("MSG-ID-TAKEN", "user_id")
    assert isinstance(register(db, clock, grant, form()), Ok)


def test_r_mreg_2_grant_is_good_for_10_minutes(db: Session, clock: MovableClock) -> None:
    """A verified 契約番号 + 初期パスワード is accepted by 登録 for 10 minutes."""
    contract = factories.make_contract(db)
    grant = grant_for(db, clock, contract.contract_no)
    clock.advance(timedelta(minutes=10, seconds=1))
    assert register(db, clock, grant, form()) == Err("MSG-CONTRACT-GENERIC")
    grant = grant_for(db, clock, contract.contract_no)
    clock.advance(timedelta(minutes=10))
    assert isinstance(register(db, clock, grant, form()), Ok)


def test_r_mreg_2_one_master_per_contract(db: Session, clock: MovableClock) -> None:
    """R-MREG-2 "Only one master per contract"."""
    contract = factories.make_contract(db)
    grant = grant_for(db, clock, contract.contract_no)
    assert isinstance(register(db, clock, grant, form()), Ok)
    assert register(db, clock, grant, form()) == Err("MSG-MASTER-EXISTS")
    assert len(masters(db, contract)) == 1


def test_r_mreg_2_suspended_contract_cannot_register(db: Session, clock: MovableClock) -> None:
    """R-OPS-6: a contract suspended after 次へ registers nobody."""
    contract = factories.make_contract(db)
    grant = grant_for(db, clock, contract.contract_no)
    contract.status = "suspended"
    db.add(contract)
    db.commit()
    assert register(db, clock, grant, form()) == Err("MSG-CONTRACT-GENERIC")


def test_r_mreg_4_master_without_certificate_may_correct(
    db: Session, clock: MovableClock
) -> None:
    """R-MREG-4 "If the contract's master has never had a certificate issued, マスターユーザーの
    初期登録 (契約番号 + 初期パスワード) leads to a screen where the master's name and e-mail can
    be corrected instead of refusing"."""
    contract = factories.make_contract(db)
    master = form()
    register(db, clock, grant_for(db, clock, contract.contract_no), master)
    grant = grant_for(db, clock, contract.contract_no)
    assert grant.correction_only
    assert (grant.master_user_id, grant.master_user_name, grant.master_email) == (
        master.user_id, "山田　太郎", "yamada@example.co.jp"
    )
    assert register(db, clock, grant, form()) == Err("MSG-MASTER-EXISTS")

    def correct(g: ContractGrant, name: str, email: str, again: str) -> Any:
        return registration.correct_master(
            db, grant=g, user_name=name, email=email, email_again=again, clock=clock, ip=None
        )

    result = correct(grant, "", "new@example.jp", "neu@example.jp")
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [
        ("user_name", "E-FIELD-REQUIRED"), ("email_again", "E-REENTRY-MISMATCH")
    ]
    assert correct(grant, "山田 花子", "new@example.jp", "new@example.jp") == Ok(master.user_id)
    [user] = masters(db, contract)
    assert (user.user_name, user.email) == ("山田　花子", "new@example.jp")
    assert passwords.verify_secret(user.password_hash, master.password)  # password unchanged
    assert [e.result for e in entries(db, contract.contract_no, registration.ACTION_CORRECT)] == [
        "failure", "success"
    ]

    first = grant_for(db, clock, factories.make_contract(db).contract_no)
    assert correct(first, "山田 花子", "a@example.jp", "a@example.jp") == Err(
        "MSG-CONTRACT-GENERIC"
    )


@pytest.mark.parametrize("status", ["current", "revoked", "superseded"])
def test_r_mreg_4_master_who_had_a_certificate_exists(
    db: Session, clock: MovableClock, status: str
) -> None:
    """R-MREG-4 only while "never had a certificate issued": otherwise MSG-MASTER-EXISTS."""
    contract = factories.make_contract(db)
    master = form()
    register(db, clock, grant_for(db, clock, contract.contract_no), master)
    grant = grant_for(db, clock, contract.contract_no)
    [user] = masters(db, contract)
    factories.make_certificate(db, user, status=status)
    assert verify(db, clock, contract.contract_no) == Err("MSG-MASTER-EXISTS")
    assert registration.correct_master(
        db, grant=grant, user_name="山田", email="b@example.jp", email_again="b@example.jp",
        clock=clock, ip=None,
    ) == Err("MSG-MASTER-EXISTS")


# ---------------------------------------------------------------------------- general users


def _add_general(
    db: Session, clock: MovableClock, contract_no: str, user_id: str | None = None, **kw: str
) -> Ok[str] | Invalid | Err:
    fields = {
        "user_name": "一般 一郎",
        "email": "ippan@example.co.jp",
        "temporary_password": "Temp0rary!",
        **kw,
    }
    return users.create_general_user(
        db, contract_no=contract_no, user_id=user_id or factories.next_user_id("Gen"),
        actor="Mst0000001", clock=clock, **fields,
    )


def test_r_user_3_add_general_user_with_temporary_password(
    db: Session, clock: MovableClock
) -> None:
    """R-USER-3 "Master adds a general user (登録へ): ID, name, temporary password … → 登録";
    R-LOGIN-3: the temporary password must be changed at the first login."""
    contract = factories.make_contract(db)
    uid = factories.next_user_id("Gen")
    assert _add_general(db, clock, contract.contract_no, uid) == Ok(uid)
    user = db.exec(select(User).where(User.user_id == uid)).one()
    db.commit()
    assert (user.role, user.password_is_temporary, user.user_name) == (
        "general", True, "一般　一郎"
    )
    assert passwords.verify_secret(user.password_hash, "Temp0rary!")
    [entry] = entries(db, contract.contract_no, users.ACTION_CREATE_GENERAL)
    assert (entry.actor, entry.target, entry.result) == ("Mst0000001", uid, "success")


def test_r_user_3_at_most_10_general_users(db: Session, clock: MovableClock) -> None:
    """R-USER-3 "At most 10" (MSG-USER-LIMIT); deleted users do not count."""
    contract = factories.make_contract(db)
    factories.make_user(db, contract, deleted_at=clock.now())
    factories.make_user(db, contract, role=UserRole.MASTER.value)
    for _ in range(10):
        assert isinstance(_add_general(db, clock, contract.contract_no), Ok)
    assert _add_general(db, clock, contract.contract_no) == Err("MSG-USER-LIMIT")


def test_r_user_3_id_rules(db: Session, clock: MovableClock) -> None:
    """§3: field errors first and together; then an ID equal ignoring case to any user's
    (deleted ones included) is MSG-ID-TAKEN; an unknown contract is refused."""
    contract = factories.make_contract(db)
    taken = factories.next_user_id("GenTaken")
    factories.make_user(db, factories.make_contract(db), user_id=taken, deleted_at=clock.now())
    result = _add_general(db, clock, contract.contract_no, taken, email="bad", user_name="")
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [
        ("user_name", "E-FIELD-REQUIRED"), ("email", "E-EMAIL-FORMAT")
    ]
    assert _add_general(db, clock, contract.contract_no, taken.upper()) == Err(
        "MSG-ID-TAKEN", "user_id"
    )
    result = _add_general(db, clock, contract.contract_no, temporary_password="weak")
    assert isinstance(result, Invalid)
    assert [e.field for e in result.errors] == ["temporary_password"]
    assert _add_general(db, clock, factories.next_contract_no()) == Err(
        "E-CONTRACT-NOT-FOUND", "contract_no"
    )
