"""The permission registry (SPEC §11 RK/RL/RS/RZ, R-USER-3, R-USER-7, R-USER-7a)."""

from __future__ import annotations

import pytest

from chingin_app.domain.contract import Service
from chingin_app.domain.messages import MESSAGES
from chingin_app.domain.permissions import (
    GROUPS,
    MENUS,
    PERMISSION_MENUS,
    Level,
    allowed_levels,
    can,
    check_permissions,
    effective_level,
    hide_all,
    menu,
    menus_for,
    screens_for,
    show_all,
    view_only_all,
)

# The manual's business rows, P.21–24, in order (SPEC §11).
MANUAL_ROWS = {
    "労金控除事務": [
        "労金控除明細照会", "労金控除明細新規登録", "労金控除明細更新履歴照会",
        "労金控除依頼リスト出力", "労金控除依頼データエクスポート", "企業宛控除依頼書出力",
        "企業宛控除依頼データエクスポート", "まとめ入金依頼入金中止設定", "まとめ入金確定",
        "まとめ入金確定解除", "まとめ入金WEB更新依頼明細書出力", "労金控除結果リスト出力",
    ],
    "賃控元帳事務": [
        "賃控元帳明細照会", "賃控元帳明細新規登録", "賃控元帳確認リスト出力",
        "賃控元帳明細更新履歴照会", "賃控元帳控除依頼リスト出力",
        "賃控元帳控除依頼データエクスポート", "賃控元帳結果リスト出力", "賃控元帳明細一括更新",
        "賃控元帳明細データエクスポート", "賃控元帳明細データインポート", "賃控元帳種目情報照会",
        "労金控除賃控元帳依頼リスト出力", "労金控除賃控元帳依頼データエクスポート",
    ],
    "一斉積立事務": [
        "一斉積立内訳明細照会", "一斉積立内訳明細表出力", "一斉積立内訳明細データエクスポート",
    ],
    "財形貯蓄事務": ["財形積立明細照会", "財形積立明細書出力", "財形積立明細データエクスポート"],
}

CHANGE_ONLY = {
    "労金控除明細新規登録", "まとめ入金依頼入金中止設定", "まとめ入金確定", "まとめ入金確定解除",
    "賃控元帳明細新規登録", "賃控元帳明細一括更新", "賃控元帳明細データインポート",
}


def test_r_user_7a_every_business_row_of_p21_24_is_declared_once() -> None:
    """SPEC §11 RK-1..11, RL-1..13, RS-1..3, RZ-1..3: the manual's names verbatim, in order,
    grouped; まとめ入金確定 and 確定解除 are separate (R-USER-7a); keys unique and fit the
    column (64)."""
    assert GROUPS == tuple(MANUAL_ROWS)
    manual = [m for m in MENUS if not m.beyond_manual]
    for group, labels in MANUAL_ROWS.items():
        assert [m.label for m in manual if m.group == group] == labels
    assert len(manual) == 12 + 13 + 3 + 3
    assert len({m.key for m in MENUS}) == len(MENUS)
    assert all(len(m.key) <= 64 for m in MENUS)
    services = {"労金控除事務": Service.ROKIN, "賃控元帳事務": Service.LEDGER,
                "一斉積立事務": Service.BATCH, "財形貯蓄事務": Service.ZAIKEI}
    assert all(m.service is services[m.group] for m in MENUS)


def test_r_user_7a_change_only_menus_offer_show_and_hide_only() -> None:
    """R-USER-7a: …新規登録, 明細一括更新, 明細データインポート, 入金中止設定, まとめ入金確定 and
    確定解除 offer 表示 / 非表示; every other menu offers all three."""
    assert {m.label for m in MENUS if m.kind == "change"} == CHANGE_ONLY
    for m in MENUS:
        if m.kind == "change":
            assert allowed_levels(m) == (Level.SHOW, Level.HIDE)
        else:
            assert set(allowed_levels(m)) == set(Level)
    assert all(m.kind == "output" for m in MENUS if m.label.endswith(("出力", "エクスポート")))
    assert [Level(x).label for x in ("show", "hide", "view_only")] == ["表示", "非表示", "閲覧のみ"]


def test_r_user_7a_unset_is_hidden_and_flagged() -> None:
    """R-USER-7a: a menu without a stored setting is 非表示 and 「未設定」; a level the menu
    does not offer counts as 非表示."""
    inquiry = menu("rokin.detail_inquiry")
    confirm = menu("rokin.remit_confirm")
    assert effective_level(inquiry, None) == (Level.HIDE, True)
    assert effective_level(inquiry, "view_only") == (Level.VIEW_ONLY, False)
    assert effective_level(inquiry, Level.SHOW) == (Level.SHOW, False)
    assert effective_level(confirm, "view_only") == (Level.HIDE, False)
    assert effective_level(confirm, "bogus") == (Level.HIDE, False)


