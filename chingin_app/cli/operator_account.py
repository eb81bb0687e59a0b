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
    if getpass.getpass(f"{label}（再入力）: ") != first:
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
    return _prompt_twice("コンソールのパスワード"), _prompt_twice(".p12ファイルのパスワード")


def _add(args: argparse.Namespace, ctx: Context) -> int:
    """オペレーターの登録 (R-OPS-7)."""
    from chingin_app.services.operators.accounts import create_operator
    from chingin_app.settings import settings

    output = Path(args.output)
    if output.exists():
        raise Refusal(
            f"{output} は既にあります。別のファイル名を指定してください。何も登録していません。",
            EXIT_BAD_INPUT,
        )
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
    out(f"オペレーター {issued.login_id} を登録し、電子証明書を {output} に書き出しました。")
    out(f"有効期限：{jst_text(issued.not_after)}（日本時間）")
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
    out(f"オペレーター {args.login_id} の電子証明書{result.value}件を失効しました。"
        + ("" if reloaded else "（nginx は起動していません）"))
    return EXIT_OK


def _list(args: argparse.Namespace, ctx: Context) -> int:
    """オペレーターの一覧."""
    from chingin_app.services.operators.accounts import list_operators

    with open_db() as db:
        rows = list_operators(db)
    if not rows:
        out("オペレーターは登録されていません。")
    for row in rows:
        until = jst_text(row.certificate_until) if row.certificate_until else "なし"
        status = "利用可" if row.status == "active" else "失効"
        out(f"{row.login_id}\t{row.name}\t{status}\t証明書の有効期限：{until}")
    return EXIT_OK
