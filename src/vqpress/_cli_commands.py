"""The commands of ``vqpress`` (see :mod:`vqpress.cli`): thin calls into the library.

Imported only when a command runs, so that ``vqpress --help`` stays fast. Each ``cmd_NAME``
takes the parsed arguments and a :class:`vqpress._cli_ui.UI` and returns the exit status;
failures raise (``main`` turns them into one line on stderr).
"""

from __future__ import annotations

import math
import sys

from ._cli_files import in_file
from ._cli_ui import error_message, one_line


# --------------------------------------------------------------------------- formatting


def _fmt_num(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}g}" if abs(x) < 1e6 else f"{x:.3e}"


def _fmt_centers(centers, limit: int = 16, digits: int = 6, hex_colours: bool = False) -> str:
    """Scalar levels as ``15.625 46.875 ...``; colours as ``(r, g, b)`` tuples, or with
    ``hex_colours`` (8-bit data) as the decoded ``#rrggbb`` (``#rrggbbaa``) palette."""
    import numpy as np

    from ._text import colour_items

    centers = np.asarray(centers)
    if centers.ndim == 1:
        items = [f"{v:.{digits}g}" for v in centers]
    else:
        items = colour_items(centers, hex_colours=hex_colours)
    if len(items) > limit and limit < 8:  # short: the first few, then how many more
        items = items[:limit] + [f"+{len(items) - limit}"]
    elif len(items) > limit:
        items = items[: limit - 4] + [f"... ({len(items)} in all) ..."] + items[-3:]
    return " ".join(items)


def _fmt_shape(shape, channels, *, frames: bool = False) -> str:
    """``1024 x 768 pixels`` for an image (width x height), ``shape (a, b, c)`` for other arrays."""
    from ._text import image_size

    return image_size(shape, channels, frames=frames)


def _kind_of(results):
    """The kind of data of these results (:mod:`vqpress.kinds`), by their centers."""
    import numpy as np

    from .kinds import kind_of

    centers = np.asarray(results[0].centers)
    return kind_of(centers.shape[1] if centers.ndim == 2 else 0)


#: Widest line of the tables and notes printed under them: an 80-column terminal.
_WIDTH = 80


def _results_table(ui, results, title=None, footnote=True) -> None:
    """The table of a report, one row per strategy, then the levels (or palette) of each,
    on lines of their own so that everything fits an 80-column terminal."""
    from ._text import LEVELS_NAME, colour_items, join_within, level_items

    kind = _kind_of(results)
    colour = kind.vector
    rows = [[
        r.strategy,
        str(r.n_colors),
        f"{r.mse:.2f}",
        "inf" if r.psnr == float("inf") else f"{r.psnr:.2f}",
        f"{r.packed_bytes:,}",
        f"{r.vqz_bytes:,}",
        f"{r.ratio:.4f}",
        f"{1000 * r.seconds:.0f}",
    ] for r in results]
    numbers = [kind.unit, "MSE", "PSNR", "packed B", ".vqz B", "ratio", "ms"]
    ui.table(["strategy", *numbers], rows, title=title, right=set(numbers))
    hex_colours = kind.channels != (2,) and colour and all(
        str(getattr(r.compressed, "dtype", "")) == "uint8" for r in results)
    tuples = "(gray, alpha)" if kind.channels == (2,) else "(r, g, b)"
    ui.print(("palette, " + ("#rrggbb" if hex_colours else tuples) + ":") if colour else f"{LEVELS_NAME}:")
    name_width = max(len(r.strategy) for r in results)
    for r in results:
        items = colour_items(r.centers, hex_colours=hex_colours) if colour else level_items(r.centers)
        head = f"  {r.strategy.ljust(name_width)}  "
        ui.print(head + join_within(items, _WIDTH - len(head)))
    if footnote:
        ui.print(_FOOTNOTE)


_FOOTNOTE = ("PSNR in dB; packed B: bytes of the bit-packed codes; .vqz B: bytes of the file;\n"
             "ratio: .vqz / original bytes; ms: time of compress (median of 3-5 runs\n"
             "after a warm-up run)")


