"""The Content-Security-Policy nginx sends (SPEC R-ENV-2a; issue 11 "replace 'unsafe-inline' in
script-src with sha256 hashes that `chingin build` computes").

Reflex 0.10.1 prerenders every page to static HTML (React Router's SPA mode) whose inline
scripts are fixed at build time: the router context, the module loader and the route's loader
data. So the build can hash each of them, and the policy allows exactly those scripts and the
front end's own files ('self'), nothing typed into a page. Styles keep 'unsafe-inline': Emotion
and Radix set ``style`` attributes at run time, which no hash can name.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Final

__all__ = ["content_security_policy", "inline_script_hashes"]

_SCRIPT: Final = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC: Final = re.compile(r"\ssrc\s*=", re.IGNORECASE)

_OTHER_DIRECTIVES: Final = (
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
)


def inline_script_hashes(html: str) -> set[str]:
    """CSP source expressions (``'sha256-…'``) for every inline ``<script>`` in ``html``; a
    script with ``src`` is loaded from 'self' and needs none. The hash covers the text between
    the tags exactly as served, as the browser computes it."""
    found: set[str] = set()
    for match in _SCRIPT.finditer(html):
        attributes, body = match.groups()
        if _SRC.search(" " + attributes):
            continue
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        found.add(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return found


def content_security_policy(script_hashes: Iterable[str]) -> str:
    """The policy: scripts from 'self' and the build's inline scripts by hash, never
    'unsafe-inline' (without a build: 'self' only)."""
    script_src = " ".join(["script-src 'self'", *sorted(set(script_hashes))])
    return "; ".join(["default-src 'self'", script_src, *_OTHER_DIRECTIVES])
