"""The Reflex app: pages, plus the ASGI pieces in front of Reflex (certificate gate, service-hours
gate, health check)."""

from __future__ import annotations

from functools import lru_cache

import reflex as rx
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.pages import batch_savings as batch_pages
from chingin_app.pages import certificate_issue as issue
from chingin_app.pages import contract_users as cusers
from chingin_app.pages import login
from chingin_app.pages import master_registration as master
from chingin_app.pages import operator_console as op_console
from chingin_app.pages.ledger import bulk as ledger_bulk
from chingin_app.pages.ledger import check_lists as ledger_check_lists
from chingin_app.pages.ledger import cycle_outputs as ledger_out
from chingin_app.pages.ledger import detail_new as ledger_new
from chingin_app.pages.ledger import details as ledger_details
from chingin_app.pages.ledger import history as ledger_history
from chingin_app.pages.ledger import items as ledger_items
from chingin_app.pages.ledger import transfer as ledger_transfer
from chingin_app.pages.manuals import manuals_page
from chingin_app.pages.notice_settings import notice_settings_page
from chingin_app.pages.operation_log import operation_log_page
from chingin_app.pages.rokin import outputs as rokin_out
from chingin_app.pages.rokin import remittance as remit
from chingin_app.pages.rokin.cycle_workspace import cycle_workspace_page
from chingin_app.pages.rokin.detail_new import rokin_detail_new_page
from chingin_app.pages.rokin.details import rokin_details_page
from chingin_app.pages.rokin.employees import rokin_employees_page
from chingin_app.pages.rokin.history import rokin_history_page
from chingin_app.pages.rokin.kana_check import rokin_kana_check_page
from chingin_app.pages.rokin.reconciliation import rokin_reconciliation_page
from chingin_app.pages.top import top_page
from chingin_app.pages.zaikei import (
    zaikei_details_page,
    zaikei_export_page,
    zaikei_statement_page,
)
from chingin_app.proxy.static_pages import closed_page
from chingin_app.services import cert_gate, hours, manuals, prepared_files
from chingin_app.services.certs import certificates
from chingin_app.services.context import app_clock
from chingin_app.services.sessions import SessionInfo
from chingin_app.settings import settings
from chingin_app.state.batch_savings import (
    BatchDetailExportState,
    BatchDetailListsState,
    BatchDetailsState,
)
from chingin_app.state.certificate_issue import CertificateIssueState
from chingin_app.state.contract_users import ContractUserFormState, ContractUsersState
from chingin_app.state.ledger.bulk import LedgerBulkState
from chingin_app.state.ledger.check_lists import LedgerCheckListsState
from chingin_app.state.ledger.cycle_outputs import (
    CombinedExportState,
    CombinedListState,
    LedgerRequestExportState,
    LedgerRequestListsState,
    LedgerResultListsState,
)
from chingin_app.state.ledger.detail_new import LedgerDetailNewState
from chingin_app.state.ledger.details import LedgerDetailsState
from chingin_app.state.ledger.history import LedgerHistoryState
from chingin_app.state.ledger.items import LedgerItemsState
from chingin_app.state.ledger.transfer import LedgerExportState, LedgerImportState
from chingin_app.state.login import (
    GroupSelectState,
    InfoState,
    LoginState,
    PasswordChangeFirstState,
)
from chingin_app.state.manuals import MANUAL_KIND, ManualsState
from chingin_app.state.master_registration import MasterRegistrationState
from chingin_app.state.notice_settings import NoticeSettingsState
from chingin_app.state.operation_log import OperationLogState
from chingin_app.state.operator_console import (
    ROUTE_CONTRACTS,
    ROUTE_SIGNIN,
    ConsoleContractsState,
    OperatorConsoleState,
)
from chingin_app.state.outputs import PREPARED_KIND
from chingin_app.state.rokin.cycle_workspace import CycleWorkspaceState
from chingin_app.state.rokin.detail_new import RokinDetailNewState
from chingin_app.state.rokin.details import RokinDetailsState
from chingin_app.state.rokin.employees import RokinEmployeesState
from chingin_app.state.rokin.history import RokinHistoryState
from chingin_app.state.rokin.kana_check import RokinKanaCheckState
from chingin_app.state.rokin.outputs import (
    CompanyExportState,
    CompanyRequestState,
    RequestExportState,
    RequestListsState,
    ResultListsState,
)
from chingin_app.state.rokin.reconciliation import RokinReconciliationState
from chingin_app.state.rokin.remittance import RemitHoldsState
from chingin_app.state.rokin.remittance_confirm import (
    RemitConfirmState,
    WebStatementState,
)
from chingin_app.state.top import TopState
from chingin_app.state.zaikei import (
    ZaikeiDetailsState,
    ZaikeiExportState,
    ZaikeiStatementState,
)
from chingin_app.web.crl import crl_file
from chingin_app.web.downloads import RESOLVERS, DownloadFile, download
from chingin_app.web.gate import CertGate
from chingin_app.web.health import healthz
from chingin_app.web.hours_gate import ServiceHoursGate
from chingin_app.web.request_log import EventLogContext, RequestLogContext


