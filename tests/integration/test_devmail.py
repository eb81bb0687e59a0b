"""The dev inbox of `chingin serve` (DESIGN §2): a real SMTP server on loopback that keeps
every message, and `chingin inbox` that shows them in Japanese."""

from __future__ import annotations

import socket
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from chingin_app.cli import main
from chingin_app.runtime.devmail import read_inbox, start_dev_smtp


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_dev_inbox_keeps_what_smtp_received(
    app_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = app_env / "mail"
    port = _free_port()
    controller = start_dev_smtp(inbox, port=port)
    try:
        msg = EmailMessage()
        msg["From"] = "chingin-noreply@example.jp"
        msg["To"] = "tanaka@example.co.jp"
        msg["Subject"] = "【賃金控除事務支援サービス】認証コードのお知らせ"
        msg.set_content("認証コードは 123456 です。お心当たりのない場合は…", charset="utf-8")
        await aiosmtplib.send(msg, hostname="127.0.0.1", port=port)
    finally:
        controller.stop()
    received = read_inbox(inbox)
    assert len(received) == 1
    assert received[0]["Subject"] == "【賃金控除事務支援サービス】認証コードのお知らせ"
    capsys.readouterr()
    assert main(["inbox", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "件名: 【賃金控除事務支援サービス】認証コードのお知らせ" in out
    assert "tanaka@example.co.jp" in out


def test_empty_inbox_says_so(app_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inbox"]) == 0
    assert "受信メールはありません" in capsys.readouterr().out


def test_inbox_latest_prints_the_newest_auth_code_alone(
    app_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14 item 11: `chingin inbox --latest` prints the newest 認証コード and nothing else
    (a later mail without a code — and the other six-digit numbers of a mail — do not count);
    `chingin inbox` names it on its first line."""
    from datetime import UTC, datetime

    from chingin_app.services.mail_templates import auth_code, certificate_issued

    inbox = app_env / "mail"
    inbox.mkdir(parents=True, exist_ok=True)
    when = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)

    def save(name: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["To"] = "tanaka@example.co.jp"
        msg["Subject"] = subject
        msg.set_content(body, charset="utf-8")
        (inbox / f"{name}.eml").write_bytes(bytes(msg))

    older = auth_code(user_name="田中", code="111111", expires_at=when)
    newer = auth_code(user_name="田中", code="246802", expires_at=when)
    notice = certificate_issued(user_name="田中", user_id="tanaka01", issued_at=when,
                                not_after=when)
    save("20261207-120000-000001", older.subject, older.body)
    save("20261207-120100-000001", newer.subject, newer.body)
    save("20261207-120200-000001", notice.subject, notice.body + "\n受付番号 987654\n")
    capsys.readouterr()
    assert main(["inbox", "--latest"]) == 0
    assert capsys.readouterr().out == "246802\n"
    assert main(["inbox"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("最新の認証コード: 246802")


def test_inbox_latest_without_a_code_mail_fails(
    app_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inbox", "--latest"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "認証コードのメールはありません" in captured.err
