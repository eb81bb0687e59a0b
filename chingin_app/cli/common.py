"""What every `chingin` command family shares (SPEC R-OPS-1, R-OPS-2, R-ENV-1a, R-OPS-7;
DESIGN §2): the Japanese argparse, refusals and their exit status, the operator and the clock,
the operation-log entries this command writes itself, secrets read from standard input or a
prompt (never from the command line), Japan-time parsing and printing, and the database.

A family module (``contract``, ``calendar``, ``runtime``, …) builds its sub-commands with
``leaf``/``branch`` in its ``register(subparsers)`` and ends a command early by raising
through ``unwrap``/``invalid``; ``main`` turns that into the message and the exit status.
Handlers import their services inside the function, not to dodge a circle (cli/ sits above
every layer) but so that a command loads only what it runs: the services and their models take
about a second to import, and ``chingin -h`` or a refusal of bad input answers at once. No SQL
here: the services take what the operator typed and look it up themselves.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, TypeVar

from chingin_app.domain.clock import JST, Clock, to_jst
from chingin_app.domain.messages import MESSAGES, message
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import check_contract_no

if TYPE_CHECKING:
    from sqlmodel import Session

T = TypeVar("T")

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2

_SECRET_FLAG = "--initial-password"  # noqa: S105 (the flag's name, not a secret)
_STDIN_MARK = "-"
_ACTOR_PREFIX = "operator:"
_ACTOR_MAX_LEN = 80  # operation_log.actor

# Codes that refuse a well-formed request because of what is stored (exit 1); any other Err
# is bad input (exit 2).
_REFUSAL_CODES = frozenset(
    {
        "E-CONTRACT-EXISTS",
        "E-CONTRACT-NOT-FOUND",
        "E-MAINT-NOT-FOUND",
        "E-CLOSED-DAY-EXISTS",
        "E-CLOSED-DAY-NOT-FOUND",
    }
)

# Every text this command prints is in domain.messages (CLI_MESSAGES and the refusals shared
# with the screens); only labels and help texts live here.
OPERATOR_HELP = "操作者名（操作ログに operator:NAME として記録します。既定は $USER）"
#: The initial password's prompts: the field, then the same again (R-OPS-7).
_PROMPT_LABELS = ("初期パスワード: ", "初期パスワード（再入力）: ")
#: argparse's own names for the sub-command positions, as the operator reads them.
_USAGE_LABELS = {"COMMAND": "コマンド", "ACTION": "コマンド"}


class UsageError(Exception):
    """argparse found the command line malformed (exit 2, Japanese message)."""


class Refusal(Exception):
    """A refusal with its Japanese text and exit status.

    ``log_action`` is set when the refusal was decided here rather than by a service (which
    logs its own refusals): ``main`` then writes the failure entry.
    """

    def __init__(
        self,
        text: str,
        status: int,
        *,
        code: str | None = None,
        log_action: str | None = None,
        log_target: str | None = None,
    ) -> None:
        super().__init__(text)
        self.text = text
        self.status = status
        self.code = code
        self.log_action = log_action
        self.log_target = log_target


class Parser(argparse.ArgumentParser):
    """argparse that reports errors in Japanese and never echoes stray arguments (R-OPS-7)."""

    def error(self, text: str) -> NoReturn:  # argparse calls it positionally
        raise UsageError(message("E-USAGE", detail=_usage_detail(text)))


def _usage_detail(text: str) -> str:
    """argparse's complaint in Japanese, without repeating any value that was typed."""
    if text.startswith("unrecognized arguments"):
        return message("E-USAGE-UNRECOGNISED")
    if text.startswith("the following arguments are required:"):
        return message("E-USAGE-REQUIRED", names=text.split(":", 1)[1].strip())
    if match := re.match(r"argument (\S+): invalid choice: .*\(choose from (.*)\)$", text):
        name = _USAGE_LABELS.get(match.group(1), match.group(1))
        return message("E-USAGE-CHOICE", name=name, choices=match.group(2).replace("'", ""))
    if match := re.match(r"argument (\S+): invalid \w+ value", text):
        return message("E-USAGE-VALUE", name=match.group(1))
    if match := re.match(r"argument (\S+): expected one argument", text):
        return message("E-USAGE-ONE-VALUE", name=match.group(1))
    if text.startswith("ambiguous option"):
        return message("E-USAGE-AMBIGUOUS")
    return text


