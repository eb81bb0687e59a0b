"""The permission registry: every business menu of P.21–24 and the per-user restrictions
表示 / 非表示 / 閲覧のみ (SPEC §11 RK/RL/RS/RZ, R-USER-3, R-USER-7, R-USER-7a).

Every business menu declares itself here once (``MENUS``); screens list it, the user form
offers its levels (``allowed_levels``) and every handler asks ``services.permissions.require``
with its key. Kinds:

- ``view``: a 照会 screen (it may also change data from a row, e.g. RK-1 追加登録・変更・解除):
  表示 / 非表示 / 閲覧のみ, 閲覧のみ views but never changes;
- ``change``: a menu that only changes data (…新規登録, 明細一括更新, 明細データインポート,
  まとめ入金依頼入金中止設定, まとめ入金確定, 確定解除): 表示 / 非表示 only;
- ``output``: lists, PDFs and CSV exports: 閲覧のみ is offered and equals 表示.

入金グループ選択, the common menu and the user's own entry are never restricted and are not
here. A menu without a stored setting is 非表示 and flagged 「未設定」 (R-USER-7a). Pure: no I/O.

One source of truth (issue 13 item 5): ``MENUS`` is both the information screen's business menu
(``screens_for``) and the user form's permission rows (``menus_for``: the entries with a right of
their own). A screen that rides on another menu's right (RK-12 職員情報照会・変更 uses
労金控除明細照会's) is an entry with ``rights`` set: it is listed, but offers no row. So a
restriction can never name a screen that is not on the menu, nor miss one that is; every entry
has its screen (``routes.MENU_ROUTES``, checked by tests/unit/test_menu_screens.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from chingin_app.domain.contract import Service
from chingin_app.domain.result import Err

__all__ = [
    "GROUPS",
    "MENUS",
    "MENUS_BY_KEY",
    "PERMISSION_MENUS",
    "Access",
    "Level",
    "MenuItem",
    "MenuKind",
    "allowed_levels",
    "can",
    "check_permissions",
    "effective_level",
    "hide_all",
    "menu",
    "menus_for",
    "parse_level",
    "screens_for",
    "show_all",
    "view_only_all",
]

MenuKind = Literal["view", "change", "output"]
Access = Literal["view", "change"]


class Level(StrEnum):
    """A user's restriction for one menu (R-USER-3); values are ``menu_permissions.level``."""

    SHOW = "show"
    HIDE = "hide"
    VIEW_ONLY = "view_only"

    @property
    def label(self) -> str:
        """表示 / 非表示 / 閲覧のみ as the manual writes them (P.28)."""
        return _LEVEL_LABELS[self]


_LEVEL_LABELS: Final[dict[Level, str]] = {
    Level.SHOW: "表示",
    Level.HIDE: "非表示",
    Level.VIEW_ONLY: "閲覧のみ",
}

#: The label shown next to a menu without a stored setting (R-USER-7a).
UNSET_LABEL: Final = "未設定"


@dataclass(frozen=True)
class MenuItem:
    """One business menu of the information screen: stable ``key`` (stored in
    ``menu_permissions``), the screen's name (the manual's row name for P.21–24), the service it
    belongs to, its kind and its menu group. ``rights`` names the menu whose right the screen
    uses when it has no permission row of its own (RK-12); ``beyond_manual`` marks the screens
    of SPEC §13 that are not rows of P.21–24."""

    key: str
    label: str
    service: Service
    kind: MenuKind
    group: str
    rights: str | None = None
    beyond_manual: bool = False

    @property
    def right_key(self) -> str:
        """The key of the permission row that governs this screen (its own or ``rights``)."""
        return self.rights or self.key


_ROKIN: Final = "労金控除事務"
_LEDGER: Final = "賃控元帳事務"
_BATCH: Final = "一斉積立事務"
_ZAIKEI: Final = "財形貯蓄事務"

#: The menu groups in the order the information screen shows them.
GROUPS: Final[tuple[str, ...]] = (_ROKIN, _LEDGER, _BATCH, _ZAIKEI)


def _rk(
    key: str, label: str, kind: MenuKind, *, rights: str | None = None,
    beyond_manual: bool = False,
) -> MenuItem:
    return MenuItem(f"rokin.{key}", label, Service.ROKIN, kind, _ROKIN, rights, beyond_manual)


def _rl(key: str, label: str, kind: MenuKind) -> MenuItem:
    return MenuItem(f"ledger.{key}", label, Service.LEDGER, kind, _LEDGER)


def _rs(key: str, label: str, kind: MenuKind) -> MenuItem:
    return MenuItem(f"batch.{key}", label, Service.BATCH, kind, _BATCH)


