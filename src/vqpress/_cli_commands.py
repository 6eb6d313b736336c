"""The commands of ``vqpress`` (see :mod:`vqpress.cli`): thin calls into the library.

Imported only when a command runs, so that ``vqpress --help`` stays fast. Each ``cmd_NAME``
takes the parsed arguments and a :class:`vqpress._cli_ui.UI` and returns the exit status;
failures raise (``main`` turns them into one line on stderr).
"""

from __future__ import annotations

import math
import sys

from .cli import _message, _one_line


def _in_file(path, exc):
    """``exc``'s message prefixed with ``path`` unless it names the file already."""
    from ._cli_files import CLIError

    msg = str(exc)
    return CLIError(msg if str(path) in msg else f"{path}: {msg}")


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


def _fmt_shape(shape, channels=None) -> str:
    """``1024 x 768 pixels`` for an image (width x height), ``shape (a, b, c)`` for other arrays."""
    from ._text import image_size

    if channels is None:
        channels = shape[-1] if len(shape) == 3 and shape[-1] in (3, 4) else 0
    return image_size(shape, channels)


def _unit_of(results) -> str:
    """``colours`` or ``levels``: what the codes of these results stand for."""
    import numpy as np

    from ._text import unit

    return unit(np.ndim(results[0].centers) == 2)


#: Widest line of the tables and notes printed under them: an 80-column terminal.
_WIDTH = 80


def _results_table(ui, results, title=None, footnote=True) -> None:
    """The table of a report, one row per strategy, then the levels (or palette) of each,
    on lines of their own so that everything fits an 80-column terminal."""
    from ._text import LEVELS_NAME, colour_items, join_within, level_items, unit

    colour = _unit_of(results) == "colours"
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
    numbers = [unit(colour), "MSE", "PSNR", "packed B", ".vqz B", "ratio", "ms"]
    ui.table(["strategy", *numbers], rows, title=title, right=set(numbers))
    hex_colours = colour and all(str(getattr(r.compressed, "dtype", "")) == "uint8" for r in results)
    ui.print(("palette, " + ("#rrggbb" if hex_colours else "(r, g, b)") + ":") if colour else f"{LEVELS_NAME}:")
    name_width = max(len(r.strategy) for r in results)
    for r in results:
        items = colour_items(r.centers, hex_colours=hex_colours) if colour else level_items(r.centers)
        head = f"  {r.strategy.ljust(name_width)}  "
        ui.print(head + join_within(items, _WIDTH - len(head)))
    if footnote:
        ui.print(_FOOTNOTE)


_FOOTNOTE = ("PSNR in dB; packed B: bytes of the bit-packed codes; .vqz B: bytes of the file;\n"
             "ratio: .vqz / original bytes; ms: time of compress, after a warm-up run")


def _written(ui, html, files, out_dir) -> None:
    ui.print(f"Report: {html}")
    ui.print(f"{len(files)} files written in {out_dir}/: " + ", ".join(str(f.name) for f in files))


# --------------------------------------------------------------------------- demo / report


def cmd_demo(args, ui) -> int:
    from pathlib import Path

    from . import report
    from ._cli_files import CLIError, StageDir

    html = Path(args.out) / "face.html"  # fail fast on the file whose name is known; all are checked before moving
    if html.exists() and not args.force:
        raise CLIError(f"{html} exists; use --force to replace it")
    with StageDir(args.out, args.force) as stage:
        with ui.steps("demo") as progress:
            out = report.demo(stage.path, n_colors=args.n_colors, overwrite=True, progress=progress)
        files = stage.commit()
    colour = getattr(out, "colour_results", None)
    _results_table(ui, out.results, title=f"vqpress demo: gray face, {args.n_colors} levels", footnote=not colour)
    if colour:
        ui.print()
        _results_table(ui, colour, title=f"vqpress demo: colour face, {colour[0].strategy}, "
                                          f"{', '.join(str(r.n_colors) for r in colour)} colours", footnote=False)
        ui.print(_FOOTNOTE + "\n(colour: CPU time, as it runs beside the figures)")
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
                    image = imread(path, max_pixels=getattr(args, "max_pixels", None))
                    outputs.append((path, report.build_report(
                        image, stage.path, name=path.stem, n_colors=args.n_colors, strategies=strategies,
                        overwrite=True, progress=lambda step, p=path: progress(f"{p.name}: {step}"),
                    )))
                except VQError as exc:
                    raise _in_file(path, exc) from exc
        files = stage.commit()
    for path, out in outputs:
        _results_table(ui, out.results, title=f"{path}: {args.n_colors} {_unit_of(out.results)}")
        ui.print(f"Report: {stage.final_path(out.html)}")
        ui.print()
    ui.print(f"{len(files)} files written in {out_dir}/")
    return 0


