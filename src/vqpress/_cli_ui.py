"""Terminal output of the ``vqpress`` command: tables, progress, messages.

Uses rich (the ``cli`` extra) when it is installed and falls back to plain text otherwise.
Tables and summaries go to stdout; progress goes to stderr, so ``vqpress info x.vqz > out``
captures only the results. ``quiet`` silences everything here (errors are printed by
:func:`vqpress.cli.main`, not by this module).
"""

from __future__ import annotations

import contextlib
import re
import sys
import time

#: A number and the unit after it (or the measure before it), which prose (``UI.wrapped``)
#: and folded field values (``UI.fields``) never put on two lines.
_UNIT = re.compile(r"(\d) (dB|bytes|bits/pixel|MPix/s|pixels|levels|colours|strips?)\b|\b(PSNR|ratio) (\d)")


def _wrap_keeping_units(text: str, width: int, **kw) -> list[str]:
    """textwrap.wrap of ``text`` that never parts a number from its unit ("33.76 dB", "1 strip")."""
    import textwrap

    kept = _UNIT.sub(lambda m: m[0].replace(" ", "\u00a0"), text)
    return [line.replace("\u00a0", " ") for line in textwrap.wrap(kept, width, break_long_words=False,
                                                                  break_on_hyphens=False, **kw)]


def _load_rich():
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every non-printable character escaped (``\\x1b``, ``\\u202e``, ...), so
    that a file name or a file's contents cannot send control sequences to the terminal."""
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or (keep_newlines and ch == "\n"):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def one_line(text: str) -> str:
    """``text`` on one line, with only printable characters (see :func:`printable`)."""
    return printable(" ".join(str(text).split()))


def error_message(exc: BaseException, debug: bool) -> str:
    """What the CLI prints for a failure: a :class:`~vqpress.VQError`'s own words, an install
    hint for a missing optional module, the system's words for an OSError, or "a bug"."""
    from .errors import VQError

    if isinstance(exc, VQError):
        return str(exc)
    if isinstance(exc, ImportError):
        extra = {"matplotlib": "plot", "rich": "cli", "sklearn": "sklearn", "dask": "dask", "distributed": "dask",
                 "zarr": "dask", "numcodecs": "dask", "tifffile": "dask"}.get((exc.name or "").split(".")[0])
        return f"{exc}; install it (pip install 'vqpress[{extra}]')" if extra else f"{exc} (an incomplete install?)"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    if isinstance(exc, MemoryError):
        return "out of memory"
    hint = "" if debug else "; run with --debug for the traceback"
    return f"unexpected {type(exc).__name__}: {exc} (a bug in vqpress, please report it{hint})"


def human_bytes(n: float) -> str:
    """``1234567`` -> ``"1.2 MB"`` (decimal units, as file managers show)."""
    n = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


