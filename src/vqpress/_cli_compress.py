"""``vqpress compress``: images to ``.vqz`` files (or PNG, GIF, WebP, TIFF, JPEG XL).

The command plans every output before any work (names, formats, existing files), reads
and compresses each input, and writes the outputs all at once at the end, or none
(:class:`vqpress._cli_files.Stage`). The number of levels or colours is ``-n``, or chosen
for a target: ``--psnr`` (the fewest that reach it, searched on the image's histogram by
:func:`vqpress.compress`) or ``--max-bytes`` (a count whose output fits while one more does
not, by bisection on the output's size: sizes grow with the count, though not strictly); or no fit at all, with ``--codebook`` (another file's codebook).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._cli_files import STDIO, CLIError

#: Output extension of ``compress`` without ``--ext`` or ``-o FILE``.
DEFAULT_EXT = ".vqz"
#: The most levels or colours ``--psnr`` and ``--max-bytes`` consider without ``-n``.
TARGET_MAX_COLORS = 256


@dataclass
class Job:
    """One input and its output; ``None`` stands for standard input (output)."""

    src: Path | None
    dst: Path | None

    @property
    def src_name(self) -> str:
        return "(standard input)" if self.src is None else str(self.src)

    @property
    def dst_name(self) -> str:
        return "(standard output)" if self.dst is None else str(self.dst)


def cmd_compress(args, ui) -> int:
    from ._cli_files import Stage, check_parent, check_stdout, check_targets, write_stdout

    _check_options(args)
    jobs, folder_mode = _plan(args)
    outputs = [job.dst for job in jobs if job.dst is not None]
    check_targets(outputs, args.force, sources=[job.src for job in jobs if job.dst is not None])
    for job in jobs:
        if job.dst is None:
            check_stdout("the compressed image")
            ui.results_to_stderr()
        elif not folder_mode:
            check_parent(job.dst)
    codebook = _reference_codebook(args.codebook)

    rows, to_stdout = [], None
    with Stage(args.force) as stage:
        with ui.files(len(jobs)) if folder_mode else ui.steps("compressing") as progress:
            for job in jobs:
                if folder_mode:
                    progress.start(job.src.name)
                else:
                    progress(job.src_name)
                row, data = _compress_one(job, codebook, args, ui)
                rows.append(row)
                if row["skipped"]:
                    pass
                elif job.dst is None:
                    to_stdout = data
                else:
                    stage.add(job.dst, lambda fh, data=data: fh.write(data))
                if folder_mode:
                    progress(job.src.name, row["in"], row["out"])
        stage.commit()
    if to_stdout is not None:
        write_stdout(to_stdout, "the compressed image")
    if folder_mode:
        _print_table(ui, rows)
    else:
        _print_one(ui, rows[0])
    return 0


# --------------------------------------------------------------------------- planning


def _check_options(args) -> None:
    if args.codebook is not None and (args.n_colors is not None or args.strategy is not None):
        raise CLIError("--codebook encodes with that file's codebook: -n and -s cannot be used with it")
    if args.psnr is not None and args.dither:
        raise CLIError("--psnr chooses the levels by their error without dithering, and --dither adds error: "
                       "use one or the other")
    if args.ext is not None:
        from .formats import format_for

        if not args.ext or any(sep in args.ext for sep in "/\\") or args.ext in (".", ".."):
            raise CLIError(f"--ext {args.ext!r} must be the end of a file name, such as .png or -small.png")
        probe = "x" + args.ext
        _format_of(Path(probe), format_for, named=f"--ext {args.ext}")


def _format_of(path: Path, format_for, named: str | None = None):
    """The format of an output file (:func:`vqpress.formats.format_for`), or a CLIError;
    ``named`` stands for the file in the message."""
    from .errors import VQError

    try:
        return format_for(path)
    except VQError as exc:
        msg = str(exc)
        raise CLIError(msg.replace(str(path), named, 1) if named else msg) from None


def _plan(args) -> tuple[list[Job], bool]:
    """The jobs (input, output) and whether the outputs go to a folder; every check that
    needs no image (names, formats, clashes) is made here."""
    from ._cli_files import check_vqz_options, existing_inputs, expand, images_in, is_vqz, names_folder
    from .formats import format_for

    names = list(args.images)
    if STDIO in names:
        if len(names) > 1:
            raise CLIError("- (standard input) must be the only input")
        if args.ext is not None:
            raise CLIError("--ext names outputs after their input files; standard input has no name (give -o)")
        given = []
    else:
        given = existing_inputs(names)
    out = args.out
    folder_mode = len(given) > 1 or any(p.is_dir() for p in given) or names_folder(out)
    if folder_mode and out == STDIO:
        raise CLIError("several inputs cannot all be written to standard output (-o -)")
    if not folder_mode and args.ext is not None and out is not None:
        raise CLIError("--ext names outputs after their inputs; with one input and -o, -o names the output")
    inputs = expand(given, images_in)
    for path in given:  # folders list image files only
        if not path.is_dir() and (path.suffix.lower() == ".vqz" or is_vqz(path)):
            raise CLIError(f"{path} is already compressed (a .vqz file); vqpress decompress restores it")
    ext = args.ext or DEFAULT_EXT
    if folder_mode:
        folder = Path(out) if out is not None else None
        if folder is not None and folder.exists() and not folder.is_dir():
            raise CLIError(f"{folder} is a file; with several inputs -o names a folder")
        if folder is not None and not folder.exists() and not names_folder(out) and folder.suffix:
            raise CLIError(f"-o {out}: several inputs go into a folder, and {out} names a file; give a folder "
                           f"(end it with / to make a folder of that name)")
        jobs = [Job(p, (folder if folder is not None else p.parent) / f"{p.stem}{ext}") for p in inputs]
    elif not given:  # standard input
        jobs = [Job(None, None if out in (None, STDIO) else Path(out))]
    else:
        src = inputs[0]
        dst = None if out == STDIO else Path(out) if out is not None else src.parent / f"{src.stem}{ext}"
        jobs = [Job(src, dst)]
    check_vqz_options(args, [job.dst for job in jobs], f"{jobs[0].dst} is not one" if len(jobs) == 1 else
                      f"the outputs (*{ext}) are not .vqz files")
    for job in jobs:
        if job.dst is not None:
            _format_of(job.dst, format_for)
        elif args.skip_if_larger:
            raise CLIError("--skip-if-larger writes nothing for an image whose output would be larger, which on "
                           "standard output leaves an empty stream (and a redirected file empty): give -o FILE")
    return jobs, folder_mode


def _reference_codebook(name):
    """The codebook of the ``--codebook`` file (header and codebook only), or None."""
    if name is None:
        return None
    from . import container
    from ._cli_files import existing_inputs
    from .errors import VQError

    (path,) = existing_inputs([name])
    try:
        return container.inspect(path)[1]
    except VQError as exc:
        msg = str(exc)
        raise CLIError(f"--codebook {msg}" if str(path) in msg else f"--codebook {path}: {msg}") from None


# --------------------------------------------------------------------------- one image


def _read(job: Job, args):
    """The image of a job (frames stacked, channels last), whether it holds frames, the
    size of its file in bytes, and the frames' timing (None but for an animation)."""
    from ._cli_files import read_stdin
    from .container import MAGIC
    from .imageio import imread_animation, read_image_bytes

    max_pixels = getattr(args, "max_pixels", None)
    if job.src is None:
        data = read_stdin("an image")
        if data.startswith(MAGIC):
            raise CLIError("standard input is already compressed (a .vqz file); vqpress decompress - restores it")
        image, timing = read_image_bytes(data, "(standard input)", max_pixels=max_pixels, frames=True, timing=True)
        size = len(data)
    else:
        image, timing = imread_animation(job.src, max_pixels=max_pixels)
        size = job.src.stat().st_size
    frames = image.shape[0] > 1
    return (image if frames else image[0]), frames, size, timing


