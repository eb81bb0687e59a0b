"""操作ログの照会 for the master user: search, paging and CSV export (SPEC R-LOG-1, R-ENV-3,
A.2; DESIGN "Operation log", "Downloads").

Only the contract's own chain (``'contract:<contract_no>'``) is ever read, so another
contract's entries and the system chain never appear (tenant isolation). The bank's actions
on the contract (actor kind 'operator' or 'system') are shown as 「金庫」, never with the
operator's name. Newest first; paging is done by the database (COUNT, then LIMIT/OFFSET).

The export goes through ``reports.csv_writer`` (CP932 by default, UTF-8 with BOM on request;
画面 and 対象 are the free-text columns) and is limited to ``EXPORT_MAX_ROWS`` entries: more
is refused, so a file never silently lacks entries. The export is itself an operation
(R-LOG-1 "export"): the caller records it with ``log_export`` once the file is handed over.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlmodel import Session

from chingin_app.domain.clock import Clock, to_jst
from chingin_app.domain.result import Err, Ok, Result
from chingin_app.models import ActorKind, LogResult, OperationLog
from chingin_app.reports.csv_writer import CsvEncoding, CsvEncodingError, write_csv
from chingin_app.reports.xlsx_writer import XlsxCharError, write_xlsx
from chingin_app.services import oplog

__all__ = [
    "ACTION_EXPORT",
    "BANK_LABEL",
    "CSV_HEADER",
    "EXPORT_MAX_ROWS",
    "SYSTEM_ONLY_ACTIONS",
    "LogEntryView",
    "LogPage",
    "action_label",
    "action_labels",
    "export_csv",
    "log_export",
    "search",
]

ACTION_EXPORT: Final = "oplog.export"
SCREEN: Final = "操作ログの照会"
#: How the master sees the bank's (operators' and the system's) actions (R-LOG-1).
BANK_LABEL: Final = "金庫"
EXPORT_MAX_ROWS: Final = 100_000
MAX_PAGE_SIZE: Final = 200
CSV_HEADER: Final[tuple[str, ...]] = (
    "日時",
    "ユーザーＩＤ",
    "IPアドレス",
    "画面",
    "操作",
    "対象",
    "結果",
)
# 0-based columns of CSV_HEADER written as free text (formula injection, SPEC A.2).
_FREE_TEXT_COLUMNS: Final = (3, 5)

_RESULT_LABELS: Final[dict[str, str]] = {
    LogResult.SUCCESS.value: "成功",
    LogResult.FAILURE.value: "失敗",
    LogResult.REFUSED.value: "拒否",
}

#: Japanese names of the actions the service records (the search form's choices).
_ACTION_LABELS: Final[dict[str, str]] = {
    "login.success": "ログイン",
    "login.failure": "ログイン失敗",
    "login.lock": "ロック",
    "login.block": "閉塞",
    "logout": "ログアウト",
    "session.end": "セッション終了",
    "password.change_initial": "初期パスワード変更",
    "group.select": "入金グループ選択",
    "notice.settings": "通知設定",
    "notice.deadline": "まとめ入金期限のお知らせ",
    "master_registration.verify": "マスターユーザー初期登録（契約確認）",
    "master_registration.lock": "マスターユーザー初期登録（ロック）",
    "master_registration.block": "マスターユーザー初期登録（閉塞）",
    "master.register": "マスターユーザー登録",
    "master.correct": "マスターユーザー登録内容の訂正",
    "user.create": "一般ユーザー登録",
    "user.id_taken": "ユーザーＩＤ使用済み",
    "user.id_check_limited": "ユーザーＩＤ確認の制限",
    "user.unblock": "閉塞解除",
    "user.init_master": "マスターユーザー初期化",
    "certificate.auth": "電子証明書発行（本人確認）",
    "certificate.auth_code_resend": "認証コード再送信",
    "certificate.auth_code_verify": "認証コード確認",
    "certificate.issue": "電子証明書発行",
    "certificate.issuance_lock": "電子証明書発行（ロック）",
    "certificate.revoke": "電子証明書失効",
    "contract.create": "契約登録",
    "contract.show": "契約照会",
    "contract.notice": "ご利用開始のお知らせ出力",
    "contract.set_initial_password": "初期パスワード登録",
    "contract.unblock": "契約の閉塞解除",
    "contract.change": "契約内容変更",
    "contract.suspend": "契約停止",
    "contract.resume": "契約再開",
    "contract.terminate": "契約解約",
    "user.update": "一般ユーザー更新",
    "user.update_own": "ユーザー情報更新",
    "user.temporary_password": "仮のパスワード設定",
    "user.delete": "一般ユーザー削除",
    "menu.refused": "メニュー利用拒否",
    "manual.register": "マニュアル登録",
    "calendar.closed_day.add": "休業日登録",
    "calendar.closed_day.remove": "休業日削除",
    "calendar.maintenance.add": "メンテナンス登録",
    "calendar.maintenance.remove": "メンテナンス削除",
    "rokin.detail.add": "労金控除明細追加登録",
    "rokin.detail.register": "労金控除明細新規登録",
    "rokin.detail.change": "労金控除明細変更",
    "rokin.detail.cancel": "労金控除明細解除",
    "rokin.employee.change": "職員情報変更",
    "rokin.employee.retire": "職員退職登録",
    "rokin.request.publish": "控除依頼データ受信",
    "rokin.remit.hold": "入金中止設定",
    "rokin.remit.hold_clear": "入金中止解除",
    "rokin.remit.confirm": "まとめ入金確定",
    "rokin.remit.undo": "まとめ入金確定解除",
    "rokin.remit.request_form.print": "まとめ入金依頼書出力",
    "rokin.remit.statement.print": "まとめ入金更新明細書(Web依頼済)出力",
    "rokin.results.load": "控除結果データ受信",
    "rokin.request_list.print": "労金控除依頼リスト出力",
    "rokin.request.export": "労金控除依頼データエクスポート",
    "rokin.company_request.print": "企業宛控除依頼書出力",
    "rokin.company_request.export": "企業宛控除依頼データエクスポート",
    "rokin.result_list.print": "労金控除結果リスト出力",
    "rokin.reconcile": "給与控除データ照合",
    "rokin.kana_check.export": "カナ氏名チェックリスト出力",
    "zaikei.deposit.load": "財形預入依頼書データ受信",
    "zaikei.balance.load": "加入者残高一覧表データ受信",
    "zaikei.statement.print": "財形積立明細書出力",
    "zaikei.detail.export": "財形積立明細データエクスポート",
    "batch.statement.load": "一斉積立内訳明細データ受信",
    "batch.detail_list.print": "一斉積立内訳明細表出力",
    "batch.detail.export": "一斉積立内訳明細データエクスポート",
    "ledger.detail.add": "賃控元帳明細追加登録",
    "ledger.detail.register": "賃控元帳明細新規登録",
    "ledger.detail.change": "賃控元帳明細変更",
    "ledger.detail.cancel": "賃控元帳明細解除",
    "ledger.detail.bulk_update": "賃控元帳明細一括更新",
    "ledger.detail.export": "賃控元帳明細データエクスポート",
    "ledger.detail.import": "賃控元帳明細データインポート",
    "ledger.item.add": "賃控元帳種目登録",
    "ledger.item.change": "賃控元帳種目変更",
    "ledger.item.delete": "賃控元帳種目削除",
    "ledger.check_list.print": "賃控元帳確認リスト出力",
    "ledger.request.publish": "賃控元帳控除依頼データ受信",
    "ledger.results.load": "賃控元帳控除結果データ受信",
    "ledger.request_list.print": "賃控元帳控除依頼リスト出力",
    "ledger.request.export": "賃控元帳控除依頼データエクスポート",
    "ledger.result_list.print": "賃控元帳結果リスト出力",
    "ledger.combined_list.print": "労金控除賃控元帳依頼リスト出力",
    "ledger.combined.export": "労金控除賃控元帳依頼データエクスポート",
    "operator.create": "オペレーター登録",
    "operator.revoke": "オペレーター失効",
    "operator.signin": "オペレーターサインイン",
    "operator.signout": "オペレーターサインアウト",
    "jobs.run": "定時処理実行",
    ACTION_EXPORT: "操作ログ出力",
}

#: Actions only ever written to the system chain (operators, scheduled jobs, the calendar,
#: the manuals): never an entry of a contract, so never a choice of the master's search
#: (R-LOG-1: the contract's operations and the bank's actions on it — issue 13 item 6: no
#: オペレーターサインイン or 定時処理実行 in the filter). Named here for ``chingin log``.
SYSTEM_ONLY_ACTIONS: Final = frozenset({
    "operator.create", "operator.revoke", "operator.signin", "operator.signout", "jobs.run",
    "calendar.closed_day.add", "calendar.closed_day.remove", "calendar.maintenance.add",
    "calendar.maintenance.remove", "manual.register",
})

_LOG = OperationLog.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LogEntryView:
    """One entry as the master sees it (R-LOG-1): time in JST, the bank as 「金庫」."""

    id: int
    at: datetime
    actor: str
    ip: str
    screen: str
    action: str
    action_code: str
    target: str
    result: str

    def csv_row(self) -> tuple[str, ...]:
        """The entry in the order of ``CSV_HEADER``."""
        return (
            self.at.strftime("%Y-%m-%d %H:%M:%S"),
            self.actor,
            self.ip,
            self.screen,
            self.action,
            self.target,
            self.result,
        )


@dataclass(frozen=True)
class LogPage:
    """One page of the search, newest first; ``page`` runs 1 … ``pages`` (at least 1)."""

    entries: tuple[LogEntryView, ...]
    total: int
    page: int
    pages: int


def action_labels() -> dict[str, str]:
    """Action code → Japanese name, for the search form's choices: the actions a contract's
    log can hold (the bank's actions on it included, shown as by 「金庫」), not the system's
    own (``SYSTEM_ONLY_ACTIONS``)."""
    return {k: v for k, v in _ACTION_LABELS.items() if k not in SYSTEM_ONLY_ACTIONS}


def action_label(code: str) -> str:
    """The Japanese name of an action; the code itself for one without a name."""
    return _ACTION_LABELS.get(code, code)


def _view(row: Any) -> LogEntryView:
    is_user = row.actor_kind == ActorKind.USER.value
    return LogEntryView(
        id=int(row.id),
        at=to_jst(row.at),
        actor=row.actor if is_user else BANK_LABEL,
        ip=row.ip or "",
        screen=row.screen or "",
        action=action_label(row.action),
        action_code=row.action,
        target=row.target or "",
        result=_RESULT_LABELS.get(row.result, row.result),
    )


def _where(
    contract_no: str,
    start: datetime | None,
    end: datetime | None,
    user_id: str | None,
    action: str | None,
) -> ColumnElement[bool]:
    """The filter: the contract's chain only; ``start`` inclusive, ``end`` exclusive;
    ``user_id`` matches case-insensitively, 「金庫」 selects the bank's entries."""
    chain = oplog.chain_for(contract_no)  # ValueError for a malformed number (a bug)
    clauses: list[ColumnElement[bool]] = [
        _LOG.c.chain == chain,
        _LOG.c.contract_no == contract_no,
    ]
    if start is not None:
        clauses.append(_LOG.c.at >= start)
    if end is not None:
        clauses.append(_LOG.c.at < end)
    if user_id:
        if user_id == BANK_LABEL:
            clauses.append(_LOG.c.actor_kind != ActorKind.USER.value)
        else:
            clauses.append(_LOG.c.actor_kind == ActorKind.USER.value)
            # User IDs are unique case-insensitively (SPEC §3; ASCII, so lower() agrees).
            clauses.append(func.lower(_LOG.c.actor) == user_id.lower())
    if action:
        clauses.append(_LOG.c.action == action)
    return and_(*clauses)


def _check_times(start: datetime | None, end: datetime | None) -> None:
    for when in (start, end):
        if when is not None and when.tzinfo is None:
            raise ValueError("naive datetime: pass aware times (JST or UTC)")


def _newest_first(where: ColumnElement[bool]) -> Select[Any]:
    return select(_LOG).where(where).order_by(_LOG.c.at.desc(), _LOG.c.id.desc())


def _count(db: Session, where: ColumnElement[bool]) -> int:
    return int(db.execute(select(func.count()).select_from(_LOG).where(where)).scalar_one())


def search(
    db: Session,
    *,
    contract_no: str,
    start: datetime | None,
    end: datetime | None,
    user_id: str | None,
    action: str | None,
    page: int,
    page_size: int = 50,
) -> LogPage:
    """One page of the contract's log, newest first (R-LOG-1 "searchable by period, user and
    action"). A page past the end shows the last page; ``page`` below 1 the first."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
    _check_times(start, end)
    where = _where(contract_no, start, end, user_id, action)
    total = _count(db, where)
    pages = max(1, math.ceil(total / page_size))
    current = min(max(page, 1), pages)
    rows = db.execute(_newest_first(where).limit(page_size).offset((current - 1) * page_size)).all()
    return LogPage(
        entries=tuple(_view(row) for row in rows), total=total, page=current, pages=pages
    )


def export_csv(
    db: Session,
    *,
    contract_no: str,
    start: datetime | None,
    end: datetime | None,
    user_id: str | None,
    action: str | None,
    encoding: CsvEncoding | Literal["xlsx"] = "cp932",
    max_rows: int = EXPORT_MAX_ROWS,
) -> Result[bytes]:
    """The search's entries as a CSV file, newest first (R-LOG-1 "exportable", R-ENV-3).

    Err ``E-LOG-EXPORT-LIMIT`` (``limit``, ``count``) when more than ``max_rows`` entries
    match; Err ``E-LOG-CSV-ENCODING`` (``row``, ``column``) when an entry holds a character
    CP932 cannot (the UTF-8 file can). ``encoding`` ``xlsx``: the same columns as an Excel
    workbook (issue 14 item 5). Nothing is logged here: see ``log_export``.
    """
    _check_times(start, end)
    where = _where(contract_no, start, end, user_id, action)
    total = _count(db, where)
    if total > max_rows:
        return Err("E-LOG-EXPORT-LIMIT", params={"limit": f"{max_rows:,}", "count": f"{total:,}"})

    def rows() -> Iterator[tuple[str, ...]]:
        result = db.execute(_newest_first(where).limit(max_rows).execution_options(yield_per=1000))
        for row in result:
            yield _view(row).csv_row()

    try:
        if encoding == "xlsx":
            data = write_xlsx(CSV_HEADER, rows(), free_text_columns=_FREE_TEXT_COLUMNS)
        else:
            data = write_csv(
                CSV_HEADER, rows(), encoding=encoding, free_text_columns=_FREE_TEXT_COLUMNS
            )
    except (CsvEncodingError, XlsxCharError) as exc:
        return Err("E-LOG-CSV-ENCODING", params={"row": exc.row, "column": exc.column})
    return Ok(data)


def log_export(
    db: Session,
    *,
    contract_no: str,
    actor: str,
    ip: str | None,
    clock: Clock,
    actor_kind: ActorKind = ActorKind.USER,
    rows: int | None = None,
    encoding: CsvEncoding = "cp932",
) -> None:
    """Record the export in the contract's chain and commit (R-LOG-1 "export"); the entry
    names the count and encoding, never the file's contents."""
    detail: dict[str, Any] = {"encoding": encoding}
    if rows is not None:
        detail["rows"] = rows
    oplog.append(
        db,
        chain=oplog.chain_for(contract_no),
        at=clock.now(),
        actor_kind=actor_kind,
        actor=actor,
        action=ACTION_EXPORT,
        result=LogResult.SUCCESS,
        contract_no=contract_no,
        ip=ip,
        screen=SCREEN,
        detail=detail,
    )
    db.commit()
