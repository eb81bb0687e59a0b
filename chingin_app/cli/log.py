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
    invalid_text,
    leaf,
    log_success,
    open_db,
    out,
)

__all__ = ["ACTION_VERIFY", "register"]

ACTION_VERIFY = "oplog.verify"

_CHAIN_FORMAT = "「チェーン」は system または contract:契約番号（半角数字8桁）で入力してください。"
_NO_SUCH_CHAIN = "操作ログのチェーン {chain} はありません。"
_NO_CHAINS = "操作ログはまだありません。"
_LINE_OK = "{chain}\t{count}件\t正常"
_LINE_BROKEN = "{chain}\t{count}件\t改ざんの疑い（ID: {ids}）"
_SUMMARY_OK = "{chains}件のチェーンを検証しました。すべて正常です。"
_SUMMARY_BROKEN = (
    "{chains}件のチェーンを検証しました。{broken}件のチェーンに改ざんの疑いがあります。"
)


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
    invalid_text(_CHAIN_FORMAT, "E-CHAIN-FORMAT", action=ACTION_VERIFY, target=chain)


def _verify(args: argparse.Namespace, ctx: Context) -> int:
    """操作ログの検証 (R-LOG-1): every chain, or the one named."""
    from chingin_app.services import oplog

    if args.chain is not None:
        _check_chain_name(args.chain)
    with open_db() as db:
        counts = oplog.chain_counts(db)
        if args.chain is not None:
            if args.chain not in counts:
                raise Refusal(_NO_SUCH_CHAIN.format(chain=args.chain), EXIT_REFUSED)
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
        out(_NO_CHAINS)
        return EXIT_OK
    out("チェーン\t件数\t結果")
    for chain, count, ids in results:
        if ids:
            out(_LINE_BROKEN.format(chain=chain, count=count, ids=", ".join(map(str, ids))))
        else:
            out(_LINE_OK.format(chain=chain, count=count))
    if broken_chains:
        out(_SUMMARY_BROKEN.format(chains=len(results), broken=len(broken_chains)))
        return EXIT_REFUSED
    out(_SUMMARY_OK.format(chains=len(results)))
    return EXIT_OK
