"""The ``vqpress`` command line: thin commands over the library.

::

    vqpress demo                          # the report on the raccoon face, in ./vqpress-demo
    vqpress report photo.png -n 16        # the same report on your own images
    vqpress compress photo.png            # -> photo.vqz
    vqpress compress scans/ -o packed/    # every image of a folder, with a progress bar
    vqpress compress photo.png --psnr 40 -o small.png   # the fewest colours reaching 40 dB
    cat photo.png | vqpress compress - > photo.vqz      # a pipe
    vqpress decompress photo.vqz -o back.png
    vqpress info packed/
    vqpress bench

Exit status: 0 on success, 1 on a failure (one line on stderr, ``--debug`` for the
traceback), 2 on a usage error, 130 when interrupted (Ctrl-C), 143 when terminated
(SIGTERM); an interrupted or terminated command cleans up like a failed one. Text from
files and file names is printed with its control characters escaped. No command replaces an existing file without ``--force``;
every output is checked before anything is written, and a command that fails leaves no
output behind.

Only the standard library is imported at start-up (``vqpress --help`` stays fast); numpy,
rich and the library's modules are imported by the command that needs them.
"""

from __future__ import annotations

import argparse
import sys

from .kinds import STRATEGY_NAMES  # the standard library only

__all__ = ["main", "build_parser"]

#: Strategy names of :func:`vqpress.fit`, of every kind of data.
STRATEGIES = STRATEGY_NAMES
#: Payload codings of :func:`vqpress.save` (a test keeps them in sync with the container).
CODINGS = ("auto", "raw", "context", "cm")
#: Efforts of the cm coding: 0 fastest .. 9 smallest (a test keeps them in sync with it).
EFFORTS = tuple(range(10))
DEFAULT_EFFORT = 2

_DESCRIPTION = """\
vqpress: image compression by quantization. Every pixel is replaced by one of a few gray
levels or colours (exactly, and for gray globally optimally) and stored in as few bits as
it needs."""

_EPILOG = """\
Examples:
  vqpress demo                       a report on the raccoon face
  vqpress compress photo.png -n 16   16 levels/colours -> photo.vqz
  vqpress compress photo.png --psnr 40 -o small.png
  vqpress decompress photo.vqz -o restored.png
  vqpress info photo.vqz
  vqpress COMMAND --help             options of one command

Nothing is overwritten without --force. Exit status: 0 success, 1 failure, 2 usage error."""

