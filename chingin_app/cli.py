"""The `chingin` command: the bank operator's tool and the service's entry points.

Operator commands (SPEC R-OPS-1, R-OPS-2, R-ENV-1a, R-OPS-7; DESIGN §2) — each leaves an
operation-log entry, the actor recorded as ``operator:NAME`` (``--operator``, default
``$USER``); refusals are logged too:

    chingin contract create --number N --name NAME --kind member|employer --services LIST
                            --group NNN:名称 [--group …] [--initial-password -] [--ticket 受付番号]
    chingin contract show N
    chingin contract set-initial-password N [--initial-password -] [--ticket 受付番号]
    chingin contract unblock N [--ticket 受付番号]
    chingin notice N -o FILE.pdf [--change] [--ticket 受付番号]
    chingin maintenance add --from "YYYY-MM-DD HH:MM" --to "YYYY-MM-DD HH:MM" [--message TEXT]
    chingin maintenance list | maintenance remove ID
    chingin holiday add YYYY-MM-DD [--note TEXT] | holiday remove YYYY-MM-DD | holiday list

Service entry points (dispatch only): ``serve``, ``demo``, ``jobs run``, ``inbox [--limit N]``.

Secrets are never taken from the command line (DESIGN §2, R-OPS-7): ``--initial-password -``
reads one line from standard input; without the flag a prompt asks twice; any other value is
refused before anything else happens (not even the database is opened). Secrets are never
echoed, printed or logged; a stray argument is never repeated in an error message, in case it
is a password typed in the wrong place.

Exit status: 0 done; 1 refused (no such contract, already registered, …); 2 bad input (nothing
was changed). Messages go to standard error, in Japanese.
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
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from chingin_app.domain.clock import JST, Clock, clock_from_env, to_jst
from chingin_app.domain.messages import MESSAGES, message
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import check_contract_no

if TYPE_CHECKING:
    from sqlmodel import Session

    from chingin_app.services.contracts import ContractView

__all__ = ["main"]

T = TypeVar("T")

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2

_SECRET_FLAG = "--initial-password"  # noqa: S105 (the flag's name, not a secret)
_STDIN_MARK = "-"
_ACTOR_PREFIX = "operator:"
_ACTOR_MAX_LEN = 80  # operation_log.actor

# Actions this module logs itself (reads and prints); the services log their own changes.
ACTION_SHOW = "contract.show"
ACTION_NOTICE = "contract.notice"
ACTION_MAINTENANCE_LIST = "calendar.maintenance.list"
ACTION_CLOSED_DAY_LIST = "calendar.closed_day.list"

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

# Texts only this command prints (results, labels, usage); the refusal texts shared with the
# screens live in domain.messages.
_USAGE_ERROR = (
    "コマンドの指定に誤りがあります（{detail}）。何も変更していません。"
    "「chingin -h」で使い方を確認してください。"
)
_UNRECOGNISED = "認識できない引数があります。引数の値は表示しません"
_UNKNOWN_CODE = "処理できませんでした（{code}）。何も変更していません。"
_DATETIME_FORMAT = "「{label}」は「YYYY-MM-DD HH:MM」（日本時間）の形式で入力してください。"
_DATE_FORMAT = "「{label}」は「YYYY-MM-DD」の形式で入力してください。"
_ID_FORMAT = "「{label}」は半角数字で入力してください。"
_OPERATOR_FORMAT = "「操作者名」は空白を含めずに{max_len}文字以内で入力してください。"
_FILE_WRITE_FAILED = (
    "ファイル {path} を書き込めませんでした（{reason}）。お知らせは出力していません。"
)
_OPERATOR_HELP = "操作者名（操作ログに operator:NAME として記録します。既定は $USER）"
_PROMPT_FIRST = "初期パスワード: "
_PROMPT_AGAIN = "初期パスワード（再入力）: "

_STATUS_LABELS = {"active": "利用中", "suspended": "一時停止中", "terminated": "解約済み"}


class _UsageError(Exception):
    """argparse found the command line malformed (exit 2, Japanese message)."""


class _Refusal(Exception):
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


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors in Japanese and never echoes stray arguments (R-OPS-7)."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(_USAGE_ERROR.format(detail=_usage_detail(message)))


def _usage_detail(text: str) -> str:
    """argparse's complaint in Japanese, without repeating any value that was typed."""
    if text.startswith("unrecognized arguments"):
        return _UNRECOGNISED
    if text.startswith("the following arguments are required:"):
        return "必須の指定がありません：" + text.split(":", 1)[1].strip()
    if match := re.match(r"argument (\S+): invalid choice: .*\(choose from (.*)\)$", text):
        name = "コマンド" if match.group(1) in {"COMMAND", "ACTION"} else match.group(1)
        choices = match.group(2).replace("'", "")
        return f"{name}は次のいずれかで指定してください：{choices}"
    if match := re.match(r"argument (\S+): invalid \w+ value", text):
        return f"{match.group(1)} の値が正しくありません"
    if match := re.match(r"argument (\S+): expected one argument", text):
        return f"{match.group(1)} には値を1つ指定してください"
    if text.startswith("ambiguous option"):
        return "オプションの指定が正しくありません"
    return text