@lru_cache(maxsize=1)
def _proxy_secret() -> bytes:
    try:
        return settings().proxy_secret_file.read_bytes().strip()
    except FileNotFoundError:
        return b""  # no secret: nothing is trusted


def _lookup(sha256: str) -> cert_gate.StoredCert | None:
    with session_scope(read_only=True) as db:
        found = certificates.lookup(db, sha256)
    if found is None:
        return None
    return cert_gate.StoredCert(status=found.status, not_after=found.not_after)  # type: ignore[arg-type]


def _classify(verify: str | None, escaped_cert: str | None) -> cert_gate.CertFacts:
    return cert_gate.classify(verify, escaped_cert, lookup=_lookup, now=app_clock().now())


def _gates(app: ASGIApp) -> ASGIApp:
    hours_gate = ServiceHoursGate(
        app,
        notice=lambda: hours.notice(hours.current_status(app_clock())),
        render=lambda text: closed_page(settings(), text),
    )
    return CertGate(hours_gate, secret=_proxy_secret, classify=_classify)


def _manual_file(db: Session, info: SessionInfo, ref: str, ip: str | None) -> DownloadFile | None:
    """A manual of the user's contract kind (R-MAN-1, R-INFO-3)."""
    if not ref.isdigit():
        return None
    found = manuals.get_manual(db, manual_id=int(ref), contract_kind=info.contract_kind)
    if found is None:
        return None
    return DownloadFile(found.filename, found.content, "application/pdf")


def _prepared_file(db: Session, info: SessionInfo, ref: str, ip: str | None) -> DownloadFile | None:
    """An output this user of this contract just made (state/outputs.py)."""
    found = prepared_files.store().get(ref, contract_no=info.contract_no, user_id=info.user_id)
    if found is None:
        return None
    return DownloadFile(found.filename, found.content, found.media_type)


RESOLVERS[MANUAL_KIND] = _manual_file
RESOLVERS[PREPARED_KIND] = _prepared_file

app = rx.App(
    html_lang="ja",
    api_transformer=[
        Starlette(routes=[
            Route("/healthz", healthz),
            Route("/crl/{name}", crl_file),
            Route("/dl/{ticket}", download),
        ]),
        _gates,
        RequestLogContext,  # outermost: every record below carries the request id (R-DEP-8)
    ],
)
app.add_middleware(EventLogContext())