@dataclass(frozen=True)
class Context:
    """What every command needs: who acts and what time it is."""

    actor: str
    clock: Clock


Handler = Callable[[argparse.Namespace, Context], int]
# What ``register(subparsers)`` receives and ``branch`` returns.
Subparsers: TypeAlias = "argparse._SubParsersAction[Parser]"

# ---------------------------------------------------------------------------- parser parts


def _operator_option() -> Parser:
    # --operator is accepted after the sub-command too; SUPPRESS keeps a value given before
    # it unless one is given here.
    parent = Parser(add_help=False, allow_abbrev=False)
    parent.add_argument("--operator", default=argparse.SUPPRESS, help=OPERATOR_HELP)
    return parent


def leaf(group: Subparsers, name: str, handler: Handler, help_text: str) -> Parser:
    """A sub-command that runs ``handler``."""
    p = group.add_parser(
        name,
        help=help_text,
        description=help_text,
        parents=[_operator_option()],
        allow_abbrev=False,
    )
    p.set_defaults(handler=handler)
    return p


def branch(group: Subparsers, name: str, help_text: str) -> Subparsers:
    """A sub-command that only groups others (``chingin contract …``); an action is required."""
    p = group.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    sub.required = True
    return sub


def add_contract_no(p: Parser) -> None:
    p.add_argument("number", help="契約番号（半角数字8桁）")


def add_ticket(p: Parser) -> None:
    p.add_argument("--ticket", default=None, help="依頼書の受付番号（操作ログに記録）")


def add_staff_no_digits(p: Parser) -> None:
    """``--staff-no-digits N``: the contract's 職員番号桁数 (RL-CYCLE-3), checked by the
    service (1 … 10)."""
    p.add_argument("--staff-no-digits", default=None,
                   help="職員番号桁数（1～10。省略時は職員の職員番号で最も多い桁数）")


def add_initial_password(p: Parser) -> None:
    """``--initial-password -`` only; ``refuse_secret_on_command_line`` refuses any value."""
    p.add_argument(
        _SECRET_FLAG,
        dest="initial_password",
        metavar="-",
        default=None,
        help="「-」で標準入力から1行読みます。省略するとプロンプトで2回入力します。"
        "パスワードそのものは指定できません",
    )


# ---------------------------------------------------------------------------- refusals


def _err_text(err: Err) -> str:
    if err.code not in MESSAGES:
        return message("E-CODE-UNKNOWN", code=err.code)
    try:
        return message(err.code, **err.params)
    except KeyError:
        return message("E-CODE-UNKNOWN", code=err.code)


def _status_for(code: str) -> int:
    return EXIT_REFUSED if code in _REFUSAL_CODES else EXIT_BAD_INPUT


def unwrap(result: Ok[T] | Err) -> T:
    """The value of a service's Ok; its Err (already logged by the service) ends the command."""
    if isinstance(result, Err):
        raise Refusal(_err_text(result), _status_for(result.code), code=result.code)
    return result.value


def invalid(err: Err, *, action: str, target: str | None) -> NoReturn:
    """A refusal decided here, before any service ran; ``main`` logs it."""
    raise Refusal(
        _err_text(err),
        _status_for(err.code),
        code=err.code,
        log_action=action,
        log_target=target,
    )


def require_contract_no(value: str, *, action: str) -> None:
    """Refuse (and log) a malformed contract number before the database is asked."""
    if (err := check_contract_no(value)) is not None:
        invalid(err, action=action, target=value)


# ---------------------------------------------------------------------------- secrets, actor


def refuse_secret_on_command_line(argv: Sequence[str]) -> None:
    """Refuse ``--initial-password VALUE`` unless VALUE is ``-`` (DESIGN §2, R-OPS-7).

    Runs on the raw arguments before argparse, so nothing else happens first; abbreviations
    are switched off, so the flag has no other spelling.
    """
    for i, arg in enumerate(argv):
        if arg == "--":
            return
        if arg.startswith(_SECRET_FLAG + "="):
            value: str | None = arg.split("=", 1)[1]
        elif arg == _SECRET_FLAG:
            value = argv[i + 1] if i + 1 < len(argv) else None
        else:
            continue
        if value is not None and value != _STDIN_MARK:
            raise Refusal(
                message("E-SECRET-ON-COMMAND-LINE"), EXIT_BAD_INPUT, code="E-SECRET-ON-COMMAND-LINE"
            )


