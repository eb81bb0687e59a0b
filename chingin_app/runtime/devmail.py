"""The dev inbox: a local SMTP server (aiosmtpd) that keeps every message as an .eml file, and
`chingin inbox` to read them. Used by `chingin serve` unless CHINGIN_SMTP_HOST is set."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from chingin_app.domain.clock import JST
from chingin_app.settings import settings


class _SaveToDir:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(JST).strftime("%Y%m%d-%H%M%S-%f")
        content = envelope.original_content or b""
        (self.directory / f"{stamp}.eml").write_bytes(content)
        return "250 OK"


def start_dev_smtp(directory: Path, *, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Start the SMTP server in a background thread; `.stop()` it when done."""
    controller = Controller(_SaveToDir(directory), hostname=host, port=port)
    controller.start()
    return controller


def read_inbox(directory: Path, *, limit: int = 10) -> list[email.message.EmailMessage]:
    """The newest messages first."""
    files = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    return [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for f in files
    ]


def show_inbox(limit: int = 10) -> int:
    """Print the newest messages of the dev inbox (for `chingin inbox`)."""
    directory = settings().mail_dir
    messages = read_inbox(directory, limit=limit)
    if not messages:
        print(f"受信メールはありません（{directory}）")
        return 0
    for msg in messages:
        body = msg.get_body(preferencelist=("plain",))
        print("=" * 60)
        print(f"日時: {msg['Date']}\n宛先: {msg['To']}\n件名: {msg['Subject']}\n")
        print(body.get_content() if body is not None else "")
    return 0