# --------------------------------------------------------------------------- compress


def _names_folder(out) -> bool:
    """Whether ``-o`` names a folder: an existing one, or any path ending in a slash."""
    import os
    from pathlib import Path

    if out is None:
        return False
    return Path(out).is_dir() or out.endswith(("/", os.sep))


def _check_parent(target) -> None:
    from ._cli_files import CLIError

    folder = target.parent
    if not folder.is_dir():
        raise CLIError(f"folder {folder} does not exist (for {target})")


def cmd_compress(args, ui) -> int:
    from pathlib import Path

    from ._cli_big import compress_streaming, wants_streaming
    from ._cli_files import CLIError, Stage, check_targets, existing_inputs, images_in

    if wants_streaming(args):
        return compress_streaming(args, ui)

    given = existing_inputs(args.images)
    out = Path(args.out) if args.out else None
    folder_mode = len(given) > 1 or given[0].is_dir() or _names_folder(args.out)
    inputs = []
    for path in given:
        inputs.extend(images_in(path) if path.is_dir() else [path])
    if folder_mode:
        if out is not None and out.exists() and not out.is_dir():
            raise CLIError(f"{out} is a file; with several inputs -o names a folder")
        targets = [(out if out is not None else p.parent) / f"{p.stem}.vqz" for p in inputs]
    else:
        targets = [out if out is not None else inputs[0].with_suffix(".vqz")]
    check_targets(targets, args.force, sources=inputs)
    if not folder_mode:
        _check_parent(targets[0])

    rows = []
    with Stage(args.force) as stage:
        if folder_mode:
            with ui.files(len(inputs)) as advance:
                for src, dst in zip(inputs, targets):
                    advance.start(src.name)
                    rows.append(_compress_one(src, dst, stage, args, ui))
                    advance(src.name, rows[-1]["in"], rows[-1]["out"])
        else:
            with ui.steps("compressing") as progress:
                progress(str(inputs[0]))
                rows.append(_compress_one(inputs[0], targets[0], stage, args, ui))
        stage.commit()

    if not folder_mode:
        r = rows[0]
        ui.print(f"{r['src']} -> {r['dst']}: {r['shape']} {r['dtype']}, {r['colours']} {r['strategy']} {r['unit']}, "
                 f"{r['in']:,} -> {r['out']:,} bytes (ratio {r['ratio']:.4f}, {r['bpp']:.3f} bits/pixel, "
                 f"{r['coding']} coding)")
        return 0
    ui.table(
        ["input", "output", "colours", "raw B", "out B", "ratio", "bits/px", "coding"],
        [[str(r["src"]), str(r["dst"]), str(r["colours"]), f"{r['in']:,}", f"{r['out']:,}",
          f"{r['ratio']:.4f}", f"{r['bpp']:.3f}", r["coding"]] for r in rows],
        right={"colours", "raw B", "out B", "ratio", "bits/px"},
    )
    total_in = sum(r["in"] for r in rows)
    total_out = sum(r["out"] for r in rows)
    ui.print(f"{len(rows)} file{'s' if len(rows) != 1 else ''}: {total_in:,} -> {total_out:,} bytes (ratio {total_out / total_in:.4f})")
    return 0


