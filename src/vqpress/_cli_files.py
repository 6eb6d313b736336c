"""File handling of the ``vqpress`` command: output planning, all-or-nothing writes, header peeks.

The command line promises two things about files:

* an existing file is never replaced without ``--force``, and every output is checked
  before anything is written (:func:`check_targets`);
* a command that fails leaves no output behind, not even some of several files: outputs are
  written under short temporary names and given their names only once every one of them
  was written (:class:`Stage`, :class:`StageDir`); the folders they need are made then too.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import VQError

#: File extensions ``vqpress compress FOLDER`` picks up (case-insensitive).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif", ".pgm", ".ppm", ".pnm")


class CLIError(VQError):
    """A failure the command reports as one line (exit status 1)."""


def existing_inputs(paths) -> list[Path]:
    """The input paths, each checked to exist (file or folder)."""
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise CLIError(f"no such file: {path}")
        out.append(path)
    return out


def images_in(folder: Path) -> list[Path]:
    """Image files directly inside ``folder`` (not recursive), sorted by name."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise CLIError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in folder {folder}")
    return files


def check_targets(targets, force: bool, sources=None) -> None:
    """Refuse duplicate outputs, and existing ones unless ``force``; nothing is written here."""
    seen: dict[Path, int] = {}
    for k, target in enumerate(targets):
        key = Path(os.path.abspath(target))
        if key in seen:
            which = f"{sources[seen[key]]} and {sources[k]}" if sources else "two inputs"
            raise CLIError(f"{which} would both be written to {target}; give distinct names or use -o")
        seen[key] = k
    for target in targets:
        if Path(target).is_dir():
            raise CLIError(f"{target} is a folder; give a file name")
    if force:
        return
    existing = [str(t) for t in targets if Path(t).exists()]
    if len(existing) == 1:
        raise CLIError(f"{existing[0]} exists; use --force to replace it")
    if existing:
        raise CLIError(f"{existing[0]} and {len(existing) - 1} more output(s) exist; use --force to replace them")


def _existing_ancestor(folder: Path) -> Path:
    for parent in [folder, *folder.parents]:
        if parent.is_dir():
            return parent
    return Path(".")  # pragma: no cover - a relative path's last parent is "."


