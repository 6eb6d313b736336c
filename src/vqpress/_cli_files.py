"""File handling of the ``vqpress`` command: output planning, all-or-nothing writes, header peeks.

The command line promises two things about files:

* an existing file is never replaced without ``--force``, and every output is checked
  before anything is written (:func:`check_targets`);
* a command that fails leaves no output behind, not even some of several files: outputs are
  written (atomically, by the library's functions) under hidden temporary names and renamed
  into place only once every one of them was written (:class:`Stage`, :class:`StageDir`).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
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


def _move(tmp: Path, final: Path, force: bool) -> None:
    from ._fileio import move_into_place

    try:
        move_into_place(tmp, final, overwrite=force, hint="use --force to replace it")
    except CLIError:
        raise
    except VQError as exc:
        raise CLIError(str(exc)) from None


class Stage:
    """Write several files under temporary names; :meth:`commit` renames them all into place.

    Use as a context manager: leaving it by an exception removes every temporary file (and
    folders it created that are still empty).
    """

    _counter = itertools.count()

    def __init__(self, force: bool) -> None:
        self.force = force
        self.pending: list[tuple[Path, Path]] = []
        self.created_dirs: list[Path] = []

    def make_dir(self, folder: Path) -> None:
        """Create ``folder`` (and parents) now; removed again on failure if still empty."""
        missing = []
        for parent in [folder, *folder.parents]:
            if parent.exists():
                break
            missing.append(parent)
        if missing:
            folder.mkdir(parents=True, exist_ok=True)
            self.created_dirs.extend(missing)  # deepest first

    def temp_for(self, final: Path) -> Path:
        """A hidden temporary name beside ``final``, with its extension (which picks the format)."""
        final = Path(final)
        tmp = final.with_name(f".{final.stem}.{os.getpid()}-{next(self._counter)}.vqpress-tmp{final.suffix}")
        self.pending.append((tmp, final))
        return tmp

    def commit(self) -> list[Path]:
        """Check again that no target appeared, then rename every file into place."""
        check_targets([f for _, f in self.pending], self.force)
        done = []
        for tmp, final in self.pending:
            _move(tmp, final, self.force)
            done.append(final)
        self.pending = []
        self.created_dirs = []
        return done

    def abort(self) -> None:
        for tmp, _ in self.pending:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
        self.pending = []
        for folder in self.created_dirs:
            try:
                folder.rmdir()
            except OSError:
                pass
        self.created_dirs = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.abort()
        return False


class StageDir(Stage):
    """A hidden temporary folder inside ``out_dir`` that a library call fills; :meth:`commit`
    moves its files (keeping their relative paths) into ``out_dir``."""

    def __init__(self, out_dir, force: bool) -> None:
        super().__init__(force)
        self.out_dir = Path(out_dir)
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise CLIError(f"{self.out_dir} is a file; -o needs a folder")
        self.make_dir(self.out_dir)
        self.path = Path(tempfile.mkdtemp(prefix=f".vqpress-{os.getpid()}-", dir=self.out_dir))

    def final_path(self, path) -> Path:
        """Where a file written inside the staging folder ends up."""
        return self.out_dir / Path(path).relative_to(self.path)

    def commit(self) -> list[Path]:
        staged = sorted(p for p in self.path.rglob("*") if p.is_file())
        self.pending = [(p, self.final_path(p)) for p in staged]
        for _, final in self.pending:
            if not final.parent.is_dir():
                self.make_dir(final.parent)
        done = super().commit()
        shutil.rmtree(self.path, ignore_errors=True)
        return done

    def abort(self) -> None:
        self.pending = []
        shutil.rmtree(self.path, ignore_errors=True)
        super().abort()


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
    """The first bytes of a file: enough for :func:`peek_header`."""
    from .container import HEADER_MAX

    with open(path, "rb") as fh:
        return fh.read(HEADER_MAX)