def _rz(key: str, label: str, kind: MenuKind) -> MenuItem:
    return MenuItem(f"zaikei.{key}", label, Service.ZAIKEI, kind, _ZAIKEI)


#: Every business menu, in the manual's row order (P.21–24; SPEC §11); the screens beyond the
#: manual (SPEC §13) follow the menu they belong with.
MENUS: Final[tuple[MenuItem, ...]] = (
    _rk("detail_inquiry", "労金控除明細照会", "view"),  # RK-1
    # R-PLUS-2: a row of its own since issue 13 (migration 0012 copied RK-1's setting to it).
    _rk("kana_check", "カナ氏名チェックリスト", "output", beyond_manual=True),
    # RK-12 職員情報照会・変更, on RK-1's right (SPEC §11; no permission row of its own).
    _rk("staff", "職員情報照会・変更", "view", rights="rokin.detail_inquiry", beyond_manual=True),
    _rk("detail_new", "労金控除明細新規登録", "change"),  # RK-2
    _rk("history", "労金控除明細更新履歴照会", "view"),  # RK-3
    _rk("request_list", "労金控除依頼リスト出力", "output"),  # RK-4
    _rk("request_export", "労金控除依頼データエクスポート", "output"),  # RK-5
    _rk("company_request", "企業宛控除依頼書出力", "output"),  # RK-6
    _rk("company_export", "企業宛控除依頼データエクスポート", "output"),  # RK-7
    _rk("remit_stop", "まとめ入金依頼入金中止設定", "change"),  # RK-8
    _rk("remit_confirm", "まとめ入金確定", "change"),  # RK-9
    # R-PLUS-1: compares, changes nothing; a row of its own since issue 13 (migration 0012
    # copied まとめ入金確定's setting to it).
    _rk("reconciliation", "給与控除データ照合", "output", beyond_manual=True),
    _rk("remit_unconfirm", "まとめ入金確定解除", "change"),  # RK-9 (undo, R-USER-7a)
    _rk("web_update_statement", "まとめ入金WEB更新依頼明細書出力", "output"),  # RK-10
    _rk("result_list", "労金控除結果リスト出力", "output"),  # RK-11
    _rl("detail_inquiry", "賃控元帳明細照会", "view"),  # RL-1
    _rl("detail_new", "賃控元帳明細新規登録", "change"),  # RL-2
    _rl("check_list", "賃控元帳確認リスト出力", "output"),  # RL-3
    _rl("history", "賃控元帳明細更新履歴照会", "view"),  # RL-4
    _rl("request_list", "賃控元帳控除依頼リスト出力", "output"),  # RL-5
    _rl("request_export", "賃控元帳控除依頼データエクスポート", "output"),  # RL-6
    _rl("result_list", "賃控元帳結果リスト出力", "output"),  # RL-7
    _rl("bulk_update", "賃控元帳明細一括更新", "change"),  # RL-8
    _rl("detail_export", "賃控元帳明細データエクスポート", "output"),  # RL-9
    _rl("detail_import", "賃控元帳明細データインポート", "change"),  # RL-10
    _rl("item_inquiry", "賃控元帳種目情報照会", "view"),  # RL-11
    _rl("combined_list", "労金控除賃控元帳依頼リスト出力", "output"),  # RL-12
    _rl("combined_export", "労金控除賃控元帳依頼データエクスポート", "output"),  # RL-13
    _rs("detail_inquiry", "一斉積立内訳明細照会", "view"),  # RS-1
    _rs("detail_list", "一斉積立内訳明細表出力", "output"),  # RS-2
    _rs("detail_export", "一斉積立内訳明細データエクスポート", "output"),  # RS-3
    _rz("detail_inquiry", "財形積立明細照会", "view"),  # RZ-1
    _rz("statement", "財形積立明細書出力", "output"),  # RZ-2
    _rz("detail_export", "財形積立明細データエクスポート", "output"),  # RZ-3
)

MENUS_BY_KEY: Final[dict[str, MenuItem]] = {item.key: item for item in MENUS}

#: The permission rows (R-USER-3, R-USER-7a): the menus with a right of their own.
PERMISSION_MENUS: Final[tuple[MenuItem, ...]] = tuple(m for m in MENUS if m.rights is None)


def menu(key: str) -> MenuItem:
    """The menu with ``key``; ValueError for a key no menu declared (a bug, not input)."""
    try:
        return MENUS_BY_KEY[key]
    except KeyError:
        raise ValueError(f"unknown menu key {key!r}") from None