@dataclass(frozen=True)
class _Ctx:
    """What every command needs: who acts and what time it is."""

    actor: str
    clock: Clock


# ---------------------------------------------------------------------------- helpers


def _err_text(err: Err) -> str:
    if err.code not in MESSAGES:
        return _UNKNOWN_CODE.format(code=err.code)
    try:
        return message(err.code, **err.params)
    except KeyError:
        return _UNKNOWN_CODE.format(code=err.code)


def _status_for(code: str) -> int:
    return EXIT_REFUSED if code in _REFUSAL_CODES else EXIT_BAD_INPUT


def _unwrap(result: Ok[T] | Err) -> T:
    """The value of a service's Ok; its Err (already logged by the service) ends the command."""
    if isinstance(result, Err):
        raise _Refusal(_err_text(result), _status_for(result.code), code=result.code)
    return result.value


def _invalid(err: Err, *, action: str, target: str | None) -> NoReturn:
    """A refusal decided here, before any service ran; ``main`` logs it."""
    raise _Refusal(
        _err_text(err),
        _status_for(err.code),
        code=err.code,
        log_action=action,
        log_target=target,
    )


def _invalid_text(text: str, code: str, *, action: str, target: str | None) -> NoReturn:
    raise _Refusal(text, EXIT_BAD_INPUT, code=code, log_action=action, log_target=target)


def _check_contract_no(value: str, *, action: str) -> None:
    if (err := check_contract_no(value)) is not None:
        _invalid(err, action=action, target=value)


def _refuse_secret_on_command_line(argv: Sequence[str]) -> None:
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
            raise _Refusal(
                message("E-SECRET-ON-COMMAND-LINE"), EXIT_BAD_INPUT, code="E-SECRET-ON-COMMAND-LINE"
            )


def _read_secret(flag: str | None, *, action: str, target: str) -> str:
    """The initial password: one line of standard input (``-``), or a prompt asked twice
    (R-OPS-7). Only the line ending is removed; the service checks the rest."""
    if flag == _STDIN_MARK:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    first = getpass.getpass(_PROMPT_FIRST)
    second = getpass.getpass(_PROMPT_AGAIN)
    if first != second:
        _invalid(Err("E-PASSWORD-MISMATCH", "initial_password"), action=action, target=target)
    return first


def _actor(name: str | None) -> str:
    if name is None:
        name = os.environ.get("USER") or os.environ.get("LOGNAME")
        if not name:
            try:
                name = getpass.getuser()
            except (KeyError, OSError):
                name = "unknown"
    max_len = _ACTOR_MAX_LEN - len(_ACTOR_PREFIX)
    if not name or len(name) > max_len or any(c.isspace() for c in name):
        raise _UsageError(_OPERATOR_FORMAT.format(max_len=max_len))
    return _ACTOR_PREFIX + name


@contextmanager
def _db() -> Iterator[Session]:
    """A session on the migrated database (DESIGN §2: migrate once, cheap when up to date)."""
    from chingin_app.db import migrate, session_scope
    from chingin_app.settings import settings

    migrate(settings().database_url)
    with session_scope() as db:
        yield db


