"""ろうきん賃金控除事務支援サービス ご利用開始（変更）のお知らせ (SPEC R-OPS-1, R-OPS-2, R-OPS-5).

The bank hands this notice to the organisation: it carries the ご契約番号 that the master user
types at マスターユーザーの初期登録 together with the 初期パスワード the organisation wrote on its
初期パスワード届出書 (manual P.8–10). The initial password itself is never printed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Protocol

from chingin_app.domain import dates
from chingin_app.domain.contract import ContractKind, Service
from chingin_app.reports.pdf import Markup, render_form

__all__ = ["NoticeContract", "render_notice"]

_TEMPLATE = Path(__file__).resolve().parent / "templates" / "notice.html"

# The name's label follows the contract kind: 団体名 for 会員, 事業所名 for 事業主.
_NAME_LABELS: dict[str, str] = {"member": "団体名", "employer": "事業所名"}


class NoticeContract(Protocol):
    """What the notice needs of a contract (services.contracts.ContractView fits)."""

    @property
    def contract_no(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def services(self) -> Sequence[str]: ...
    @property
    def groups(self) -> Sequence[tuple[str, str]]: ...
    @property
    def has_master(self) -> bool: ...


_OPTIONS: frozenset[str] = frozenset({Service.ZAIKEI_BALANCE, Service.ZAIKEI_INCENTIVE})


def _label(code: str, labels: type[Service] | type[ContractKind]) -> str:
    try:
        return labels(code).label
    except ValueError:
        return code


def _services_text(services: Sequence[str]) -> str:
    """ご利用サービス in the manual's order, 財形's options in brackets (SPEC §1)."""
    order = [s.value for s in Service]
    ranked = sorted(services, key=lambda s: order.index(s) if s in order else len(order))
    text = "、".join(_label(s, Service) for s in ranked if s not in _OPTIONS)
    options = [_label(s, Service) for s in ranked if s in _OPTIONS]
    if options:
        text += "（" + "・".join(options) + "あり）"
    return text


def _group_rows(groups: Sequence[tuple[str, str]]) -> Markup:
    rows = [
        f'<tr><td class="group-no">{html.escape(number)}</td><td>{html.escape(name)}</td></tr>'
        for number, name in groups
    ]
    return Markup("\n".join(rows))


def _instructions(*, change: bool, has_master: bool, with_url: bool) -> Markup:
    if change and has_master:
        return Markup(
            "<h2>ご利用にあたって</h2>"
            "<p>ご契約内容の変更は、本お知らせの発行日から反映されています。"
            "ご契約番号・マスターユーザーのユーザーＩＤ・パスワードに変更はありません。</p>"
            '<p class="note">本お知らせは大切に保管してください。</p>'
        )
    first_step = (
        "ブラウザのアドレスバーに、上記のご利用URLを直接入力して、本サービスのトップ画面を"
        "表示してください（検索やろうきんのホームページからはアクセスできません）。"
        if with_url
        else "本サービスのトップ画面を表示してください。"
    )
    steps = (
        first_step,
        "トップ画面の「マスターユーザーの初期登録」ボタンをクリックし、本お知らせの"
        "「ご契約番号」と、「初期パスワード届出書」にご記入いただいた「初期パスワード」を"
        "入力して、マスターユーザーを登録してください。",
        "続けて、マスターユーザーの電子証明書を発行してください。",
    )
    # Numbered by hand: reportlab draws list bullets in Helvetica, a font never embedded.
    numbered = "".join(
        f'<p class="step">{n}．{text}</p>' for n, text in zip("１２３", steps, strict=True)
    )
    return Markup(
        "<h2>ご利用開始の手順</h2>"
        + numbered
        + '<p class="note">初期パスワードは、セキュリティ保護のため本お知らせには記載していません。'
        "初期パスワードを連続して誤ると、ご利用いただけなくなります（閉塞）。"
        "本お知らせは大切に保管してください。紛失された場合は、お取引店へ"
        "「ログインＩＤ／パスワード初期化・電子証明書失効等依頼書」をご提出ください。</p>"
    )


def render_notice(
    view: NoticeContract,
    *,
    issued_on: date,
    change: bool = False,
    helpdesk: tuple[str, str, str],
    service_url: str | None = None,
) -> bytes:
    """Print ご利用開始（変更）のお知らせ for a contract as an A4 PDF (SPEC R-OPS-1, R-OPS-5).

    Carries ご契約番号, 団体名/事業所名, 契約区分, ご利用サービス, the service URL when given,
    the 入金グループ (number and name), 発行日 (a Japan-time date chosen by the caller), how to
    register the master user, and the お問い合わせ先 `helpdesk` = (name, tel, hours). The
    initial password is never printed. `change=True` prints the （変更） notice.
    """
    title = "ろうきん賃金控除事務支援サービス " + (
        "ご利用開始（変更）のお知らせ" if change else "ご利用開始のお知らせ"
    )
    lead = "平素より格別のお引き立てを賜り、厚く御礼申し上げます。" + (
        "ご契約内容の変更を承りましたので、変更後のご契約内容を下記のとおりお知らせいたします。"
        if change
        else "「ろうきん賃金控除事務支援サービス」のお申込みを承りましたので、"
        "ご契約内容を下記のとおりお知らせいたします。"
    )
    url_row = (
        Markup("<tr><th>ご利用URL</th><td>" + html.escape(service_url) + "</td></tr>")
        if service_url
        else Markup("")
    )
    helpdesk_name, helpdesk_tel, helpdesk_hours = helpdesk
    context: dict[str, object] = {
        "title": title,
        "lead": lead,
        "issued_on": dates.date_label(issued_on),
        "contract_no": view.contract_no,
        "name": view.name,
        "name_label": _NAME_LABELS.get(view.kind, "団体名"),
        "kind": _label(view.kind, ContractKind),
        "services": _services_text(view.services),
        "service_url_row": url_row,
        "group_rows": _group_rows(view.groups),
        "instructions": _instructions(
            change=change, has_master=view.has_master, with_url=bool(service_url)
        ),
        "helpdesk_name": helpdesk_name,
        "helpdesk_tel": helpdesk_tel,
        "helpdesk_hours": helpdesk_hours,
    }
    return render_form(_TEMPLATE.read_text(encoding="utf-8"), context)
