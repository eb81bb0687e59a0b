"""`chingin log verify [--chain CHAIN | --all]`: check the operation log's hash chains
(SPEC R-LOG-1 "Nobody can edit or delete entries"; DESIGN "Operation log").

Each chain is checked with ``oplog.verify_chain``; one line per chain gives its entry count
and 「正常」 or the ids of the broken entries. Without an option every chain is checked
(``--all``). Exit 1 when any chain is broken (or the named chain does not exist), else 0.
The check is logged in the system chain (action ``oplog.verify``) after it ran.
"""

from __future__ import annotations

import argparse

from chingin_app.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Refusal,
    Subparsers,
    branch,
    invalid,
    leaf,
    log_success,
    open_db,
    out,
)
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err

__all__ = ["ACTION_VERIFY", "register"]

ACTION_VERIFY = "oplog.verify"

#: The result table's header row.
_VERIFY_LIST_LABELS = ("チェーン", "件数", "結果")


def register(top: Subparsers) -> None:
    """Add ``log verify``."""
    group = branch(top, "log", "操作ログの検証（R-LOG-1）")
    p = leaf(group, "verify", _verify, "操作ログのハッシュチェーンを検証します")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--chain", default=None, help="検証するチェーン（system または contract:契約番号）"
    )
    which.add_argument("--all", action="store_true", help="すべてのチェーンを検証します（既定）")


def _check_chain_name(chain: str) -> None:
    from chingin_app.services import oplog

    if chain == oplog.SYSTEM_CHAIN:
        return
    number = chain.removeprefix("contract:")
    try:
        if number != chain and oplog.chain_for(number) == chain:
            return
    except ValueError:
        pass
    invalid(Err("E-CHAIN-FORMAT", "chain"), action=ACTION_VERIFY, target=chain)


def _verify(args: argparse.Namespace, ctx: Context) -> int:
    """操作ログの検証 (R-LOG-1): every chain, or the one named."""
    from chingin_app.services import oplog

    if args.chain is not None:
        _check_chain_name(args.chain)
    with open_db() as db:
        counts = oplog.chain_counts(db)
        if args.chain is not None:
            if args.chain not in counts:
                raise Refusal(message("E-CHAIN-NOT-FOUND", chain=args.chain), EXIT_REFUSED,
                              code="E-CHAIN-NOT-FOUND")
            chains = [args.chain]
        else:
            chains = sorted(counts)
        results = [(chain, counts[chain], oplog.verify_chain(db, chain)) for chain in chains]
        broken_chains = [chain for chain, _count, ids in results if ids]
        log_success(
            db,
            ctx,
            action=ACTION_VERIFY,
            target=args.chain or "all",
            detail={"chains": len(results), "broken": broken_chains[:20]},
        )
        db.commit()

    if not results:
        out(message("I-LOG-EMPTY"))
        return EXIT_OK
    out("\t".join(_VERIFY_LIST_LABELS))
    for chain, count, ids in results:
        if ids:
            out(message("W-LOG-CHAIN-BROKEN", chain=chain, count=count,
                        ids=", ".join(map(str, ids))))
        else:
            out(message("I-LOG-CHAIN-OK", chain=chain, count=count))
    if broken_chains:
        out(message("W-LOG-VERIFIED-BROKEN", chains=len(results), broken=len(broken_chains)))
        return EXIT_REFUSED
    out(message("I-LOG-VERIFIED", chains=len(results)))
    return EXIT_OK