SCREENS = [
    # (route, title, page, on_load)
    (routes.TOP, "トップ画面", top_page, TopState.load),
    (routes.MASTER_REGISTRATION, "マスターユーザー初期登録ログイン", master.start_page,
     MasterRegistrationState.load_start),
    (routes.MASTER_REGISTER, "マスターユーザー登録", master.register_page,
     MasterRegistrationState.load_step),
    (routes.MASTER_CORRECT, "マスターユーザー情報の訂正", master.correct_page,
     MasterRegistrationState.load_step),
    (routes.MASTER_DONE, "登録完了", master.done_page, None),
    (routes.CERT_ISSUE, "電子証明書発行 ユーザー認証", issue.user_auth_page,
     CertificateIssueState.load_any),
    (routes.GENERAL_REGISTRATION, "一般ユーザーの電子証明書発行 ユーザー認証",
     issue.general_user_auth_page, CertificateIssueState.load_general),
    (routes.CERT_CODE, "認証コード入力", issue.code_page, CertificateIssueState.load_step),
    (routes.CERT_CONFIRM, "電子証明書発行", issue.confirm_page, CertificateIssueState.load_step),
    (routes.CERT_ISSUING, "電子証明書発行中", issue.issuing_page,
     CertificateIssueState.load_issuing),
    (routes.CERT_RESULT, "電子証明書発行結果", issue.result_page, None),
    (routes.LOGIN, "ログイン", login.login_page, LoginState.load),
    (routes.PASSWORD_CHANGE_FIRST, "パスワード変更（初回）", login.password_change_first_page,
     PasswordChangeFirstState.load),
    (routes.GROUP_SELECT, "入金グループ選択", login.group_select_page, GroupSelectState.load),
    (routes.INFO, "インフォメーション画面", login.info_page, InfoState.load),
    (routes.LOGGED_OUT, "ログアウト", login.logged_out_page, None),
    (routes.OPERATION_LOG, "操作ログ照会", operation_log_page, OperationLogState.load),
    (routes.MANUALS, "マニュアル照会", manuals_page, ManualsState.load),
    (routes.PASSWORD_CHANGE, "パスワード変更", login.password_change_page,
     PasswordChangeFirstState.load_regular),
    (routes.NOTICE_SETTINGS, "通知設定", notice_settings_page, NoticeSettingsState.load),
    (routes.USERS, "契約ユーザー情報照会", cusers.contract_users_page, ContractUsersState.load),
    (routes.USERS_NEW, "契約ユーザー登録", cusers.contract_user_new_page,
     ContractUserFormState.load_new),
    (routes.USERS_EDIT, "契約ユーザー更新", cusers.contract_user_edit_page,
     ContractUserFormState.load_edit),
    (routes.ROKIN_DETAILS, "労金控除明細照会", rokin_details_page, RokinDetailsState.load),
    (routes.ROKIN_DETAIL_NEW, "労金控除明細新規登録", rokin_detail_new_page,
     RokinDetailNewState.load),
    (routes.ROKIN_HISTORY, "労金控除明細更新履歴照会", rokin_history_page,
     RokinHistoryState.load),
    (routes.ROKIN_REQUEST_LISTS, "労金控除依頼リスト出力", rokin_out.request_lists_page,
     RequestListsState.load),
    (routes.ROKIN_REQUEST_EXPORT, "労金控除依頼データエクスポート", rokin_out.request_export_page,
     RequestExportState.load),
    (routes.ROKIN_COMPANY_REQUEST, "企業宛控除依頼書出力", rokin_out.company_request_page,
     CompanyRequestState.load),
    (routes.ROKIN_COMPANY_EXPORT, "企業宛控除依頼データエクスポート", rokin_out.company_export_page,
     CompanyExportState.load),
    (routes.ROKIN_RESULT_LISTS, "労金控除結果リスト出力", rokin_out.result_lists_page,
     ResultListsState.load),
    (routes.ROKIN_REMIT_HOLDS, "まとめ入金依頼入金中止設定", remit.remit_holds_page,
     RemitHoldsState.load),
    (routes.ROKIN_REMIT_CONFIRM, "まとめ入金確定", remit.remit_confirm_page,
     RemitConfirmState.load_confirm),
    (routes.ROKIN_REMIT_UNCONFIRM, "まとめ入金確定解除", remit.remit_undo_page,
     RemitConfirmState.load_undo),
    (routes.ROKIN_WEB_STATEMENT, "まとめ入金WEB更新依頼明細書出力", remit.web_statement_page,
     WebStatementState.load),
    (routes.ROKIN_RECONCILIATION, "給与控除データ照合", rokin_reconciliation_page,
     RokinReconciliationState.load),
    (routes.ROKIN_CYCLE, "今月の控除", cycle_workspace_page, CycleWorkspaceState.load),
    (routes.ROKIN_KANA_CHECK, "カナ氏名チェックリスト", rokin_kana_check_page,
     RokinKanaCheckState.load),
    (routes.ROKIN_EMPLOYEES, "職員情報照会・変更", rokin_employees_page,
     RokinEmployeesState.load),
    (routes.LEDGER_DETAILS, "賃控元帳明細照会", ledger_details.ledger_details_page,
     LedgerDetailsState.load),
    (routes.LEDGER_DETAIL_NEW, "賃控元帳明細新規登録", ledger_new.ledger_detail_new_page,
     LedgerDetailNewState.load),
    (routes.LEDGER_HISTORY, "賃控元帳明細更新履歴照会", ledger_history.ledger_history_page,
     LedgerHistoryState.load),
    (routes.LEDGER_ITEMS, "賃控元帳種目情報照会", ledger_items.ledger_items_page,
     LedgerItemsState.load),
    (routes.LEDGER_BULK, "賃控元帳明細一括更新", ledger_bulk.ledger_bulk_page,
     LedgerBulkState.load),
    (routes.LEDGER_EXPORT, "賃控元帳明細データエクスポート", ledger_transfer.ledger_export_page,
     LedgerExportState.load),
    (routes.LEDGER_IMPORT, "賃控元帳明細データインポート", ledger_transfer.ledger_import_page,
     LedgerImportState.load),
    (routes.LEDGER_CHECK_LISTS, "賃控元帳確認リスト出力",
     ledger_check_lists.ledger_check_lists_page, LedgerCheckListsState.load),
    (routes.LEDGER_REQUEST_LISTS, "賃控元帳控除依頼リスト出力",
     ledger_out.ledger_request_lists_page, LedgerRequestListsState.load),
    (routes.LEDGER_REQUEST_EXPORT, "賃控元帳控除依頼データエクスポート",
     ledger_out.ledger_request_export_page, LedgerRequestExportState.load),
    (routes.LEDGER_RESULT_LISTS, "賃控元帳結果リスト出力", ledger_out.ledger_result_lists_page,
     LedgerResultListsState.load),
    (routes.LEDGER_COMBINED_LIST, "労金控除賃控元帳依頼リスト出力", ledger_out.combined_list_page,
     CombinedListState.load),
    (routes.LEDGER_COMBINED_EXPORT, "労金控除賃控元帳依頼データエクスポート",
     ledger_out.combined_export_page, CombinedExportState.load),
    (routes.BATCH_DETAILS, "一斉積立内訳明細照会", batch_pages.batch_details_page,
     BatchDetailsState.load),
    (routes.BATCH_DETAIL_LISTS, "一斉積立内訳明細表出力", batch_pages.batch_detail_lists_page,
     BatchDetailListsState.load),
    (routes.BATCH_DETAIL_EXPORT, "一斉積立内訳明細データエクスポート",
     batch_pages.batch_detail_export_page, BatchDetailExportState.load),
    (routes.ZAIKEI_DETAILS, "財形積立明細照会", zaikei_details_page, ZaikeiDetailsState.load),
    (routes.ZAIKEI_STATEMENT, "財形積立明細書出力", zaikei_statement_page,
     ZaikeiStatementState.load),
    (routes.ZAIKEI_EXPORT, "財形積立明細データエクスポート", zaikei_export_page,
     ZaikeiExportState.load),
    # The operator console (R-PLUS-6, R-OPS-7): served on the operator listener only, never
    # linked from the screens above.
    (ROUTE_SIGNIN, "オペレーターコンソール サインイン", op_console.signin_page,
     OperatorConsoleState.load_signin),
    (ROUTE_CONTRACTS, "オペレーターコンソール 契約照会", op_console.contracts_page,
     ConsoleContractsState.load),
]
for route, *_ in SCREENS:  # before any page is built: the top page links only to these
    routes.mark_built(route)
for route, title, page, on_load in SCREENS:
    app.add_page(page, route=route, title=f"{title}｜賃金控除事務支援サービス", on_load=on_load)
