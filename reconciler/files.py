"""Writing the user's files: whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, text: str | bytes) -> None:
    """Replace (or create) ``path`` with ``text`` (UTF-8, line ends as given; or bytes) in one step; an
    existing file keeps its permissions, a new one gets the usual ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_often(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` for a file rewritten on every change (a sandbox's state).

    ext4 flushes a file renamed over an existing one to disk at once (its "replace via rename" safeguard),
    which made every sandbox write cost 5 ms or more; removing the old file first avoids that. Should the
    process die between the two steps, ``pending(path)`` holds the new content and ``read_often`` uses it.
    """
    tmp = pending(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(data)
    path.unlink(missing_ok=True)
    os.replace(tmp, path)


def pending(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def read_often(path: Path) -> bytes | None:
    """What ``write_often`` last wrote to ``path`` in full; None when it never did."""
    for candidate in (path, pending(path)):
        try:
            return candidate.read_bytes()
        except FileNotFoundError:
            continue
    return None
