"""The まとめ入金 forms (SPEC §11 RK-9, RK-10; Appendix A.6): the まとめ入金依頼書 prints the A.6
figures, the 更新明細書(Web依頼済) the 入金中止 lines; text is escaped; the font is embedded."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

from chingin_app.domain.deduction_cycle import CycleTotals
from chingin_app.reports.rokin_remittance_forms import (
    REQUEST_FORM_TITLE,
    STATEMENT_TITLE,
    HeldLine,
    RemittanceForm,
    form_filename,
    render_remittance_request,
    render_update_statement,
)

AT = datetime(2026, 4, 27, 6, 30, tzinfo=UTC)  # 15:30 JST


def _form(held: tuple[HeldLine, ...]) -> RemittanceForm:
    return RemittanceForm(
        contract_no="12345678", contract_name="テスト労働組合", group_no="001",
        group_name="本社", deduct_month="2026-04", pay_kind_label="月例",
        status_label="まとめ入金確定済", totals=CycleTotals(120, 1_234_000, 2, 23_000),
        remittance_date=date(2026, 4, 30), deadline=date(2026, 4, 28),
        confirmed_by="Master01（確定　花子）", confirmed_at=AT, printed_at=AT, held=held,
    )


def _text(tmp_path: Path, data: bytes, name: str = "form.pdf") -> str:
    assert data.startswith(b"%PDF") and b"/FontFile2" in data  # IPAex Gothic embedded
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def test_rk_9_remittance_request_prints_the_a6_figures(tmp_path: Path) -> None:
    """A.6 まとめ入金依頼書: 入金グループ, 控除年月, 支給区分, 依頼件数・金額, 入金中止件数・金額,
    入金額合計 (= requested − held, A.4), 入金日, 確定者・日時 (JST)."""
    text = _text(tmp_path, render_remittance_request(_form(())))
    for expected in (REQUEST_FORM_TITLE, "12345678", "001 本社", "2026年4月", "月例",
                     "120件", "1,234,000円", "2件", "23,000円", "118件", "1,211,000円",
                     "2026/04/30", "Master01", "2026/04/27 15:30"):
        assert expected in text, expected


def test_rk_10_update_statement_lists_held_lines_escaped(tmp_path: Path) -> None:
    """まとめ入金更新明細書(Web依頼済): each 入金中止 line with reason and amount; a reason that
    looks like markup is printed as text."""
    line = HeldLine("営業部", "000003", "ﾛｳｷﾝ ﾊﾅｺ", "労金　花子", "普通預金", "1000003", 3_000,
                    "<b>退職</b>", "Master01", AT)
    text = _text(tmp_path, render_update_statement(_form((line,))))
    for expected in (STATEMENT_TITLE, "000003", "ﾛｳｷﾝ ﾊﾅｺ", "1000003", "3,000円",
                     "<b>退職</b>", "1,211,000円"):
        assert expected in text, expected
    empty = _text(tmp_path, render_update_statement(_form(())), "empty.pdf")
    assert "入金中止の明細はありません。" in empty


def test_form_filename_names_contract_group_and_cycle() -> None:
    """Issue 14 item 6: the one pattern <帳票名>_<契約番号>_<入金G>_<YYYYMM>_<区分>_<出力日時>."""
    made = datetime(2026, 4, 20, 1, 30, tzinfo=UTC)  # 10:30 in Japan
    assert form_filename(STATEMENT_TITLE, _form(()), made) == (
        "まとめ入金更新明細書Web依頼済_12345678_001_202604_月例_20260420103000.pdf")
