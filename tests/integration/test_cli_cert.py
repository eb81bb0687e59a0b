"""`chingin cert revoke` end to end through `main([...])`, on SQLite and PostgreSQL (SPEC
R-OPS-2 "revoke a user's certificate … Each leaves an audit entry", R-CERT-7; DESIGN §2
``chingin cert revoke ID``)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from sqlmodel import Session, col, select

import pki
from chingin_app.cli import main
from chingin_app.domain.messages import message
from chingin_app.models import Certificate, OperationLog
from chingin_app.services.certs import ca
from chingin_app.settings import settings
from tests import factories
from tests.support.pki_testing import shared_hierarchy


@pytest.fixture
def ca_ready(app_env: Path) -> Iterator[None]:
    s = settings()
    pki.save_hierarchy(shared_hierarchy(), s.pki_dir, passphrase=ca.ensure_passphrase(s))
    ca.hierarchy.cache_clear()
    yield
    ca.hierarchy.cache_clear()


def _run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    capsys.readouterr()
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _user_with_cert(db: Session) -> tuple[str, str]:
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    cert = factories.make_certificate(db, user)
    facts = (user.user_id, cert.serial_hex)
    db.commit()
    return facts


def _entries(db: Session, target: str) -> list[OperationLog]:
    rows = list(
        db.exec(
            select(OperationLog)
            .where(OperationLog.action == "certificate.revoke", OperationLog.target == target)
            .order_by(col(OperationLog.id))
        )
    )
    db.commit()
    return rows


def test_r_ops_2_cert_revoke_revokes_publishes_and_logs(
    db: Session, ca_ready: None, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`chingin cert revoke ID --reason lost --ticket 受付番号`: exit 0, Japanese output, the
    serial in the re-signed CRL, an audit entry with the operator and the 受付番号."""
    user_id, serial = _user_with_cert(db)
    status, out, err = _run(
        capsys, monkeypatch, "--operator", "suzuki", "cert", "revoke", user_id,
        "--reason", "lost", "--ticket", "受付-0007",
    )
    assert status == 0, err
    assert f"ユーザー {user_id} の電子証明書（シリアル番号 {serial}）を失効させました" in out
    assert "（失効理由：紛失）" in out
    assert "失効リスト（CRL）を更新し、サービスに反映しました。" in out
    db.expire_all()
    row = db.exec(select(Certificate).where(Certificate.serial_hex == serial)).one()
    db.commit()
    assert row.status == "revoked" and row.revocation_reason == "keyCompromise"
    crl = x509.load_pem_x509_crl((settings().pki_dir / "issuing.crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None
    [entry] = _entries(db, user_id)
    assert entry.actor == "operator:suzuki" and entry.result == "success"
    assert entry.detail is not None and "受付-0007" in entry.detail


@pytest.mark.parametrize(
    ("case", "code"), [("unknown", "E-USER-NOT-FOUND"), ("twice", "E-CERT-NONE-TO-REVOKE")]
)
def test_r_ops_2_cert_revoke_refusals_exit_1(
    db: Session, ca_ready: None, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, case: str, code: str,
) -> None:
    """A well-formed request refused by what is stored: exit 1 with the Japanese text; logged."""
    user_id, _ = _user_with_cert(db)
    if case == "unknown":
        user_id = factories.next_user_id("ghost")
    else:
        assert _run(capsys, monkeypatch, "cert", "revoke", user_id, "--reason", "other")[0] == 0
    status, out, err = _run(capsys, monkeypatch, "cert", "revoke", user_id, "--reason", "other")
    assert status == 1
    assert message(code) in err and out == ""
    assert _entries(db, user_id)[-1].result == "failure"


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (
            ["cert", "revoke", "tanaka01", "--reason", "stolen"],
            "--reasonは次のいずれかで指定してください：lost, other, pc-change",
        ),
        (["cert", "revoke", "tanaka01"], "必須の指定がありません：--reason"),
        (["cert", "revoke", "tanaka01", "--reason", "lost", "extra"], "認識できない引数"),
    ],
)
def test_r_ops_2_cert_revoke_bad_input_exit_2(
    app_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    argv: list[str], fragment: str,
) -> None:
    """Bad input: exit 2 with a Japanese message; nothing changed, the stray value not echoed."""
    status, _, err = _run(capsys, monkeypatch, *argv)
    assert status == 2
    assert fragment in err and "何も変更していません" in err
    assert "extra" not in err


def test_cert_help_lists_revoke(
    app_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chingin cert -h` names the sub-command and the reasons."""
    status, out, _ = _run(capsys, monkeypatch, "cert", "revoke", "-h")
    assert status == 0
    assert "pc-change" in out and "lost" in out and "--ticket" in out