def _compress_one(job: Job, codebook, args, ui) -> tuple[dict, bytes]:
    import warnings

    from . import api, formats, metrics
    from ._cli_files import in_file
    from .errors import VQError

    target = job.dst if job.dst is not None else Path("stdout" + DEFAULT_EXT)
    max_pixels = getattr(args, "max_pixels", None)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            image, frames, size_in, timing = _read(job, args)
            axis = -1 if image.ndim == 3 + frames else None
            chosen = ""
            if codebook is not None:
                c = _compress(image, frames, axis, args.dither, codebook=codebook, timing=timing)
                chosen = f" (the codebook of {args.codebook})"
            elif args.psnr is not None:
                c = api.compress(image, args.n_colors or TARGET_MAX_COLORS, args.strategy, channel_axis=axis,
                                 psnr=args.psnr).with_timing(timing)
                chosen = f" (the fewest reaching {args.psnr:g} dB)"
            elif args.max_bytes is not None:
                c, data, high = _within_bytes(image, frames, axis, target, args, timing)
                n = c.codebook.n_colors
                chosen = (f" (within {args.max_bytes:,} bytes, the most -n allows)" if n == high else
                          f" (within {args.max_bytes:,} bytes; {n + 1} take more)")
            else:
                c = _compress(image, frames, axis, args.dither, 8 if args.n_colors is None else args.n_colors,
                              args.strategy, timing=timing)
            if args.max_bytes is None:
                data = formats.encode(c, target, coding=args.coding, effort=args.effort, max_pixels=max_pixels,
                                      exact_centers=args.exact_centers)
            psnr = metrics.psnr(image, c.decompress().reshape(image.shape))
    except VQError as exc:
        raise in_file(job.src_name, exc) from exc
    ui.warnings(job.src_name, caught)
    skipped = args.skip_if_larger and len(data) > size_in
    cb = c.codebook
    return {
        "src": job.src_name, "dst": job.dst_name, "shape": _shape_words(c.shape, cb.channels, frames),
        "dtype": str(c.dtype), "pixels": _pixel_words(cb.channels), "colours": cb.n_colors,
        "unit": cb.kind.unit if cb.n_colors != 1 else cb.kind.unit_one,
        "strategy": cb.strategy, "chosen": chosen, "psnr": psnr,
        "in": size_in, "raw": c.original_nbytes, "out": len(data), "n_pixels": c.n_pixels,
        "coding": _coding_name(data, target), "skipped": skipped,
    }, data


