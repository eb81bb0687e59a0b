"""`chingin operator-account …`: the people who may use the operator console (SPEC R-OPS-7,
R-PLUS-6):

    chingin operator-account add --id ID --name 氏名 -o FILE.p12 [--password -]
    chingin operator-account revoke ID
    chingin operator-account list

``add`` registers the operator and writes their certificate from the separate operator CA as a
.p12. The console password and the .p12 password come from standard input (``--password -``:
two lines, the console password then the .p12 password) or from prompts asked twice each;
never from the command line, never echoed or logged (R-OPS-7). ``revoke`` revokes every
certificate of the operator, ends their console sessions and reloads nginx with the new CRL.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from chingin_app.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Refusal,
    Subparsers,
    branch,
    jst_text,
    leaf,
    open_db,
    out,
)
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid

__all__ = ["register"]

_STDIN = "-"
#: The two secrets asked for, and the prompt's suffix when one is asked again.
_PASSWORD_LABELS = ("コンソールのパスワード", ".p12ファイルのパスワード")
_AGAIN_LABEL = "（再入力）"
#: The list's 状態 and 証明書の有効期限 when there is none.
_ACTIVE_LABELS = {True: "利用可", False: "失効"}
_NO_CERTIFICATE_LABEL = "なし"


def register(top: Subparsers) -> None:
    """Add ``operator-account`` (add, revoke, list)."""
    family = branch(top, "operator-account", "オペレーターコンソールの利用者（金庫職員）の管理")
    p = leaf(family, "add", _add,
             "オペレーターを登録し、オペレーター用電子証明書（.p12）を発行します")
    p.add_argument("--id", dest="login_id", required=True,
                   help="オペレーターＩＤ（半角英数字3～32桁）")
    p.add_argument("--name", required=True, help="氏名")
    p.add_argument("-o", dest="output", required=True, help="書き出す .p12 ファイル")
    p.add_argument(
        "--password",
        metavar="-",
        default=None,
        help="「-」で標準入力から2行（コンソールのパスワード、.p12のパスワード）読みます。"
        "省略するとプロンプトで入力します。パスワードそのものは指定できません",
    )
    p = leaf(family, "revoke", _revoke, "オペレーターの電子証明書を失効し、利用を停止します")
    p.add_argument("login_id", metavar="ID", help="オペレーターＩＤ")
    leaf(family, "list", _list, "オペレーターの一覧を表示します")


def _prompt_twice(label: str) -> str:
    first = getpass.getpass(f"{label}: ")
    if getpass.getpass(f"{label}{_AGAIN_LABEL}: ") != first:
        raise Refusal(message("E-PASSWORD-MISMATCH", label=label), EXIT_BAD_INPUT,
                      code="E-PASSWORD-MISMATCH")
    return first


def _read_passwords(flag: str | None) -> tuple[str, str]:
    if flag is not None and flag != _STDIN:
        # argparse has the value by now, but it is never repeated or used (R-OPS-7).
        raise Refusal(message("E-SECRET-ON-COMMAND-LINE"), EXIT_BAD_INPUT,
                      code="E-SECRET-ON-COMMAND-LINE")
    if flag == _STDIN:
        console = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        p12 = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        return console, p12
    return _prompt_twice(_PASSWORD_LABELS[0]), _prompt_twice(_PASSWORD_LABELS[1])


def _add(args: argparse.Namespace, ctx: Context) -> int:
    """オペレーターの登録 (R-OPS-7)."""
    from chingin_app.services.operators.accounts import create_operator
    from chingin_app.settings import settings

    output = Path(args.output)
    if output.exists():
        raise Refusal(message("E-FILE-EXISTS", path=output), EXIT_BAD_INPUT,
                      code="E-FILE-EXISTS")
    console_password, p12_password = _read_passwords(args.password)
    with open_db() as db:
        result = create_operator(
            db, s=settings(), login_id=args.login_id, name=args.name,
            password=console_password, p12_password=p12_password, actor=ctx.actor,
            clock=ctx.clock,
        )
    if isinstance(result, Invalid):
        for err in result.errors:
            print(message(err.code, **err.params), file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(result, Err):
        print(message(result.code, **result.params), file=sys.stderr)
        return EXIT_REFUSED
    issued = result.value
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(issued.p12)
    out(message("I-OP-ACCOUNT-ADDED", login_id=issued.login_id, path=output,
                until=jst_text(issued.not_after)))
    return EXIT_OK


def _revoke(args: argparse.Namespace, ctx: Context) -> int:
    """オペレーターの失効 (R-OPS-7): certificates revoked, sessions ended, CRLs published."""
    from chingin_app.services.certs import crl
    from chingin_app.services.operators.accounts import revoke_operator
    from chingin_app.settings import settings

    s = settings()
    with open_db() as db:
        result = revoke_operator(db, s=s, login_id=args.login_id, actor=ctx.actor,
                                 clock=ctx.clock)
    if isinstance(result, Err):
        print(message(result.code, **result.params), file=sys.stderr)
        return EXIT_REFUSED
    reloaded = crl.publish(s)
    out(message("I-OP-ACCOUNT-REVOKED", login_id=args.login_id, count=result.value)
        + ("" if reloaded else message("I-NGINX-NOT-RUNNING")))
    return EXIT_OK


def _list(args: argparse.Namespace, ctx: Context) -> int:
    """オペレーターの一覧."""
    from chingin_app.services.operators.accounts import list_operators

    with open_db() as db:
        rows = list_operators(db)
    if not rows:
        out(message("I-OP-ACCOUNT-NONE"))
    for row in rows:
        until = (jst_text(row.certificate_until) if row.certificate_until
                 else _NO_CERTIFICATE_LABEL)
        out(message("I-OP-ACCOUNT-ROW", login_id=row.login_id, name=row.name,
                    status=_ACTIVE_LABELS[row.status == "active"], until=until))
    return EXIT_OK
