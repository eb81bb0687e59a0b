"""`chingin contract change|suspend|resume|terminate` and `chingin manual add|list` end to end
through `main([...])`, on SQLite and PostgreSQL (SPEC R-OPS-5, R-OPS-6, R-OPS-3, R-MAN-1;
DESIGN §2)."""

from __future__ import annotations

import random
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

import pki
from chingin_app.cli import main
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.models import Certificate, Contract, OperationLog
from chingin_app.models.manuals import Manual
from chingin_app.services import login, sessions
from chingin_app.services.certs import ca
from chingin_app.settings import settings
from tests import factories
from tests.integration.test_login import make_login
from tests.support.pki_testing import shared_hierarchy

TICKET = "U-2026-0100"


@dataclass
class Cli:
    """Runs `chingin` in-process as one operator, with captured output."""

    capsys: pytest.CaptureFixture[str]
    engine: Engine
    db: Session
    operator: str

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.db.commit()
        self.capsys.readouterr()
        status = main(["--operator", self.operator, *argv])
        out, err = self.capsys.readouterr()
        # The command wrote through its own session: forget what this one had loaded.
        self.db.expire_all()
        return status, out, err

    def entries(self) -> list[OperationLog]:
        self.db.commit()
        with Session(self.engine) as db:
            return list(
                db.exec(
                    select(OperationLog)
                    .where(OperationLog.actor == f"operator:{self.operator}")
                    .order_by(col(OperationLog.id))
                ).all()
            )


@pytest.fixture
def cli(app_env: Path, db_engine: Engine, db: Session, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys, db_engine, db, f"op{random.SystemRandom().randrange(10**9):09d}")


@pytest.fixture
def ca_ready(app_env: Path) -> Iterator[None]:
    s = settings()
    pki.save_hierarchy(shared_hierarchy(), s.pki_dir, passphrase=ca.ensure_passphrase(s))
    ca.hierarchy.cache_clear()
    yield
    ca.hierarchy.cache_clear()


def _contract(db: Session, contract_no: str) -> Contract:
    db.expire_all()
    row = db.exec(select(Contract).where(Contract.contract_no == contract_no)).one()
    db.commit()
    return row


def _pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return "".join(out.split())


# ---------------------------------------------------------------------------- R-OPS-5


