"""Contracts, payment groups, certificates and manuals at the database level (SPEC §1,
R-OPS-1, R-CERT-5, R-MAN-1)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from chingin_app.db import session_scope
from chingin_app.models import Contract, Manual, PaymentGroup
from tests import factories


def test_r_ops_1_contract_no_unique(db: Session) -> None:
    """R-OPS-1: a contract number names one contract."""
    contract = factories.make_contract(db)
    with pytest.raises(IntegrityError):
        factories.make_contract(db, contract_no=contract.contract_no)


def test_r_ops_1_group_number_unique_per_contract(db: Session) -> None:
    """DESIGN §2 ``--group NNN:名称`` "(3 digits, unique per contract)"; other contracts may
    reuse the number."""
    first = factories.make_contract(db, groups=[("001", "本社"), ("002", "支社")])
    second = factories.make_contract(db, groups=[("001", "本社")])
    assert first.id is not None and second.id is not None
    db.add(PaymentGroup(contract_id=first.id, number="002", name="重複"))
    with pytest.raises(IntegrityError):
        db.flush()


@pytest.mark.parametrize(
    ("column", "value"), [("kind", "both"), ("status", "closed"), ("kind", "MEMBER")]
)
def test_contract_kind_and_status_checked(db: Session, column: str, value: str) -> None:
    """Only member/employer kinds and active/suspended/terminated statuses are stored."""
    overrides: dict[str, Any] = {column: value}
    with pytest.raises(IntegrityError):
        factories.make_contract(db, **overrides)


def test_contract_version_detects_a_lost_update(db_engine: Engine) -> None:
    """A contract saved from a stale read raises StaleDataError (optimistic locking)."""
    with session_scope(bind=db_engine) as setup:
        contract_pk = factories.make_contract(setup).id
    with session_scope(bind=db_engine) as first:
        stale = first.get(Contract, contract_pk)
        assert stale is not None
        first.commit()
        with session_scope(bind=db_engine) as second:
            fresh = second.get(Contract, contract_pk)
            assert fresh is not None
            fresh.name = "改称後の団体"
            second.add(fresh)
            second.commit()
        stale.name = "古い団体名"
        first.add(stale)
        with pytest.raises(StaleDataError):
            first.commit()


def test_r_cert_5_one_current_certificate_per_user(db: Session) -> None:
    """R-CERT-5 "One valid certificate per user ID", enforced by a partial unique index;
    superseded and revoked ones may be many."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    factories.make_certificate(db, user, status="superseded")
    factories.make_certificate(db, user, status="revoked")
    factories.make_certificate(db, user)
    with pytest.raises(IntegrityError):
        factories.make_certificate(db, user)


def test_certificate_fingerprint_and_serial_unique(db: Session) -> None:
    """The gate finds a certificate by its SHA-256; the CRL names it by serial."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    cert = factories.make_certificate(db, user, status="superseded")
    with pytest.raises(IntegrityError):
        factories.make_certificate(db, user, sha256=cert.sha256)
    db.rollback()
    with pytest.raises(IntegrityError):
        factories.make_certificate(db, user, serial_hex=cert.serial_hex)


def test_r_man_1_manual_needs_content_or_path(db: Session) -> None:
    """R-MAN-1: a registered manual is stored bytes or a file, never nothing."""
    db.add(
        Manual(
            title="初期パスワード届出書（会員向け）",
            kind="member",
            filename="form.pdf",
            sha256="0" * 64,
            registered_at=factories.NOW,
        )
    )
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    manual = Manual(
        title="初期パスワード届出書（会員向け）",
        kind="member",
        filename="form.pdf",
        content=b"%PDF-1.4",
        sha256="0" * 64,
        registered_at=factories.NOW,
    )
    db.add(manual)
    db.commit()
    db.expunge_all()
    loaded = db.get(Manual, manual.id)
    assert loaded is not None
    assert loaded.content == b"%PDF-1.4"