def _compress_one(src, dst, stage, args, ui) -> dict:
    import warnings

    from . import api, container
    from ._cli_files import peek_header
    from .errors import VQError
    from .imageio import imread

    max_pixels = getattr(args, "max_pixels", None)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            image = imread(src, max_pixels=max_pixels)
            c = api.compress(image, n_colors=args.n_colors, strategy=args.strategy,
                             dither=getattr(args, "dither", False))
            if dst.suffix.lower() == ".png":
                from .png import to_png

                data, coding = to_png(c), "png"
            else:
                data = container.to_bytes(c, args.coding, effort=getattr(args, "effort", None),
                                          max_pixels=max_pixels)
                coding = peek_header(data)["coding"]
    except VQError as exc:
        raise _in_file(src, exc) from exc
    _show_warnings(ui, src, caught)
    size = stage.add(dst, lambda fh: fh.write(data))
    return {
        "src": src, "dst": dst, "shape": _fmt_shape(c.shape), "dtype": str(c.dtype),
        "colours": c.codebook.n_colors, "unit": "colours" if c.codebook.channels else "levels", "strategy": c.codebook.strategy, "in": c.original_nbytes,
        "out": size, "ratio": size / c.original_nbytes, "bpp": 8 * size / c.n_pixels, "coding": coding,
    }


def _show_warnings(ui, src, caught) -> None:
    """The library's notes to the user (and Pillow's decompression-bomb warning), one line
    each; deprecations and the like are for developers."""
    for w in caught:
        text = str(w.message)
        if str(src) not in text:
            text = f"{src}: {text}"
        if _is_bomb_warning(w.category):
            if "max-pixels" not in text:  # Pillow's own words
                text += " (--max-pixels N allows up to N pixels without this warning)"
            ui.warn(_one_line(text))
        elif issubclass(w.category, UserWarning):
            ui.warn(_one_line(text))


def _is_bomb_warning(category) -> bool:
    from PIL import Image

    return issubclass(category, Image.DecompressionBombWarning)


# --------------------------------------------------------------------------- decompress


def _default_suffix(dtype, shape) -> str:
    """.png for 8-bit gray/RGB/RGBA, .tif for 16-bit gray, .npy for anything else."""
    import numpy as np

    dtype = np.dtype(dtype)
    if dtype == np.uint8 and (len(shape) == 2 or (len(shape) == 3 and shape[-1] in (3, 4))):
        return ".png"
    if dtype == np.uint16 and len(shape) == 2:
        return ".tif"
    return ".npy"


def cmd_decompress(args, ui) -> int:
    from pathlib import Path

    from ._cli_files import CLIError, Stage, check_targets, existing_inputs, peek_header, read_head
    from .errors import VQError

    inputs = existing_inputs(args.files)
    for path in inputs:
        if path.is_dir():
            raise CLIError(f"{path} is a folder; decompress takes .vqz files")
    out = Path(args.out) if args.out else None
    folder_mode = len(inputs) > 1 or _names_folder(args.out)
    if folder_mode and out is not None and out.exists() and not out.is_dir():
        raise CLIError(f"{out} is a file; with several inputs -o names a folder")
    targets, heads = [], []
    for path in inputs:
        try:
            head = peek_header(read_head(path))
        except VQError as exc:
            raise _in_file(path, exc) from exc
        heads.append(head)
        suffix = _default_suffix(head["dtype"], head["shape"])
        if folder_mode:
            targets.append((out if out is not None else path.parent) / f"{path.stem}{suffix}")
        else:
            targets.append(out if out is not None else path.with_suffix(suffix))
    check_targets(targets, args.force, sources=inputs)
    if not folder_mode:
        _check_parent(targets[0])
    for src, dst, head in zip(inputs, targets, heads):
        _check_image_target(src, dst, head)

    with Stage(args.force) as stage:
        done = []
        with ui.files(len(inputs), title="decompressing") as advance:
            for src, dst in zip(inputs, targets):
                advance.start(src.name)
                nbytes = _decompress_one(src, dst, stage, args, ui)
                done.append((src, dst, nbytes))
                advance(src.name, src.stat().st_size, nbytes)
        stage.commit()
    for src, dst, nbytes in done:
        ui.print(f"{src} -> {dst}")
    return 0


def _check_image_target(src, target, head) -> None:
    """An output whose format cannot hold the image (an RGBA image as .jpg, 16-bit as .bmp,
    an extension that names no format) fails before any work, naming the user's file."""
    from ._cli_files import CLIError
    from .errors import VQError
    from .imageio import check_writable

    if target.suffix.lower() == ".npy":
        return
    try:
        check_writable(target, head["dtype"], head["shape"])
    except VQError as exc:
        msg = str(exc)
        if not target.suffix:
            msg += " (or end -o with / for a folder)"
        raise CLIError(f"{src}: {msg}" if str(src) not in msg else msg) from None


