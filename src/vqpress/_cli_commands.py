"""The commands of ``vqpress`` (see :mod:`vqpress.cli`): thin calls into the library.

Imported only when a command runs, so that ``vqpress --help`` stays fast. Each ``cmd_NAME``
takes the parsed arguments and a :class:`vqpress._cli_ui.UI` and returns the exit status;
failures raise (``main`` turns them into one line on stderr).
"""

from __future__ import annotations

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

    centers = np.asarray(centers)
    if centers.ndim == 1:
        items = [f"{v:.{digits}g}" for v in centers]
    elif hex_colours:
        levels = np.clip(np.rint(centers), 0, 255).astype(int)
        items = ["#" + "".join(f"{v:02x}" for v in row) for row in levels]
    else:
        items = ["(" + ", ".join(f"{v:.4g}" for v in row) + ")" for row in centers]
    if len(items) > limit and limit < 8:  # short: the first few, then how many more
        items = items[:limit] + [f"+{len(items) - limit}"]
    elif len(items) > limit:
        items = items[: limit - 4] + [f"... ({len(items)} in all) ..."] + items[-3:]
    return " ".join(items)


def _fmt_shape(shape) -> str:
    return " x ".join(str(s) for s in shape)


def _results_table(ui, results, title=None, footnote=True) -> None:
    """The table of a report: one row per strategy."""
    import numpy as np

    rows = []
    for r in results:
        colour = np.ndim(r.centers) == 2
        hex_colours = colour and str(getattr(r.compressed, "dtype", "")) == "uint8"
        rows.append([
            r.strategy,
            str(r.n_colors),
            _fmt_centers(r.centers, limit=3 if colour else 8, digits=4, hex_colours=hex_colours),
            f"{r.mse:.2f}",
            "inf" if r.psnr == float("inf") else f"{r.psnr:.2f}",
            f"{r.packed_bytes:,}",
            f"{r.vqz_bytes:,}",
            f"{r.ratio:.4f}",
            f"{r.seconds:.2f}s",
        ])
    ui.table(["strategy", "n", "centers", "MSE", "PSNR", "packed", ".vqz", "ratio", "time"], rows,
             title=title, right={"n", "MSE", "PSNR", "packed", ".vqz", "ratio", "time"},
             min_widths={"centers": 20})
    if footnote:
        ui.print(_FOOTNOTE)


_FOOTNOTE = ("(PSNR in dB; packed: bytes of the bit-packed codes; .vqz: bytes of the file; "
             "ratio: .vqz / original bytes)")


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
        ui.print(_FOOTNOTE[:-1] + "; colour time: CPU time, as it runs beside the figures)")
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
                    image = imread(path)
                    outputs.append((path, report.build_report(
                        image, stage.path, name=path.stem, n_colors=args.n_colors, strategies=strategies,
                        overwrite=True, progress=lambda step, p=path: progress(f"{p.name}: {step}"),
                    )))
                except VQError as exc:
                    raise _in_file(path, exc) from exc
        files = stage.commit()
    for path, out in outputs:
        _results_table(ui, out.results, title=f"{path}: {out.results[0].n_colors if out.results else args.n_colors} levels")
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

    from ._cli_files import CLIError, Stage, check_targets, existing_inputs, images_in

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
        if folder_mode and out is not None:
            stage.make_dir(out)
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
    from ._fileio import atomic_write_bytes
    from .errors import VQError
    from .imageio import imread

    tmp = stage.temp_for(dst)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            image = imread(src)
            c = api.compress(image, n_colors=args.n_colors, strategy=args.strategy,
                             dither=getattr(args, "dither", False))
            if dst.suffix.lower() == ".png":
                container.save(tmp, c, overwrite=True)
                coding = "png"
            else:
                data = c.to_bytes(args.coding, effort=getattr(args, "effort", None))
                coding = peek_header(data)["coding"]
                atomic_write_bytes(tmp, data, overwrite=True)
    except VQError as exc:
        raise _in_file(src, exc) from exc
    for w in caught:
        if issubclass(w.category, UserWarning):  # the library's notes to the user, not deprecations
            ui.warn(_one_line(f"{src}: {w.message}"))
    size = tmp.stat().st_size
    return {
        "src": src, "dst": dst, "shape": _fmt_shape(c.shape), "dtype": str(c.dtype),
        "colours": c.codebook.n_colors, "unit": "colours" if c.codebook.channels else "levels", "strategy": c.codebook.strategy, "in": c.original_nbytes,
        "out": size, "ratio": size / c.original_nbytes, "bpp": 8 * size / c.n_pixels, "coding": coding,
    }


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
    targets = []
    for path in inputs:
        try:
            head = peek_header(read_head(path))
        except VQError as exc:
            raise _in_file(path, exc) from exc
        suffix = _default_suffix(head["dtype"], head["shape"])
        if folder_mode:
            targets.append((out if out is not None else path.parent) / f"{path.stem}{suffix}")
        else:
            targets.append(out if out is not None else path.with_suffix(suffix))
    check_targets(targets, args.force, sources=inputs)
    if not folder_mode:
        _check_parent(targets[0])
        _check_image_suffix(targets[0])

    with Stage(args.force) as stage:
        if folder_mode and out is not None:
            stage.make_dir(out)
        done = []
        with ui.files(len(inputs), title="decompressing") as advance:
            for src, dst in zip(inputs, targets):
                advance.start(src.name)
                nbytes = _decompress_one(src, dst, stage)
                done.append((src, dst, nbytes))
                advance(src.name, src.stat().st_size, nbytes)
        stage.commit()
    for src, dst, nbytes in done:
        ui.print(f"{src} -> {dst}")
    return 0


