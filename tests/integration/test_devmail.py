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
