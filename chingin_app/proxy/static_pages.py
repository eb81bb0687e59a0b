"""Self-contained HTML pages served without the front end: outside hours, errors, the IE notice.

They must work when the app cannot (nginx error pages) and must not load anything external
(R-ENV-2a), so styles are inline and every value is escaped.
"""

from __future__ import annotations

from html import escape

from chingin_app.domain.messages import message
from chingin_app.settings import Settings

SERVICE_NAME = "賃金控除事務支援サービス"

_PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}｜{service}</title>
<style>
body{{font-family:"Meiryo","Yu Gothic",sans-serif;margin:0;background:#f4f6f8;color:#1c2024}}
header{{background:#0b4f8a;color:#fff;padding:12px 24px;font-size:20px;font-weight:bold}}
main{{max-width:760px;margin:32px auto;background:#fff;padding:24px 32px;border:1px solid #d0d7de}}
h1{{font-size:20px}} .msg{{border-left:4px solid #b42318;padding:8px 12px;background:#fff5f5}}
.help{{margin-top:32px;font-size:14px;border-top:1px solid #d0d7de;padding-top:12px}}
</style></head>
<body><header>{service}</header>
<main><h1>{title}</h1><p class="msg" role="alert">{body}</p>{extra}{help}</main></body></html>
"""


def helpdesk_html(s: Settings) -> str:
    """The お問い合わせ先 block (R-ENV-7)."""
    return (
        '<section class="help" aria-label="お問い合わせ先">'
        '<h2 style="font-size:16px">お問い合わせ先</h2>'
        f"<p>{escape(s.helpdesk_name)}<br>TEL {escape(s.helpdesk_tel)}<br>"
        f"受付時間 {escape(s.helpdesk_hours)}</p></section>"
    )


def render_page(s: Settings, *, title: str, body: str, extra_html: str = "") -> str:
    """One static page; `body` is plain text (escaped), `extra_html` trusted markup."""
    return _PAGE.format(
        title=escape(title), service=SERVICE_NAME, body=escape(body), extra=extra_html,
        help=helpdesk_html(s),
    )


def closed_page(s: Settings, text: str) -> str:
    """The outside-hours / maintenance page (R-ENV-1)."""
    return render_page(s, title="ご利用時間外", body=text)


def error_page(s: Settings) -> str:
    """What nginx shows when the app cannot answer (502/503/504)."""
    return render_page(s, title="エラー", body=message("MSG-SYS", incident="NGINX"))


def ie_page(s: Settings) -> str:
    """The static notice for Edge's IE mode (R-ENV-6)."""
    return render_page(s, title="ご利用のブラウザについて", body=message("MSG-IE"))
