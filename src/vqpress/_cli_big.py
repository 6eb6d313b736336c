"""``vqpress compress`` for images larger than memory: streamed through dask, stored in zarr.

Taken when the input or the output is a zarr array (``*.zarr``) or ``--chunks`` is given.
A TIFF/OME-TIFF is read tile by tile through tifffile's zarr view (``aszarr=True``, turned
upright by its orientation tag as :func:`vqpress.imread` turns it), a zarr array chunk by
chunk, anything else whole; the codebook is fitted on the exact histogram of
every chunk (:mod:`vqpress.dask`) and the image is written through the ``vqpress.vq`` codec,
so it never has to fit in memory. A ``.vqz`` or image output holds the codes in memory (one
byte a pixel, or two), never the image.
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path

import numpy as np

from ._cli_files import CLIError, check_vqz_options

#: Chunk side used when neither the input nor ``--chunks`` says otherwise.
DEFAULT_CHUNK = 4096
#: The most chunks the streaming path makes: dask's task graph takes memory for each (a
#: terapixel gray image in the default chunks makes about 60,000); more is refused before
#: any graph is built, as is an image file whose header claims a size its data cannot hold.
MAX_CHUNKS = 200_000
#: The most bytes one strip or tile of a TIFF, or one chunk of a zarr array, may decode to on
#: the streaming path: each is read whole, so a TIFF of one 16-gigabyte strip (a few
#: kilobytes of deflate can claim it) would need that much memory at once. A larger one is
#: refused before anything is read.
MAX_TIFF_CHUNK_BYTES = 256 << 20
_TIFF = (".tif", ".tiff", ".btf", ".tf8", ".tf2")


def _is_zarr(path) -> bool:
    """A ``*.zarr`` name, or a folder holding zarr metadata (an array inside a group)."""
    path = Path(path)
    return path.name.lower().endswith(".zarr") or (
        path.is_dir() and any((path / name).is_file() for name in ("zarr.json", ".zarray", ".zgroup")))


def wants_streaming(args) -> bool:
    """Whether ``compress`` takes this path: a ``.zarr`` input or output, or ``--chunks``."""
    return (getattr(args, "chunks", None) is not None or (args.out is not None and _is_zarr(args.out))
            or any(_is_zarr(p) for p in args.images))


def parse_chunks(text: str | None, ndim: int, colour: bool) -> tuple[int, ...]:
    """``"4096"`` or ``"4096,2048"`` -> a chunk shape for an array of ``ndim`` axes (the
    colour axis whole)."""
    spatial = ndim - 1 if colour else ndim
    if text is None:
        sides = [DEFAULT_CHUNK] * spatial
    else:
        try:
            sides = [int(s) for s in text.split(",")]
        except ValueError:
            sides = []
        if len(sides) == 1:
            sides = sides * spatial
        if len(sides) != spatial or min(sides) < 1:
            raise CLIError(f"--chunks must be one positive integer or {spatial} of them separated by commas; "
                           f"got {text!r}")
    return tuple(sides) + ((-1,) if colour else ())


def open_lazy(path: Path, opened: contextlib.ExitStack):
    """A dask array reading ``path``: a zarr array, a TIFF tile by tile, or another image whole.
    A file it leaves open to read from is closed when ``opened`` closes."""
    import dask.array as da
    import zarr

    if _is_zarr(path):
        try:
            node = zarr.open(path, mode="r")
        except Exception as exc:
            raise CLIError(f"{path}: not a zarr array ({exc})") from None
        if not isinstance(node, zarr.Array):
            names = ", ".join(str(path / name) for name in sorted(node.array_keys())) or "it has none"
            raise CLIError(f"{path} is a zarr group; give one of its arrays: {names}")
        chunk_bytes = math.prod(node.chunks) * node.dtype.itemsize
        if chunk_bytes > MAX_TIFF_CHUNK_BYTES:
            raise CLIError(f"{path}: its chunks decode to {chunk_bytes:,} bytes each ({' x '.join(map(str, node.chunks))} "
                           f"{node.dtype}), more than the {MAX_TIFF_CHUNK_BYTES >> 20} MiB that vqpress reads at once; "
                           "rewrite it in smaller chunks")
        return da.from_zarr(node)
    if path.suffix.lower() in _TIFF:
        import tifffile

        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            if len(page.dataoffsets) != math.prod(page.chunked):  # a header its strips do not fill
                raise CLIError(f"{path}: damaged TIFF: its header's size {page.shape} needs "
                               f"{math.prod(page.chunked):,} strips or tiles; the file has {len(page.dataoffsets):,}")
            chunk_bytes = math.prod(page.chunks) * page.dtype.itemsize if page.dtype is not None else 0
            if chunk_bytes > MAX_TIFF_CHUNK_BYTES:
                what = "tiles" if page.is_tiled else "strips"
                raise CLIError(f"{path}: its {what} decode to {chunk_bytes:,} bytes each ({' x '.join(map(str, page.chunks))} "
                               f"{page.dtype}), more than the {MAX_TIFF_CHUNK_BYTES >> 20} MiB that vqpress reads at once "
                               "when it streams an image; compress it in memory (no --chunks, not to .zarr) or "
                               "rewrite it tiled (tifffile.imwrite(..., tile=(1024, 1024)))")
            photometric, separate = page.photometric, page.planarconfig == tifffile.PLANARCONFIG.SEPARATE
            samples, bilevel, tag = page.samplesperpixel, page.dtype == np.bool_, page.tags.get(274)
        # tifffile gives the samples as stored: gray (min-is-black) and RGB are the image;
        # palette indices, CMYK, min-is-white, 1-bit, YCbCr... are read whole, by Pillow
        if photometric in (tifffile.PHOTOMETRIC.MINISBLACK, tifffile.PHOTOMETRIC.RGB) and not bilevel:
            store = opened.enter_context(tifffile.imread(path, aszarr=True))
            node = zarr.open(store, mode="r")
            if not isinstance(node, zarr.Array):  # a pyramid: its full-resolution level
                node = node[sorted(node.array_keys())[0]]
            x = da.from_zarr(node)
            if separate and samples > 1:  # planar: (..., samples, H, W) -> (..., H, W, samples)
                x = da.moveaxis(x, -3, -1)
            orientation = int(tag.value) if tag is not None else 1  # as imread applies it
            return _upright(x, orientation, pages=x.ndim > 2 + (x.shape[-1] in (3, 4)))
    from .imageio import imread

    image = imread(path, frames=True)  # every frame of an animation, as the in-memory path reads it
    return da.from_array(image if len(image) > 1 else image[0])


def _upright(x, orientation: int, *, pages: bool):
    """``x`` (a TIFF as stored: ``(H, W[, C])``, or ``(pages, H, W[, C])``) turned and
    mirrored, lazily, as :func:`vqpress.imread` shows a TIFF of this EXIF orientation."""
    import dask.array as da

    h, w = (1, 2) if pages else (0, 1)
    if orientation in (5, 6, 7, 8):
        x = da.swapaxes(x, h, w)  # 5: transposed; 6, 7, 8: turned from the transposed image
    flips = {2: (w,), 3: (h, w), 4: (h,), 6: (w,), 7: (h, w), 8: (h,)}.get(orientation, ())
    for axis in flips:
        x = da.flip(x, axis)
    return x


def _progress(report, what: str):
    """A dask callback that reports finished tasks to the CLI's progress line (every 0.2 s)."""
    from dask.callbacks import Callback

    class Reporter(Callback):
        def _start_state(self, dsk, state):
            self.total = sum(len(state[k]) for k in ("ready", "waiting", "running", "finished"))
            self.last = 0.0

        def _posttask(self, key, result, dsk, state, worker_id):
            now = time.monotonic()
            if now - self.last > 0.2:
                self.last = now
                report(f"{what}: {len(state['finished'])}/{self.total} tasks")

    return Reporter()