def _decompress_one(src, dst, stage, args, ui) -> int:
    import warnings

    from . import container
    from .errors import VQError
    from .imageio import encode_image

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            image = container.load(src, max_pixels=getattr(args, "max_pixels", None)).decompress()
        _show_warnings(ui, src, caught)
        if dst.suffix.lower() == ".npy":
            import numpy as np

            stage.add(dst, lambda fh: np.save(fh, image, allow_pickle=False))
        else:
            data = encode_image(image, dst)
            stage.add(dst, lambda fh: fh.write(data))
    except VQError as exc:
        raise _in_file(src, exc) from exc
    return image.nbytes


# --------------------------------------------------------------------------- info / bench


def cmd_info(args, ui) -> int:
    """Describe each file; a bad file is reported (one line) and the others still described."""
    import json

    records, failed = [], False
    for k, name in enumerate(args.files):
        try:
            record = _info_record(name)
        except Exception as exc:  # noqa: BLE001 - reported like main() does, then go on
            if len(args.files) == 1:
                raise
            print(f"vqpress: error: {_one_line(_message(exc, False))}", file=sys.stderr)
            failed = True
            continue
        records.append(record)
        if not args.json:
            if len(records) > 1:
                ui.print()
            _print_info(ui, record)
    if args.json and not ui.quiet:
        print(json.dumps(records[0] if len(args.files) == 1 else records, indent=2))
    return 1 if failed else 0


def _info_record(name) -> dict:
    """What ``info`` shows of a file: its header and codebook, checksums verified; the
    payload is never decoded (a file claiming a huge image costs one read of the file)."""
    from . import container
    from ._cli_files import CLIError, existing_inputs
    from .bitpack import packed_size
    from .errors import VQError

    (path,) = existing_inputs([name])
    if path.is_dir():
        raise CLIError(f"{path} is a folder; info takes .vqz files")
    try:
        head, cb = container.inspect(path)
    except VQError as exc:
        raise _in_file(path, exc) from exc
    shape = head.shape
    image_like = len(shape) == 2 or (cb.channels and len(shape) == 3)
    file_bytes = head.file_size
    original = math.prod(shape) * head.dtype.itemsize
    return {
        "file": str(path),
        "shape": list(shape),
        "dtype": str(head.dtype),
        "kind": ({0: "gray", 3: "RGB", 4: "RGBA"}[cb.channels] if image_like else f"{len(shape)}-d array"),
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
    }


def _print_info(ui, r) -> None:
    from ._text import LEVELS_NAME

    if r["channels"] > 1:
        names = {3: "RGB", 4: "RGBA"}.get(r["channels"], f"{r['channels']} channels")
        hex_colours = r["dtype"] == "uint8"
        codebook = [
            ("colours", f"{r['n_colors']} {names} colours ({r['code_bits']} bits per code)"),
            ("strategy", r["strategy"]),
            ("palette", _fmt_centers(r["palette"] if hex_colours else r["centers"], limit=32,
                                     hex_colours=hex_colours)),
        ]
    else:
        codebook = [
            ("codebook", f"{r['n_colors']} levels ({r['code_bits']} bits per code)"),
            ("strategy", r["strategy"]),
            (LEVELS_NAME, _fmt_centers(r["centers"], limit=32)),
        ]
    ui.fields([
        ("shape", f"{_fmt_shape(r['shape'], r['channels'] if r['channels'] > 1 else 0)} ({r['kind']})"),
        ("dtype", r["dtype"]),
        *codebook,
        ("coding", f"{r['coding']}: payload {r['payload_bytes']:,} bytes "
                   f"(raw bit packing: {r['raw_payload_bytes']:,})"),
        ("file size", f"{r['file_bytes']:,} bytes"),
        ("original size", f"{r['original_bytes']:,} bytes"),
        ("ratio", f"{r['ratio']:.4f} (file / original)"),
        ("bits per pixel", f"{r['bits_per_pixel']:.3f}"),
        ("format", f".vqz {r['format_version']}, checksums OK"),
    ], title=r["file"])


def cmd_bench(args, ui) -> int:
    from . import bench

    with ui.steps("bench") as progress:
        rows = bench.run_benchmarks(quick=not args.full, progress=progress)
    ui.print(bench.format_table(rows))
    return 0
