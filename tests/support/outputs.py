"""Running an output screen's PDF出力 / CSV出力 in an integration test and reading what it made
(the shared output pattern, ``state/outputs.py``): the background event run to its end, the
prepared file fetched as its owner would, a PDF's text through ``pdftotext`` and a CSV's rows."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
from pathlib import Path
from typing import Any

from chingin_app.services import prepared_files
from chingin_app.services.prepared_files import PreparedFile


def run_make_output(state: Any) -> Any:
    """The background event PDF出力 / CSV出力 run to its end, as Reflex runs it (a background
    task cannot be called directly; on a plain state ``async with self`` is a no-op)."""
    return asyncio.run(type(state).event_handlers["make_output"].fn(state))


def made_file(state: Any, *, contract_no: str, user_id: str) -> PreparedFile:
    """PDF出力 / CSV出力 and the file it offers to its user."""
    run_make_output(state)
    assert state.output_error == "" and not state.output_running, state.output_error
    assert state.output_percent == 100 and state.output_name
    found = prepared_files.store().get(state._output_ref, contract_no=contract_no,
                                       user_id=user_id)
    assert found is not None and found.filename == state.output_name
    return found


def pdf_text(tmp_path: Path, data: bytes) -> str:
    """The PDF's text, laid out as printed."""
    assert data.startswith(b"%PDF-")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def csv_rows(data: bytes, encoding: str = "cp932") -> list[list[str]]:
    """A CSV export's rows (CRLF only, as A.2 writes it)."""
    text = data.decode(encoding)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))
