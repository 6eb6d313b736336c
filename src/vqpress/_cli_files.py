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

def check_vqz_options(args, outputs, what: str) -> None:
    """Refuse ``--coding``, ``--effort`` and ``--exact-centers`` when none of ``outputs`` (paths,
    None for standard output, which is .vqz) is a ``.vqz`` file: they would be ignored.
    ``what`` says so of the outputs: ``"x.png is not one"``."""
    given = [option for option, used in [("--coding", args.coding != "auto"), ("--effort", args.effort is not None),
                                         ("--exact-centers", args.exact_centers)] if used]
    if given and outputs and all(out is not None and Path(out).suffix.lower() != ".vqz" for out in outputs):
        names = given[0] if len(given) == 1 else f"{', '.join(given[:-1])} and {given[-1]}"
        raise CLIError(f"{names} {'sets' if len(given) == 1 else 'set'} how a .vqz file is written; "
                       f"{what} (drop {'it' if len(given) == 1 else 'them'}, or write .vqz)")


#: File extensions ``vqpress compress FOLDER`` picks up (case-insensitive).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif", ".pgm", ".ppm", ".pnm",
                  ".jxl", ".npy")


class CLIError(VQError):
    """A failure the command reports as one line (exit status 1)."""


def in_file(path, exc) -> CLIError:
    """``exc``'s message prefixed with ``path`` unless it names the file already."""
    msg = str(exc)
    return CLIError(msg if str(path) in msg else f"{path}: {msg}")


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


def vqz_in(folder: Path) -> list[Path]:
    """The ``.vqz`` files directly inside ``folder`` (not recursive, as ``compress`` writes
    them), sorted by name."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".vqz")
    if not files:
        raise CLIError(f"no .vqz files in folder {folder}")
    return files


def expand(paths, listing) -> list[Path]:
    """The files of ``paths``: a file as it is, a folder as ``listing(folder)``."""
    out = []
    for path in paths:
        out.extend(listing(path) if path.is_dir() else [path])
    return out


def is_vqz(path: Path) -> bool:
    """Whether the file starts like a ``.vqz`` file (its magic bytes)."""
    from ._fileio import open_regular
    from .container import MAGIC

    try:
        with open_regular(path) as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except VQError:
        return False  # reading it fails later, with its own message


#: The name of standard input and output on the command line.
STDIO = "-"


def check_parent(target: Path) -> None:
    """The folder of a single output must exist (``-o new/x.vqz`` is no way to make one)."""
    if not target.parent.is_dir():
        raise CLIError(f"folder {target.parent} does not exist (for {target})")


def names_folder(out) -> bool:
    """Whether ``-o out`` names a folder: an existing one, or any path ending in a slash."""
    if out is None or out == STDIO:
        return False
    return Path(out).is_dir() or out.endswith(("/", os.sep))


def read_stdin(what: str) -> bytes:
    """Everything on standard input (``what`` names its expected content in the error when
    standard input is a terminal)."""
    import sys

    if sys.stdin is None or sys.stdin.isatty():
        raise CLIError(f"- reads {what} from standard input, which is a terminal; pipe or redirect it "
                       "(vqpress ... - < file)")
    return sys.stdin.buffer.read()


def write_stdout(data: bytes, what: str) -> None:
    """``data`` on standard output, unless that is a terminal (binary data would garble it)."""
    import sys

    check_stdout(what)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def check_stdout(what: str) -> None:
    """Refuse early (before any work) to write binary data to a terminal."""
    import sys

    if sys.stdout.isatty():
        raise CLIError(f"-o - writes {what} to standard output, which is a terminal; redirect it (> file) "
                       "or give -o FILE")


def check_targets(targets, force: bool, sources=None, replaceable=frozenset()) -> None:
    """Refuse duplicate outputs, and existing ones unless ``force`` (or they are in
    ``replaceable``: files the command itself wrote before); nothing is written here."""
    seen: dict[Path, int] = {}
    for k, target in enumerate(targets):
        key = Path(os.path.abspath(target))
        if key in seen:
            which = f"{sources[seen[key]]} and {sources[k]}" if sources else "two inputs"
            raise CLIError(f"{which} would both be written to {target}; rename one of them (each output is "
                           "named after its input)")
        seen[key] = k
    for target in targets:
        if Path(target).is_dir():
            raise CLIError(f"{target} is a folder; give a file name")
    if force:
        return
    existing = [str(t) for t in targets if Path(t).exists() and Path(t) not in replaceable]
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

    def __init__(self, force: bool, replaceable=frozenset()) -> None:
        self.force = force
        #: outputs that may replace an existing file without ``force`` (the command's own)
        self.replaceable = frozenset(Path(p) for p in replaceable)
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

        check_targets([f for _, f in self.pending], self.force, replaceable=self.replaceable)
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
                if self.force or (final in self.replaceable and os.path.lexists(final)):
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

    def __init__(self, out_dir, force: bool, replaceable=frozenset()) -> None:
        from ._fileio import clean_stale, temp_name

        super().__init__(force, replaceable)
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

    Returns ``version``, ``codebook_form`` (0 float64, 1 in the image's dtype, 2 Rice-coded), ``dtype``
    (numpy dtype), ``shape`` (tuple), ``channels``,
    ``n_colors``, ``coding`` (``"raw"``, ``"context"`` or ``"cm"``), ``payload_bytes`` (None for
    codebook form 2, whose length is in the body) and ``strategy``.
    Raises :class:`FormatError` when the header is damaged; :func:`vqpress.from_bytes` checks
    the rest.
    """
    from .container import read_header

    head = read_header(data)
    return {
        "version": head.version,
        "codebook_form": head.codebook_form,
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
