"""DESIGN §1 Downloads: tickets are single use, expire, and are stored only hashed."""

from __future__ import annotations

from chingin_app.services.download_tickets import TicketSpec, TicketStore

SPEC = TicketSpec(kind="manual", ref="1", session_token="s", cert_sha256="a" * 64, inline=True)


def test_ticket_is_single_use_and_unguessable() -> None:
    store = TicketStore()
    ticket = store.issue(SPEC)
    assert len(ticket) >= 22  # 128 bits, URL-safe
    assert ticket not in repr(store.__dict__)  # only its hash is kept
    assert store.redeem("not-a-ticket") is None
    assert store.redeem(ticket) == SPEC
    assert store.redeem(ticket) is None


def test_ticket_expires() -> None:
    store = TicketStore(ttl=-1)  # already past its lifetime when redeemed
    assert store.redeem(store.issue(SPEC)) is None
