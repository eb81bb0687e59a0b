"""Reading an uploaded file in memory (DESIGN §1: uploads are never written to disk), cut off
one byte past the limit so the reader can refuse it without reading the rest."""

from __future__ import annotations

from typing import Any

import reflex as rx


async def read_one_upload(chunks: Any, max_bytes: int) -> tuple[bytes, str] | None:
    """(the bytes, at most ``max_bytes`` + 1, and the file name cut to 100 characters) of the
    one file sent; None when not exactly one file came (a crafted frame may send anything)."""
    data = bytearray()
    names: set[str] = set()
    if isinstance(chunks, rx.UploadChunkIterator):
        async for chunk in chunks:
            names.add(chunk.filename)
            data.extend(chunk.data[: max_bytes + 1 - len(data)])
            if len(data) > max_bytes:
                break
    if len(names) != 1:
        return None
    return bytes(data), next(iter(names))[:100]
