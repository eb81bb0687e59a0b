"""The bank's blank paper forms, printed for マニュアル照会 (SPEC R-MAN-1, R-OPS-2, R-OPS-3).

- 「ログインＩＤ／パスワード初期化・電子証明書失効等依頼書」: 提出日, 契約番号, 団体名, 所在地,
  届出印, 担当者・電話, the 依頼内容 check boxes (マスターユーザーＩＤ・パスワード初期化 /
  閉塞解除 (対象ユーザーＩＤ) / 電子証明書失効 (対象ユーザーＩＤ, 理由: パソコン変更・紛失・
  その他) / ご利用開始のお知らせ再発行 / 初期パスワード閉塞解除) and the 金庫使用欄 (受付番号,
  受付印, 検印, 処理日).
- 「初期パスワード届出書（会員向け）」 / 「初期パスワード届出書（事業主向け）」: 契約番号,
  団体名 / 事業所名, 初期パスワード (8 boxes), 届出印 and the 金庫使用欄.

Every form is a blank A4 PDF through ``reports.pdf.render_form`` (IPAex Gothic embedded, no
other font). ``BUILTIN_FORMS`` lists them with the title, kind and file name under which
``services.manuals.ensure_builtin_forms`` registers them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chingin_app.reports.pdf import Markup, render_form

__all__ = [
    "BUILTIN_FORMS",
    "INITIAL_PASSWORD_EMPLOYER_TITLE",
    "INITIAL_PASSWORD_MEMBER_TITLE",
    "REQUEST_FORM_TITLE",
    "BuiltinForm",
    "render_initial_password_form",
    "render_request_form",
]

_TEMPLATES = Path(__file__).resolve().parent / "templates"

REQUEST_FORM_TITLE: Final = "ログインＩＤ／パスワード初期化・電子証明書失効等依頼書"
INITIAL_PASSWORD_MEMBER_TITLE: Final = "初期パスワード届出書（会員向け）"  # noqa: S105 (a title)
INITIAL_PASSWORD_EMPLOYER_TITLE: Final = "初期パスワード届出書（事業主向け）"  # noqa: S105

_ADDRESSEE: Final = "ろうきん"
_NAME_LABELS: Final[dict[str, str]] = {"member": "団体名", "employer": "事業所名"}
_TITLES: Final[dict[str, str]] = {
    "member": INITIAL_PASSWORD_MEMBER_TITLE,
    "employer": INITIAL_PASSWORD_EMPLOYER_TITLE,
}
_PASSWORD_BOXES: Final = 8

_REQUEST_NOTE: Final = (
    "※本依頼書は、届出印を押印のうえ、お取引店へご提出ください。"
    "マスターユーザーＩＤ・パスワードを初期化すると、マスターユーザーの電子証明書は失効し、"
    "同じ契約番号と初期パスワードでマスターユーザーの初期登録からやり直していただきます。"
    "閉塞解除では、パスワードは変更されません。"
)
_BOXES_RULE: Final = (
    "※初期パスワードは、英大文字・英小文字・数字・記号をそれぞれ1文字以上含む8桁で"
    "ご記入ください。マスターユーザーの初期登録時に、ご契約番号とあわせて入力します。"
)
_FILING_NOTE: Final = (
    "※本届出書は、届出印を押印のうえ、お取引店へご提出ください。"
    "初期パスワードは、ご利用開始のお知らせには記載されません。大切に控えておいてください。"
)


def render_request_form() -> bytes:
    """The blank 「ログインＩＤ／パスワード初期化・電子証明書失効等依頼書」 as an A4 PDF
    (SPEC R-MAN-1, R-OPS-2)."""
    context: dict[str, object] = {
        "title": REQUEST_FORM_TITLE,
        "bank_name": _ADDRESSEE,
        "note": _REQUEST_NOTE,
    }
    return render_form((_TEMPLATES / "request_form.html").read_text(encoding="utf-8"), context)


def render_initial_password_form(kind: str) -> bytes:
    """The blank 「初期パスワード届出書（会員向け）」 (``kind='member'``, 団体名) or
    「初期パスワード届出書（事業主向け）」 (``kind='employer'``, 事業所名) as an A4 PDF with
    8 boxes for the 初期パスワード (SPEC R-MAN-1, R-OPS-1). Raises ValueError for another kind."""
    if kind not in _TITLES:
        raise ValueError(f"kind must be member or employer, not {kind!r}")
    context: dict[str, object] = {
        "title": _TITLES[kind],
        "bank_name": _ADDRESSEE,
        "name_label": _NAME_LABELS[kind],
        "password_boxes": Markup("<td>　</td>" * _PASSWORD_BOXES),
        "password_rule": _BOXES_RULE,
        "note": _FILING_NOTE,
    }
    return render_form(
        (_TEMPLATES / "initial_password_form.html").read_text(encoding="utf-8"), context
    )


@dataclass(frozen=True)
class BuiltinForm:
    """A generated form as マニュアル照会 lists it: title, who sees it, file name, renderer."""

    title: str
    kind: str
    filename: str
    render: Callable[[], bytes]


BUILTIN_FORMS: Final[tuple[BuiltinForm, ...]] = (
    BuiltinForm(REQUEST_FORM_TITLE, "both", "irai-sho.pdf", render_request_form),
    BuiltinForm(
        INITIAL_PASSWORD_MEMBER_TITLE,
        "member",
        "shoki-password-todokede-kaiin.pdf",
        lambda: render_initial_password_form("member"),
    ),
    BuiltinForm(
        INITIAL_PASSWORD_EMPLOYER_TITLE,
        "employer",
        "shoki-password-todokede-jigyonushi.pdf",
        lambda: render_initial_password_form("employer"),
    ),
)