def _compress(image, frames: bool, axis, dither: bool, *args, timing=None, **kwargs):
    """:func:`vqpress.compress`, dithering frame by frame when ``image`` holds frames
    (``compress`` dithers one image: to it a stack of gray frames is scalar data); the
    frames' ``timing`` kept."""
    from . import api

    if not (dither and frames):
        return api.compress(image, *args, channel_axis=axis, dither=dither, **kwargs).with_timing(timing)
    import numpy as np

    from .bitpack import pack_bits
    from .compressed import Compressed

    c = api.compress(image, *args, channel_axis=axis, **kwargs)
    codes = np.stack([c.codebook.encode(frame, dither=True) for frame in image])
    return Compressed(c.codebook, c.shape, pack_bits(codes, c.codebook.bits), _codes=codes, timing=timing)


def _within_bytes(image, frames: bool, axis, target, args, timing):
    """The compressed image with a number of levels (up to ``-n``) whose output takes at most
    ``--max-bytes`` bytes while one more does not (bisection: sizes grow with the count almost
    always, so a larger count may now and then fit too), its bytes and ``-n``'s limit; a
    CLIError when not even the fewest fit."""
    import warnings

    from . import formats
    from ._target import largest_within
    from .kinds import resolve

    kind = resolve(image, axis)[1]
    high = kind.check_n_colors(args.n_colors or min(TARGET_MAX_COLORS, kind.max_colors))
    tried = {}

    def output(n):
        if n not in tried:
            with warnings.catch_warnings():  # many candidates: only the answer's size matters
                warnings.simplefilter("ignore")
                c = _compress(image, frames, axis, args.dither, n, args.strategy, timing=timing)
            tried[n] = c, formats.encode(c, target, coding=args.coding, effort=args.effort,
                                         exact_centers=args.exact_centers,
                                         max_pixels=getattr(args, "max_pixels", None))
        return tried[n]

    best = largest_within(lambda n: len(output(n)[1]) <= args.max_bytes, kind.min_colors, high)
    if best is None:
        smallest = len(output(kind.min_colors)[1])
        raise CLIError(f"even {kind.min_colors} {kind.unit} take {smallest:,} bytes, more than --max-bytes "
                       f"{args.max_bytes:,}")
    return (*output(best), high)


