"""Test data through the models (STYLE §7): contracts with payment groups, users and
certificates, each with overrides. Numbers and IDs are unique within a test session, so tests
sharing one database never collide.

Everything is committed unless ``commit=False`` (then only flushed). Secrets are hashed with
``services.passwords`` (the cheap test profile under the integration conftest).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from chingin_app.models import (
    Certificate,
    CertificateStatus,
    Contract,
    ContractStatus,
    PaymentGroup,
    User,
    UserRole,
    fold_user_id,
)
from chingin_app.services import passwords

NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
INITIAL_PASSWORD = "Ab1!Cd2#"
PASSWORD = "Passw0rd!"

# A random start keeps two sessions on one database (or a re-run) apart as well.
_numbers = itertools.count(random.randrange(10_000_000, 90_000_000))
_days = itertools.count(random.randrange(0, 20_000))


def next_contract_no() -> str:
    """A fresh 8-digit contract number."""
    return f"{next(_numbers) % 100_000_000:08d}"


def next_user_id(prefix: str = "user") -> str:
    """A fresh user ID (letters and digits, 6–12 chars)."""
    return f"{prefix}{next(_numbers) % 10_000_000:07d}"[:12]


def next_day() -> date:
    """A fresh date (for closed days) far from the clock's."""
    return date(2040, 1, 1) + timedelta(days=next(_days))


def _finish(db: Session, obj: Any, commit: bool) -> None:
    db.add(obj)
    if commit:
        db.commit()
    else:
        db.flush()


def make_contract(
    db: Session,
    *,
    contract_no: str | None = None,
    name: str = "テスト労働組合",
    kind: str = "member",
    services: str = "rokin,ledger,batch",
    groups: Sequence[tuple[str, str]] = (("001", "本社"),),
    initial_password: str | None = INITIAL_PASSWORD,
    status: str = ContractStatus.ACTIVE.value,
    now: datetime = NOW,
    commit: bool = True,
    **overrides: Any,
) -> Contract:
    """A contract with its payment groups, written straight through the models."""
    contract = Contract(
        contract_no=contract_no or next_contract_no(),
        name=name,
        kind=kind,
        services=services,
        status=status,
        initial_password_hash=(
            passwords.hash_secret(initial_password) if initial_password is not None else None
        ),
        created_at=now,
        updated_at=now,
        **overrides,
    )
    db.add(contract)
    db.flush()
    assert contract.id is not None
    for number, group_name in groups:
        db.add(PaymentGroup(contract_id=contract.id, number=number, name=group_name))
    _finish(db, contract, commit)
    return contract


def make_user(
    db: Session,
    contract: Contract,
    *,
    user_id: str | None = None,
    role: str = UserRole.GENERAL.value,
    user_name: str = "テスト　太郎",
    email: str | None = None,
    password: str = PASSWORD,
    password_is_temporary: bool = False,
    now: datetime = NOW,
    commit: bool = True,
    **overrides: Any,
) -> User:
    """A user of ``contract`` (general unless ``role='master'``)."""
    assert contract.id is not None
    uid = user_id or next_user_id()
    user = User(
        contract_id=contract.id,
        user_id=uid,
        user_id_folded=overrides.pop("user_id_folded", fold_user_id(uid)),
        role=role,
        user_name=user_name,
        email=email or f"{uid.lower()}@example.co.jp",
        password_hash=passwords.hash_secret(password),
        password_is_temporary=password_is_temporary,
        created_at=now,
        updated_at=now,
        **overrides,
    )
    _finish(db, user, commit)
    return user


def make_certificate(
    db: Session,
    user: User,
    *,
    serial_hex: str | None = None,
    sha256: str | None = None,
    issued_at: datetime = NOW,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    status: str = CertificateStatus.CURRENT.value,
    revoked_at: datetime | None = None,
    revocation_reason: str | None = None,
    commit: bool = True,
    **overrides: Any,
) -> Certificate:
    """A certificate record for ``user`` (no key material: the service never stores any)."""
    assert user.id is not None
    if status != CertificateStatus.CURRENT.value and revoked_at is None:
        revoked_at = issued_at
    cert = Certificate(
        user_pk=user.id,
        serial_hex=serial_hex or format(secrets.randbits(64) | (1 << 63), "x"),
        sha256=sha256 or hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        not_before=not_before or issued_at - timedelta(minutes=5),
        not_after=not_after or issued_at + timedelta(days=366),
        status=status,
        revoked_at=revoked_at,
        revocation_reason=revocation_reason,
        issued_at=issued_at,
        **overrides,
    )
    _finish(db, cert, commit)
    return cert


