"""Routes of the screens, and which of them are built (a button to a screen that does not exist
yet is never shown)."""

from __future__ import annotations

TOP = "/"
LOGIN = "/login"
MASTER_REGISTRATION = "/master-registration"
GENERAL_REGISTRATION = "/general-registration"
CERT_ISSUE = "/certificate"
MASTER_REGISTER = "/master-registration/register"
MASTER_CORRECT = "/master-registration/correct"
MASTER_DONE = "/master-registration/done"
CERT_CODE = "/certificate/code"
CERT_CONFIRM = "/certificate/issue"
CERT_ISSUING = "/certificate/issuing"
CERT_RESULT = "/certificate/result"
PASSWORD_CHANGE_FIRST = "/password-change-first"  # noqa: S105 (a route)
GROUP_SELECT = "/group-select"
INFO = "/info"
LOGGED_OUT = "/logged-out"
OPERATION_LOG = "/operation-log"
MANUALS = "/manuals"
PASSWORD_CHANGE = "/password-change"  # noqa: S105 (a route)
USERS = "/users"
USERS_NEW = "/users/new"
USERS_EDIT = "/users/edit"

# The top page's buttons in the manual's order (R-ENV-5, manual P.8).
TOP_BUTTONS: tuple[tuple[str, str], ...] = (
    ("ログイン", LOGIN),
    ("マスターユーザーの初期登録", MASTER_REGISTRATION),
    ("一般ユーザーの初期登録", GENERAL_REGISTRATION),
    ("電子証明書発行", CERT_ISSUE),
)

_built: set[str] = {TOP}


def mark_built(route: str) -> None:
    """Record that a screen exists; called when its page is added to the app."""
    _built.add(route)


def is_built(route: str) -> bool:
    """Whether a screen exists, so links to it may be shown."""
    return route in _built