def compress_streaming(args, ui) -> int:
    """``vqpress compress`` of one large image; see the module docstring."""
    if len(args.images) != 1:
        raise CLIError("a zarr output or --chunks takes one input image")
    if getattr(args, "dither", False):
        raise CLIError("--dither needs the whole image in memory; it does not combine with zarr or --chunks")
    src = Path(args.images[0])
    if not src.exists():
        raise CLIError(f"{src}: no such file or folder")
    # the last suffix replaced, as the .vqz default name is made (scan.2024.tif -> scan.2024.zarr)
    dst = Path(args.out) if args.out else src.with_name(src.stem + ".zarr")
    if dst.resolve() == src.resolve():
        raise CLIError(f"{dst} is the input; choose another output")
    if dst.exists() and not args.force:
        raise CLIError(f"{dst} exists; use --force to replace it")
    check_vqz_options(args, [dst], f"{dst} is not one")
    with contextlib.ExitStack() as opened:  # the TIFF stays open while its tiles are read
        return _compress_lazy(open_lazy(src, opened), src, dst, args, ui)


def _compress_lazy(x, src: Path, dst: Path, args, ui) -> int:
    """Fit, encode and write the lazily read image ``x`` of ``src`` to ``dst``."""
    import warnings

    import dask.array as da

    from . import dask as vqd
    from ._text import image_size
    from .errors import VQError
    from .kinds import AUTO, resolve

    # an image file's gray + alpha: its pixels quantized as two-channel colours, as in memory
    gray_alpha = not _is_zarr(src) and x.ndim in (3, 4) and x.shape[-1] == 2
    # (frames, H, W, 2|3|4): pages of a colour image, as the in-memory path reads them
    # (vqpress.dask.fit alone would take a 4-d array for scalar data, value by value)
    frames = x.ndim == 4 and (x.shape[-1] in (3, 4) or gray_alpha)
    colour = frames or gray_alpha or resolve(x)[1].vector
    chunks = parse_chunks(getattr(args, "chunks", None), x.ndim, colour)
    n_chunks = math.prod(1 if c == -1 else -(-n // c) for n, c in zip(x.shape, chunks))
    if n_chunks > MAX_CHUNKS:
        raise CLIError(f"{src}: shape {x.shape} in chunks of {tuple(c for c in chunks if c != -1)} makes "
                       f"{n_chunks:,} chunks, more than the {MAX_CHUNKS:,} allowed; give larger --chunks")
    x = x.rechunk(chunks)
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught, ui.steps("compressing") as progress:
            warnings.simplefilter("always", UserWarning)
            with _progress(progress, "histogram"):
                fitted = da.concatenate(list(x), axis=0) if frames else x  # the frames one above another
                codebook = vqd.fit(fitted, 8 if args.n_colors is None else args.n_colors, args.strategy,
                                   channel_axis=-1 if gray_alpha else AUTO)
            with _progress(progress, "writing"):
                size = _write(x, codebook, dst, args)
    except VQError as exc:
        raise CLIError(f"{src}: {exc}") from exc
    except Exception as exc:
        if type(exc).__module__.split(".")[0] == "tifffile":  # found while reading the pixels
            raise CLIError(f"{src}: damaged TIFF ({exc})") from exc
        raise
    for w in caught:
        if issubclass(w.category, UserWarning):
            ui.warn(f"{src}: {w.message}")
    seconds = time.perf_counter() - started
    pixels = x.size // (x.shape[-1] if colour else 1)
    # width x height, as everywhere; a 3-d gray array is pages (frames), as the in-memory path and info say
    size_words = image_size(x.shape, x.shape[-1] if colour else 0, frames=frames or (not colour and x.ndim == 3))
    ui.wrapped(f"{src} -> {dst}: {size_words}, {x.dtype}, {codebook.n_colors} {codebook.strategy} "
               f"{'colours' if colour else 'levels'}, {x.nbytes:,} -> {size:,} bytes (ratio {size / x.nbytes:.4f}, "
               f"{8 * size / pixels:.3f} bits/pixel), {pixels / 1e6 / seconds:.1f} MPix/s")
    return 0


def _write(x, codebook, dst: Path, args) -> int:
    """Write the quantized image; return the bytes written."""
    from . import dask as vqd

    if _is_zarr(dst):
        import shutil

        # Written beside the target and moved into place when complete: an interrupted run
        # leaves the old array (or none), never half of one.
        tmp = dst.with_name(f".{dst.name}.partial")
        old = dst.with_name(f".{dst.name}.old")
        for leftover in (tmp, old):
            shutil.rmtree(leftover, ignore_errors=True)
        try:
            vqd.to_zarr(x, tmp, codebook=codebook, chunks=tuple(c[0] for c in x.chunks))
            if dst.exists():
                dst.rename(old)
            tmp.rename(dst)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
        return sum(f.stat().st_size for f in dst.rglob("*") if f.is_file())
    from . import formats
    from .bitpack import pack_bits
    from .compressed import Compressed

    codes = vqd.encode(x, codebook).compute()
    c = Compressed(codebook, x.shape, pack_bits(codes, codebook.bits), _codes=codes)
    if dst.suffix.lower() == ".png":
        formats.save(dst, c, overwrite=args.force)
    else:
        formats.save(dst, c, coding=args.coding, effort=args.effort, overwrite=args.force,
                     exact_centers=args.exact_centers)
    return dst.stat().st_size
