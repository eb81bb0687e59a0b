"""`chingin bank publish-request` and `chingin bank load-results` end to end through
`main([...])` on SQLite and PostgreSQL (SPEC §11 RK-4, RK-11, Appendix A.4; issue 5: "publish a
month's request … load results from a bank file")."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from chingin_app.cli import main
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Ok
from chingin_app.models import (
    DeductionRequest,
    DeductionRequestItem,
    DeductionResultItem,
    OperationLog,
)
from chingin_app.services.rokin import cycle as rc
from tests.factories import make_contract, make_deduction_detail, make_employee, make_rokin_product


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
        self.db.expire_all()
        return status, out, err

    def entries(self, action: str) -> list[OperationLog]:
        self.db.commit()
        with Session(self.engine) as db:
            return list(
                db.exec(
                    select(OperationLog)
                    .where(
                        OperationLog.actor == f"operator:{self.operator}",
                        OperationLog.action == action,
                    )
                    .order_by(col(OperationLog.id))
                ).all()
            )

    def entries_all(self) -> list[OperationLog]:
        """Every entry of this operator, whatever the action."""
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


@dataclass
class Org:
    contract_no: str
    contract_id: int


@pytest.fixture
def org(db: Session) -> Org:
    contract = make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    product = make_rokin_product(db, contract, code="0001", name="普通預金")
    e1 = make_employee(db, contract, staff_no="000101", name_kana="ﾛｳｷﾝ ﾀﾛｳ")
    e2 = make_employee(db, contract, staff_no="000102", name_kana="ｷﾕｳﾖ ｲﾁﾛｳ")
    e3 = make_employee(db, contract, staff_no="000201", group_no="002", name_kana="ｵｵｻｶ ﾊﾅｺ")
    make_deduction_detail(db, e1, product, account_no="1000101", monthly_amount=10_000)
    make_deduction_detail(db, e2, product, account_no="1000102", monthly_amount=12_345)
    make_deduction_detail(db, e3, product, account_no="1000201", monthly_amount=8_000)
    assert contract.id is not None
    return Org(contract.contract_no, contract.id)


def _requests(db: Session, org: Org) -> list[DeductionRequest]:
    db.expire_all()
    return list(
        db.exec(
            select(DeductionRequest)
            .where(DeductionRequest.contract_id == org.contract_id)
            .order_by(col(DeductionRequest.payment_group_id))
        ).all()
    )


def test_rk4_cli_publish_request_every_group_then_refuses_a_second(
    cli: Cli, db: Session, org: Org
) -> None:
    """`chingin bank publish-request --contract N --month YYYY-MM`: one request per payment
    group, counts and dates printed, logged with the 受付番号; a second run is refused (exit 1,
    nothing changed) until `--replace`."""
    status, out, err = cli(
        "bank",
        "publish-request",
        "--contract",
        org.contract_no,
        "--month",
        "2026-04",
        "--ticket",
        "B-0001",
    )
    assert (status, err) == (0, "")
    assert "入金グループ001 2026-04 月例の控除依頼を作成しました：依頼 2件 22,345円" in out
    assert "入金グループ002 2026-04 月例の控除依頼を作成しました：依頼 1件 8,000円" in out
    assert "控除日 2026-04-24 まとめ入金期限 2026-04-28 入金予定日 2026-04-30" in out
    rows = _requests(db, org)
    assert [(r.deduct_month, r.pay_kind, r.status) for r in rows] == [
        ("2026-04", "monthly", "received")
    ] * 2
    entries = cli.entries(rc.ACTION_PUBLISH)
    assert len(entries) == 2
    assert all(json.loads(e.detail or "{}")["ticket"] == "B-0001" for e in entries)
    assert {e.contract_no for e in entries} == {org.contract_no}

    status, out, err = cli(
        "bank",
        "publish-request",
        "--contract",
        org.contract_no,
        "--month",
        "2026-04",
        "--group",
        "001",
    )
    assert status == 1 and out == ""
    assert "既に作成されています" in err and "--replace" in err
    assert len(_requests(db, org)) == 2

    status, out, _ = cli(
        "bank",
        "publish-request",
        "--contract",
        org.contract_no,
        "--month",
        "2026-04",
        "--group",
        "001",
        "--replace",
    )
    assert status == 0
    assert "入金グループ001 2026-04 月例の控除依頼を作り直しました" in out
    assert "入金グループ002" not in out


@pytest.mark.parametrize(
    ("argv", "status", "text"),
    [
        (["--month", "2026/04"], 2, "「控除年月」は半角の年月"),
        (["--month", "2026-04", "--pay-kind", "yearly"], 2, "「支給区分」は monthly"),
        (["--month", "2026-04", "--group", "777"], 1, "入金グループの番号777は登録されていません"),
    ],
)
def test_rk4_cli_publish_request_bad_input(
    cli: Cli, db: Session, org: Org, argv: list[str], status: int, text: str
) -> None:
    """Bad input: a Japanese message, a non-zero exit, no request."""
    got, out, err = cli("bank", "publish-request", "--contract", org.contract_no, *argv)
    assert (got, out) == (status, "")
    assert text in err
    assert _requests(db, org) == []


def test_rk4_cli_unknown_contract(cli: Cli) -> None:
    status, _, err = cli("bank", "publish-request", "--contract", "99999998", "--month", "2026-04")
    assert status == 1 and "この契約番号の契約は登録されていません" in err
    status, _, err = cli("bank", "publish-request", "--contract", "12", "--month", "2026-04")
    assert status == 2 and "契約番号" in err


def _confirm_all(db: Session, org: Org) -> None:
    clock = MovableClock(datetime(2026, 4, 20, 1, 0, tzinfo=UTC))
    for request in _requests(db, org):
        from chingin_app.models import PaymentGroup

        group = db.get(PaymentGroup, request.payment_group_id)
        assert group is not None and request.id is not None

        @dataclass(frozen=True)
        class Master:
            contract_no: str = org.contract_no
            user_id: str = "master01"
            group_no: str | None = group.number

        got = rc.confirm(
            db, session=Master(), clock=clock, request_id=request.id, version=request.version
        )
        assert isinstance(got, Ok), got


def _results_file(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "kekka.csv"
    path.write_bytes(rc.results_csv(rows))
    return path


GOOD = [
    [
        "001",
        "2026-04",
        "月例",
        "000101",
        "1000101",
        "0001",
        "10000",
        "0",
        "",
        "ﾛｳｷﾝ ﾀﾛｳ",
        "2026-04-30",
    ],
    ["001", "2026-04", "月例", "000102", "1000102", "0001", "0", "2", "退職", "ｷﾕｳﾖ ｲﾁﾛｳ", ""],
    [
        "002",
        "2026-04",
        "月例",
        "000201",
        "1000201",
        "0001",
        "8000",
        "0",
        "",
        "ｵｵｻｶ ﾊﾅｺ",
        "2026-04-30",
    ],
]


def test_rk11_cli_load_results_all_or_nothing(
    cli: Cli, db: Session, org: Org, tmp_path: Path
) -> None:
    """`chingin bank load-results --contract N FILE`: a file with errors lists them by row and
    column, exits 2 and stores nothing; the corrected file is stored and counted."""
    assert (
        cli("bank", "publish-request", "--contract", org.contract_no, "--month", "2026-04")[0] == 0
    )
    _confirm_all(db, org)
    bad = [list(r) for r in GOOD]
    bad[0][6] = "10,000"
    bad[2][9] = "大阪"
    status, out, err = cli(
        "bank",
        "load-results",
        "--contract",
        org.contract_no,
        str(_results_file(tmp_path, bad)),
        "--ticket",
        "K-1",
    )
    assert (status, out) == (2, "")
    assert "何も登録していません" in err
    assert "2行目「控除額」は半角数字（カンマなし）9桁以内で入力してください。" in err
    assert "4行目「金庫登録カナ」" in err
    stored = db.exec(
        select(func.count())
        .select_from(DeductionResultItem)
        .where(DeductionResultItem.contract_id == org.contract_id)
    ).one()
    assert stored == 0
    assert {r.status for r in _requests(db, org)} == {"confirmed"}
    assert len(cli.entries(rc.ACTION_LOAD_RESULTS)) == 1  # the refusal (system chain)

    status, out, err = cli(
        "bank",
        "load-results",
        "--contract",
        org.contract_no,
        str(_results_file(tmp_path, GOOD)),
        "--ticket",
        "K-2",
    )
    assert (status, err) == (0, "")
    assert "入金グループ001 2026-04 月例の控除結果を登録しました：済 1件、不能 1件" in out
    assert "入金グループ002 2026-04 月例の控除結果を登録しました：済 1件、不能 0件" in out
    assert {r.status for r in _requests(db, org)} == {"results"}
    reasons = db.exec(
        select(DeductionRequestItem.staff_no, DeductionResultItem.reason)
        .join(
            DeductionResultItem,
            col(DeductionResultItem.request_item_id) == col(DeductionRequestItem.id),
        )
        .where(
            DeductionResultItem.contract_id == org.contract_id,
            DeductionResultItem.result == "not_deducted",
        )
    ).all()
    assert list(reasons) == [("000102", "退職")]
    successes = [e for e in cli.entries(rc.ACTION_LOAD_RESULTS) if e.result == "success"]
    assert len(successes) == 2
    assert all(json.loads(e.detail or "{}")["ticket"] == "K-2" for e in successes)


def test_rk11_cli_load_results_missing_file(cli: Cli, org: Org, tmp_path: Path) -> None:
    status, out, err = cli(
        "bank", "load-results", "--contract", org.contract_no, str(tmp_path / "none.csv")
    )
    assert (status, out) == (2, "")
    assert "none.csv を読めませんでした" in err


@pytest.fixture
def migrations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ``chingin_app.db.migrate`` call of the command: one per opened session."""
    from chingin_app import db as chingin_db

    calls: list[str] = []
    real = chingin_db.migrate

    def counting(url: str) -> None:
        calls.append(url)
        real(url)

    monkeypatch.setattr(chingin_db, "migrate", counting)
    return calls