def read_secret(flag: str | None, *, action: str, target: str) -> str:
    """The initial password: one line of standard input (``-``), or a prompt asked twice
    (R-OPS-7). Only the line ending is removed; the service checks the rest."""
    if flag == _STDIN_MARK:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    first = getpass.getpass(_PROMPT_LABELS[0])
    second = getpass.getpass(_PROMPT_LABELS[1])
    if first != second:
        invalid(Err("E-PASSWORD-MISMATCH", "initial_password"), action=action, target=target)
    return first


def actor_from(name: str | None) -> str:
    """``operator:NAME`` for the operation log, NAME from ``--operator`` or ``$USER``."""
    if name is None:
        name = os.environ.get("USER") or os.environ.get("LOGNAME")
        if not name:
            try:
                name = getpass.getuser()
            except (KeyError, OSError):
                name = "unknown"
    max_len = _ACTOR_MAX_LEN - len(_ACTOR_PREFIX)
    if not name or len(name) > max_len or any(c.isspace() for c in name):
        raise UsageError(message("E-OPERATOR-NAME", max_len=max_len))
    return _ACTOR_PREFIX + name


# ---------------------------------------------------------------------------- database, log


def require_schema() -> None:
    """Production: refuse to run on a schema older or newer than the code, naming
    ``chingin migrate`` (R-DEP-3). Elsewhere: migrate (under the lock; cheap when current)."""
    from chingin_app.db import migrate
    from chingin_app.runtime.preflight import schema_problem
    from chingin_app.settings import settings

    s = settings()
    if not s.is_production:
        migrate(s.database_url)
    elif (problem := schema_problem(s)) is not None:
        raise Refusal(message("E-SCHEMA", problem=problem), EXIT_REFUSED, code="E-SCHEMA")


@contextmanager
def open_db() -> Iterator[Session]:
    """A session on a database whose schema is the code's (``require_schema``)."""
    from chingin_app.db import session_scope

    require_schema()
    with session_scope() as db:
        yield db


def log_success(
    db: Session,
    ctx: Context,
    *,
    action: str,
    contract_no: str | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """The entry of a command that changes nothing itself (show, list, notice), in the
    caller's transaction (R-OPS-2 "Each leaves an audit entry")."""
    from chingin_app.models import ActorKind, LogResult
    from chingin_app.services import oplog

    oplog.append(
        db,
        chain=oplog.chain_for(contract_no),
        at=ctx.clock.now(),
        actor_kind=ActorKind.OPERATOR,
        actor=ctx.actor,
        action=action,
        result=LogResult.SUCCESS,
        contract_no=contract_no,
        target=target,
        detail=detail,
    )


def log_refusal(ctx: Context, refusal: Refusal) -> None:
    """The failure entry of a refusal decided here (system chain, the input as target)."""
    from chingin_app.models import ActorKind, LogResult
    from chingin_app.services import oplog

    assert refusal.log_action is not None
    try:
        require_schema()
    except Refusal as schema:  # production on the wrong schema: nothing can be logged
        print(schema.text, file=sys.stderr)
        return
    with open_db() as db:
        oplog.log_failure(
            db,
            chain=oplog.SYSTEM_CHAIN,
            at=ctx.clock.now(),
            actor_kind=ActorKind.OPERATOR,
            actor=ctx.actor,
            action=refusal.log_action,
            result=LogResult.FAILURE,
            # As typed, cut short: a malformed number is logged, not a page of text.
            target=None if refusal.log_target is None else refusal.log_target[:40],
            detail={"code": refusal.code},
        )


# ---------------------------------------------------------------------------- time, output


def jst_text(when: datetime) -> str:
    return to_jst(when).strftime("%Y-%m-%d %H:%M")


def parse_jst(text: str, label: str, *, action: str) -> datetime:
    try:
        # The operator types Japan time (R-ENV-1a); the zone is attached below.
        naive = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        invalid(Err("E-DATETIME-FORMAT", params={"label": label}), action=action, target=None)
    return naive.replace(tzinfo=JST)


def parse_day(text: str, *, action: str) -> date:
    value = text.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    invalid(Err("E-DATE-FORMAT", params={"label": "日付"}), action=action, target=None)


def out(text: str = "") -> None:
    print(text)