def _check_image_suffix(target) -> None:
    """An output name whose extension picks no format fails before any work (not with the
    name of a temporary file)."""
    from PIL import Image

    from ._cli_files import CLIError

    suffix = target.suffix.lower()
    if suffix != ".npy" and suffix not in Image.registered_extensions():
        what = f"extension {target.suffix!r}" if suffix else "no extension"
        raise CLIError(f"{target} has {what}: use .png, .tif, .npy, ... (or end -o with / for a folder)")


def _decompress_one(src, dst, stage) -> int:
    from . import container
    from ._fileio import atomic_write
    from .errors import VQError
    from .imageio import imwrite

    tmp = stage.temp_for(dst)
    try:
        image = container.load(src).decompress()
        if dst.suffix.lower() == ".npy":
            import numpy as np

            atomic_write(tmp, lambda fh: np.save(fh, image, allow_pickle=False), overwrite=True)
        else:
            imwrite(tmp, image, overwrite=True)
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
    from . import container
    from ._cli_files import CLIError, existing_inputs, peek_header
    from .errors import VQError

    (path,) = existing_inputs([name])
    if path.is_dir():
        raise CLIError(f"{path} is a folder; info takes .vqz files")
    data = path.read_bytes()
    try:
        c = container.from_bytes(data)
        head = peek_header(data)
    except VQError as exc:
        raise _in_file(path, exc) from exc
    cb = c.codebook
    image_like = len(c.shape) == 2 or (cb.channels and len(c.shape) == 3)
    return {
        "file": str(path),
        "shape": list(c.shape),
        "dtype": str(c.dtype),
        "kind": ({0: "gray", 3: "RGB", 4: "RGBA"}[cb.channels] if image_like else f"{len(c.shape)}-d array"),
        "channels": cb.channels,
        "n_colors": cb.n_colors,
        "strategy": cb.strategy,
        "centers": cb.centers.tolist(),
        # the colours (levels) as they decode, in the image's dtype
        "palette": cb.levels().tolist(),
        "code_bits": cb.bits,
        "coding": head["coding"],
        "payload_bytes": head["payload_bytes"],
        "raw_payload_bytes": len(c.payload),
        "file_bytes": len(data),
        "original_bytes": c.original_nbytes,
        "ratio": len(data) / c.original_nbytes,
        "bits_per_pixel": 8 * len(data) / c.n_pixels,
        "format_version": head["version"],
    }


def _print_info(ui, r) -> None:
    if r["channels"]:
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
            ("colours", f"{r['n_colors']} levels ({r['code_bits']} bits per code)"),
            ("strategy", r["strategy"]),
            ("codebook", _fmt_centers(r["centers"], limit=32)),
        ]
    ui.fields([
        ("shape", f"{_fmt_shape(r['shape'])} ({r['kind']})"),
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