class Stage:
    """Write several files unseen; :meth:`commit` gives them all their names, or none.

    Each file is written under a temporary name (:func:`vqpress._fileio.temp_name`) in the
    nearest existing folder of its target, and the folders an output needs are only made
    at :meth:`commit`, so a run that fails or is killed leaves no output and no empty
    folder (a killed one leaves temporaries that the next run into that folder removes).
    Use as a context manager: leaving it by an exception drops every pending file.
    """

    def __init__(self, force: bool) -> None:
        self.force = force
        self.pending: list = []  # (PendingFile, final path)

    def add(self, final, write) -> int:
        """Write the future ``final`` through ``write(fh)``; returns its size in bytes."""
        from ._fileio import PendingFile, write_error

        final = Path(final)
        pending = None
        try:
            pending = PendingFile(_existing_ancestor(final.parent))
            self.pending.append((pending, final))  # from here on, abort() drops it
            write(pending.fh)
            return pending.fh.tell()
        except BaseException as exc:
            if pending is not None:
                pending.discard()
            if isinstance(exc, OSError):
                raise CLIError(str(write_error(final, exc))) from None
            raise

    def commit(self) -> list[Path]:
        """Check again that no target appeared, make the folders, then name every file.

        If naming one fails, the outputs named before it are removed again (nothing was
        written), except files that replaced existing ones (``--force``), which cannot be
        brought back: the error then lists them.
        """
        from ._fileio import write_error

        check_targets([f for _, f in self.pending], self.force)
        created_dirs: list[Path] = []
        done: list[tuple[Path, bool]] = []  # (path, replaced an existing file)
        current = None
        try:
            for pending, final in self.pending:
                current = final
                missing = [p for p in [final.parent, *final.parent.parents] if not p.exists()]
                for folder in reversed(missing):
                    folder.mkdir()
                    created_dirs.append(folder)
                if self.force:
                    existed = os.path.lexists(final)
                    pending.replace(final)
                else:
                    existed = False
                    pending.link_to(final)
                done.append((final, existed))
        except BaseException as exc:  # Ctrl-C or SIGTERM too: take back what was named
            if not isinstance(exc, (OSError, VQError)):
                self._roll_back(done, created_dirs)
                raise
            if isinstance(exc, FileExistsError):
                reason = f"{current} appeared meanwhile; use --force to replace it"
            elif isinstance(exc, OSError):
                reason = str(write_error(current, exc))
            else:
                reason = str(exc)
            kept = self._roll_back(done, created_dirs)
            if not kept:
                raise CLIError(f"{reason}; no output was written") from None
            listed = ", ".join(map(str, kept))
            raise CLIError(f"{reason}; {listed} had already replaced the existing file(s) (--force) "
                           "and cannot be restored; no other output was written") from None
        self.pending = []
        return [final for final, _ in done]

    def _roll_back(self, done, created_dirs) -> list[Path]:
        """Undo a failed commit as far as possible; returns the outputs that stay."""
        kept = []
        for final, replaced in done:
            if replaced:
                kept.append(final)
                continue
            try:
                final.unlink()
            except OSError:
                kept.append(final)
        self.abort()
        for folder in reversed(created_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        return kept

    def abort(self) -> None:
        for pending, _ in self.pending:
            pending.discard()
        self.pending = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.abort()
        return False


class StageDir(Stage):
    """A temporary folder that a library call fills; :meth:`commit` moves its files
    (keeping their relative paths) into ``out_dir``, all or none, as :class:`Stage` does.

    The folder is made beside ``out_dir`` (in its nearest existing folder), so that
    ``out_dir`` itself is only made if the command succeeds.
    """

    def __init__(self, out_dir, force: bool) -> None:
        from ._fileio import clean_stale, temp_name

        super().__init__(force)
        self.out_dir = Path(out_dir)
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise CLIError(f"{self.out_dir} is a file; -o needs a folder")
        base = _existing_ancestor(self.out_dir)
        clean_stale(base)
        self.path = base / temp_name()
        try:
            self.path.mkdir()
        except OSError as exc:
            from ._fileio import write_error

            raise CLIError(str(write_error(self.out_dir, exc))) from None

    def final_path(self, path) -> Path:
        """Where a file written inside the staging folder ends up."""
        return self.out_dir / Path(path).relative_to(self.path)

    def commit(self) -> list[Path]:
        from ._fileio import PendingFile

        staged = sorted(p for p in self.path.rglob("*") if p.is_file())
        self.pending = [(PendingFile.adopt(p), self.final_path(p)) for p in staged]
        try:
            return super().commit()
        finally:
            shutil.rmtree(self.path, ignore_errors=True)

    def abort(self) -> None:
        super().abort()
        shutil.rmtree(self.path, ignore_errors=True)


def peek_header(data: bytes) -> dict:
    """The header fields of a ``.vqz`` byte string (checked, CRC included), as a dict.

    Returns ``version``, ``dtype`` (numpy dtype), ``shape`` (tuple), ``channels``,
    ``n_colors``, ``coding`` (``"raw"``, ``"context"`` or ``"cm"``), ``payload_bytes`` and ``strategy``.
    Raises :class:`FormatError` when the header is damaged; :func:`vqpress.from_bytes` checks
    the rest.
    """
    from .container import read_header

    head = read_header(data)
    return {
        "version": head.version,
        "dtype": head.dtype,
        "shape": head.shape,
        "channels": head.channels,
        "n_colors": head.n_colors,
        "coding": head.coding,
        "payload_bytes": head.payload_len,
        "strategy": head.strategy,
    }


def read_head(path: Path) -> bytes:
    """The first bytes of a regular file: enough for :func:`peek_header`."""
    from ._fileio import open_regular
    from .container import HEADER_MAX

    with open_regular(path) as fh:
        return fh.read(HEADER_MAX)
