"""The shared form writer: short printed forms as HTML templates through xhtml2pdf.

Short forms (ご利用開始（変更）のお知らせ, 依頼書, まとめ入金依頼書) are HTML templates
rendered here; long lists go through a reportlab platypus list writer (DESIGN §3 "PDF and
fonts"). Every delivered PDF is A4, Japanese, and embeds IPAex Gothic as a subset — no
non-embedded font, not even the Helvetica that reportlab names by default (SPEC R-ENV-3:
reports print from PDF).

Templates use `string.Template` placeholders (`$name` / `${name}`). Every value is escaped
with `html.escape` unless it is a `Markup` — a fragment built by the caller from values it
escaped itself (table rows, say). Two placeholders are always available:

- `${form_css}`: the `@font-face`, `@page` (A4, margins, footer frame) and base text styles;
  put it inside a `<style>` element in the template's `<head>`.
- `${page_footer}`: the footer with the page number ("1 / 2"); put it at the end of `<body>`.

xhtml2pdf reads local files only under the document's base path (DESIGN §3): the document is
rendered with `assets/fonts/` as its base path and a resource policy confined to that
directory, so a template can load the font and nothing else from disk or the network.
"""

from __future__ import annotations

import html
import io
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from string import Template

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import tables as rl_tables
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

__all__ = [
    "FONTS_DIR",
    "FONT_FILE",
    "FONT_NAME",
    "FormRenderError",
    "Markup",
    "embedded_font_defaults",
    "render_form",
]

#: Where the shipped fonts live (with their licence): the base path of every form.
FONTS_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
#: IPAex Gothic, embedded (subset) in every PDF the service delivers.
FONT_FILE = FONTS_DIR / "ipaexg.ttf"
#: The reportlab name of the font registered for reportlab's own defaults.
FONT_NAME = "IPAexGothic"
# The CSS family name templates use (registered by xhtml2pdf from the @font-face rule).
_CSS_FAMILY = "ipaexg"

_FORM_CSS = f"""
@font-face {{ font-family: {_CSS_FAMILY}; src: url("{FONT_FILE.name}"); }}
@page {{
  size: a4 portrait;
  margin: 18mm 18mm 22mm 18mm;
  @frame page_footer {{
    -pdf-frame-content: page_footer;
    bottom: 10mm; height: 8mm; margin-left: 18mm; margin-right: 18mm;
  }}
}}
html, body, div, p, span, h1, h2, h3, table, thead, tbody, tr, th, td, ul, ol, li, dl, dt, dd {{
  font-family: {_CSS_FAMILY};
}}
body {{ font-size: 10.5pt; line-height: 1.5; -pdf-word-wrap: CJK; }}
p, li, td, th, dd {{ -pdf-word-wrap: CJK; }}
#page_footer {{ font-size: 9pt; text-align: center; color: #444444; }}
"""

_PAGE_FOOTER = '<div id="page_footer"><pdf:pagenumber/> / <pdf:pagecount/></div>'

# reportlab keeps its defaults in module globals; they are swapped only under this lock and
# restored afterwards (xhtml2pdf itself renders one document at a time per process).
_DEFAULTS_LOCK = threading.RLock()


class Markup(str):
    """A fragment of HTML the caller built from values it escaped itself; not escaped again."""

    __slots__ = ()


class FormRenderError(RuntimeError):
    """xhtml2pdf reported errors while rendering a form (the PDF would be incomplete)."""


def _register_font() -> None:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE)))


@contextmanager
def embedded_font_defaults() -> Iterator[None]:
    """Make reportlab's own default font IPAex Gothic for the duration of a render.

    reportlab names Helvetica in every page's preamble and in every table cell's style; it is
    never drawn with, but it lands in the PDF as a non-embedded font. Delivered PDFs carry
    only embedded fonts (DESIGN §3), so the defaults point at the embedded TTF while a form
    or list is built. The reportlab list writer uses this too.
    """
    with _DEFAULTS_LOCK:
        _register_font()
        old_base = rl_config.canvas_basefontname
        old_cell = rl_tables.CellStyle.fontname
        rl_config.canvas_basefontname = FONT_NAME
        rl_tables.CellStyle.fontname = FONT_NAME
        try:
            yield
        finally:
            rl_config.canvas_basefontname = old_base
            rl_tables.CellStyle.fontname = old_cell


def _fill(template_html: str, context: Mapping[str, object]) -> str:
    values: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, Markup):
            values[key] = str(value)
        else:
            values[key] = html.escape("" if value is None else str(value), quote=True)
    values.setdefault("form_css", _FORM_CSS)
    values.setdefault("page_footer", _PAGE_FOOTER)
    # substitute(), not safe_substitute(): a placeholder without a value is a bug in the
    # caller, and a form printed with "$contract_no" on it must never reach a customer.
    return Template(template_html).substitute(values)


def render_form(template_html: str, context: Mapping[str, object]) -> bytes:
    """Render an HTML form template to an A4 PDF with IPAex Gothic embedded (SPEC R-ENV-3).

    `context` values are escaped with `html.escape` (a `Markup` value is inserted as is);
    a placeholder without a value raises KeyError. Raises FormRenderError when xhtml2pdf
    reports an error (a missing font, a malformed template).
    """
    document = _fill(template_html, context)
    out = io.BytesIO()
    policy = ResourceAccessPolicy.server(base_dir=FONTS_DIR, allow_remote=False)
    with embedded_font_defaults():
        status = pisa.pisaDocument(
            document,
            dest=out,
            # A document name inside the fonts directory: its directory is the base path
            # relative URLs (the @font-face src) resolve against.
            path=str(FONTS_DIR / "form.html"),
            encoding="utf-8",
            resource_policy=policy,
        )
    if status.err:
        raise FormRenderError(f"xhtml2pdf reported {status.err} error(s) rendering a form")
    data = out.getvalue()
    if not data.startswith(b"%PDF"):
        raise FormRenderError("xhtml2pdf produced no PDF")
    # A refused or unknown font is only a warning to xhtml2pdf, which then falls back to a
    # standard Type 1 font that is never embedded: such a PDF must not be delivered.
    if b"/Subtype /Type1" in data:
        raise FormRenderError("the form uses a font that is not embedded")
    return data
