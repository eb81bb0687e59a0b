"""The blank paper forms of マニュアル照会 (SPEC R-MAN-1; R-ENV-3 and DESIGN §3: A4, IPAex Gothic
embedded, no other font)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from chingin_app.reports.paper_forms import (
    BUILTIN_FORMS,
    INITIAL_PASSWORD_EMPLOYER_TITLE,
    INITIAL_PASSWORD_MEMBER_TITLE,
    REQUEST_FORM_TITLE,
    render_initial_password_form,
    render_request_form,
)


def _run(tool: list[str], pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [*tool, str(path), *(["-"] if tool[0] == "pdftotext" else [])],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _text(pdf: bytes, tmp_path: Path) -> str:
    return "".join(_run(["pdftotext", "-layout", "-enc", "UTF-8"], pdf, tmp_path).split())


def _fonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    out = _run(["pdffonts"], pdf, tmp_path)
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def _page_info(pdf: bytes, tmp_path: Path) -> str:
    return _run(["pdfinfo"], pdf, tmp_path)


def test_r_man_1_titles_are_the_manuals_full_width_titles() -> None:
    """R-MAN-1 "Titles as in the manual, full-width"."""
    assert REQUEST_FORM_TITLE == "ログインＩＤ／パスワード初期化・電子証明書失効等依頼書"
    assert INITIAL_PASSWORD_MEMBER_TITLE == "初期パスワード届出書（会員向け）"
    assert INITIAL_PASSWORD_EMPLOYER_TITLE == "初期パスワード届出書（事業主向け）"
    assert [(f.title, f.kind) for f in BUILTIN_FORMS] == [
        (REQUEST_FORM_TITLE, "both"),
        (INITIAL_PASSWORD_MEMBER_TITLE, "member"),
        (INITIAL_PASSWORD_EMPLOYER_TITLE, "employer"),
    ]
    assert all(f.filename.endswith(".pdf") and f.filename.isascii() for f in BUILTIN_FORMS)


def test_r_man_1_request_form_fields(tmp_path: Path) -> None:
    """R-MAN-1: the 依頼書 has 提出日, 契約番号, 団体名, 所在地, 届出印, 担当者・電話, the 依頼内容
    check boxes and the 金庫使用欄 (受付番号, 受付印, 検印, 処理日)."""
    pdf = render_request_form()
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf, tmp_path)
    assert REQUEST_FORM_TITLE in text
    for field in ("提出日", "契約番号", "団体名", "所在地", "届出印", "担当者・電話"):
        assert field in text, field
    for box in (
        "□マスターユーザーＩＤ・パスワード初期化",
        "□閉塞解除",
        "□電子証明書失効",
        "□パソコン変更",
        "□紛失",
        "□その他",
        "□ご利用開始のお知らせ再発行",
        "□初期パスワード閉塞解除",
    ):
        assert box in text, box
    assert text.count("対象ユーザーＩＤ") == 2  # 閉塞解除 and 電子証明書失効
    assert "理由" in text
    assert "金庫使用欄" in text and "受付番号受付印検印処理日" in text


@pytest.mark.parametrize(
    ("kind", "title", "name_label"),
    [
        ("member", INITIAL_PASSWORD_MEMBER_TITLE, "団体名"),
        ("employer", INITIAL_PASSWORD_EMPLOYER_TITLE, "事業所名"),
    ],
)
def test_r_man_1_initial_password_form_fields(
    kind: str, title: str, name_label: str, tmp_path: Path
) -> None:
    """R-MAN-1: the 届出書 has 契約番号, 団体名/事業所名, 初期パスワード (8 boxes), 届出印 and the
    金庫使用欄."""
    pdf = render_initial_password_form(kind)
    text = _text(pdf, tmp_path)
    assert title in text
    assert "契約番号" in text and name_label in text and "届出印" in text
    assert "初期パスワード" in text and "8桁" in text
    assert "金庫使用欄" in text and "受付番号受付印検印処理日" in text
    other = "事業所名" if name_label == "団体名" else "団体名"
    assert other not in text


def test_r_man_1_initial_password_form_has_eight_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """R-MAN-1 "初期パスワード (8 boxes)": the row the template receives."""
    from chingin_app.reports import paper_forms

    captured: dict[str, object] = {}

    def fake_render(template: str, context: dict[str, object]) -> bytes:
        captured.update(context)
        return b"%PDF-1.4"

    monkeypatch.setattr(paper_forms, "render_form", fake_render)
    paper_forms.render_initial_password_form("member")
    assert str(captured["password_boxes"]).count("<td>") == 8


def test_r_man_1_initial_password_form_other_kind_refused() -> None:
    with pytest.raises(ValueError, match="member or employer"):
        render_initial_password_form("both")


@pytest.mark.parametrize("form", BUILTIN_FORMS, ids=lambda f: f.filename)
def test_r_man_1_forms_are_a4_with_ipaex_embedded_only(form: object, tmp_path: Path) -> None:
    """DESIGN §3: every delivered PDF is A4 and embeds IPAex Gothic as a subset, nothing else."""
    pdf = form.render()  # type: ignore[attr-defined]
    rows = _fonts(pdf, tmp_path)
    assert rows, "no fonts listed"
    for row in rows:
        assert "IPAex" in row[0], row
        emb, sub = row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row
    info = _page_info(pdf, tmp_path)
    assert "(A4)" in info
    assert "Pages:           1" in info