class UI:
    """Output for one command run.

    Parameters
    ----------
    quiet : bool
        Print nothing (no tables, summaries, progress or warnings).
    use_rich : bool or None
        Force rich on or off; by default rich is used when it can be imported.
    """

    def __init__(self, quiet: bool = False, use_rich: bool | None = None) -> None:
        self.quiet = quiet
        self.rich = _load_rich() if use_rich is None else use_rich
        self._out = None
        self._err = None
        self._results = None  # the stream of tables and summaries: stdout, unless it carries data

    def results_to_stderr(self) -> None:
        """Print tables and summaries on stderr from now on: stdout carries a command's data
        (``-o -``)."""
        self._results = sys.stderr
        self._out = None

    @property
    def _file(self):
        return self._results or sys.stdout

    # -- consoles, created on first use so that they see the current sys.stdout/stderr
    @property
    def out(self):
        if self._out is None:
            from rich.console import Console

            self._out = Console(file=self._file, highlight=False, soft_wrap=False)
            if not self._out.is_terminal:  # a pipe or file: no need to fold tables into 80 columns
                self._out = Console(file=self._file, highlight=False, soft_wrap=False, width=160)
        return self._out

    @property
    def err(self):
        if self._err is None:
            from rich.console import Console

            self._err = Console(file=sys.stderr, highlight=False)
        return self._err

    # -- text
    def print(self, text: str = "") -> None:
        """A line of plain text on stdout (no rich markup is interpreted)."""
        if self.quiet:
            return
        text = printable(text, keep_newlines=True)
        if self.rich:
            self.out.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            print(text, file=self._file)

    def warn(self, text: str) -> None:
        """A one-line warning on stderr."""
        if self.quiet:
            return
        print(f"vqpress: warning: {printable(text)}", file=sys.stderr)

    def warnings(self, src, caught) -> None:
        """The library's notes to the user about ``src`` (and Pillow's decompression-bomb
        warning) from ``caught`` (``warnings.catch_warnings(record=True)``), one line each;
        deprecations and the like are for developers."""
        from PIL import Image

        for w in caught:
            text = str(w.message)
            if str(src) not in text:
                text = f"{src}: {text}"
            if issubclass(w.category, Image.DecompressionBombWarning):
                if "max-pixels" not in text:  # Pillow's own words
                    text += " (--max-pixels N allows up to N pixels without this warning)"
                self.warn(" ".join(text.split()))
            elif issubclass(w.category, UserWarning):
                self.warn(" ".join(text.split()))

    # -- tables
    def table(self, columns, rows, *, title: str | None = None, right=(), min_widths=None) -> None:
        """A table on stdout: ``columns`` are headers, ``rows`` lists of strings.

        ``right`` names the columns to right-align (numbers); ``min_widths`` maps column
        names to the width they keep when the terminal is narrow.
        """
        min_widths = min_widths or {}
        if self.quiet:
            return
        title = None if title is None else printable(title)
        rows = [[printable(cell) for cell in row] for row in rows]
        if self.rich:
            from rich import box
            from rich.table import Table
            from rich.text import Text

            # Text, not str: a cell (a file name) is shown as it is, never read as markup
            table = Table(title=None if title is None else Text(title), box=box.SIMPLE_HEAD, title_justify="left",
                          pad_edge=False, show_edge=False, collapse_padding=True)
            for col in columns:
                if col in right:  # numbers: never broken across lines
                    table.add_column(col, justify="right", no_wrap=True)
                else:
                    table.add_column(col, overflow="fold", min_width=min_widths.get(col))
            for row in rows:
                table.add_row(*(Text(cell) for cell in row))
            self.out.print(table)
            return
        cells = [list(columns)] + [[str(c) for c in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
        if title:
            print(title, file=self._file)
        for k, row in enumerate(cells):
            parts = [
                cell.rjust(w) if col in right else cell.ljust(w)
                for cell, w, col in zip(row, widths, columns)
            ]
            print("  ".join(parts).rstrip(), file=self._file)
            if k == 0:
                print("  ".join("-" * w for w in widths), file=self._file)

    def fields(self, pairs, *, title: str | None = None) -> None:
        """A title line, then indented ``name  value`` lines (plain text, pipe-friendly)."""
        if self.quiet:
            return
        title = None if title is None else printable(title)
        pairs = [(printable(k), printable(v)) for k, v in pairs]
        width = max((len(k) for k, _ in pairs), default=0)
        if self._file.isatty():  # long values (levels, palettes) fold under themselves
            pairs = [(k, self._fold(str(v), indent=width + 4)) for k, v in pairs]
        lines = ([title] if title else []) + [f"  {key.ljust(width)}  {value}" for key, value in pairs]
        if self.rich and self.out.is_terminal:
            from rich.markup import escape

            text = ([f"[bold]{escape(title)}[/bold]"] if title else []) + [
                f"  [bold]{escape(key.ljust(width))}[/bold]  {escape(str(value))}" for key, value in pairs
            ]
            self.out.print("\n".join(text), highlight=False)
        else:
            print("\n".join(lines), file=self._file)

    def wrapped(self, text: str, *, hang: int = 2) -> None:
        """One logical line of prose: on a terminal folded at spaces to its width, the lines
        after the first indented ``hang`` columns more than it; whole in a pipe (so scripts
        can read it as one line)."""
        if self._file.isatty():
            import shutil

            lead = len(text) - len(text.lstrip(" "))
            width = max(40, shutil.get_terminal_size().columns - 1)
            # a number and its unit stay on one line ("PSNR 33.76 / dB" read badly)
            text = "\n".join(_wrap_keeping_units(printable(text.strip()), width, initial_indent=" " * lead,
                                                  subsequent_indent=" " * (lead + hang)))
        self.print(text)

    def listing(self, heading: str, items) -> None:
        """``heading`` then ``items`` joined by commas: folded under the heading on a terminal,
        on one line in a pipe (so scripts can read it whole)."""
        text = ", ".join(str(item) for item in items)
        if self._file.isatty():
            self.print(heading)
            self.wrapped("  " + text, hang=0)
        else:
            self.print(f"{heading} {text}")

    @staticmethod
    def _fold(value: str, indent: int) -> str:
        """``value`` broken at spaces into lines that fit the terminal after ``indent``
        columns, the lines after the first indented by as much."""
        import shutil

        room = max(20, shutil.get_terminal_size().columns - indent - 1)
        if len(value) <= room:
            return value
        return ("\n" + " " * indent).join(_wrap_keeping_units(value, room))

    # -- progress
    def _live(self) -> bool:
        """Whether to draw progress: not quiet, and stderr is a terminal (not a log file)."""
        if self.quiet:
            return False
        if self.rich:
            return self.err.is_terminal
        return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()

    @contextlib.contextmanager
    def steps(self, title: str):
        """Show the current step of a longer job; yields a ``progress(step)`` callback."""
        if not self._live():
            yield lambda step: None
            return
        if self.rich:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            with Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.fields[title]}[/bold] {task.description}"),
                TimeElapsedColumn(),
                console=self.err,
                transient=True,
            ) as progress:
                task = progress.add_task("starting", title=title, total=None)

                def callback(step: str) -> None:
                    progress.update(task, description=_escape(str(step)))

                yield callback
            return
        start = time.perf_counter()

        def callback(step: str) -> None:
            print(f"{title} [{time.perf_counter() - start:5.1f} s] {printable(step)}", file=sys.stderr, flush=True)

        yield callback

    @contextlib.contextmanager
    def files(self, total: int, title: str = "compressing"):
        """A progress bar over files; yields ``advance(name, bytes_in, bytes_out)``.

        ``start(name)`` (an attribute of the yielded callable) names the file in progress.
        """
        totals = {"in": 0, "out": 0}

        def summary() -> str:
            ratio = totals["out"] / totals["in"] if totals["in"] else 0.0
            return f"{human_bytes(totals['in'])} -> {human_bytes(totals['out'])}, ratio {ratio:.3f}"

        if not self._live():
            def advance(name, bytes_in, bytes_out):
                pass

            advance.start = lambda name: None
            yield advance
            return
        if self.rich:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(
                TextColumn("[bold]{task.fields[title]}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[sizes]}"),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=self.err,
                transient=True,
            ) as progress:
                task = progress.add_task("", total=total, title=title, sizes=summary())

                def advance(name, bytes_in, bytes_out):
                    totals["in"] += bytes_in
                    totals["out"] += bytes_out
                    progress.update(task, advance=1, sizes=summary())

                advance.start = lambda name: progress.update(task, description=_escape(str(name)))
                yield advance
            return
        done = [0]

        def advance(name, bytes_in, bytes_out):
            totals["in"] += bytes_in
            totals["out"] += bytes_out
            done[0] += 1
            print(f"{title} [{done[0]}/{total}] {printable(name)}: {summary()}", file=sys.stderr, flush=True)

        advance.start = lambda name: None
        yield advance


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(printable(text))
