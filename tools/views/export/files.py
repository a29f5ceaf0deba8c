"""Where export files go: always new files, always inside the export folder.

* Names come from the job id and the time, reduced to ``[A-Za-z0-9_-]``: nothing a caller or a
  provider sends can add a separator, ``..`` or a drive letter.
* Every file is created with ``O_CREAT | O_EXCL``: an existing file (or a symlink planted under
  that name) is never opened, so nothing is ever overwritten; a taken name gets a ``-2``, ``-3``
  … suffix. A multi-file export reserves all its names under one suffix.
* The resolved parent of every path is checked against the resolved folder before anything is
  written; a file that fails half-way is removed, so a partial export never looks complete.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ...errors import InvalidInput

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
MAX_TRIES = 1000


def safe_part(value: str, limit: int = 60) -> str:
    """A file-name fragment: runs of anything but letters, digits, ``_`` and ``-`` become ``_``."""
    cleaned = _UNSAFE.sub("_", value).strip("_")[:limit]
    return cleaned or "x"


def prepare_folder(folder: Path) -> Path:
    """The resolved export folder, created if missing (``InvalidInput`` if it cannot be)."""
    try:
        folder = folder.expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        resolved = folder.resolve(strict=True)
    except OSError as exc:
        raise InvalidInput(
            f"The export folder cannot be created or opened ({exc.strerror or type(exc).__name__}). "
            "Set SURVEY_JOBS_EXPORT_DIR to a writable folder and restart the server."
        ) from None
    if not resolved.is_dir():
        raise InvalidInput("SURVEY_JOBS_EXPORT_DIR is not a folder; point it at a writable folder.")
    return resolved


def _inside(folder: Path, name: str) -> Path:
    path = folder / name
    if path.parent.resolve() != folder or Path(name).name != name:
        raise InvalidInput("refusing to write outside the export folder")  # unreachable with safe names
    return path


@contextmanager
def reserved(folder: Path, names: list[str]) -> Iterator[list[tuple[Path, BinaryIO]]]:
    """Create every file in ``names`` exclusively (one shared suffix on a clash); remove them on error."""
    for attempt in range(1, MAX_TRIES + 1):
        suffix = "" if attempt == 1 else f"-{attempt}"
        opened: list[tuple[Path, BinaryIO]] = []
        try:
            for name in names:
                stem, dot, ext = name.rpartition(".")
                path = _inside(folder, f"{stem}{suffix}{dot}{ext}")
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
                opened.append((path, os.fdopen(fd, "wb")))
        except FileExistsError:
            _discard(opened)
            continue
        except BaseException:
            _discard(opened)
            raise
        try:
            yield opened
        except BaseException:
            _discard(opened)
            raise
        for _, fh in opened:
            fh.close()
        return
    raise InvalidInput("could not find a free file name in the export folder; clean it up and try again")


def _discard(opened: list[tuple[Path, BinaryIO]]) -> None:
    for path, fh in opened:
        try:
            fh.close()
        finally:
            path.unlink(missing_ok=True)
