"""Files a screen has generated (PDF lists, CSV exports) waiting to be fetched through a
download ticket (DESIGN §1 Downloads; SPEC §11 outputs).

A list is rebuilt from data each time it is asked for (A.4: lists are not stored as files);
what is kept here is only the one output just made, for the user who made it, for a few
minutes, so 表示 and ダウンロード can each fetch it without building it twice. Kept in the
shared store (``services.stores``: process memory, or Redis with several workers, R-DEP-4),
capped in bytes: the oldest files leave first when it is full."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Final

from chingin_app.services.stores import SharedStore, shared

__all__ = ["KEEP_SECONDS", "MAX_TOTAL_BYTES", "PreparedFile", "PreparedStore", "store"]

KEEP_SECONDS: Final = 600.0
MAX_TOTAL_BYTES: Final = 256 * 1024 * 1024

#: The store's pool the files share (and its byte cap).
_POOL: Final = "prepared"


@dataclass(frozen=True)
class PreparedFile:
    """One generated file and whose it is (contract and user: the tenant check at fetch)."""

    filename: str
    content: bytes
    media_type: str
    contract_no: str
    user_id: str


def _encode(file: PreparedFile) -> bytes:
    """One JSON line with the facts, then the content as is (JSON never holds a raw newline)."""
    head = {"filename": file.filename, "media_type": file.media_type,
            "contract_no": file.contract_no, "user_id": file.user_id}
    return json.dumps(head, ensure_ascii=False).encode("utf-8") + b"\n" + file.content


def _decode(blob: bytes) -> PreparedFile:
    head, _, content = blob.partition(b"\n")
    return PreparedFile(content=content, **json.loads(head))


class PreparedStore:
    """Generated files by an unguessable reference, expiring, bounded in total size.

    ``backend`` is for tests; by default the process's shared store is looked up at each use."""

    def __init__(
        self,
        *,
        keep: float = KEEP_SECONDS,
        max_bytes: int = MAX_TOTAL_BYTES,
        backend: SharedStore | None = None,
    ) -> None:
        self._keep = keep
        self._max = max_bytes
        self._backend = backend

    def _store(self) -> SharedStore:
        return self._backend if self._backend is not None else shared()

    def put(self, file: PreparedFile) -> str:
        """Keep ``file``; the reference to fetch it with. The oldest files go first when the
        store is full; a file larger than the whole store is refused (ValueError)."""
        ref = secrets.token_urlsafe(16)
        self._store().put_capped(_POOL, ref, _encode(file), ttl=self._keep, max_bytes=self._max)
        return ref

    def get(self, ref: str, *, contract_no: str, user_id: str) -> PreparedFile | None:
        """The file when it is still kept and belongs to this user of this contract."""
        found = self._store().get_capped(_POOL, ref)
        if found is None:
            return None
        file = _decode(found)
        if file.contract_no != contract_no or file.user_id != user_id:
            return None
        return file


_store = PreparedStore()


def store() -> PreparedStore:
    """The process's store."""
    return _store
