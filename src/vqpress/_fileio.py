"""Safe file reading and writing.

Reading: only regular files, opened without blocking (a FIFO would hang, ``/dev/zero``
never ends), see :func:`open_regular`.

Writing: never a half-written file under the target name, never a silent overwrite, and
nothing left behind for long by a crash. A file is written in the target's folder under a
short temporary name (:data:`TMP_PREFIX`, a tag of this machine, the process id and a
random part: about 30 characters whatever the target's length, and unmistakable) and
given its name in one step when complete. A process killed meanwhile (``kill -9``, power
loss) leaves its temporary behind; the next write into that folder removes the
temporaries of processes that no longer run (:func:`clean_stale`). Failures raise
:class:`~vqpress.VQError` naming the user's file, never the temporary.

(``O_TMPFILE`` would leave nothing at all, but linking such a file into place goes
through ``/proc/self/fd``, which sandboxes such as gVisor refuse; one tested path is
worth more than two.)
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import VQError

#: Start of every temporary name vqpress uses (files and staging folders).
TMP_PREFIX = ".vqpress-tmp-"
_TMP_NAME = re.compile(re.escape(TMP_PREFIX) + r"([0-9a-f]{4})-(\d+)-[0-9a-z]{6}$")
#: A temporary of another machine (or container) whose process cannot be checked is only
#: removed once it is this old (seconds).
_FOREIGN_AGE = 24 * 3600


# ------------------------------------------------------------------------------ reading


def open_regular(path) -> BinaryIO:
    """Open ``path`` for reading in binary mode if it is a regular file.

    A FIFO, a device (``/dev/zero``), a socket or a folder is refused with a
    :class:`VQError` without blocking on it or reading it.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise VQError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise VQError(f"{path} is a folder; give a file") from None
    except OSError as exc:
        raise VQError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a folder" if stat.S_ISDIR(mode) else "a pipe (FIFO)" if stat.S_ISFIFO(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
            hint = " (on the command line, - reads standard input)" if stat.S_ISFIFO(mode) else ""
            raise VQError(f"{path} is {kind}; vqpress reads regular files only{hint}")
        if flags & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


# ------------------------------------------------------------------------------ temporaries


def _machine_tag() -> str:
    """4 hex digits naming this machine and process-id namespace: a temporary with another
    tag belongs to a process this one cannot see."""
    import hashlib
    import socket

    try:
        ns = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        ns = 0
    return hashlib.blake2s(f"{socket.gethostname()}/{ns}".encode(), digest_size=2).hexdigest()


_TAG = None
_CLEANED: set = set()


def temp_name() -> str:
    """A fresh temporary name (about 30 characters, whatever the target's length)."""
    global _TAG
    if _TAG is None:
        _TAG = _machine_tag()
    suffix = "".join(secrets.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(6))
    return f"{TMP_PREFIX}{_TAG}-{os.getpid()}-{suffix}"


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return False


def clean_stale(folder) -> list[Path]:
    """Remove the temporaries (files and staging folders) that crashed vqpress runs left in
    ``folder``; returns them. Once per folder and process; errors are ignored."""
    folder = Path(folder)
    key = os.path.abspath(folder)
    if key in _CLEANED:
        return []
    _CLEANED.add(key)
    global _TAG
    if _TAG is None:
        _TAG = _machine_tag()
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_NAME.match(entry.name)
        if not match:
            continue
        tag, pid = match.group(1), int(match.group(2))
        try:
            if tag == _TAG:
                stale = pid != os.getpid() and _process_gone(pid)
            else:
                stale = time.time() - entry.stat(follow_symlinks=False).st_mtime > _FOREIGN_AGE
            if not stale:
                continue
            if entry.is_dir(follow_symlinks=False):
                import shutil

                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


# ------------------------------------------------------------------------------ writing


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class PendingFile:
    """A file being written in ``folder`` under a :func:`temp_name`, until :meth:`link_to`
    or :meth:`replace` gives it its name. ``fh`` is the open binary file. Raises
    :class:`OSError` like :func:`open` does."""

    def __init__(self, folder) -> None:
        self.folder = Path(folder)
        clean_stale(self.folder)
        self.fh = None
        self.tmp: Path | None = None
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            while self.fh is None:
                self.tmp = self.folder / temp_name()
                try:
                    self.fh = os.fdopen(os.open(self.tmp, flags, 0o666 & ~_umask()), "wb")
                except FileExistsError:
                    continue
        except BaseException:  # Ctrl-C or SIGTERM right after the file was made: no leftover
            self.discard()
            raise

    @classmethod
    def adopt(cls, path) -> PendingFile:
        """A finished file that something else wrote at ``path`` (a temporary place)."""
        self = cls.__new__(cls)
        self.folder, self.tmp, self.fh = Path(path).parent, Path(path), None
        return self

    def _finish(self) -> Path:
        if self.fh is not None and not self.fh.closed:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
        return self.tmp

    def link_to(self, path: Path) -> None:
        """Give the finished file the name ``path``; fails (``FileExistsError``) if it
        exists, even if it appeared a moment ago (a hard link never replaces)."""
        tmp = self._finish()
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # file systems without hard links: rename, after a last look
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, "File exists", str(path)) from None
            os.rename(tmp, path)
        else:
            os.unlink(tmp)
        self.tmp = None

    def replace(self, path: Path) -> None:
        """Give the finished file the name ``path``, replacing what has it (atomically)."""
        os.replace(self._finish(), path)
        self.tmp = None

    def discard(self) -> None:
        """Drop the file (nothing remains of it)."""
        try:
            if self.fh is not None:
                self.fh.close()
        except OSError:
            pass
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:  # not made yet, or gone
                pass
            self.tmp = None


def write_error(path, exc: OSError) -> VQError:
    """A :class:`VQError` for a failed write of ``path`` that names it (not a temporary)."""
    reason = exc.strerror or str(exc)
    hint = {errno.ENOSPC: " (the disk is full)", errno.EROFS: " (read-only file system)",
            errno.EACCES: " (no permission to write in its folder)", errno.EPERM: " (not permitted)",
            errno.EDQUOT: " (disk quota exceeded)"}.get(exc.errno, "")
    return VQError(f"cannot write {path}: {reason}{hint}")


def check_target(path: Path, *, overwrite: bool) -> Path:
    """The checks before writing ``path``: not a folder, not existing (unless
    ``overwrite``), in a folder that exists. Returns its folder."""
    if path.is_dir():
        raise VQError(f"{path} is a folder; give a file name")
    if not overwrite and os.path.lexists(path):
        raise VQError(f"{path} exists; pass overwrite=True (--force on the command line) to replace it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise VQError(f"folder {folder} does not exist")
    return folder


def atomic_write(path, write: Callable[[BinaryIO], None], *, overwrite: bool = False) -> Path:
    """Write a file through ``write(fh)``, then give it its name in one step.

    An existing target is an error unless ``overwrite`` is true. If ``write`` raises,
    nothing remains; an :class:`OSError` (full disk, read-only folder) becomes a
    :class:`VQError` naming ``path``.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    folder = check_target(path, overwrite=overwrite)
    try:
        pending = PendingFile(folder)
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        write(pending.fh)
        if overwrite:
            pending.replace(path)
        else:
            pending.link_to(path)
    except FileExistsError:
        pending.discard()
        raise VQError(f"{path} exists; pass overwrite=True (--force on the command line) to replace it") from None
    except OSError as exc:
        pending.discard()
        raise write_error(path, exc) from None
    except BaseException:
        pending.discard()
        raise
    return path


def atomic_write_bytes(path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda fh: fh.write(data), overwrite=overwrite)
