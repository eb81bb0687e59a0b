"""The `chingin` command: the bank operator's tool and the service's entry points.

Operator commands (SPEC R-OPS-1, R-OPS-2, R-ENV-1a, R-OPS-7; DESIGN §2) — each leaves an
operation-log entry, the actor recorded as ``operator:NAME`` (``--operator``, default
``$USER``); refusals are logged too. One module per command family, each adding its
sub-commands through ``register(subparsers)``:

    contract           chingin contract create|show|set-initial-password|unblock,
                       chingin notice
    contract_changes   chingin contract change|suspend|resume|terminate (R-OPS-5, R-OPS-6)
    calendar           chingin maintenance add|list|remove, chingin holiday add|remove|list
    runtime            chingin serve, demo, jobs run, crl sync, inbox [--limit N|--latest]
                       (dispatch only)
    release            chingin build, migrate, pki init (the release steps before serve,
                       R-DEP-1..3)
    backup             chingin backup DIR, chingin restore DIR [--force] (R-DEP-6)
    user               chingin user unblock|init-master (R-OPS-2)
    cert               chingin cert revoke (R-OPS-2, R-CERT-7)
    manual             chingin manual add|list (R-OPS-3)
    log                chingin log verify (R-LOG-1)
    operator_account   chingin operator-account add|revoke|list (R-OPS-7)
    bank               chingin bank publish-request|load-results|load-batch|load-zaikei
                       (the bank's files: 控除依頼・控除結果, 一斉積立, 財形)
    common             what they share: parser, refusals, secrets, Japan time, database, log

Secrets are never taken from the command line (DESIGN §2, R-OPS-7): ``--initial-password -``
reads one line from standard input; without the flag a prompt asks twice; any other value is
refused before anything else happens (not even the database is opened). Secrets are never
echoed, printed or logged; a stray argument is never repeated in an error message, in case it
is a password typed in the wrong place.

Exit status: 0 done; 1 refused (no such contract, already registered, …); 2 bad input (nothing
was changed). Messages go to standard error, in Japanese.

Every command first sets the umask to 077 (R-SEC-5): what it and its children write is the
service user's only, whatever the shell's umask. In production (``CHINGIN_ENV=production``)
a command that uses the database refuses to run on a schema older or newer than the code,
naming ``chingin migrate`` (R-DEP-3); elsewhere it migrates first, as before.
"""

from __future__ import annotations

import os
import sys

from chingin_app.cli import (
    backup,
    calendar,
    cert,
    contract,
    contract_changes,
    manual,
    release,
    runtime,
    user,
)
from chingin_app.cli import bank as bank_family
from chingin_app.cli import log as log_family
from chingin_app.cli import operator_account as operator_account_family
from chingin_app.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_REFUSED,
    OPERATOR_HELP,
    Context,
    Handler,
    Parser,
    Refusal,
    UsageError,
    actor_from,
    log_refusal,
    refuse_secret_on_command_line,
)
from chingin_app.domain.clock import Clock, clock_from_env
from chingin_app.domain.messages import message
from chingin_app.runtime.private_files import PRIVATE_UMASK

__all__ = ["main"]


def _build_parser() -> Parser:
    parser = Parser(
        prog="chingin",
        description="賃金控除事務支援サービス（chingin）の運用コマンド",
        allow_abbrev=False,
    )
    parser.add_argument("--operator", default=None, help=OPERATOR_HELP)
    top = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    top.required = True
    # The order here is the order of ``chingin -h``.
    contract.register(top)
    contract_changes.register(top)  # after contract: adds to its family
    calendar.register(top)
    runtime.register(top)
    release.register(top)
    backup.register(top)
    user.register(top)
    cert.register(top)
    manual.register(top)
    log_family.register(top)
    operator_account_family.register(top)
    bank_family.register(top)
    return parser


def _clock() -> Clock:
    """The command's clock; a test clock outside the test environment is refused before
    anything happens (R-DEP-1: production refuses the test clock)."""
    try:
        return clock_from_env()
    except RuntimeError:
        raise Refusal(message("E-TEST-CLOCK"), EXIT_REFUSED, code="E-TEST-CLOCK") from None


def main(argv: list[str] | None = None) -> int:
    """Run one `chingin` command and return its exit status: 0 done, 1 refused, 2 bad input
    (SPEC R-OPS-1, R-OPS-2, R-ENV-1a, R-OPS-7)."""
    os.umask(PRIVATE_UMASK)  # before anything is written (R-SEC-5)
    args_list = list(sys.argv[1:] if argv is None else argv)
    ctx: Context | None = None
    try:
        refuse_secret_on_command_line(args_list)
        try:
            args = _build_parser().parse_args(args_list)
        except SystemExit as exc:  # -h / --help
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        ctx = Context(actor=actor_from(args.operator), clock=_clock())
        handler: Handler = args.handler
        return handler(args, ctx)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Refusal as exc:
        if exc.log_action is not None and ctx is not None:
            log_refusal(ctx, exc)
        print(exc.text, file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(message("E-INTERRUPTED"), file=sys.stderr)
        return 130
