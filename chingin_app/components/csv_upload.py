"""Choosing one CSV file to read (R-PLUS-1 照合, RL-10 インポート): the drop zone with the
chosen name, what the file may be, and the button that streams it to the screen's handler
(read in memory there, ``state/uploads.read_one_upload``)."""

from __future__ import annotations

from typing import Any

import reflex as rx


def csv_upload(
    *,
    title: str,
    upload_id: str,
    max_bytes: int,
    note: str,
    button: str,
    on_read: Any,  # the screen's background handler taking the upload chunks
    busy: Any,  # the state's busy var
    disabled: Any = False,  # a bool var of the state (e.g. no request to compare with)
    on_pick: bool = False,
) -> rx.Component:
    """「title」, the drop zone (one .csv, at most ``max_bytes``), ``note`` and ``button``;
    with ``on_pick`` the file is read as soon as it is picked or dropped (no ``button``: one
    interaction fewer, 今月の控除)."""
    send = on_read(rx.upload_files_chunk(upload_id=upload_id))
    extra: dict[str, Any] = {"on_drop": send} if on_pick else {}
    zone = rx.upload(
        rx.vstack(
            rx.button("ファイルを選択", type="button", variant="outline"),
            rx.text(f"ここにCSVファイルをドラッグすることもできます"
                    f"（{max_bytes // (1024 * 1024)}MBまで）。", size="2"),
            rx.foreach(rx.selected_files(upload_id),
                       lambda name: rx.text(name, data_testid="selected-file")),
            align="start", spacing="2",
        ),
        # The drop zone is focusable (Enter / Space opens the file chooser): name it.
        aria_label=title,
        id=upload_id, multiple=False, max_files=1, max_size=max_bytes,
        accept={"text/csv": [".csv"], "text/plain": [".csv", ".txt"]},
        border="1px dashed var(--gray-8)", padding="16px", border_radius="6px",
        **extra,
    )
    _name_file_input(zone, title)
    return rx.box(
        rx.text(title, weight="bold"),
        zone,
        rx.text(note, size="2", margin_y="8px"),
        rx.cond(busy, rx.text("照合中です…", role="status", size="2")) if on_pick
        else rx.button(button, size="3", loading=busy, disabled=busy | disabled,
                       on_click=send),
        margin_bottom="16px",
    )


def _name_file_input(zone: rx.Component, title: str) -> None:
    """Name the drop zone's hidden ``<input type=file>`` (Reflex builds it without a label;
    axe-core and screen readers found an unnamed control, issue 14 item 10)."""
    stack = [zone]
    while stack:
        node = stack.pop()
        if getattr(node, "tag", None) == "input":
            node.custom_attrs["aria-label"] = title
            return
        stack.extend(getattr(node, "children", []))
    raise AssertionError("rx.upload has no file input")  # Reflex changed: keep the name
