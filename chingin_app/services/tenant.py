"""What the list, print and export services need of the signed-in user."""

from __future__ import annotations

from typing import Protocol


class OutputSession(Protocol):
    """The signed-in user an output is for (``sessions.SessionInfo`` fits): the contract and
    payment group it is limited to, the contract's name for the header, and whose print or
    export the operation log records."""

    @property
    def contract_no(self) -> str: ...

    @property
    def contract_name(self) -> str: ...

    @property
    def user_id(self) -> str: ...

    @property
    def group_no(self) -> str | None: ...
