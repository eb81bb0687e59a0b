"""The dev inbox: a local SMTP server (aiosmtpd) that keeps every message as an .eml file, and
`chingin inbox` to read them. Used by `chingin serve` unless CHINGIN_SMTP_HOST is set.

`chingin inbox` starts with the newest 認証コード on a line of its own, and
`chingin inbox --latest` prints that code alone (issue 14 item 11), so a developer or a script
signing in to the demo does not have to find it among the mails."""

from __future__ import annotations

import email
import email.policy
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Final

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


#: The auth-code mail's line (services/mail_templates.auth_code): 「認証コード：123456」.
_CODE_LINE: Final = re.compile(r"認証コード[：:]\s*(\d{6})(?!\d)")


def _text(msg: email.message.EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    return str(body.get_content()) if body is not None else ""


def latest_code(directory: Path) -> tuple[str, email.message.EmailMessage] | None:
    """The newest 認証コード in the inbox and its mail (None when no mail holds one): only the
    code line of an auth-code mail counts, never another six-digit number."""
    for path in sorted(directory.glob("*.eml"), reverse=True):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[arg-type]
        if not isinstance(msg, email.message.EmailMessage):
            continue
        found = _CODE_LINE.search(_text(msg))
        if found is not None:
            return found.group(1), msg
    return None


def show_latest_code() -> int:
    """`chingin inbox --latest`: the newest 認証コード alone on standard output (exit 0), or a
    note on standard error (exit 1) when no mail holds one."""
    directory = settings().mail_dir
    found = latest_code(directory)
    if found is None:
        print(f"認証コードのメールはありません（{directory}）", file=sys.stderr)
        return 1
    print(found[0])
    return 0


def show_inbox(limit: int = 10) -> int:
    """Print the newest messages of the dev inbox (for `chingin inbox`), the newest 認証コード
    first on a line of its own."""
    directory = settings().mail_dir
    messages = read_inbox(directory, limit=limit)
    if not messages:
        print(f"受信メールはありません（{directory}）")
        return 0
    found = latest_code(directory)
    if found is not None:
        code, msg = found
        print(f"最新の認証コード: {code}（宛先: {msg['To']}　日時: {msg['Date']}）")
    for msg in messages:
        body = msg.get_body(preferencelist=("plain",))
        print("=" * 60)
        print(f"日時: {msg['Date']}\n宛先: {msg['To']}\n件名: {msg['Subject']}\n")
        print(body.get_content() if body is not None else "")
    return 0
