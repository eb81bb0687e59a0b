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
NOTICE_SETTINGS = "/notice-settings"  # R-PLUS-7 通知設定 (common menu)

# 労金控除事務 (SPEC §11 RK-1 … RK-11)
ROKIN_DETAILS = "/rokin/details"
ROKIN_DETAIL_NEW = "/rokin/details/new"
ROKIN_HISTORY = "/rokin/history"
ROKIN_REQUEST_LISTS = "/rokin/request-lists"
ROKIN_REQUEST_EXPORT = "/rokin/request-export"
ROKIN_COMPANY_REQUEST = "/rokin/company-request"
ROKIN_COMPANY_EXPORT = "/rokin/company-export"
ROKIN_REMIT_HOLDS = "/rokin/remittance/holds"
ROKIN_REMIT_CONFIRM = "/rokin/remittance/confirm"
ROKIN_REMIT_UNCONFIRM = "/rokin/remittance/unconfirm"
ROKIN_WEB_STATEMENT = "/rokin/remittance/web-statement"
ROKIN_RESULT_LISTS = "/rokin/result-lists"
ROKIN_RECONCILIATION = "/rokin/reconciliation"  # R-PLUS-1 (also linked from RK-9)
ROKIN_KANA_CHECK = "/rokin/kana-check"  # R-PLUS-2
ROKIN_EMPLOYEES = "/rokin/employees"  # RK-12 (with 労金控除明細照会's rights)
#: 今月の控除 (issue 14 item 1): the month's cycle on one page, linked first on the information
#: screen for a user who holds any of its parts' menus (no menu of its own).
ROKIN_CYCLE = "/rokin/this-month"

# 賃控元帳事務 (SPEC §11 RL-1 … RL-13)
LEDGER_DETAILS = "/ledger/details"
LEDGER_DETAIL_NEW = "/ledger/details/new"
LEDGER_HISTORY = "/ledger/history"
LEDGER_ITEMS = "/ledger/items"
LEDGER_CHECK_LISTS = "/ledger/check-lists"  # RL-3
LEDGER_BULK = "/ledger/bulk"
LEDGER_EXPORT = "/ledger/export"
LEDGER_IMPORT = "/ledger/import"
LEDGER_REQUEST_LISTS = "/ledger/request-lists"  # RL-5
LEDGER_REQUEST_EXPORT = "/ledger/request-export"  # RL-6
LEDGER_RESULT_LISTS = "/ledger/result-lists"  # RL-7
LEDGER_COMBINED_LIST = "/ledger/combined-list"  # RL-12
LEDGER_COMBINED_EXPORT = "/ledger/combined-export"  # RL-13

# 一斉積立事務 (SPEC §11 RS-1 … RS-3)
BATCH_DETAILS = "/batch/details"
BATCH_DETAIL_LISTS = "/batch/detail-lists"
BATCH_DETAIL_EXPORT = "/batch/detail-export"

# 財形貯蓄事務 (SPEC §11 RZ-1 … RZ-3)
ZAIKEI_DETAILS = "/zaikei/details"
ZAIKEI_STATEMENT = "/zaikei/statement"
ZAIKEI_EXPORT = "/zaikei/export"

#: The screen of each business menu of the permission registry (domain/permissions.MENUS):
#: exactly one per entry, every one built (tests/unit/test_menu_screens.py), so the information
#: screen and the user form's permission rows name the same screens (issue 13 item 5).
MENU_ROUTES: dict[str, str] = {
    "rokin.detail_inquiry": ROKIN_DETAILS,
    "rokin.kana_check": ROKIN_KANA_CHECK,
    "rokin.staff": ROKIN_EMPLOYEES,  # RK-12
    "rokin.detail_new": ROKIN_DETAIL_NEW,
    "rokin.history": ROKIN_HISTORY,
    "rokin.request_list": ROKIN_REQUEST_LISTS,
    "rokin.request_export": ROKIN_REQUEST_EXPORT,
    "rokin.company_request": ROKIN_COMPANY_REQUEST,
    "rokin.company_export": ROKIN_COMPANY_EXPORT,
    "rokin.remit_stop": ROKIN_REMIT_HOLDS,
    "rokin.remit_confirm": ROKIN_REMIT_CONFIRM,
    "rokin.reconciliation": ROKIN_RECONCILIATION,
    "rokin.remit_unconfirm": ROKIN_REMIT_UNCONFIRM,
    "rokin.web_update_statement": ROKIN_WEB_STATEMENT,
    "rokin.result_list": ROKIN_RESULT_LISTS,
    "ledger.detail_inquiry": LEDGER_DETAILS,
    "ledger.detail_new": LEDGER_DETAIL_NEW,
    "ledger.history": LEDGER_HISTORY,
    "ledger.item_inquiry": LEDGER_ITEMS,
    "ledger.check_list": LEDGER_CHECK_LISTS,
    "ledger.bulk_update": LEDGER_BULK,
    "ledger.detail_export": LEDGER_EXPORT,
    "ledger.detail_import": LEDGER_IMPORT,
    "ledger.request_list": LEDGER_REQUEST_LISTS,
    "ledger.request_export": LEDGER_REQUEST_EXPORT,
    "ledger.result_list": LEDGER_RESULT_LISTS,
    "ledger.combined_list": LEDGER_COMBINED_LIST,
    "ledger.combined_export": LEDGER_COMBINED_EXPORT,
    "zaikei.detail_inquiry": ZAIKEI_DETAILS,
    "zaikei.statement": ZAIKEI_STATEMENT,
    "zaikei.detail_export": ZAIKEI_EXPORT,
    "batch.detail_inquiry": BATCH_DETAILS,
    "batch.detail_list": BATCH_DETAIL_LISTS,
    "batch.detail_export": BATCH_DETAIL_EXPORT,
}

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