def test_r_ops_5_cli_change_then_notice_change(cli: Cli, db: Session, tmp_path: Path) -> None:
    """R-OPS-5 "Contract changes … prints a new お知らせ (変更)"."""
    contract = factories.make_contract(db, services="rokin", groups=(("001", "本社"),))
    no = contract.contract_no
    status, out, err = cli(
        "contract", "change", no,
        "--name", "新ろうきん労働組合",
        "--services", "rokin,ledger",
        "--add-group", "002:大阪支社",
        "--add-group", "003:福岡支社",
        "--ticket", TICKET,
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert f"契約 {no} の内容を変更しました。" in out
    assert "002:大阪支社" in out and f"chingin notice {no}" in out
    fresh = _contract(db, no)
    assert (fresh.name, fresh.services) == ("新ろうきん労働組合", "rokin,ledger")

    status, out, err = cli("contract", "change", no, "--remove-group", "003", "--ticket", TICKET)
    assert (status, err) == (0, "")
    [change1, change2] = [e for e in cli.entries() if e.action == "contract.change"]
    for entry in (change1, change2):
        assert (entry.chain, entry.result, entry.target) == (f"contract:{no}", "success", no)
        assert TICKET in (entry.detail or "")

    pdf = tmp_path / "henkou.pdf"
    status, out, err = cli("notice", no, "-o", str(pdf), "--change", "--ticket", TICKET)
    assert (status, err) == (0, "")
    text = _pdf_text(pdf)
    assert "ご利用開始（変更）のお知らせ" in text
    assert "新ろうきん労働組合" in text and "002大阪支社" in text and "003福岡支社" not in text


def test_r_ops_5_cli_change_refusals(cli: Cli, db: Session) -> None:
    """Refusals: exit 1 for what is stored, 2 for bad input; nothing changes; each is logged."""
    contract = factories.make_contract(db, groups=(("001", "本社"),))
    no = contract.contract_no
    status, _out, err = cli("contract", "change", no, "--remove-group", "009", "--ticket", TICKET)
    assert status == 1
    assert message("E-GROUP-NOT-FOUND", number="009") in err
    status, _out, err = cli("contract", "change", no, "--add-group", "1:本店", "--ticket", TICKET)
    assert status == 2
    assert message("E-GROUP-FORMAT") in err
    status, _out, err = cli("contract", "change", no, "--ticket", TICKET)
    assert (status, err.strip()) == (2, message("E-CONTRACT-NO-CHANGE"))
    status, _out, err = cli("contract", "change", no, "--remove-group", "001", "--ticket", TICKET)
    assert (status, err.strip()) == (2, message("E-GROUP-REQUIRED"))
    status, _out, err = cli("contract", "change", no, "--name", "名称")  # no --ticket
    assert status == 2 and "--ticket" in err
    fresh = _contract(db, no)
    assert (fresh.name, fresh.version) == ("テスト労働組合", contract.version)
    failures = [e for e in cli.entries() if e.action == "contract.change"]
    assert len(failures) == 4
    assert all(e.result == "failure" and TICKET in (e.detail or "") for e in failures)


# ---------------------------------------------------------------------------- R-OPS-6


def test_r_ops_6_cli_suspend_resume(cli: Cli, db: Session, clock: MovableClock) -> None:
    """R-OPS-6: suspend refuses logins with MSG-CONTRACT-ENDED; resume lets them in again."""
    who = make_login(db)
    no = who.contract.contract_no
    status, out, err = cli("contract", "suspend", no, "--ticket", TICKET)
    assert (status, err) == (0, "")
    assert f"契約 {no} を一時停止しました" in out
    refused = login.login(db, facts=who.facts, password=factories.PASSWORD, clock=clock, ip=None)
    assert refused == Err("MSG-CONTRACT-ENDED")
    assert message("MSG-CONTRACT-ENDED") == "ご契約が終了しているため、ご利用いただけません。"

    status, _out, err = cli("contract", "suspend", no, "--ticket", TICKET)
    assert status == 1 and message("E-CONTRACT-STATUS", status="一時停止中") in err

    status, out, err = cli("contract", "resume", no, "--ticket", TICKET)
    assert (status, err) == (0, "")
    assert _contract(db, no).status == "active"
    actions = [(e.action, e.result) for e in cli.entries()]
    assert actions == [
        ("contract.suspend", "success"),
        ("contract.suspend", "failure"),
        ("contract.resume", "success"),
    ]
    assert all(TICKET in (e.detail or "") for e in cli.entries())


def test_r_ops_6_cli_terminate_refuses_login_and_ends_sessions(
    ca_ready: None, cli: Cli, db: Session, clock: MovableClock
) -> None:
    """R-OPS-6: after `terminate` the login service refuses and `sessions.check` ends the open
    session with 「ご契約が終了しているため、ご利用いただけません。」; every certificate is
    revoked."""
    who = make_login(db)
    no = who.contract.contract_no
    ok = login.login(db, facts=who.facts, password=factories.PASSWORD, clock=clock, ip=None)
    assert not isinstance(ok, Err)
    token = ok.value.session_token  # type: ignore[union-attr]

    status, out, err = cli("contract", "terminate", no, "--ticket", TICKET)
    assert (status, err) == (0, "")
    assert f"契約 {no} を解約しました" in out
    checked = sessions.check(db, token=token, facts=who.facts, clock=clock, touch=True)
    assert checked == Err("MSG-CONTRACT-ENDED")
    refused = login.login(db, facts=who.facts, password=factories.PASSWORD, clock=clock, ip=None)
    assert isinstance(refused, Err)
    db.expire_all()
    cert = db.get(Certificate, who.cert.id)
    assert cert is not None and cert.status == "revoked"
    db.commit()

    status, _out, err = cli("contract", "resume", no, "--ticket", TICKET)
    assert status == 1 and message("E-CONTRACT-STATUS", status="解約済み") in err
    [entry] = [e for e in cli.entries() if e.action == "contract.terminate"]
    assert (entry.chain, entry.result) == (f"contract:{no}", "success")
    assert TICKET in (entry.detail or "") and cert.serial_hex in (entry.detail or "")


def test_r_ops_6_cli_unknown_contract(cli: Cli) -> None:
    no = factories.next_contract_no()
    for op in ("suspend", "resume", "terminate"):
        status, _out, err = cli("contract", op, no, "--ticket", TICKET)
        assert status == 1 and message("E-CONTRACT-NOT-FOUND") in err
    status, _out, _err = cli("contract", "suspend", "1234", "--ticket", TICKET)
    assert status == 2


# ---------------------------------------------------------------------------- manuals


def test_r_ops_3_cli_manual_add_and_list(cli: Cli, db: Session, tmp_path: Path) -> None:
    """R-OPS-3 "register manuals and forms (PDF)"; R-MAN-1 the list."""
    title = f"操作マニュアル{secrets.token_hex(3)}"
    pdf = tmp_path / "sousa.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    status, out, err = cli("manual", "add", str(pdf), "--title", title, "--kind", "member")
    assert (status, err) == (0, "")
    assert f"「{title}」を登録しました" in out
    row = db.exec(select(Manual).where(Manual.title == title)).one()
    assert (row.kind, row.filename, row.content) == ("member", "sousa.pdf", b"%PDF-1.4\n%%EOF\n")
    db.commit()

    status, out, err = cli("manual", "list")
    assert (status, err) == (0, "")
    assert title in out and "sousa.pdf" in out
    actions = [(e.action, e.result, e.chain) for e in cli.entries()]
    assert actions == [
        ("manual.register", "success", "system"),
        ("manual.list", "success", "system"),
    ]


def test_r_ops_3_cli_manual_refusals(cli: Cli, db: Session, tmp_path: Path) -> None:
    """Non-PDF refused (exit 2), IE-mode documents refused (R-ENV-6), a missing file refused
    (exit 1); nothing is stored; each refusal is logged."""
    title = f"手順書{secrets.token_hex(3)}"
    text = tmp_path / "readme.pdf"
    text.write_bytes(b"not a pdf at all")
    status, _out, err = cli("manual", "add", str(text), "--title", title, "--kind", "both")
    assert (status, err.strip()) == (2, message("E-MANUAL-NOT-PDF"))
    pdf = tmp_path / "ie.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    status, _out, err = cli("manual", "add", str(pdf), "--title", "IEモード設定", "--kind", "both")
    assert (status, err.strip()) == (2, message("E-MANUAL-IE-MODE"))
    status, _out, err = cli(
        "manual", "add", str(tmp_path / "missing.pdf"), "--title", title, "--kind", "both"
    )
    assert status == 1 and "読み込めませんでした" in err
    status, _out, err = cli("manual", "add", str(pdf), "--title", title, "--kind", "all")
    assert status == 2
    assert db.exec(select(Manual).where(Manual.title == title)).first() is None
    db.commit()
    results = [(e.action, e.result) for e in cli.entries()]
    assert results == [("manual.register", "failure")] * 3