def _coding_name(data: bytes, target: Path) -> str:
    from ._cli_files import peek_header
    from .formats import format_for

    fmt = format_for(target)
    return peek_header(data)["coding"] + " coding" if fmt.name == "vqz" else fmt.name


def _shape_words(shape, channels: int, frames: bool) -> str:
    from ._text import image_size

    return image_size(shape, channels, frames=frames)


def _pixel_words(channels: int) -> str:
    from .kinds import channel_name

    return channel_name(channels)


# --------------------------------------------------------------------------- printing


def _fmt_psnr(psnr: float) -> str:
    return "lossless" if psnr == float("inf") else f"PSNR {psnr:.2f} dB"


def _print_one(ui, r) -> None:
    ui.wrapped(f"{r['src']} -> {r['dst']}: {r['shape']}, {r['dtype']} {r['pixels']}; {r['colours']} "
               f"{r['strategy']} {r['unit']}{r['chosen']}, {_fmt_psnr(r['psnr'])}")
    if r["skipped"]:
        ui.wrapped(f"  skipped (--skip-if-larger): the output would take {r['out']:,} bytes, the input file "
                   f"{r['in']:,}; nothing written")
        return
    ui.wrapped(f"  {r['out']:,} bytes: ratio {r['out'] / r['in']:.4f} to the input file ({r['in']:,} bytes), "
               f"{r['out'] / r['raw']:.4f} to the raw pixels ({r['raw']:,} bytes)")
    ui.wrapped(f"  {8 * r['out'] / r['n_pixels']:.3f} bits/pixel, {r['coding']}")


def _print_table(ui, rows) -> None:
    ui.table(
        ["input", "output", "n", "PSNR", "out B", "/file", "/raw", "coding"],
        [[r["src"], "skipped: larger" if r["skipped"] else r["dst"], str(r["colours"]),
          "inf" if r["psnr"] == float("inf") else f"{r['psnr']:.2f}", f"{r['out']:,}",
          f"{r['out'] / r['in']:.3f}", f"{r['out'] / r['raw']:.3f}", r["coding"]] for r in rows],
        right={"n", "PSNR", "out B", "/file", "/raw"},
    )
    written = [r for r in rows if not r["skipped"]]
    skipped = len(rows) - len(written)
    total_in = sum(r["in"] for r in written)
    total_raw = sum(r["raw"] for r in written)
    total_out = sum(r["out"] for r in written)
    line = f"{len(written)} file{'s' if len(written) != 1 else ''}"
    if written:
        line += (f": {total_out:,} bytes, ratio {total_out / total_in:.4f} to the input files ({total_in:,} "
                 f"bytes), {total_out / total_raw:.4f} to the raw pixels")
    if skipped:
        line += f"; {skipped} skipped (--skip-if-larger)"
    ui.wrapped(line)
    ui.wrapped("n: levels or colours; PSNR in dB; /file, /raw: output bytes over input file, raw pixel bytes")
