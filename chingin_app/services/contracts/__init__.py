"""The bank's operator use cases for contracts (SPEC R-OPS-1, R-OPS-2, R-OPS-5, R-OPS-6,
R-LOCK-3; DESIGN §2 ``chingin contract …`` and the same procedures on the operator console).

Each use case is one transaction: it commits once with its operation-log entry in the
contract's chain (actor kind 'operator', the 依頼書's 受付番号 as ``ticket``, R-OPS-2a), or
rolls back and records the failure in the system chain (``oplog.operator_refusal``; the
contract number as typed goes in ``target``). Every use case takes the contract number.

The package's modules: ``admin`` (create, show, initial password, 閉塞解除), ``changes``
(契約内容の変更, 一時停止, 再開, 解約); ``common`` holds the view and the log helpers they
share. Callers use the names below.
"""

from __future__ import annotations

from chingin_app.services.contracts.admin import (
    ACTION_CREATE,
    ACTION_SET_INITIAL_PASSWORD,
    ACTION_UNBLOCK,
    create_contract,
    get_contract,
    set_initial_password,
    unblock_contract,
)
from chingin_app.services.contracts.changes import (
    ACTION_CHANGE,
    ACTION_RESUME,
    ACTION_SUSPEND,
    ACTION_TERMINATE,
    RevocationsNotPublished,
    change_contract,
    resume_contract,
    suspend_contract,
    terminate_contract,
)
from chingin_app.services.contracts.common import ContractView

__all__ = [
    "ACTION_CHANGE",
    "ACTION_CREATE",
    "ACTION_RESUME",
    "ACTION_SET_INITIAL_PASSWORD",
    "ACTION_SUSPEND",
    "ACTION_TERMINATE",
    "ACTION_UNBLOCK",
    "ContractView",
    "RevocationsNotPublished",
    "change_contract",
    "create_contract",
    "get_contract",
    "resume_contract",
    "set_initial_password",
    "suspend_contract",
    "terminate_contract",
    "unblock_contract",
]