def _log_success(
    db: Session,
    ctx: _Ctx,
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


def _log_refusal(ctx: _Ctx, refusal: _Refusal) -> None:
    """The failure entry of a refusal decided here (system chain, the input as target)."""
    from chingin_app.models import ActorKind, LogResult
    from chingin_app.services import oplog

    assert refusal.log_action is not None
    with _db() as db:
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


def _jst_text(when: datetime) -> str:
    return to_jst(when).strftime("%Y-%m-%d %H:%M")


def _parse_jst(text: str, label: str, *, action: str) -> datetime:
    try:
        # The operator types Japan time (R-ENV-1a); the zone is attached below.
        naive = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        _invalid_text(
            _DATETIME_FORMAT.format(label=label), "E-DATETIME-FORMAT", action=action, target=None
        )
    return naive.replace(tzinfo=JST)


def _parse_day(text: str, *, action: str) -> date:
    value = text.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    _invalid_text(_DATE_FORMAT.format(label="日付"), "E-DATE-FORMAT", action=action, target=None)


def _out(text: str = "") -> None:
    print(text)


# ---------------------------------------------------------------------------- contract


def _contract_create(args: argparse.Namespace, ctx: _Ctx) -> int:
    """契約の登録 (R-OPS-1)."""
    from chingin_app.services.contracts import ACTION_CREATE, create_contract

    _check_contract_no(args.number, action=ACTION_CREATE)
    secret = _read_secret(args.initial_password, action=ACTION_CREATE, target=args.number)
    with _db() as db:
        view = _unwrap(
            create_contract(
                db,
                contract_no=args.number,
                name=args.name,
                kind=args.kind,
                services=args.services,
                groups=list(args.group or []),
                initial_password=secret,
                actor=ctx.actor,
                clock=ctx.clock,
                ticket=args.ticket,
            )
        )
    _out(f"契約 {view.contract_no} を登録しました。")
    _out(
        f"「chingin notice {view.contract_no} -o ファイル名.pdf」で"
        "ご利用開始のお知らせを出力してください。"
    )
    return EXIT_OK


def _contract_show(args: argparse.Namespace, ctx: _Ctx) -> int:
    """契約の照会 (R-OPS-1): never shows a secret, only whether one is registered."""
    from chingin_app.services.contracts import get_contract

    _check_contract_no(args.number, action=ACTION_SHOW)
    with _db() as db:
        view = get_contract(db, args.number)
        if view is None:
            _invalid(
                Err("E-CONTRACT-NOT-FOUND", "contract_no"), action=ACTION_SHOW, target=args.number
            )
        _log_success(db, ctx, action=ACTION_SHOW, contract_no=args.number, target=args.number)
        db.commit()
    _print_contract(view)
    return EXIT_OK


def _print_contract(view: ContractView) -> None:
    from chingin_app.domain.contract import ContractKind, Service

    def label(code: str, kind: type[Service] | type[ContractKind]) -> str:
        try:
            return kind(code).label
        except ValueError:
            return code

    _out(f"契約番号　　　　　: {view.contract_no}")
    _out(f"契約名　　　　　　: {view.name}")
    _out(f"契約区分　　　　　: {label(view.kind, ContractKind)}")
    _out(f"契約サービス　　　: {'、'.join(label(s, Service) for s in view.services)}")
    _out("入金グループ　　　:")
    for number, name in view.groups:
        _out(f"　{number}　{name}")
    _out(f"状態　　　　　　　: {_STATUS_LABELS.get(view.status, view.status)}")
    _out(f"初期パスワード　　: {'登録済み' if view.initial_password_set else '未登録'}")
    _out(f"初期パスワード誤り: {view.initial_password_failures}回")
    _out(f"閉塞　　　　　　　: {'閉塞中' if view.initial_password_blocked else 'なし'}")
    _out(f"マスターユーザー　: {'登録済み' if view.has_master else '未登録'}")
    _out(f"登録日時　　　　　: {_jst_text(view.created_at)}（日本時間）")


def _contract_set_initial_password(args: argparse.Namespace, ctx: _Ctx) -> int:
    """初期パスワードの登録・変更 (R-OPS-1, R-OPS-2)."""
    from chingin_app.services.contracts import ACTION_SET_INITIAL_PASSWORD, set_initial_password

    _check_contract_no(args.number, action=ACTION_SET_INITIAL_PASSWORD)
    secret = _read_secret(
        args.initial_password, action=ACTION_SET_INITIAL_PASSWORD, target=args.number
    )
    with _db() as db:
        _unwrap(
            set_initial_password(
                db,
                contract_no=args.number,
                initial_password=secret,
                actor=ctx.actor,
                clock=ctx.clock,
                ticket=args.ticket,
            )
        )
    _out(f"契約 {args.number} の初期パスワードを登録しました。")
    return EXIT_OK


def _contract_unblock(args: argparse.Namespace, ctx: _Ctx) -> int:
    """初期パスワード誤りによる閉塞の解除 (R-OPS-2)."""
    from chingin_app.services.contracts import ACTION_UNBLOCK, unblock_contract

    _check_contract_no(args.number, action=ACTION_UNBLOCK)
    with _db() as db:
        _unwrap(
            unblock_contract(
                db, contract_no=args.number, actor=ctx.actor, clock=ctx.clock, ticket=args.ticket
            )
        )
    _out(f"契約 {args.number} の閉塞を解除しました（初期パスワードの誤り回数を0回にしました）。")
    return EXIT_OK


# ---------------------------------------------------------------------------- notice


def _notice(args: argparse.Namespace, ctx: _Ctx) -> int:
    """ご利用開始（変更）のお知らせ (R-OPS-1; reissue R-OPS-2; 変更 R-OPS-5)."""
    from chingin_app.reports.notice import render_notice
    from chingin_app.services.contracts import get_contract
    from chingin_app.settings import settings

    _check_contract_no(args.number, action=ACTION_NOTICE)
    out_path = Path(args.output)
    conf = settings()
    with _db() as db:
        view = get_contract(db, args.number)
        if view is None:
            _invalid(
                Err("E-CONTRACT-NOT-FOUND", "contract_no"), action=ACTION_NOTICE, target=args.number
            )
        issued_on = to_jst(ctx.clock.now()).date()
        pdf = render_notice(
            view,
            issued_on=issued_on,
            change=args.change,
            helpdesk=(conf.helpdesk_name, conf.helpdesk_tel, conf.helpdesk_hours),
            service_url=conf.base_url,
        )
        detail: dict[str, Any] = {
            "change": args.change,
            "issued_on": issued_on,
            "file": out_path.name,
        }
        if args.ticket is not None:
            detail["ticket"] = args.ticket
        # The entry is written first and committed only once the file is: a notice that
        # could not be written leaves a failure entry instead.
        _log_success(
            db,
            ctx,
            action=ACTION_NOTICE,
            contract_no=args.number,
            target=args.number,
            detail=detail,
        )
        try:
            out_path.write_bytes(pdf)
        except OSError as exc:
            db.rollback()
            raise _Refusal(
                _FILE_WRITE_FAILED.format(path=out_path, reason=exc.strerror or exc),
                EXIT_REFUSED,
                code="E-FILE-WRITE",
                log_action=ACTION_NOTICE,
                log_target=args.number,
            ) from None
        db.commit()
    title = "ご利用開始（変更）のお知らせ" if args.change else "ご利用開始のお知らせ"
    _out(f"契約 {args.number} の{title}を {out_path} に出力しました。")
    return EXIT_OK


# ---------------------------------------------------------------------------- calendar


def _maintenance_add(args: argparse.Namespace, ctx: _Ctx) -> int:
    """メンテナンス時間の登録 (R-ENV-1, R-ENV-1a)."""
    from chingin_app.services.service_calendar import ACTION_MAINTENANCE_ADD, add_maintenance

    start = _parse_jst(args.start, "開始日時", action=ACTION_MAINTENANCE_ADD)
    end = _parse_jst(args.end, "終了日時", action=ACTION_MAINTENANCE_ADD)
    with _db() as db:
        window_id = _unwrap(
            add_maintenance(
                db, start=start, end=end, message=args.message, actor=ctx.actor, clock=ctx.clock
            )
        )
    _out(
        f"メンテナンス（番号 {window_id}）を登録しました："
        f"{_jst_text(start)}～{_jst_text(end)}（日本時間）"
    )
    return EXIT_OK


def _maintenance_list(args: argparse.Namespace, ctx: _Ctx) -> int:
    """メンテナンス時間の一覧: the windows not yet ended (R-ENV-1a)."""
    from chingin_app.services.service_calendar import list_maintenance

    with _db() as db:
        windows = list_maintenance(db, now=ctx.clock.now())
        _log_success(db, ctx, action=ACTION_MAINTENANCE_LIST, detail={"count": len(windows)})
        db.commit()
    if not windows:
        _out("登録されているメンテナンスはありません。")
        return EXIT_OK
    _out("番号\t開始（日本時間）\t終了（日本時間）\tメッセージ")
    for w in windows:
        _out(f"{w.id}\t{_jst_text(w.start)}\t{_jst_text(w.end)}\t{w.message or ''}")
    return EXIT_OK


def _maintenance_remove(args: argparse.Namespace, ctx: _Ctx) -> int:
    """メンテナンス時間の削除 (R-ENV-1a)."""
    from chingin_app.services.service_calendar import ACTION_MAINTENANCE_REMOVE, remove_maintenance

    if not (args.id.isascii() and args.id.isdigit()):
        _invalid_text(
            _ID_FORMAT.format(label="番号"),
            "E-ID-FORMAT",
            action=ACTION_MAINTENANCE_REMOVE,
            target=None,
        )
    window_id = int(args.id)
    with _db() as db:
        _unwrap(remove_maintenance(db, window_id=window_id, actor=ctx.actor, clock=ctx.clock))
    _out(f"メンテナンス（番号 {window_id}）を削除しました。")
    return EXIT_OK


def _holiday_add(args: argparse.Namespace, ctx: _Ctx) -> int:
    """臨時休業日の登録 (R-ENV-1a)."""
    from chingin_app.services.service_calendar import ACTION_CLOSED_DAY_ADD, add_closed_day

    day = _parse_day(args.day, action=ACTION_CLOSED_DAY_ADD)
    with _db() as db:
        _unwrap(add_closed_day(db, day=day, note=args.note, actor=ctx.actor, clock=ctx.clock))
    _out(f"{day.isoformat()} を臨時休業日として登録しました。")
    return EXIT_OK


def _holiday_remove(args: argparse.Namespace, ctx: _Ctx) -> int:
    """臨時休業日の削除 (R-ENV-1a)."""
    from chingin_app.services.service_calendar import ACTION_CLOSED_DAY_REMOVE, remove_closed_day

    day = _parse_day(args.day, action=ACTION_CLOSED_DAY_REMOVE)
    with _db() as db:
        _unwrap(remove_closed_day(db, day=day, actor=ctx.actor, clock=ctx.clock))
    _out(f"{day.isoformat()} の臨時休業日の登録を削除しました。")
    return EXIT_OK


def _holiday_list(args: argparse.Namespace, ctx: _Ctx) -> int:
    """臨時休業日の一覧 (R-ENV-1a)."""
    from chingin_app.services.service_calendar import list_closed_days

    with _db() as db:
        days = list_closed_days(db)
        _log_success(db, ctx, action=ACTION_CLOSED_DAY_LIST, detail={"count": len(days)})
        db.commit()
    if not days:
        _out("登録されている臨時休業日はありません。")
        return EXIT_OK
    _out("日付\tメモ")
    for d in days:
        _out(f"{d.day.isoformat()}\t{d.note or ''}")
    return EXIT_OK


# ---------------------------------------------------------------------------- service


def _serve(args: argparse.Namespace, ctx: _Ctx) -> int:
    from chingin_app.runtime.serve import serve

    return serve()


def _demo(args: argparse.Namespace, ctx: _Ctx) -> int:
    from chingin_app.runtime.demo import main as demo_main

    return demo_main()


def _jobs_run(args: argparse.Namespace, ctx: _Ctx) -> int:
    from chingin_app.services.jobs import run_jobs

    return run_jobs()


def _inbox(args: argparse.Namespace, ctx: _Ctx) -> int:
    from chingin_app.runtime.devmail import show_inbox

    return show_inbox(args.limit)


# ---------------------------------------------------------------------------- parser

_Handler = Callable[[argparse.Namespace, _Ctx], int]


def _build_parser() -> _Parser:
    # --operator is accepted before or after the sub-command.
    common = _Parser(add_help=False, allow_abbrev=False)
    common.add_argument("--operator", default=argparse.SUPPRESS, help=_OPERATOR_HELP)

    def leaf(group: Any, name: str, handler: _Handler, help_text: str) -> _Parser:
        p: _Parser = group.add_parser(
            name, help=help_text, description=help_text, parents=[common], allow_abbrev=False
        )
        p.set_defaults(handler=handler)
        return p

    def branch(group: Any, name: str, help_text: str) -> Any:
        p = group.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
        sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
        sub.required = True
        return sub

    def contract_no(p: _Parser) -> None:
        p.add_argument("number", help="契約番号（半角数字8桁）")

    def ticket(p: _Parser) -> None:
        p.add_argument("--ticket", default=None, help="依頼書の受付番号（操作ログに記録）")

    def secret(p: _Parser) -> None:
        p.add_argument(
            _SECRET_FLAG,
            dest="initial_password",
            metavar="-",
            default=None,
            help="「-」で標準入力から1行読みます。省略するとプロンプトで2回入力します。"
            "パスワードそのものは指定できません",
        )

    parser = _Parser(
        prog="chingin",
        description="賃金控除事務支援サービス（chingin）の運用コマンド",
        allow_abbrev=False,
    )
    parser.add_argument("--operator", default=None, help=_OPERATOR_HELP)
    top = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    top.required = True

    contract = branch(top, "contract", "契約の登録・照会・初期パスワード・閉塞解除")
    p = leaf(contract, "create", _contract_create, "契約を登録します（R-OPS-1）")
    p.add_argument("--number", required=True, help="契約番号（半角数字8桁）")
    p.add_argument("--name", required=True, help="団体名／事業所名")
    p.add_argument("--kind", required=True, help="member（会員）または employer（事業主）")
    p.add_argument(
        "--services",
        required=True,
        help="rokin,ledger,batch から1つ以上、または zaikei[,zaikei-balance][,zaikei-incentive]",
    )
    p.add_argument(
        "--group", action="append", default=None, help="入金グループ「NNN:名称」（複数指定可）"
    )
    secret(p)
    ticket(p)
    p = leaf(contract, "show", _contract_show, "契約の内容を表示します（秘密情報は表示しません）")
    contract_no(p)
    p = leaf(
        contract,
        "set-initial-password",
        _contract_set_initial_password,
        "初期パスワードを登録します",
    )
    contract_no(p)
    secret(p)
    ticket(p)
    p = leaf(contract, "unblock", _contract_unblock, "初期パスワード誤りによる閉塞を解除します")
    contract_no(p)
    ticket(p)

    p = leaf(top, "notice", _notice, "ご利用開始（変更）のお知らせ（PDF）を出力します")
    contract_no(p)
    p.add_argument("-o", "--output", required=True, help="出力するPDFファイル")
    p.add_argument("--change", action="store_true", help="ご利用開始（変更）のお知らせとして出力")
    ticket(p)

    maint = branch(top, "maintenance", "メンテナンス時間の登録・一覧・削除（R-ENV-1a）")
    p = leaf(maint, "add", _maintenance_add, "メンテナンス時間を登録します（日本時間）")
    p.add_argument("--from", dest="start", required=True, help="開始 YYYY-MM-DD HH:MM")
    p.add_argument("--to", dest="end", required=True, help="終了 YYYY-MM-DD HH:MM")
    p.add_argument("--message", default=None, help="画面に表示するメッセージ")
    leaf(maint, "list", _maintenance_list, "終了していないメンテナンス時間を表示します")
    p = leaf(maint, "remove", _maintenance_remove, "メンテナンス時間を削除します")
    p.add_argument("id", help="番号（maintenance list で表示されます）")

    hol = branch(top, "holiday", "臨時休業日の登録・一覧・削除（R-ENV-1a）")
    p = leaf(hol, "add", _holiday_add, "臨時休業日を登録します")
    p.add_argument("day", help="日付 YYYY-MM-DD")
    p.add_argument("--note", default=None, help="メモ")
    p = leaf(hol, "remove", _holiday_remove, "臨時休業日の登録を削除します")
    p.add_argument("day", help="日付 YYYY-MM-DD")
    leaf(hol, "list", _holiday_list, "臨時休業日を表示します")

    leaf(top, "serve", _serve, "サービスを起動します（組み込み構成）")
    leaf(top, "demo", _demo, "デモ用の契約を用意します")
    jobs = branch(top, "jobs", "定期処理")
    leaf(jobs, "run", _jobs_run, "定期処理を1回実行します")
    p = leaf(top, "inbox", _inbox, "開発用受信箱のメールを表示します")
    p.add_argument("--limit", type=int, default=10, help="表示する件数（既定 10）")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one `chingin` command and return its exit status: 0 done, 1 refused, 2 bad input
    (SPEC R-OPS-1, R-OPS-2, R-ENV-1a, R-OPS-7)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    ctx: _Ctx | None = None
    try:
        _refuse_secret_on_command_line(args_list)
        try:
            args = _build_parser().parse_args(args_list)
        except SystemExit as exc:  # -h / --help
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        ctx = _Ctx(actor=_actor(args.operator), clock=clock_from_env())
        handler: _Handler = args.handler
        return handler(args, ctx)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except _Refusal as exc:
        if exc.log_action is not None and ctx is not None:
            _log_refusal(ctx, exc)
        print(exc.text, file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("中断しました。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