def parse_level(text: str) -> Level | None:
    """A stored or submitted level, or None when it is not one."""
    try:
        return Level(text)
    except ValueError:
        return None


_ALL_LEVELS: Final = (Level.SHOW, Level.VIEW_ONLY, Level.HIDE)
_SHOW_HIDE: Final = (Level.SHOW, Level.HIDE)


def allowed_levels(item: MenuItem) -> tuple[Level, ...]:
    """The levels the user form offers for ``item`` (R-USER-7a): change-only menus 表示 /
    非表示; 照会 and output menus 表示 / 閲覧のみ / 非表示 (for output 閲覧のみ equals 表示)."""
    return _SHOW_HIDE if item.kind == "change" else _ALL_LEVELS


def effective_level(item: MenuItem, stored: Level | str | None) -> tuple[Level, bool]:
    """The level that applies and whether it is 「未設定」 (R-USER-7a).

    No stored setting → (非表示, True). A stored level the menu does not offer (閲覧のみ on a
    change-only menu, which can do nothing but change) → 非表示. An output menu's 閲覧のみ is
    returned as stored (``can`` lets it view, print and export like 表示).
    """
    if stored is None:
        return Level.HIDE, True
    level = stored if isinstance(stored, Level) else parse_level(stored)
    if level is None or level not in allowed_levels(item):
        return Level.HIDE, False
    return level, False


def can(role: str, level: Level | None, access: Access) -> bool:
    """Whether a user of ``role`` with ``level`` may ``access`` a menu of a contracted service
    (R-USER-7). The master may do everything the contract allows (``level`` is ignored); a
    general user: 表示 everything, 閲覧のみ view / list / print / export but no change, 非表示
    (or no setting) nothing."""
    if access not in ("view", "change"):
        raise ValueError(f"unknown access {access!r}")
    if role == "master":
        return True
    if level is Level.SHOW:
        return True
    if level is Level.VIEW_ONLY:
        return access == "view"
    return False


def menus_for(contract_services: Iterable[Service | str]) -> tuple[MenuItem, ...]:
    """The permission rows of the contracted services, in ``MENUS`` order (R-USER-3,
    R-USER-7a; R-OPS-5: a removed service's menus disappear at once)."""
    services = {Service(s) for s in contract_services}
    return tuple(item for item in PERMISSION_MENUS if item.service in services)


def screens_for(contract_services: Iterable[Service | str]) -> tuple[MenuItem, ...]:
    """Every business menu entry of the contracted services, in ``MENUS`` order, including the
    screens that ride on another menu's right (R-INFO-1). Their ``right_key`` values are
    exactly ``menus_for``'s keys."""
    services = {Service(s) for s in contract_services}
    return tuple(item for item in MENUS if item.service in services)


def show_all(items: Iterable[MenuItem]) -> dict[str, Level]:
    """すべて表示 (R-USER-7a)."""
    return {item.key: Level.SHOW for item in items}


def view_only_all(items: Iterable[MenuItem]) -> dict[str, Level]:
    """すべて閲覧のみ (R-USER-7a): 閲覧のみ where offered; change-only menus, which offer no
    閲覧のみ and can only change, become 非表示."""
    return {
        item.key: Level.VIEW_ONLY if Level.VIEW_ONLY in allowed_levels(item) else Level.HIDE
        for item in items
    }


def hide_all(items: Iterable[MenuItem]) -> dict[str, Level]:
    """すべて非表示 (R-USER-7a)."""
    return {item.key: Level.HIDE for item in items}


def check_permissions(
    form: Mapping[str, str], items: Iterable[MenuItem]
) -> tuple[dict[str, Level], list[Err]]:
    """A submitted ``{menu_key: level}`` checked against the menus ``items`` (the contract's):
    the parsed levels and the errors, field ``perm:<key>``. E-PERMISSION-MENU for a key that is
    not one of ``items`` (not a menu, or of a service the contract lacks); E-PERMISSION-LEVEL
    for a level the menu does not offer (``allowed_levels``)."""
    by_key = {item.key: item for item in items}
    levels: dict[str, Level] = {}
    errors: list[Err] = []
    for key, text in form.items():
        item = by_key.get(key)
        if item is None:
            errors.append(Err("E-PERMISSION-MENU", f"perm:{key}", {}))
            continue
        level = parse_level(text)
        allowed = allowed_levels(item)
        if level is None or level not in allowed:
            errors.append(
                Err(
                    "E-PERMISSION-LEVEL",
                    f"perm:{key}",
                    {"label": item.label, "allowed": "・".join(lv.label for lv in allowed)},
                )
            )
            continue
        levels[key] = level
    return levels, errors