def _written(ui, html, files, out_dir) -> None:
    ui.print(f"Report: {html}")
    ui.listing(f"{len(files)} files written in {out_dir}/:", (f.name for f in files))


# --------------------------------------------------------------------------- demo / report


#: The demo's list of the files it wrote in its folder: a rerun replaces those (and removes
#: those it no longer writes), and touches nothing else.
DEMO_MANIFEST = ".demo-files.json"


def _demo_owned(out_dir) -> set:
    """The files of ``out_dir`` that an earlier ``vqpress demo`` wrote there, by its
    manifest: plain names of the demo's own kinds of file (``face*.html|png|vqz``) that
    are still regular files. A missing or damaged manifest owns nothing."""
    import json
    import re
    from pathlib import Path

    manifest = Path(out_dir) / DEMO_MANIFEST
    if not manifest.is_file() or manifest.is_symlink():
        return set()
    try:
        with open(manifest, "rb") as fh:
            names = json.loads(fh.read(1 << 16).decode("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    pattern = re.compile(r"face(-[a-z]+)*(-\d+)?\.(html|png|vqz)")
    owned = {Path(out_dir) / name for name in names if isinstance(name, str) and pattern.fullmatch(name)}
    return {p for p in owned if p.is_file() and not p.is_symlink()} | {manifest}


def cmd_demo(args, ui) -> int:
    import json
    import os
    from pathlib import Path

    from . import report
    from ._cli_files import CLIError, StageDir

    owned = _demo_owned(args.out)
    html = Path(args.out) / "face.html"  # fail fast on the file whose name is known; all are checked before moving
    if html.exists() and not args.force and html not in owned:
        raise CLIError(f"{html} exists (not written by vqpress demo); use --force to replace it")
    with StageDir(args.out, args.force, replaceable=owned) as stage:
        with ui.steps("demo") as progress:
            out = report.demo(stage.path, n_colors=args.n_colors, overwrite=True, progress=progress)
        names = sorted(p.name for p in stage.path.iterdir())
        (stage.path / DEMO_MANIFEST).write_text(json.dumps({"files": names}, indent=1) + "\n")
        files = [f for f in stage.commit() if f.name != DEMO_MANIFEST]
    for stale in owned - set(files) - {Path(args.out) / DEMO_MANIFEST}:  # the last run's, not this one's
        try:
            os.unlink(stale)
        except OSError:
            pass
    colour = getattr(out, "colour_results", None)
    _results_table(ui, out.results, title=f"vqpress demo: gray face, {args.n_colors} levels", footnote=not colour)
    if colour:
        ui.print()
        _results_table(ui, colour, title=f"vqpress demo: colour face, {colour[0].strategy}, "
                                          f"{', '.join(str(r.n_colors) for r in colour)} colours", footnote=False)
        ui.print(_FOOTNOTE)
    _written(ui, stage.final_path(out.html), files, stage.out_dir)
    return 0


def cmd_report(args, ui) -> int:
    from pathlib import Path

    from . import report
    from ._cli_files import CLIError, StageDir, existing_inputs
    from .errors import VQError
    from .imageio import imread

    images = existing_inputs(args.images)
    for path in images:
        if path.is_dir():
            raise CLIError(f"{path} is a folder; report takes image files")
    stems = {}
    for path in images:
        if path.stem in stems:
            raise CLIError(f"{stems[path.stem]} and {path} both have the name {path.stem!r}; rename one")
        stems[path.stem] = path
    out_dir = Path(args.out)
    if not args.force:  # fail fast on the file whose name is known; the rest is checked before moving
        for path in images:
            html = out_dir / f"{path.stem}.html"
            if html.exists():
                raise CLIError(f"{html} exists; use --force to replace it")
    strategies = None if not args.strategy or "all" in args.strategy else list(dict.fromkeys(args.strategy))

    outputs = []
    with StageDir(out_dir, args.force) as stage:
        with ui.steps("report") as progress:
            for path in images:
                try:
                    image = imread(path, max_pixels=getattr(args, "max_pixels", None), frames=True)
                    if len(image) > 1:
                        raise CLIError(f"{path} holds {len(image)} frames; a report describes one image "
                                       f"(vqpress compress {path} compresses every frame with one codebook)")
                    image = image[0]
                    outputs.append((path, report.build_report(
                        image, stage.path, name=path.stem, n_colors=args.n_colors, strategies=strategies,
                        overwrite=True, progress=lambda step, p=path: progress(f"{p.name}: {step}"),
                    )))
                except VQError as exc:
                    raise in_file(path, exc) from exc
        files = stage.commit()
    for path, out in outputs:
        _results_table(ui, out.results, title=f"{path}: {args.n_colors} {_kind_of(out.results).unit}")
        ui.print(f"Report: {stage.final_path(out.html)}")
        ui.print()
    ui.print(f"{len(files)} files written in {out_dir}/")
    return 0


# --------------------------------------------------------------------------- compress


def cmd_compress(args, ui) -> int:
    from ._cli_big import compress_streaming, wants_streaming
    from ._cli_compress import cmd_compress as compress

    if wants_streaming(args):  # a .zarr input or output, or --chunks: images larger than memory
        from ._cli_files import STDIO, CLIError

        used = [option for option, given in [
            ("--psnr", args.psnr is not None), ("--max-bytes", args.max_bytes is not None),
            ("--codebook", args.codebook is not None), ("--ext", args.ext is not None),
            ("--skip-if-larger", args.skip_if_larger), ("-", STDIO in args.images or args.out == STDIO)] if given]
        if used:
            names = used[0] if len(used) == 1 else f"{', '.join(used[:-1])} and {used[-1]}"
            verbs = "needs the whole image in memory; it does" if len(used) == 1 else \
                "need the whole image in memory; they do"
            raise CLIError(f"{names} {verbs} not combine with zarr or --chunks")
        return compress_streaming(args, ui)
    return compress(args, ui)


# --------------------------------------------------------------------------- decompress


def cmd_decompress(args, ui) -> int:
    from ._cli_decompress import cmd_decompress as decompress

    return decompress(args, ui)


# --------------------------------------------------------------------------- info / bench


def cmd_info(args, ui) -> int:
    """Describe each file (the ``.vqz`` files of a folder); a bad file is reported (one
    line) and the others still described."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="vqpress-info-") as folder:  # standard input, as a file
        return _info(args, ui, Path(folder))


def _info(args, ui, stdin_dir) -> int:
    import json

    from ._cli_big import _is_zarr
    from ._cli_files import STDIO, CLIError, existing_inputs, read_stdin, vqz_in
    from ._zarr_info import zarr_record

    if args.files.count(STDIO) > 1:
        raise CLIError("- (standard input) can be given once")
    names = []  # (file name, or a failure to report in its place)
    for name in args.files:
        try:
            if name == STDIO:
                path = stdin_dir / "stdin.vqz"
                path.write_bytes(read_stdin("a .vqz file"))
                names.append(path)
                continue
            (path,) = existing_inputs([name])
            if path.is_dir() and _is_zarr(path):
                names.append(("zarr", path))
                continue
            names.extend(vqz_in(path) if path.is_dir() else [path])
        except Exception as exc:  # noqa: BLE001 - reported in its turn
            names.append(exc)
    single = len(names) == 1 and len(args.files) == 1 and not isinstance(names[0], Exception) and (
        isinstance(names[0], tuple) or not names[0].is_dir() and (str(names[0]) == str(args.files[0])
                                                                  or args.files[0] == STDIO))
    records, failed = [], False
    for name in names:
        try:
            if isinstance(name, Exception):
                raise name
            if isinstance(name, tuple):  # a zarr store
                record = zarr_record(name[1])
            else:
                record = _info_record(name, "(standard input)" if name.parent == stdin_dir else None)
        except Exception as exc:  # noqa: BLE001 - reported like main() does, then go on
            if len(names) == 1 and len(args.files) == 1:
                raise
            print(f"vqpress: error: {one_line(error_message(exc, False))}", file=sys.stderr)
            failed = True
            continue
        records.append(record)
        if not args.json:
            if len(records) > 1:
                ui.print()
            (_print_zarr_info if record.get("store") == "zarr" else _print_info)(ui, record)
    if args.json and not ui.quiet:
        print(json.dumps(records[0] if single else records, indent=2))
    return 1 if failed else 0


def _info_record(path, shown: str | None = None) -> dict:
    """What ``info`` shows of a file (named ``shown`` if not by its path): its header and
    codebook, checksums verified; the payload is never decoded (a file claiming a huge image
    costs one read of the file)."""
    from . import container
    from .bitpack import packed_size
    from .errors import VQError
    from .kinds import channel_name

    shown = str(path) if shown is None else shown
    try:
        head, cb = container.inspect(path)
    except VQError as exc:
        raise in_file(shown, exc) from exc
    shape = head.shape
    pixel_dims = len(head.pixel_shape)
    what = channel_name(cb.channels)
    kind = {2: what, 3: f"frames, {what}"}.get(pixel_dims, f"list of {what} pixels" if cb.channels and
                                              pixel_dims == 1 else f"{len(shape)}-d array")
    file_bytes = head.file_size
    original = math.prod(shape) * head.dtype.itemsize
    record = {
        "file": shown,
        "shape": list(shape),
        "dtype": str(head.dtype),
        "kind": kind,
        "channels": cb.channels or 1,
        "n_colors": cb.n_colors,
        "strategy": cb.strategy,
        "centers": cb.centers.tolist(),
        # the colours (levels) as they decode, in the image's dtype
        "palette": cb.levels().tolist(),
        "code_bits": cb.bits,
        "coding": head.coding,
        "payload_bytes": head.payload_len,
        "raw_payload_bytes": packed_size(head.n_pixels, cb.bits),
        "file_bytes": file_bytes,
        "original_bytes": original,
        "ratio": file_bytes / original,
        "bits_per_pixel": 8 * file_bytes / head.n_pixels,
        "format_version": head.version,
        # 0: float64 centres (and edges); 1: in the image's integer dtype (format 2.1); 2: those
        # integers Rice-coded (format 2.2)
        "codebook_form": head.codebook_form,
    }
    if head.coding == "cm" and head.payload_len >= 8:  # (load refuses shorter cm payloads)
        record["cm"] = _cm_fields(path, head)
    if head.timing_len:  # (format 2.3; inspect checked the block)
        from ._frame_timing import from_block

        with open(path, "rb") as fh:
            fh.seek(head.size)
            timing = from_block(fh.read(head.timing_len), head.pixel_shape[0])
        record["frame_ms"] = list(timing.durations)
        record["loop"] = timing.loop
    return record


def _cm_fields(path, head) -> dict:
    """Model, level and strips of a cm payload, from its first bytes (the file's checksums
    were verified by ``container.inspect``)."""
    from .coding import cm

    with open(path, "rb") as fh:
        fh.seek(head.size + head.timing_len + head.codebook_len)
        info = cm.describe(fh.read(min(head.payload_len, 16)))
    rows = head.map_shape[1] if (info["scan"] or 0) >> 2 else head.map_shape[0]  # strips of the coded map
    return {"model": info["model"], "level": info["level"], "level_name": info["level_name"],
            "strips": -(-rows // max(info["strip_rows"], 1)), "scan": info["scan"] or 0}


#: How ``vqpress info`` says a cm payload's scan walks the map (by its transposing bit).
_SCAN_TEXT = ("by rows", "by columns")
#: How ``vqpress info`` names a codebook form.
_FORM_TEXT = {0: "as float64", 1: "in {dtype}", 2: "Rice-coded in {dtype}"}


def _array_fields(r) -> list:
    """The first ``info`` lines of a record: shape, dtype and the codebook (size, strategy, levels or palette)."""
    from ._text import LEVELS_NAME
    from .kinds import channel_name

    n, bits = r["n_colors"], f"{r['code_bits']} bit{'s' if r['code_bits'] != 1 else ''} per code"
    if r["channels"] > 1:
        names = channel_name(r["channels"])
        hex_colours = r["dtype"] == "uint8" and r["channels"] > 2
        codebook = [
            ("colours", f"{n} {names} colour{'s' if n != 1 else ''} ({bits})"),
            ("strategy", r["strategy"]),
            ("palette", _fmt_centers(r["palette"] if hex_colours else r["centers"], limit=32,
                                     hex_colours=hex_colours)),
        ]
    else:
        codebook = [
            ("codebook", f"{n} level{'s' if n != 1 else ''} ({bits})"),
            ("strategy", r["strategy"]),
            (LEVELS_NAME, _fmt_centers(r["centers"], limit=32)),
        ]
    return [("shape", f"{_fmt_shape(r['shape'], r['channels'] if r['channels'] > 1 else 0, frames='frames' in r['kind'])}"
                      f" ({r['kind']})"),
            ("dtype", r["dtype"]), *codebook]


def _print_info(ui, r) -> None:
    ui.fields([
        *_array_fields(r),
        ("coding", f"{r['coding']}: payload {r['payload_bytes']:,} bytes "
                   f"(raw bit packing: {r['raw_payload_bytes']:,})"),
        *([("cm model", f"{c['model']}, level {c['level']} ({c['level_name']}), {c['strips']} "
                        f"{'strip' if c['strips'] == 1 else 'strips'}"
                        + (f", scan {c['scan']} ({_SCAN_TEXT[c['scan'] >> 2]})" if c["scan"] else ""))]
          if (c := r.get("cm")) else []),
        *([("frame timing", _timing_text(r["frame_ms"], r["loop"]))] if "frame_ms" in r else []),
        ("file size", f"{r['file_bytes']:,} bytes"),
        ("original size", f"{r['original_bytes']:,} bytes"),
        ("ratio", f"{r['ratio']:.4f} (file / original)"),
        ("bits per pixel", f"{r['bits_per_pixel']:.3f}"),
        ("format", f".vqz {r['format_version']}, codebook "
                   f"{_FORM_TEXT[r['codebook_form']].format(dtype=r['dtype'])}, checksums OK"),
    ], title=r["file"])


def _timing_text(durations: list, loop) -> str:
    """``info``'s words for an animation's frame timing: ``100-400 ms a frame, 1.0 s in all,
    looping forever`` (or the file's loop count as it was read)."""
    low, high = min(durations), max(durations)
    each = f"{low:,} ms" if low == high else f"{low:,}-{high:,} ms"
    plays = {None: "no loop count", 0: "looping forever"}.get(loop, f"loop count {loop}")
    return f"{each} a frame, {sum(durations) / 1000:,.1f} s in all, {plays}"


def _print_zarr_info(ui, r) -> None:
    chunks = "x".join(str(c) for c in r["chunks"])
    ui.fields([
        *_array_fields(r),
        ("store", f"zarr array, codec {r['codec']}"
                  f"{''.join(' + ' + c for c in r['other_codecs'])}"),
        ("chunks", f"{chunks}: {r['chunk_count']:,} in the grid, {r['chunk_files']:,} stored"),
        ("stored size", f"{r['stored_bytes']:,} bytes (every file of the store)"),
        ("original size", f"{r['original_bytes']:,} bytes"),
        ("ratio", f"{r['ratio']:.4f} (stored / original)"),
        ("bits per pixel", f"{r['bits_per_pixel']:.3f}"),
    ], title=r["file"])


def cmd_bench(args, ui) -> int:
    from . import bench

    with ui.steps("bench") as progress:
        rows = bench.run_benchmarks(quick=not args.full, progress=progress)
    ui.print(bench.format_table(rows))
    return 0
