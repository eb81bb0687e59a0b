"""The operator command `chingin` end to end through `main([...])`, on SQLite and PostgreSQL
(SPEC R-OPS-1, R-OPS-2, R-ENV-1a, R-OPS-7; DESIGN §2 "Operator commands (each leaves an
operation-log entry)", "Secrets are never taken from the command line")."""

from __future__ import annotations

import getpass
import io
import random
import string
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from chingin_app.cli import main
from chingin_app.domain.clock import SystemClock
from chingin_app.domain.messages import message
from chingin_app.models import OperationLog
from chingin_app.services.contracts import get_contract
from chingin_app.services.service_calendar import list_closed_days, list_maintenance
from tests.factories import next_contract_no, next_day


@dataclass
class Cli:
    """Runs `chingin` in-process as one operator, with captured output."""

    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    engine: Engine
    operator: str
    tmp_path: Path

    @property
    def actor(self) -> str:
        return f"operator:{self.operator}"

    def __call__(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        status = main(list(argv))
        out, err = self.capsys.readouterr()
        return status, out, err

    def entries(self) -> list[OperationLog]:
        """This operator's operation-log entries, oldest first."""
        with Session(self.engine) as db:
            rows = db.execute(
                select(OperationLog)
                .where(OperationLog.actor == self.actor)  # type: ignore[arg-type]
                .order_by(OperationLog.id)  # type: ignore[arg-type]
            ).scalars()
            return list(rows)

    def actions(self) -> list[tuple[str, str]]:
        return [(e.action, e.result) for e in self.entries()]


def _secret() -> str:
    """A fresh, valid initial password (8 chars, upper, lower, digit, symbol)."""
    rnd = random.SystemRandom()
    return (
        rnd.choice(string.ascii_uppercase)
        + rnd.choice(string.ascii_lowercase)
        + "".join(rnd.choice(string.digits) for _ in range(4))
        + rnd.choice("#$%")
        + rnd.choice("!?@")
    )


def _every_log_text(engine: Engine) -> str:
    """Every column of every operation-log row, as one text."""
    with Session(engine) as db:
        rows = db.execute(select(OperationLog)).scalars().all()
        return "\n".join(repr(row.model_dump()) for row in rows)


@pytest.fixture
def cli(
    app_env: Path,
    db_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    """The CLI on the test database, run by an operator of its own."""
    operator = f"op{random.SystemRandom().randrange(10**9):09d}"
    monkeypatch.setenv("USER", operator)
    return Cli(capsys, monkeypatch, db_engine, operator, tmp_path)


def _create(cli: Cli, number: str, secret: str, *extra: str) -> tuple[int, str, str]:
    return cli(
        "contract",
        "create",
        "--number",
        number,
        "--name",
        "ろうきん商事労働組合",
        "--kind",
        "member",
        "--services",
        "rokin,ledger",
        "--group",
        "001:本社",
        "--group",
        "002:大阪支社",
        "--initial-password",
        "-",
        *extra,
        stdin=secret + "\n",
    )


def _pdf_text(path: Path) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return "".join(result.stdout.split())


def test_r_ops_1_r_ops_2_contract_lifecycle_each_command_logged(cli: Cli) -> None:
    """R-OPS-1 create → show → notice; R-OPS-2 change the initial password, unblock, reissue
    the お知らせ: 「Each leaves an audit entry」, the secret never shown or logged."""
    number = next_contract_no()
    first, second = _secret(), _secret()
    outputs: list[str] = []

    status, out, err = _create(cli, number, first, "--ticket", "R-0001")
    outputs += [out, err]
    assert (status, err) == (0, "")
    assert f"契約 {number} を登録しました。" in out

    status, out, err = cli("contract", "show", number)
    outputs += [out, err]
    assert status == 0, err
    assert number in out
    assert "ろうきん商事労働組合" in out
    assert "会員" in out and "労金控除、賃控元帳" in out
    assert "001　本社" in out and "002　大阪支社" in out
    assert "初期パスワード　　: 登録済み" in out
    assert "マスターユーザー　: 未登録" in out

    status, out, err = cli(
        "contract", "set-initial-password", number, "--initial-password", "-", stdin=second + "\n"
    )
    outputs += [out, err]
    assert (status, err) == (0, "")

    status, out, err = cli("contract", "unblock", number, "--ticket", "R-0002")
    outputs += [out, err]
    assert (status, err) == (0, "")
    assert "閉塞を解除しました" in out

    pdf = cli.tmp_path / "notice.pdf"
    status, out, err = cli("notice", number, "-o", str(pdf))
    outputs += [out, err]
    assert (status, err) == (0, "")
    text = _pdf_text(pdf)
    assert "ご利用開始のお知らせ" in text
    assert f"ご契約番号{number}" in text
    assert "ろうきん商事労働組合" in text
    assert "001本社" in text and "002大阪支社" in text
    assert "https://chingin.example.jp" in text
    assert "0000-99-8888" in text

    changed = cli.tmp_path / "change.pdf"
    status, out, err = cli("notice", number, "-o", str(changed), "--change", "--ticket", "R-3")
    assert (status, err) == (0, "")
    assert "ご利用開始（変更）のお知らせ" in _pdf_text(changed)

    assert cli.actions() == [
        ("contract.create", "success"),
        ("contract.show", "success"),
        ("contract.set_initial_password", "success"),
        ("contract.unblock", "success"),
        ("contract.notice", "success"),
        ("contract.notice", "success"),
    ]
    entries = cli.entries()
    assert {e.chain for e in entries} == {f"contract:{number}"}
    assert all(e.actor_kind == "operator" for e in entries)
    assert '"ticket":"R-0001"' in (entries[0].detail or "")
    assert '"ticket":"R-3"' in (entries[-1].detail or "")

    # R-OPS-7: never echoed, printed or logged.
    for secret in (first, second):
        assert all(secret not in text for text in outputs)
        assert secret not in _every_log_text(cli.engine)
        assert secret not in pdf.read_bytes().decode("latin-1")


@pytest.mark.parametrize(
    "argv",
    [
        ["--initial-password", "Abc1234!"],
        ["--initial-password=Abc1234!"],
    ],
)
def test_r_ops_7_literal_initial_password_is_refused(cli: Cli, argv: list[str]) -> None:
    """R-OPS-7: 「Secrets … come from a prompt or standard input, never the command line」;
    the refusal comes before anything else, so nothing is created."""
    number = next_contract_no()
    status, out, err = cli(
        "contract",
        "create",
        "--number",
        number,
        "--name",
        "ろうきん商事労働組合",
        "--kind",
        "member",
        "--services",
        "rokin",
        "--group",
        "001:本社",
        *argv,
    )
    assert status == 2
    assert out == ""
    assert message("E-SECRET-ON-COMMAND-LINE") in err
    assert "Abc1234!" not in err
    with Session(cli.engine) as db:
        assert get_contract(db, number) is None
    assert "Abc1234!" not in _every_log_text(cli.engine)


def test_r_ops_7_literal_password_refused_for_set_initial_password(cli: Cli) -> None:
    number = next_contract_no()
    assert _create(cli, number, _secret())[0] == 0
    status, _, err = cli("contract", "set-initial-password", number, "--initial-password", "Xy9!")
    assert status == 2
    assert message("E-SECRET-ON-COMMAND-LINE") in err
    assert cli.actions() == [("contract.create", "success")]


def test_r_ops_7_prompt_asks_twice(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --initial-password a prompt asks twice; a mismatch saves nothing."""
    number = next_contract_no()
    secret = _secret()
    answers = iter([secret, secret + "x"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    status, out, err = cli(
        "contract", "create", "--number", number, "--name", "ろうきん商事労働組合",
        "--kind", "member", "--services", "batch", "--group", "001:本社",
    )  # fmt: skip
    assert status == 2
    assert message("E-PASSWORD-MISMATCH") in err
    assert secret not in out + err
    with Session(cli.engine) as db:
        assert get_contract(db, number) is None

    answers = iter([secret, secret])
    status, out, err = cli(
        "contract", "create", "--number", number, "--name", "ろうきん商事労働組合",
        "--kind", "member", "--services", "batch", "--group", "001:本社",
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert cli.actions() == [("contract.create", "failure"), ("contract.create", "success")]
    assert secret not in _every_log_text(cli.engine)


def test_r_ops_1_bad_contract_number_creates_nothing(cli: Cli) -> None:
    """R-OPS-1 with SPEC §3 「契約番号: exactly 8 half-width digits」; the refusal is logged."""
    secret = _secret()
    bad = next_contract_no()[:7]  # unique: the database is shared with other tests
    status, out, err = _create(cli, bad, secret)
    assert status == 2
    assert out == ""
    assert "「契約番号」は半角数字8桁で入力してください。" in err
    with Session(cli.engine) as db:
        assert get_contract(db, bad) is None
    entries = cli.entries()
    assert [(e.action, e.result, e.target, e.chain) for e in entries] == [
        ("contract.create", "failure", bad, "system")
    ]
    assert secret not in _every_log_text(cli.engine)


def test_r_ops_1_service_refusal_keeps_exit_codes(cli: Cli) -> None:
    """A malformed field the service refuses is bad input (2); a taken number is a refusal (1)."""
    number = next_contract_no()
    status, _, err = cli(
        "contract", "create", "--number", number, "--name", "労組", "--kind", "member",
        "--services", "zaikei", "--group", "001:本社", "--initial-password", "-",
        stdin=_secret() + "\n",
    )  # fmt: skip
    assert status == 2
    assert message("E-SERVICES-FORMAT") in err
    assert _create(cli, number, _secret())[0] == 0
    status, _, err = _create(cli, number, _secret())
    assert status == 1
    assert message("E-CONTRACT-EXISTS") in err
    assert cli.actions() == [
        ("contract.create", "failure"),
        ("contract.create", "success"),
        ("contract.create", "failure"),
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["contract", "show", "{n}"],
        ["contract", "unblock", "{n}"],
        ["notice", "{n}", "-o", "{pdf}"],
    ],
)
def test_r_ops_2_unknown_contract_is_refused_and_logged(cli: Cli, argv: list[str]) -> None:
    number = next_contract_no()
    pdf = cli.tmp_path / "none.pdf"
    status, out, err = cli(*(a.format(n=number, pdf=pdf) for a in argv))
    assert status == 1
    assert out == ""
    assert message("E-CONTRACT-NOT-FOUND") in err
    assert not pdf.exists()
    assert [(e.result, e.target) for e in cli.entries()] == [("failure", number)]


def test_r_ops_7_stray_argument_is_not_echoed(cli: Cli) -> None:
    """A password typed in the wrong place is never repeated in the error message."""
    status, out, err = cli("contract", "show", "12345678", "Qw3rty!#")
    assert status == 2
    assert out == ""
    assert "認識できない引数があります" in err
    assert "Qw3rty!#" not in err
    status, out, err = cli("Qw3rty!#")
    assert status == 2
    assert "コマンドは次のいずれかで指定してください" in err
    assert "Qw3rty!#" not in out + err
    assert cli.entries() == []


def test_r_ops_7_operator_option_names_the_actor(cli: Cli) -> None:
    """--operator NAME (before or after the sub-command) is recorded as operator:NAME."""
    number = next_contract_no()
    assert _create(cli, number, _secret())[0] == 0
    other = f"{cli.operator}b"
    assert cli("--operator", other, "contract", "show", number)[0] == 0
    assert cli("contract", "show", number, "--operator", other)[0] == 0
    with Session(cli.engine) as db:
        actors = db.execute(
            select(OperationLog.actor).where(  # type: ignore[call-overload]
                OperationLog.contract_no == number  # type: ignore[arg-type]
            )
        ).scalars()
        assert sorted(actors) == [cli.actor, f"operator:{other}", f"operator:{other}"]


def test_r_env_1a_maintenance_add_list_remove(cli: Cli) -> None:
    """R-ENV-1a: 「Maintenance are operator commands (chingin maintenance add --from --to
    [--message], list, remove) … all audited」; times are Japan time."""
    day = next_day()
    start, end = f"{day.isoformat()} 20:00", f"{day.isoformat()} 23:00"
    status, out, err = cli(
        "maintenance", "add", "--from", start, "--to", end, "--message", "定期メンテナンス"
    )
    assert (status, err) == (0, "")
    window_id = int(out.split("番号 ")[1].split("）")[0])
    with Session(cli.engine) as db:
        (view,) = [w for w in list_maintenance(db, now=SystemClock().now()) if w.id == window_id]
    assert view.start.isoformat().endswith("+00:00")
    assert view.start.hour == 11 and view.end.hour == 14  # 20:00 / 23:00 JST in UTC

    status, out, err = cli("maintenance", "list")
    assert status == 0, err
    assert f"{window_id}\t{start}\t{end}\t定期メンテナンス" in out

    status, out, err = cli("maintenance", "remove", str(window_id))
    assert (status, err) == (0, "")
    status, out, _ = cli("maintenance", "list")
    assert f"{window_id}\t" not in out

    status, _, err = cli("maintenance", "remove", str(window_id))
    assert status == 1

    status, _, err = cli("maintenance", "add", "--from", "2040/01/01 20:00", "--to", end)
    assert status == 2
    assert "「開始日時」は「YYYY-MM-DD HH:MM」（日本時間）の形式で入力してください。" in err
    status, _, err = cli("maintenance", "add", "--from", end, "--to", start)
    assert status == 2

    assert cli.actions() == [
        ("calendar.maintenance.add", "success"),
        ("calendar.maintenance.list", "success"),
        ("calendar.maintenance.remove", "success"),
        ("calendar.maintenance.list", "success"),
        ("calendar.maintenance.remove", "failure"),
        ("calendar.maintenance.add", "failure"),
        ("calendar.maintenance.add", "failure"),
    ]
    assert {e.chain for e in cli.entries()} == {"system"}


def test_r_env_1a_holiday_add_list_remove(cli: Cli) -> None:
    """R-ENV-1a: 「One-off closures … chingin holiday add/remove DATE, all audited」."""
    day = next_day()
    status, out, err = cli("holiday", "add", day.isoformat(), "--note", "システム更改")
    assert (status, err) == (0, "")
    with Session(cli.engine) as db:
        assert day in {d.day for d in list_closed_days(db)}

    status, out, err = cli("holiday", "list")
    assert status == 0, err
    assert f"{day.isoformat()}\tシステム更改" in out

    status, _, err = cli("holiday", "add", day.isoformat())
    assert status == 1

    status, out, err = cli("holiday", "remove", day.isoformat())
    assert (status, err) == (0, "")
    with Session(cli.engine) as db:
        assert day not in {d.day for d in list_closed_days(db)}
    status, out, _ = cli("holiday", "list")
    assert day.isoformat() not in out

    status, _, err = cli("holiday", "add", "2040-02-30")
    assert status == 2
    assert "「日付」は「YYYY-MM-DD」の形式で入力してください。" in err

    assert cli.actions() == [
        ("calendar.closed_day.add", "success"),
        ("calendar.closed_day.list", "success"),
        ("calendar.closed_day.add", "failure"),
        ("calendar.closed_day.remove", "success"),
        ("calendar.closed_day.list", "success"),
        ("calendar.closed_day.add", "failure"),
    ]


def test_usage_errors_are_japanese_and_change_nothing(cli: Cli) -> None:
    status, out, err = cli("contract", "create", "--number", next_contract_no())
    assert status == 2
    assert out == ""
    assert "コマンドの指定に誤りがあります" in err
    assert cli.entries() == []
    assert cli("--help")[0] == 0
