"""The Content-Security-Policy of both listeners (issue 11: "replace 'unsafe-inline' in the CSP's
script-src with sha256 hashes that `chingin build` computes"; SPEC R-ENV-2a)."""

from __future__ import annotations

import base64
import hashlib

from chingin_app.proxy.csp import content_security_policy, inline_script_hashes

PAGE = """<!DOCTYPE html><html><head>
<script>window.__ctx = {"basename":"/"};</script>
<script type="module" async="">import "/assets/manifest.js";
import("/assets/entry.client.js");</script>
<script src="/assets/app.js"></script>
<SCRIPT>window.__ctx.stream.close();</SCRIPT>
</head><body></body></html>"""


def _hash(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def test_inline_scripts_are_hashed_as_served_and_src_scripts_are_not() -> None:
    """Each inline script's exact text (what the browser hashes); a script with src is covered
    by 'self'."""
    assert inline_script_hashes(PAGE) == {
        _hash('window.__ctx = {"basename":"/"};'),
        _hash('import "/assets/manifest.js";\nimport("/assets/entry.client.js");'),
        _hash("window.__ctx.stream.close();"),
    }


def test_script_src_names_hashes_never_unsafe_inline() -> None:
    policy = content_security_policy(["'sha256-b'", "'sha256-a'", "'sha256-a'"])
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == "'self' 'sha256-a' 'sha256-b'"
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_without_a_build_only_own_files_run() -> None:
    policy = content_security_policy([])
    assert "script-src 'self';" in policy
