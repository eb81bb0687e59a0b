"""カナ氏名チェックリスト and 給与控除データ照合 get permission rows of their own (issue 13 item 5,
R-USER-7a, R-PLUS-1, R-PLUS-2).

Until now they rode on 労金控除明細照会 (rokin.detail_inquiry) and まとめ入金確定
(rokin.remit_confirm). Every user keeps the access they had: each stored setting of the old
menu is copied to the new row as the level that gave the same access — so nobody is flagged
「未設定」 and nobody gains or loses a screen. まとめ入金確定 is change-only, where a stored
閲覧のみ counted as 非表示 (``domain.permissions.effective_level``), so it becomes 'hide'. A user
without a setting for the old menu had no access and stays without one (未設定, as before).
Users who already have a row for a new menu are left alone (re-running is harmless).

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
# Given by the brief; the lead re-chains at merge (0011 is another helper's).
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (new menu, old menu, {old level: new level}) — output menus, where 閲覧のみ equals 表示.
COPIES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("rokin.kana_check", "rokin.detail_inquiry",
     {"show": "show", "view_only": "view_only", "hide": "hide"}),
    ("rokin.reconciliation", "rokin.remit_confirm",
     {"show": "show", "view_only": "hide", "hide": "hide"}),
)


def upgrade() -> None:
    """Copy each old menu's stored settings to its new row."""
    for new_key, old_key, mapping in COPIES:
        for old_level, new_level in mapping.items():
            op.execute(
                sa.text(
                    "INSERT INTO menu_permissions (user_pk, menu_key, level) "
                    "SELECT p.user_pk, :new_key, :new_level FROM menu_permissions p "
                    "WHERE p.menu_key = :old_key AND p.level = :old_level "
                    "AND NOT EXISTS (SELECT 1 FROM menu_permissions q "
                    "WHERE q.user_pk = p.user_pk AND q.menu_key = :new_key)"
                ).bindparams(new_key=new_key, new_level=new_level, old_key=old_key,
                             old_level=old_level)
            )


def downgrade() -> None:
    """The new rows go; the screens ride on the old menus again."""
    for new_key, _old, _mapping in COPIES:
        op.execute(
            sa.text("DELETE FROM menu_permissions WHERE menu_key = :k").bindparams(k=new_key)
        )
