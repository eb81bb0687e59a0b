"""`chingin build`: the front end, built once per release (SPEC R-DEP-2).

The build runs Reflex's own ``reflex export --frontend-only --no-zip --env prod`` (compile the
pages, then ``npm run export``) into the data dir's ``web`` directory; it needs neither the
database nor the CAs (the app module opens neither on import). It is the one step that needs
Node and the npm registry (or npm's cache). Afterwards the build's inline scripts are hashed
for the CSP (``proxy.csp``) and a stamp is written beside it.

A build is tied to two things, both in its stamp: the public URL (``CHINGIN_BASE_URL``; Reflex
writes the websocket, upload and ping URLs into the compiled ``env.json`` as absolute URLs, so
a build made for another URL cannot connect) and the code (a digest of the app's sources,
``rxconfig.py``, ``assets/`` and the Reflex version). Production refuses to start on a build
that is missing or made for another URL or other code, naming ``chingin build``; outside
production ``chingin serve`` builds when that is so (R-DEP-2, issue 11 item 4).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Final

from chingin_app.proxy.csp import inline_script_hashes
from chingin_app.runtime.app_process import reflex_env
from chingin_app.runtime.private_files import make_private_dir, secure_tree
from chingin_app.settings import PROJECT_ROOT, Settings

__all__ = [
    "STAMP_NAME",
    "BuildError",
    "BuildStamp",
    "build_front_end",
    "build_problem",
    "read_stamp",
    "source_digest",
    "write_stamp",
]

STAMP_NAME: Final = "chingin-build.json"
_SOURCES: Final = (("chingin_app", "*.py"), ("pki", "*.py"), ("assets", "*"))
_BUILD_CLIENT: Final = Path("build") / "client"


class BuildError(RuntimeError):
    """Reflex's export failed (its own output says why)."""


@dataclass(frozen=True)
class BuildStamp:
    """What a build was made for, and the CSP hashes of its inline scripts."""

    base_url: str
    source: str
    script_hashes: tuple[str, ...]
    built_at: str


def source_digest(root: Path = PROJECT_ROOT) -> str:
    """A digest of everything the compiled front end depends on."""
    digest = hashlib.sha256()
    digest.update(metadata.version("reflex").encode())
    files = [root / "rxconfig.py"]
    for directory, pattern in _SOURCES:
        files += [p for p in (root / directory).rglob(pattern) if p.is_file()]
    for path in sorted(files):
        if "__pycache__" in path.parts or not path.exists():
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_stamp(s: Settings) -> BuildStamp | None:
    """The stamp of the build in the data dir, or None when there is no finished build."""
    try:
        raw = json.loads((s.web_dir / STAMP_NAME).read_text(encoding="utf-8"))
        return BuildStamp(
            base_url=str(raw["base_url"]), source=str(raw["source"]),
            script_hashes=tuple(str(h) for h in raw["script_hashes"]),
            built_at=str(raw["built_at"]),
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def build_problem(s: Settings, stamp: BuildStamp | None = None) -> str | None:
    """Why the data dir's build cannot serve these settings and this code (None: it can)."""
    stamp = stamp or read_stamp(s)
    if stamp is None or not (s.web_dir / _BUILD_CLIENT / "index.html").exists():
        return f"フロントエンドのビルドがありません（{s.web_dir}）。"
    if stamp.base_url != s.base_url:
        return (
            f"フロントエンドは別の公開URL（{stamp.base_url}）向けにビルドされています"
            f"（CHINGIN_BASE_URL は {s.base_url}）。"
        )
    if stamp.source != source_digest():
        return "フロントエンドのビルドがこのリリースのコードと一致しません。"
    return None


def _hash_inline_scripts(client_dir: Path) -> tuple[str, ...]:
    found: set[str] = set()
    for page in client_dir.rglob("*.html"):
        found |= inline_script_hashes(page.read_text(encoding="utf-8"))
    return tuple(sorted(found))


def build_front_end(s: Settings) -> BuildStamp:
    """Compile and build the front end into ``s.web_dir`` for ``s.base_url`` (R-DEP-2), hash
    its inline scripts, make every file private (R-SEC-5) and write the stamp last, so an
    interrupted build is never taken for a finished one. Raises BuildError."""
    make_private_dir(s.data_dir)
    (s.web_dir / STAMP_NAME).unlink(missing_ok=True)
    reflex = str(Path(sys.executable).parent / "reflex")
    result = subprocess.run(
        [reflex, "export", "--frontend-only", "--no-zip", "--env", "prod"],
        cwd=PROJECT_ROOT, env=reflex_env(s), check=False,
    )
    client_dir = s.web_dir / _BUILD_CLIENT
    if result.returncode != 0 or not (client_dir / "index.html").exists():
        raise BuildError(f"reflex export failed with exit status {result.returncode}")
    stamp = BuildStamp(
        base_url=s.base_url, source=source_digest(),
        script_hashes=_hash_inline_scripts(client_dir),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    secure_tree(s.data_dir)
    write_stamp(s, stamp)
    return stamp


def write_stamp(s: Settings, stamp: BuildStamp) -> None:
    """Record what the build in ``s.web_dir`` was made for (mode 0600)."""
    fd = os.open(s.web_dir / STAMP_NAME, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(stamp.__dict__ | {"script_hashes": list(stamp.script_hashes)}, f, indent=1)
