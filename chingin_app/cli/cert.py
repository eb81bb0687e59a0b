"""`chingin cert …`: the bank operator's certificate procedure from the 依頼書 (SPEC R-OPS-2,
R-CERT-7; DESIGN §2 ``chingin cert revoke ID``):

    chingin cert revoke ID --reason pc-change|lost|other [--ticket 受付番号]

The service logs the revocation and its refusals; the CRL is then re-signed and a running
nginx re-reads it, so the certificate stops working at the TLS layer at once (the app refuses
it from the commit on). Exit status: 0 done; 1 refused (no such user, no certificate to
revoke, or the CRL could not be published after the revocation); 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from typing import Final

from chingin_app.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Refusal,
    Subparsers,
    add_ticket,
    branch,
    leaf,
    open_db,
    out,
    unwrap,
)
from chingin_app.domain.messages import message

__all__ = ["register"]

# Well-formed requests refused because of what is stored (exit 1).
_REFUSED_CODES: Final = frozenset({"E-USER-NOT-FOUND", "E-CERT-NONE-TO-REVOKE"})
_REASON_LABELS: Final = {
    "pc-change": "パソコンの変更",
    "lost": "紛失",
    "other": "その他",
}


def register(top: Subparsers) -> None:
    """Add ``cert`` (revoke)."""
    cert = branch(top, "cert", "電子証明書の失効（依頼書の処理）")
    p = leaf(
        cert,
        "revoke",
        _revoke,
        "ユーザーの電子証明書を失効させ、失効リスト（CRL）を更新します（R-CERT-7）",
    )
    p.add_argument("user_id", metavar="ID", help="ユーザーＩＤ（大文字・小文字を区別します）")
    p.add_argument(
        "--reason",
        required=True,
        choices=sorted(_REASON_LABELS),
        help="失効理由: pc-change（パソコンの変更）、lost（紛失）、other（その他）",
    )
    add_ticket(p)


def _revoke(args: argparse.Namespace, ctx: Context) -> int:
    """電子証明書の失効 (R-OPS-2, R-CERT-7)."""
    from chingin_app.services.certs.revocation import publish_revocations, revoke_user_certificate

    with open_db() as db:
        result = revoke_user_certificate(
            db,
            user_id=args.user_id,
            reason=args.reason,
            actor=ctx.actor,
            clock=ctx.clock,
            ticket=args.ticket,
        )
        try:
            serial = unwrap(result)
        except Refusal as exc:
            if exc.code in _REFUSED_CODES:
                exc.status = EXIT_REFUSED
            raise
    out(message("I-CERT-REVOKED", user_id=args.user_id, serial=serial,
                reason=_REASON_LABELS[args.reason]))
    try:
        publish_revocations()
    except Exception as exc:  # the revocation stands; the operator must finish the publication
        print(message("E-CERT-CRL-NOT-PUBLISHED", reason=type(exc).__name__), file=sys.stderr)
        return EXIT_REFUSED
    out(message("I-CRL-PUBLISHED"))
    return EXIT_OK
