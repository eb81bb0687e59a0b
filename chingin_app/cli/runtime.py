"""The service's entry points, dispatch only (DESIGN §2): ``chingin serve``, ``chingin demo``,
``chingin jobs run``, ``chingin crl sync``, ``chingin inbox [--limit N] [--latest]``."""

from __future__ import annotations

import argparse

from chingin_app.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Refusal,
    Subparsers,
    branch,
    leaf,
    require_schema,
)
from chingin_app.domain.messages import message

__all__ = ["register"]


def register(top: Subparsers) -> None:
    """Add ``serve``, ``demo``, ``jobs run``, ``crl sync`` and ``inbox``."""
    leaf(top, "serve", _serve, "サービスを起動します（組み込み構成）")
    leaf(top, "demo", _demo, "デモ用の契約を用意します")
    jobs = branch(top, "jobs", "定期処理")
    leaf(jobs, "run", _jobs_run, "定期処理を1回実行します")
    crls = branch(top, "crl", "失効リスト（CRL）")
    leaf(crls, "sync", _crl_sync,
         "データベースの CRL をこの VM のファイルに書き、変わったときだけ nginx を再読込します")
    p = leaf(top, "inbox", _inbox, "開発用受信箱のメールを表示します")
    p.add_argument("--limit", type=int, default=10, help="表示する件数（既定 10）")
    p.add_argument("--latest", action="store_true",
                   help="最新の認証コードだけを表示します")


def _serve(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.runtime.serve import serve

    return serve()


def _demo(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.runtime.demo import main as demo_main

    return demo_main()


def _jobs_run(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.logs import configure_logging
    from chingin_app.runtime.preflight import ca_problem
    from chingin_app.services.jobs import run_jobs
    from chingin_app.settings import settings

    configure_logging()  # the timer's records in the journal as JSON lines (R-DEP-8)
    require_schema()  # production: never on an old or new schema (R-DEP-3)
    if settings().is_production and (problem := ca_problem(settings())) is not None:
        # Never makes one (R-DEP-1).
        raise Refusal(message("E-NO-CA", problem=problem), EXIT_REFUSED, code="E-NO-CA")
    _require_deployed_files()
    return run_jobs()


def _crl_sync(args: argparse.Namespace, ctx: Context) -> int:
    """R-DEP-5: the timer every VM runs (deploy/systemd/chingin-crl-sync.timer): sign what is
    due once for all VMs, write this VM's CRL files atomically, reload its nginx only when
    they changed. Never makes a CA in production (R-DEP-1)."""
    from chingin_app.logs import configure_logging
    from chingin_app.runtime.preflight import ca_problem
    from chingin_app.services.certs import crl
    from chingin_app.settings import settings

    configure_logging()
    require_schema()
    s = settings()
    if s.is_production and (problem := ca_problem(s)) is not None:
        raise Refusal(message("E-NO-CA", problem=problem), EXIT_REFUSED, code="E-NO-CA")
    _require_deployed_files()
    crl.scheduled_refresh(s)
    return EXIT_OK


def _require_deployed_files() -> None:
    """R-DEP-5: in production, refuse on a VM whose CA files, secret-box key or proxy secret
    are not the ones the database recorded (the timers must not sign or seal with others)."""
    from chingin_app.runtime.preflight import deployment_problems
    from chingin_app.settings import settings

    if settings().is_production and (problems := deployment_problems(settings())):
        raise Refusal(message("E-DEPLOYED-FILES", problems="\n".join(problems)), EXIT_REFUSED,
                      code="E-DEPLOYED-FILES")


def _inbox(args: argparse.Namespace, ctx: Context) -> int:
    from chingin_app.runtime.devmail import show_inbox, show_latest_code

    if args.latest:
        return show_latest_code()
    return show_inbox(args.limit)
