"""ご利用開始（変更）のお知らせ and the shared form writer (SPEC R-OPS-1, R-OPS-5, R-ENV-3;
DESIGN §3 "PDF and fonts": IPAex Gothic embedded, no non-embedded font)."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from chingin_app.reports.notice import render_notice
from chingin_app.reports.pdf import FormRenderError, Markup, render_form
from chingin_app.services.contracts import ContractView

HELPDESK = ("ろうきんヘルプデスク", "0000-11-2222", "9:00～17:00（土日祝を除く）")


def _view(**overrides: object) -> ContractView:
    fields: dict[str, object] = {
        "contract_no": "12345678",
        "name": "ろうきん商事労働組合",
        "kind": "member",
        "services": ("rokin", "ledger"),
        "groups": (("001", "本社"), ("002", "大阪支社")),
        "status": "active",
        "initial_password_set": True,
        "initial_password_blocked": False,
        "initial_password_failures": 0,
        "has_master": False,
        "created_at": datetime(2026, 4, 1, 1, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return ContractView(**fields)  # type: ignore[arg-type]


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _pdf_fonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    """pdffonts rows, split into columns (name, type…, emb, sub, uni, object, generation)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def _flat(text: str) -> str:
    return "".join(text.split())


def test_r_ops_1_notice_carries_contract_number_name_and_groups(tmp_path: Path) -> None:
    """R-OPS-1: 「print ご利用開始（変更）のお知らせ with the contract number」."""
    pdf = render_notice(
        _view(),
        issued_on=date(2026, 4, 1),
        helpdesk=HELPDESK,
        service_url="https://chingin.example.jp",
    )
    assert pdf.startswith(b"%PDF")
    text = _flat(_pdf_text(pdf, tmp_path))
    assert "ろうきん賃金控除事務支援サービスご利用開始のお知らせ" in text
    assert "（変更）" not in text
    assert "ご契約番号12345678" in text
    assert "団体名ろうきん商事労働組合" in text
    assert "契約区分会員" in text
    assert "ご利用サービス労金控除、賃控元帳" in text
    assert "001本社" in text and "002大阪支社" in text
    assert "発行日2026/04/01" in text
    assert "https://chingin.example.jp" in text
    # お問い合わせ先 from the settings the caller passes (R-ENV-7)
    assert "ろうきんヘルプデスク" in text and "0000-11-2222" in text
    assert "9:00～17:00（土日祝を除く）" in text
    # How to register the master user, never the password itself.
    assert "マスターユーザーの初期登録" in text
    assert "初期パスワードは、セキュリティ保護のため本お知らせには記載していません" in text
    # Footer with the page number.
    assert "1/1" in text


def test_r_ops_5_change_notice_for_an_employer(tmp_path: Path) -> None:
    """R-OPS-5: a contract change 「prints a new お知らせ (変更)」; 事業主 with 財形 options."""
    view = _view(
        kind="employer",
        name="ろうきん産業株式会社",
        services=("zaikei-incentive", "zaikei"),
        groups=(("010", "本店"),),
        has_master=True,
    )
    pdf = render_notice(view, issued_on=date(2026, 12, 28), change=True, helpdesk=HELPDESK)
    text = _flat(_pdf_text(pdf, tmp_path))
    assert "ろうきん賃金控除事務支援サービスご利用開始（変更）のお知らせ" in text
    assert "事業所名ろうきん産業株式会社" in text
    assert "契約区分事業主" in text
    assert "ご利用サービス財形（奨励金あり）" in text
    assert "010本店" in text
    assert "発行日2026/12/28" in text


def test_r_ops_1_notice_embeds_ipaex_and_no_other_font(tmp_path: Path) -> None:
    """DESIGN §3: 「IPAex Gothic TTF, embedded and subset; non-embedded CID fonts are not
    acceptable for delivered PDFs」."""
    pdf = render_notice(_view(), issued_on=date(2026, 4, 1), helpdesk=HELPDESK)
    rows = _pdf_fonts(pdf, tmp_path)
    assert rows, "the notice uses no font at all"
    for row in rows:
        name, emb = row[0], row[-5]
        assert "IPAexGothic" in name, row
        assert emb == "yes", row


def test_r_ops_1_notice_escapes_markup_in_names(tmp_path: Path) -> None:
    """Values are text, never markup: a name containing <b>& appears literally."""
    view = _view(name="労組<b>&amp;支部", groups=(("001", "本社<i>&"),))
    pdf = render_notice(view, issued_on=date(2026, 4, 1), helpdesk=HELPDESK)
    text = _flat(_pdf_text(pdf, tmp_path))
    assert "労組<b>&amp;支部" in text
    assert "本社<i>&" in text


def test_r_env_3_render_form_escapes_values_but_not_markup(tmp_path: Path) -> None:
    template = (
        "<html><head><style>${form_css}</style></head><body><p>$a</p>$b${page_footer}</body></html>"
    )
    pdf = render_form(template, {"a": "<u>x</u> & y", "b": Markup("<p>本文</p>")})
    text = _flat(_pdf_text(pdf, tmp_path))
    assert "<u>x</u>&y" in text
    assert "本文" in text


def test_r_env_3_render_form_refuses_a_missing_placeholder() -> None:
    with pytest.raises(KeyError):
        render_form("<html><body>$missing</body></html>", {})


def test_r_env_3_render_form_refuses_a_non_embedded_font() -> None:
    """A form that slips into a standard (never embedded) font is not delivered."""
    template = (
        "<html><head><style>${form_css}</style></head><body>"
        '<p style="font-family: Courier">abc</p>${page_footer}</body></html>'
    )
    with pytest.raises(FormRenderError):
        render_form(template, {})
