"""Files at rest are the service user's only (SPEC R-SEC-5): 0700 directories, 0600 files,
whatever the umask of the shell that started a command.

Every ``chingin`` command sets ``PRIVATE_UMASK`` before it does anything, so what it and its
children (nginx, the app, npm) create is private. Reflex copies its front-end templates with
their packaged modes (0644/0755) and writes one marker file 0644 on purpose, so the data dir
is also swept after a build and at every start (``secure_tree``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

__all__ = ["PRIVATE_UMASK", "make_private_dir", "secure_tree"]

#: Group and others get nothing (R-SEC-5).
PRIVATE_UMASK: Final = 0o077


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) as 0700, and make an existing one 0700 too."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o700)


def secure_tree(root: Path) -> int:
    """Take group and other permissions off everything under ``root`` that this user owns
    (the owner's own bits stay: npm's scripts keep their execute bit). Symbolic links are not
    followed. Returns how many entries were changed."""
    if not root.exists():
        return 0
    me = os.geteuid()

    def private(name: str) -> bool:
        info = os.lstat(name)
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode) or info.st_uid != me or not mode & 0o077:
            return False
        os.chmod(name, mode & 0o700)
        return True

    changed = int(private(str(root)))
    for directory, dirs, files in os.walk(root):
        changed += sum(private(os.path.join(directory, n)) for n in (*dirs, *files))
    return changed