@pytest.mark.parametrize(
    "argv",
    [
        ["publish-request", "--month", "2026-04"],
        ["load-results", "{file}"],
        ["load-batch", "{file}"],
        ["load-zaikei", "--kind", "deposit", "{file}"],
        ["load-zaikei", "--kind", "balance", "{file}"],
    ],
)
def test_rk11_cli_bank_unknown_contract_one_session(
    cli: Cli, migrations: list[str], tmp_path: Path, argv: list[str]
) -> None:
    """The services take the contract number (issue 10): an unknown one is refused by the
    service, exit 1 with the usual message, one failure entry naming the number, and the
    command opens one session (one ``migrate``), not one to look the number up and another
    to load."""
    number = "99999997"
    path = tmp_path / "bank.csv"
    path.write_bytes(b"x\r\n")
    action, *rest = argv
    status, out, err = cli(
        "bank", action, "--contract", number, *(a.format(file=path) for a in rest)
    )
    assert (status, out) == (1, "")
    assert "この契約番号の契約は登録されていません" in err
    [entry] = [e for e in cli.entries_all() if e.result == "failure"]
    # The loads name the contract as target; publish-request names the request it was asked
    # for (as for its other refusals) and the contract in the detail.
    named = entry.target if action.startswith("load-") else json.loads(entry.detail or "{}")[
        "contract_no"]
    assert (entry.chain, named) == ("system", number)
    assert len(migrations) == 1


def test_rk11_cli_load_results_one_session(
    cli: Cli, db: Session, org: Org, tmp_path: Path, migrations: list[str]
) -> None:
    """A load that succeeds opens one session too."""
    assert (
        cli("bank", "publish-request", "--contract", org.contract_no, "--month", "2026-04")[0] == 0
    )
    _confirm_all(db, org)
    migrations.clear()
    status, _, err = cli(
        "bank", "load-results", "--contract", org.contract_no, str(_results_file(tmp_path, GOOD))
    )
    assert (status, err) == (0, "")
    assert len(migrations) == 1
