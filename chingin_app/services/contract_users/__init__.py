"""契約ユーザー: the contract's own user administration, the master's screens under
契約ユーザー情報照会 (SPEC R-INFO-2a, R-USER-1..8, §3). The bank's procedures on users from the
依頼書 (閉塞解除, マスター初期化) are ``services.user_procedures``.

Each changing function is one transaction: it commits once with its operation-log entry in the
contract's chain, or rolls back and records the refusal (``oplog.log_failure``).

The package's modules: ``listing`` (契約ユーザー情報照会), ``creation`` (契約ユーザー登録),
``changes`` (更新, 仮のパスワード, 削除, the master's own entry, パスワード変更); ``common`` holds
the restrictions, notices and the master-only scaffold they share. Callers use the names below.
"""

from __future__ import annotations

from chingin_app.services.contract_users.changes import (
    ACTION_DELETE_GENERAL,
    ACTION_TEMPORARY_PASSWORD,
    ACTION_UPDATE_GENERAL,
    ACTION_UPDATE_OWN,
    change_password,
    check_temporary_password,
    delete_general_user,
    set_temporary_password,
    update_general_user,
    update_own_profile,
)
from chingin_app.services.contract_users.creation import (
    ACTION_CREATE_GENERAL,
    GENERAL_USER_LIMIT,
    create_general_user,
)
from chingin_app.services.contract_users.listing import (
    STATUS_BLOCKED,
    STATUS_LOCKED,
    STATUS_NORMAL,
    UserRow,
    list_users,
)

__all__ = [
    "ACTION_CREATE_GENERAL",
    "ACTION_DELETE_GENERAL",
    "ACTION_TEMPORARY_PASSWORD",
    "ACTION_UPDATE_GENERAL",
    "ACTION_UPDATE_OWN",
    "GENERAL_USER_LIMIT",
    "STATUS_BLOCKED",
    "STATUS_LOCKED",
    "STATUS_NORMAL",
    "UserRow",
    "change_password",
    "check_temporary_password",
    "create_general_user",
    "delete_general_user",
    "list_users",
    "set_temporary_password",
    "update_general_user",
    "update_own_profile",
]
