"""Files a screen has generated (PDF lists, CSV exports) waiting to be fetched through a
download ticket (DESIGN §1 Downloads; SPEC §11 outputs).

A list is rebuilt from data each time it is asked for (A.4: lists are not stored as files);
what is kept here is only the one output just made, for the user who made it, for a few
minutes, so 表示 and ダウンロード can each fetch it without building it twice. In process
memory, bounded in bytes (one app process; with several workers this moves to Redis)."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

KEEP_SECONDS = 600.0
MAX_TOTAL_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class PreparedFile:
    """One generated file and whose it is (contract and user: the tenant check at fetch)."""

    filename: str
    content: bytes
    media_type: str
    contract_no: str
    user_id: str


class PreparedStore:
    """Generated files by an unguessable reference, expiring, bounded in total size."""

    def __init__(self, *, keep: float = KEEP_SECONDS, max_bytes: int = MAX_TOTAL_BYTES) -> None:
        self._keep = keep
        self._max = max_bytes
        self._files: OrderedDict[str, tuple[PreparedFile, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def _drop(self, ref: str) -> None:
        found = self._files.pop(ref, None)
        if found is not None:
            self._bytes -= len(found[0].content)

    def put(self, file: PreparedFile) -> str:
        """Keep ``file``; the reference to fetch it with. The oldest files go first when the
        store is full; a file larger than the whole store is refused (ValueError)."""
        if len(file.content) > self._max:
            raise ValueError("file larger than the prepared-file store")
        ref = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            for key in [k for k, (_, exp) in self._files.items() if exp <= now]:
                self._drop(key)
            while self._files and self._bytes + len(file.content) > self._max:
                self._drop(next(iter(self._files)))
            self._files[ref] = (file, now + self._keep)
            self._bytes += len(file.content)
        return ref

    def get(self, ref: str, *, contract_no: str, user_id: str) -> PreparedFile | None:
        """The file when it is still kept and belongs to this user of this contract."""
        with self._lock:
            found = self._files.get(ref)
        if found is None or found[1] <= time.monotonic():
            return None
        file = found[0]
        if file.contract_no != contract_no or file.user_id != user_id:
            return None
        return file


_store = PreparedStore()


def store() -> PreparedStore:
    """The process's store."""
    return _store
