"""``vqpress decompress``: ``.vqz`` files (or folders of them, or standard input) back to
images (or ``.npy`` arrays).

Every output is planned from the files' headers before any payload is decoded: its name,
its format (the default follows the data: :func:`default_suffix`) and whether that format
holds the data; then every file is decoded and the outputs written all at once, or none.
"""

from __future__ import annotations

from pathlib import Path

from ._cli_files import STDIO, CLIError


def default_suffix(dtype, shape, channels: int) -> str:
    """.png for an 8-bit image (gray, gray + alpha, RGB, RGBA), .tif for 16-bit gray and
    for frames (pages), .npy for anything else."""
    import numpy as np

    dtype = np.dtype(dtype)
    pixel_dims = len(shape) - (1 if channels else 0)
    if pixel_dims == 2 and dtype == np.uint8:
        return ".png"
    if pixel_dims in (2, 3) and (dtype == np.uint8 or (dtype == np.uint16 and not channels)):
        return ".tif"
    return ".npy"


def cmd_decompress(args, ui) -> int:
    import io

    from ._cli_files import in_file
    from ._cli_files import (Stage, check_parent, check_stdout, check_targets, existing_inputs, expand,
                             names_folder, peek_header, read_head, read_stdin, vqz_in, write_stdout)
    from .errors import VQError

    names = list(args.files)
    stdin = None
    if STDIO in names:
        if len(names) > 1:
            raise CLIError("- (standard input) must be the only input")
        inputs = [None]
    else:
        given = existing_inputs(names)
        inputs = expand(given, vqz_in)
    out = args.out
    folder_mode = len(inputs) > 1 or (STDIO not in names and any(p.is_dir() for p in given)) or names_folder(out)
    if folder_mode and out == STDIO:
        raise CLIError("several inputs cannot all be written to standard output (-o -)")
    folder = Path(out) if folder_mode and out is not None else None
    if folder is not None and folder.exists() and not folder.is_dir():
        raise CLIError(f"{out} is a file; with several inputs -o names a folder")
    targets, heads = [], []
    for path in inputs:
        try:
            if path is None:
                stdin = read_stdin("a .vqz file")
                head = peek_header(stdin)
            else:
                head = peek_header(read_head(path))
        except VQError as exc:
            raise in_file("(standard input)" if path is None else path, exc) from exc
        heads.append(head)
        suffix = default_suffix(head["dtype"], head["shape"], head["channels"])
        if out == STDIO or (path is None and out is None):
            targets.append(None)
        elif folder_mode:
            targets.append((folder if folder is not None else path.parent) / f"{path.stem}{suffix}")
        else:
            targets.append(Path(out) if out is not None else path.with_suffix(suffix))
    files = [(src, dst) for src, dst in zip(inputs, targets) if dst is not None]
    check_targets([dst for _, dst in files], args.force, sources=[src for src, _ in files])
    if not folder_mode and targets[0] is not None:
        check_parent(targets[0])
    for src, dst, head in zip(inputs, targets, heads):
        _check_image_target(src, dst, head)
    if targets[0] is None:
        check_stdout("the image")
        ui.results_to_stderr()

    with Stage(args.force) as stage:
        done, to_stdout = [], None
        with ui.files(len(inputs), title="decompressing") as advance:
            for src, dst, head in zip(inputs, targets, heads):
                name = "(standard input)" if src is None else src
                advance.start(Path(str(name)).name)
                write = _decompress_one(src, stdin, dst, head, args, ui)
                if dst is None:
                    buf = io.BytesIO()
                    write(buf)
                    to_stdout = buf.getvalue()
                    size = len(to_stdout)
                else:
                    size = stage.add(dst, write)
                done.append((name, "(standard output)" if dst is None else dst))
                advance(Path(str(name)).name, len(stdin) if src is None else src.stat().st_size, size)
        stage.commit()
    if to_stdout is not None:
        write_stdout(to_stdout, "the image")
    for src, dst in done:
        ui.print(f"{src} -> {dst}")
    return 0


def _pixel_dims(head) -> int:
    return len(head["shape"]) - (1 if head["channels"] else 0)


def _check_image_target(src, target, head) -> None:
    """An output whose format cannot hold the data (an RGBA image as .jpg, 16-bit as .bmp,
    a pixel list as .png, an extension that names no format) fails before any work,
    naming the user's file."""
    from .errors import VQError
    from .imageio import check_writable

    name = "(standard input)" if src is None else src
    suffix = default_suffix(head["dtype"], head["shape"], head["channels"]) if target is None else \
        target.suffix.lower()
    if suffix == ".npy":
        return
    if _pixel_dims(head) not in (2, 3):
        from ._text import image_size

        raise CLIError(f"{name}: {image_size(head['shape'], head['channels'])} is no image (nor frames of one); "
                       f"write it as .npy")
    try:
        check_writable(target or Path("x" + suffix), head["dtype"], head["shape"], frames=_pixel_dims(head) == 3)
    except VQError as exc:
        msg = str(exc)
        if target is not None and not target.suffix:
            msg += " (or end -o with / for a folder)"
        raise CLIError(f"{name}: {msg}" if str(name) not in msg else msg) from None


def _decompress_one(src, stdin, dst, head, args, ui):
    """``write(fh)``: writes the output file of one input."""
    import warnings

    from . import container
    from ._cli_files import in_file
    from .errors import VQError
    from .imageio import encode_image

    name = "(standard input)" if src is None else src
    suffix = default_suffix(head["dtype"], head["shape"], head["channels"]) if dst is None else dst.suffix.lower()
    max_pixels = getattr(args, "max_pixels", None)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if src is None:
                c = container.from_bytes(stdin, max_pixels=max_pixels)
            else:
                c = container.load(src, max_pixels=max_pixels)
            image = c.decompress()
        ui.warnings(name, caught)
        if suffix == ".npy":
            import numpy as np

            return lambda fh: np.save(fh, image, allow_pickle=False)
        data = encode_image(image, dst or Path("x" + suffix), frames=_pixel_dims(head) == 3, timing=c.timing)
        return lambda fh: fh.write(data)
    except VQError as exc:
        raise in_file(name, exc) from exc