# --- 労金控除 (issue 5): products, employees and deduction details --------------------------


def make_rokin_product(
    db: Session,
    contract: Contract,
    *,
    code: str = "0001",
    name: str = "普通預金",
    kind: str = "savings",
    branch_no: str = "101",
    commit: bool = True,
) -> Any:
    """A bank product of ``contract`` (``models.RokinProduct``)."""
    from chingin_app.models import RokinProduct

    assert contract.id is not None
    product = RokinProduct(
        contract_id=contract.id, code=code, name=name, kind=kind, branch_no=branch_no
    )
    _finish(db, product, commit)
    return product


def make_employee(
    db: Session,
    contract: Contract,
    *,
    staff_no: str,
    group_no: str = "001",
    name_kana: str = "ﾛｳｷﾝ ﾀﾛｳ",
    name_kanji: str = "労金　太郎",
    department: str = "総務部",
    now: datetime = NOW,
    commit: bool = True,
) -> Any:
    """An employee of ``contract`` in the payment group ``group_no`` (``models.Employee``)."""
    from sqlmodel import select

    from chingin_app.models import Employee

    assert contract.id is not None
    group_id = db.exec(
        select(PaymentGroup.id).where(
            PaymentGroup.contract_id == contract.id, PaymentGroup.number == group_no
        )
    ).one()
    employee = Employee(
        contract_id=contract.id, payment_group_id=group_id, staff_no=staff_no,
        name_kana=name_kana, name_kanji=name_kanji, department=department,
        created_at=now, updated_at=now,
    )
    _finish(db, employee, commit)
    return employee


def make_deduction_detail(
    db: Session,
    employee: Any,
    product: Any,
    *,
    account_no: str = "1234567",
    monthly_amount: int = 10_000,
    bonus_amount: int = 0,
    start_month: str = "2025-04",
    end_month: str | None = None,
    remaining_count: int | None = None,
    status: str = "active",
    now: datetime = NOW,
    commit: bool = True,
) -> Any:
    """A deduction detail of ``employee`` for ``product`` (``models.DeductionDetail``), written
    straight through the model (no history row)."""
    from chingin_app.models import DeductionDetail

    detail = DeductionDetail(
        contract_id=employee.contract_id, payment_group_id=employee.payment_group_id,
        employee_id=employee.id, product_id=product.id, account_no=account_no,
        monthly_amount=monthly_amount, bonus_amount=bonus_amount, start_month=start_month,
        end_month=end_month, remaining_count=remaining_count, status=status,
        created_at=now, updated_at=now,
    )
    _finish(db, detail, commit)
    return detail


def make_ledger_item(
    db: Session, contract: Contract, *, code: str = "0001", name: str = "組合費",
    now: datetime = NOW, commit: bool = True,
) -> Any:
    """A 種目 of ``contract`` (``models.LedgerItemType``)."""
    from chingin_app.models import LedgerItemType

    item = LedgerItemType(contract_id=contract.id, code=code, name=name, created_at=now,
                          updated_at=now)
    _finish(db, item, commit)
    return item


def make_ledger_detail(
    db: Session,
    employee: Any,
    item: Any,
    *,
    monthly_amount: int = 2_000,
    bonus_amount: int = 0,
    start_month: str = "2025-04",
    end_month: str | None = None,
    status: str = "active",
    now: datetime = NOW,
    commit: bool = True,
) -> Any:
    """A 賃控元帳明細 of ``employee`` for the 種目 ``item`` (``models.LedgerDetail``), written
    straight through the model (no history row)."""
    from chingin_app.models import LedgerDetail

    detail = LedgerDetail(
        contract_id=employee.contract_id, payment_group_id=employee.payment_group_id,
        employee_id=employee.id, item_type_id=item.id, monthly_amount=monthly_amount,
        bonus_amount=bonus_amount, start_month=start_month, end_month=end_month,
        status=status, created_at=now, updated_at=now,
    )
    _finish(db, detail, commit)
    return detail