_EXAMPLES = {
    "demo": """\
Example:
  vqpress demo               # ./vqpress-demo/: HTML report, reconstructions,
                             # .vqz files, gray (-n levels) and colour (16, 64
                             # and 256 colours)
  vqpress demo -o /tmp/d -n 4

The demo owns its output folder: run it again and it replaces what it wrote there before
(a list of its files, .demo-files.json, says which), and touches no other file; another
file in its way (a face.html of your own) needs --force.""",
    "report": """\
Example:
  vqpress report photo.png scan.tif -n 16 -o reports/
  vqpress report photo.png -s optimal -s kmeans

Each image gives reports/<stem>.html with its reconstructions and .vqz files.""",
    "compress": """\
Example:
  vqpress compress photo.png                 # -> photo.vqz beside it
  vqpress compress photo.png -n 4 -o small.png   # indexed PNG any viewer opens
  vqpress compress photo.png -n 16 --dither      # dithered: smoother gradients
  vqpress compress photo.png --psnr 40 -o s.webp # the fewest colours for 40 dB
  vqpress compress photo.png --max-bytes 50000   # as many colours as fit 50 kB
  vqpress compress scans/ -o packed/ --coding context
  vqpress compress *.png --ext=-q.png --skip-if-larger  # a-q.png beside a.png
  vqpress compress day*.png --codebook ref.vqz   # one palette for many images
  cat photo.png | vqpress compress - > photo.vqz
  vqpress compress depth.npy -n 64           # float data, as numpy saves it
  vqpress compress clip.gif -n 32 -o small.webp  # an animation, its timing kept
  vqpress compress mosaic.ome.tif -o mosaic.zarr # larger than memory, streamed

One input: -o is the output file; its extension picks the format: .vqz, .png (indexed
where a palette holds it), .gif, .webp (lossless), .tif, .jxl (lossless, needs
imagecodecs); lossy formats are refused. - reads standard input, -o - writes standard
output (.vqz). Several inputs or a folder (its image files, not recursive): -o is a folder
(default: beside each input) and each input becomes <stem>.vqz, or <stem>EXT with --ext.
Gray, gray + alpha, RGB and RGBA images, animations and multi-page TIFFs (every frame, one
codebook; an animation's frame durations and loop count kept in .vqz, GIF, WebP, PNG), and .npy arrays of integers or floats ((H, W), (H, W, C), frames of them: what
decompress writes as .npy); the default strategy is optimal for gray images and kmeans for the others
(mediancut is the fast colour strategy). Nothing is written unless every input
compresses. The summary gives the PSNR and the size against the input file and against
the raw pixels.""",
    "decompress": """\
Example:
  vqpress decompress photo.vqz               # -> photo.png beside it
  vqpress decompress a.vqz b.vqz -o restored/
  vqpress decompress packed/                 # every .vqz file of a folder
  vqpress decompress depth.vqz -o depth.npy
  vqpress decompress - < photo.vqz > photo.png

Default output format: .png for 8-bit gray, gray + alpha, RGB and RGBA images, .tif for
16-bit gray and for frames (pages), .npy (numpy) for anything else (float or other integer
data, other shapes). An -o ending in .npy writes numpy for any data; another extension
picks that image format.""",
    "info": """\
Example:
  vqpress info photo.vqz
  vqpress info packed/                       # every .vqz file of a folder
  vqpress info --json photo.vqz | python -m json.tool
  vqpress info slide.zarr                    # a zarr array written by vqpress

Also checks the file: a damaged file fails with exit status 1.""",
    "bench": """\
Example:
  vqpress bench          # quick side-by-side benchmark (markdown table)
  vqpress bench --full   # every image and setting (slow)""",
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors echo the user's arguments (file names) with
    their control characters escaped."""

    def error(self, message):
        from ._cli_ui import printable

        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {printable(message)}\n")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' lines (indented) as written and folds the prose paragraphs
    around them to the terminal's width."""

    def __init__(self, prog):
        super().__init__(prog, max_help_position=30)

    def _fill_text(self, text, width, indent):
        import textwrap

        out = []
        for block in text.split("\n\n"):
            lines = block.splitlines()
            if any(line.startswith(" ") for line in lines[1:]) or (lines and lines[0].endswith(":")):
                out.append("\n".join(indent + line for line in lines))
            else:
                out.append(textwrap.fill(" ".join(lines), max(width, 40), initial_indent=indent,
                                         subsequent_indent=indent, break_on_hyphens=False))
        return "\n\n".join(out)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``vqpress`` command (standard library only)."""
    from . import __version__

    # -q and --debug work before or after the command name.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="print nothing but errors (no progress, tables or summaries)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")

    parser = _Parser(
        prog="vqpress", description=_DESCRIPTION, epilog=_EPILOG, formatter_class=_Formatter, parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"vqpress {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name, help_):
        p = sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".",
                           epilog=_EXAMPLES[name], formatter_class=_Formatter, parents=[common])
        p.set_defaults(command=name)
        return p

    def n_colors(p, what="levels (gray) or colours (RGB)", default=8, more=""):
        p.add_argument("-n", "--n-colors", type=int, default=default, metavar="N",
                       help=f"number of {what} (default 8{more})")

    def force(p):
        p.add_argument("-f", "--force", action="store_true", help="replace existing output files")

    def max_pixels(p):
        p.add_argument("--max-pixels", type=_positive_int, metavar="N",
                       help="read images of up to N pixels (default: warn above Pillow's decompression-bomb "
                            "limit PIL.Image.MAX_IMAGE_PIXELS, refuse above twice it)")

    p = command("demo", "build the HTML report on the built-in raccoon face")
    p.add_argument("-o", "--out", default="vqpress-demo", metavar="DIR", help="output folder (default ./vqpress-demo)")
    n_colors(p)
    force(p)

    p = command("report", "build an HTML report comparing the strategies on your images")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (gray or colour)")
    n_colors(p)
    p.add_argument("-s", "--strategy", action="append", choices=(*STRATEGIES, "all"), metavar="STRATEGY",
                   help=f"strategy to include, repeatable: {', '.join(STRATEGIES)} or all (default all)")
    p.add_argument("-o", "--out", default="vqpress-report", metavar="DIR", help="output folder (default ./vqpress-report)")
    max_pixels(p)
    force(p)

    p = command("compress", "compress images to .vqz files (or PNG, GIF, WebP, TIFF, JPEG XL)")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files, folders of them, or - (standard input)")
    n_colors(p, default=None, more="; with --psnr or --max-bytes the most to consider, default 256")
    p.add_argument("-s", "--strategy", choices=STRATEGIES, metavar="STRATEGY",
                   help=f"{', '.join(STRATEGIES)} (default: optimal for gray, kmeans for colour)")
    p.add_argument("-o", "--out", metavar="OUT",
                   help="output file (one input; - for standard output) or folder (several inputs)")
    p.add_argument("--ext", metavar="EXT",
                   help="output names: each input's name with EXT for its extension (default .vqz), "
                        "e.g. --ext .png or --ext=-small.png; beside the input, or in the -o folder")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--psnr", type=_positive_float, metavar="DB",
                        help="the fewest levels or colours (up to -n) whose PSNR reaches DB decibels")
    target.add_argument("--max-bytes", type=_positive_int, metavar="N",
                        help="as many levels or colours (up to -n) as fit in N bytes: a bisection on the "
                             "count (sizes grow with it, though not strictly)")
    target.add_argument("--codebook", metavar="REF.vqz",
                        help="encode with the codebook of this .vqz file instead of fitting one (one palette "
                             "for many images; its colours as stored: rounded to the image's values unless it "
                             "was written with --exact-centers)")
    p.add_argument("--skip-if-larger", action="store_true",
                   help="write no output for an image whose output would be larger than its input file")
    p.add_argument("--dither", action="store_true",
                   help="Floyd-Steinberg dithering (8-bit gray or RGB images): a higher MSE, the look of "
                        "more levels")
    p.add_argument("--coding", choices=CODINGS, default="auto",
                   help="payload coding of .vqz files: raw bit packing, context (the entropy coding of "
                        "format 1.0), cm (context mixing, 2..256 colours), or auto: cm where it applies, "
                        "else context, unless raw is smaller (default)")
    p.add_argument("--effort", type=int, choices=EFFORTS, default=None, metavar="0..9",
                   help=f"cm coding: 0 fastest .. 9 smallest (default {DEFAULT_EFFORT})")
    p.add_argument("--exact-centers", action="store_true",
                   help="store the fitted centres as float64 (format 2.0) instead of the image's values: only "
                        "needed to reuse the exact fitted codebook")
    p.add_argument("--chunks", metavar="N[,N]",
                   help="stream the image in chunks of this size (default 4096; implied by a .zarr "
                        "input or output): images larger than memory, TIFF/OME-TIFF or zarr, on dask")
    max_pixels(p)
    force(p)

    p = command("decompress", "restore images from .vqz files")
    p.add_argument("files", nargs="+", metavar="FILE", help=".vqz files, folders of them, or - (standard input)")
    p.add_argument("-o", "--out", metavar="OUT",
                   help="output file (one input; - for standard output) or folder (several inputs)")
    max_pixels(p)
    force(p)

    p = command("info", "describe .vqz files and vqpress zarr arrays (shape, codebook, sizes, coding)")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help=".vqz files, folders of them, zarr arrays vqpress wrote, or - (standard input)")
    p.add_argument("--json", action="store_true", help="print JSON (an object, or a list for several files)")

    p = command("bench", "run the side-by-side benchmark and print a markdown table")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="full", action="store_false", help="the quick benchmark (default)")
    size.add_argument("--full", dest="full", action="store_true", help="the full benchmark (slow)")
    p.set_defaults(full=False)
    return parser


def _positive_float(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


# --------------------------------------------------------------------------- main


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every pending output is cleaned up."""


def _on_sigterm(signum, frame):
    raise Terminated()


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 success, 1 failure, 2 usage error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    quiet = getattr(args, "quiet", False)
    debug = getattr(args, "debug", False)

    import warnings

    from ._cli_ui import UI, error_message, one_line

    ui = UI(quiet=quiet)
    previous = _handle_sigterm()
    try:
        with warnings.catch_warnings():
            warnings.showwarning = lambda message, *a, **k: ui.warn(one_line(str(message)))
            from . import _cli_commands

            return int(getattr(_cli_commands, f"cmd_{args.command}")(args, ui) or 0)
    except Terminated:
        print("vqpress: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("vqpress: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `vqpress info x.vqz | head -1`
        import os

        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line
        if debug:
            import traceback

            from ._cli_ui import printable

            print(printable(traceback.format_exc(), keep_newlines=True), end="", file=sys.stderr)
        print(f"vqpress: error: {one_line(error_message(exc, debug))}", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


def _handle_sigterm():
    """Make SIGTERM end the command like Ctrl-C (outputs cleaned up, exit status 143);
    returns the handler to restore (None when not in the main thread)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _on_sigterm)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