@pytest.mark.parametrize(
    ("role", "level", "view", "change"),
    [
        ("master", None, True, True),
        ("master", Level.HIDE, True, True),
        ("general", Level.SHOW, True, True),
        ("general", Level.VIEW_ONLY, True, False),
        ("general", Level.HIDE, False, False),
        ("general", None, False, False),
    ],
)
def test_r_user_7_can_matrix(role: str, level: Level | None, view: bool, change: bool) -> None:
    """R-USER-7: 非表示 refused; 閲覧のみ views, lists, prints and exports but never changes; the
    master may do everything the contract allows."""
    assert can(role, level, "view") is view
    assert can(role, level, "change") is change


def test_r_user_7_unknown_access_and_menu_are_bugs() -> None:
    with pytest.raises(ValueError):
        can("general", Level.SHOW, "delete")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        menu("rokin.nope")


def test_r_ops_5_menus_for_contracted_services_only() -> None:
    """R-INFO-1, R-OPS-5: only the contracted services' menus, in registry order."""
    assert {m.service for m in menus_for(["rokin", "batch"])} == {Service.ROKIN, Service.BATCH}
    assert menus_for([Service.ZAIKEI, Service.ZAIKEI_BALANCE]) == tuple(
        m for m in MENUS if m.group == "財形貯蓄事務"
    )
    assert menus_for([]) == ()


def test_r_user_7a_shortcuts() -> None:
    """R-USER-7a: すべて表示 / すべて閲覧のみ / すべて非表示; 閲覧のみ on change-only menus is
    非表示 (they can only change)."""
    items = menus_for(["rokin"])
    assert set(show_all(items).values()) == {Level.SHOW}
    assert set(hide_all(items).values()) == {Level.HIDE}
    view_only = view_only_all(items)
    assert view_only["rokin.remit_confirm"] is Level.HIDE
    assert view_only["rokin.detail_inquiry"] is Level.VIEW_ONLY
    assert view_only["rokin.request_list"] is Level.VIEW_ONLY
    assert set(view_only) == {m.key for m in items}
    for shortcut in (show_all, view_only_all, hide_all):
        _, errors = check_permissions({k: v.value for k, v in shortcut(items).items()}, items)
        assert errors == []


def test_r_user_3_check_permissions_errors_per_menu() -> None:
    """R-USER-3: each menu's level is checked; unknown or uncontracted menus refused."""
    items = menus_for(["rokin"])
    levels, errors = check_permissions(
        {
            "rokin.detail_inquiry": "view_only",
            "rokin.detail_new": "view_only",
            "ledger.detail_inquiry": "show",
            "rokin.history": "visible",
        },
        items,
    )
    assert levels == {"rokin.detail_inquiry": Level.VIEW_ONLY}
    assert [(e.code, e.field) for e in errors] == [
        ("E-PERMISSION-LEVEL", "perm:rokin.detail_new"),
        ("E-PERMISSION-MENU", "perm:ledger.detail_inquiry"),
        ("E-PERMISSION-LEVEL", "perm:rokin.history"),
    ]
    assert errors[0].params == {"label": "労金控除明細新規登録", "allowed": "表示・非表示"}
    for err in errors:
        assert MESSAGES[err.code].format(**err.params)


# Every mix of the contractable services (the 財形 options only with 財形, R-OPS-1).
SERVICE_MIXES = [
    [s for s, on in zip(("rokin", "ledger", "batch"), bits, strict=True) if on]
    for bits in [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]
] + [["zaikei"], ["zaikei", "zaikei-balance", "zaikei-incentive"]]


@pytest.mark.parametrize("mix", SERVICE_MIXES, ids=lambda m: "+".join(m) or "none")
def test_r_user_7a_issue_13_permission_rows_are_exactly_the_menus_rights(mix: list[str]) -> None:
    """R-USER-7a, R-INFO-1 (issue 13 item 5): for every service mix the user form's rows
    (``menus_for``) are exactly the rights the information screen's entries (``screens_for``)
    use — no row without a screen, no screen without a row; a screen on another menu's right
    (RK-12) rides on a row of the same service."""
    rows = menus_for(mix)
    screens = screens_for(mix)
    assert [m.key for m in rows] == list(dict.fromkeys(s.right_key for s in screens))
    assert all(s.rights is None or menu(s.rights).rights is None for s in screens)
    assert all(menu(s.right_key).service is s.service for s in screens)


def test_r_plus_1_r_plus_2_issue_13_beyond_manual_menus_have_rows_of_their_own() -> None:
    """Issue 13 item 5: カナ氏名チェックリスト (R-PLUS-2) and 給与控除データ照合 (R-PLUS-1) are
    permission rows of 労金控除事務, output menus (閲覧のみ equals 表示), after the menu they
    belong with."""
    rows = menus_for(["rokin"])
    labels = [m.label for m in rows]
    assert labels.index("カナ氏名チェックリスト") == labels.index("労金控除明細照会") + 1
    assert labels.index("給与控除データ照合") == labels.index("まとめ入金確定") + 1
    for key in ("rokin.kana_check", "rokin.reconciliation"):
        item = menu(key)
        assert item.beyond_manual and item.kind == "output" and item.rights is None
    assert PERMISSION_MENUS == tuple(m for m in MENUS if m.rights is None)
