"""Safe file writing: never a half-written file under the target name, never a silent overwrite."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import VQError


def atomic_write(path, write: Callable[[BinaryIO], None], *, overwrite: bool = False) -> Path:
    """Write a file through ``write(fh)`` into a temporary file, then rename it into place.

    The temporary file lives in the target's folder (so the rename is atomic) and is removed
    if ``write`` raises. An existing target is an error unless ``overwrite`` is true.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    if path.is_dir():
        raise VQError(f"{path} is a directory; give a file name")
    if not overwrite and path.exists():
        raise VQError(f"{path} exists; pass overwrite=True (--force on the command line) to replace it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise VQError(f"folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file private (0600); give it the permissions open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        move_into_place(tmp, path, overwrite=overwrite)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def move_into_place(tmp, path, *, overwrite: bool, hint: str = "pass overwrite=True to replace it") -> None:
    """Rename the finished file ``tmp`` to ``path``.

    Without ``overwrite``, a ``path`` that exists (even one that appeared a moment ago) is
    refused with ``VQError(f"{path} exists; {hint}")``: the file is hard-linked into place,
    which fails rather than replaces, so there is no window in which a file is lost.
    """
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise VQError(f"{path} exists; {hint}") from None
    except OSError:  # file systems without hard links
        if os.path.exists(path):
            raise VQError(f"{path} exists; {hint}") from None
        os.replace(tmp, path)
    else:
        os.unlink(tmp)


def atomic_write_bytes(path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda fh: fh.write(data), overwrite=overwrite)
