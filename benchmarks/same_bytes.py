"""A digest of what a build writes, for a change that must keep every byte (a refactoring).

    python benchmarks/same_bytes.py OLD_SRC old.txt
    python benchmarks/same_bytes.py NEW_SRC new.txt
    cmp old.txt new.txt

``SRC`` is a tree's ``src`` folder (put first on the path, its compiled modules built in
place). Each output line is a case: its name and the sha256 and length of its bytes (or its
header, cm payload header, refusal message or rate-distortion rows as text). The cases:
``.vqz`` streams (raw, context, auto, cm at efforts 0-9) of gray, gray + alpha, colour,
pixel lists, frames, uint16 and float32 data at several shapes and numbers of levels, and
their decoding; PNG, GIF, WebP and TIFF exports; ``cm.encode`` of maps at every effort and
at every level forced (levels 11 and 13 also where their choice would not take them; levels 18,
20 and 21 in builds that have them, as lines of their own);
``encode_code_map`` with every model, up to 35,000 symbols; the rate-distortion rows. About
20 s on one core.
"""

import contextlib
import hashlib
import os
import sys
from unittest import mock

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
src, out_path = sys.argv[1], sys.argv[2]
sys.path.insert(0, src)

import numpy as np  # noqa: E402

import vqpress  # noqa: E402

assert vqpress.__file__.startswith(src), vqpress.__file__
from vqpress import formats, plot  # noqa: E402
from vqpress.coding import cm, level8  # noqa: E402
from vqpress.container import from_bytes, read_header, to_bytes  # noqa: E402
from vqpress.entropy import decode_code_map, encode_code_map  # noqa: E402

try:  # the effort table and the levels that replace the effort's for few symbols
    from vqpress.coding import choice

    effort_settings, few_levels, few_colours = choice.EFFORT_SETTINGS, choice._FEW_LEVELS, choice._FEW_COLOURS
except ImportError:  # trees before vqpress.coding.choice: in cm.py
    effort_settings, few_levels, few_colours = cm._EFFORT_SETTINGS, cm._FEW_LEVELS, cm._FEW_COLOURS
try:  # the levels a build's reader takes
    from vqpress.coding.levels import LEVELS as cm_levels
except ImportError:  # trees before vqpress.coding.levels: in cm.py
    cm_levels = getattr(cm, "LEVELS", ())

lines = []


def _payload(data, head):
    """The payload of a .vqz stream (format 2.2's codebook form 2: its length from the body)."""
    if head.codebook_len is None:
        from vqpress.container import _with_compact_len

        head = _with_compact_len(head, memoryview(data)[head.size:len(data) - 4])
    return data[head.size + head.codebook_len: head.size + head.codebook_len + head.payload_len]


def _streams(payload: bytes, shape: tuple, n: int) -> list:
    """The coded strips of a cm payload of version 1 or 2 (docs/FORMAT.md), read by the
    build's own payload parser: the same streams whatever the version of the fields around
    them."""
    layout = cm._layout(memoryview(payload), *shape, n)
    return [payload[o:o + s] for o, s in zip(layout.offsets.tolist(), layout.sizes.tolist())]




def put(name, data):
    if isinstance(data, np.ndarray):
        data = repr((data.dtype.str, data.shape)).encode() + np.ascontiguousarray(data).tobytes()
    lines.append(f"{name} {hashlib.sha256(data).hexdigest()} {len(data)}")


rng = np.random.default_rng(20261204)
face = vqpress.datasets.face(gray=True)
face_rgb = vqpress.datasets.face(gray=False)


def smooth(h, w, seed):
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    f = np.sin(x / (7 + seed)) + np.cos(y / (11 + seed)) + 0.3 * r.standard_normal((h, w))
    return ((f - f.min()) / (np.ptp(f) + 1e-9) * 255).astype(np.uint8)


images = {
    "face_gray_crop": face[200:456, 300:640],
    "face_gray_small": face[::4, ::4],
    "smooth_200x333": smooth(200, 333, 1),
    "row_1x500": smooth(1, 500, 2),
    "col_37x1": smooth(37, 1, 3),
    "tiny_3x5": smooth(3, 5, 4),
    "face_rgb_crop": face_rgb[200:392, 300:556],
    "face_rgba": np.concatenate([face_rgb[::6, ::6], (smooth(128, 171, 5)[:, :, None] // 128 * 255)], axis=2),
    "gray_alpha": np.stack([smooth(60, 90, 6), smooth(60, 90, 7)], axis=2),
    "pixel_list": face_rgb[::16, ::16].reshape(-1, 3),
    "frames": np.stack([smooth(48, 64, s) for s in (8, 9, 10)]),
    "uint16": (smooth(80, 120, 11).astype(np.uint16) * 257 + rng.integers(0, 200, (80, 120))).astype(np.uint16),
    "float32": smooth(70, 50, 12).astype(np.float32) / 7.5,
    "noise": rng.integers(0, 256, (90, 140), dtype=np.uint8),
}
levels = {"face_gray_crop": (2, 3, 4, 5, 8, 12, 16, 24, 32, 64, 256), "face_rgb_crop": (2, 4, 8, 16, 64, 256),
          "smooth_200x333": (2, 4, 7, 8, 9, 16, 20, 40), "face_gray_small": (4, 8, 16, 33)}

for name, img in images.items():
    axis = -1 if (img.ndim == 3 and img.shape[-1] in (2, 3, 4) and name not in ("frames",)) or name == "pixel_list" \
        else None
    kind_strats = ("kmeans", "uniform") if axis is None else ("kmeans", "mediancut")
    for strat in kind_strats:
        for n in levels.get(name, (2, 4, 8, 16)):
            try:
                c = vqpress.compress(img, n, strat, channel_axis=axis)
            except vqpress.VQError as exc:
                lines.append(f"{name}-{strat}-{n} refused {exc}")
                continue
            tag = f"{name}-{strat}-{n}"
            put(tag + "-packed", c.payload)
            codings = ["raw", "context", "auto"] + [("cm", e) for e in range(10)]
            for coding in codings:
                effort = None
                if isinstance(coding, tuple):
                    coding, effort = coding
                try:
                    data = to_bytes(c, coding, effort=effort)
                except vqpress.VQError as exc:
                    lines.append(f"{tag}-{coding}-{effort} refused {exc}")
                    continue
                put(f"{tag}-{coding}-{effort}", data)
                head = read_header(data)
                lines.append(f"{tag}-{coding}-{effort}-header {head}")
                if coding == "cm":
                    payload = _payload(data, head)
                    lines.append(f"{tag}-{coding}-{effort}-describe {sorted(cm.describe(payload).items())}")
                    put(f"{tag}-{coding}-{effort}-streams", b"".join(_streams(payload, head.map_shape, head.n_colors)))
                if effort in (None, 0, 2, 9):
                    put(f"{tag}-{coding}-{effort}-decoded", from_bytes(data).codes())
            for suffix in (".png", ".gif", ".webp", ".tif"):
                try:
                    put(f"{tag}{suffix}", formats.encode(c, "x" + suffix))
                except vqpress.VQError as exc:
                    lines.append(f"{tag}{suffix} refused {exc}")

# the entropy coder's models directly, including the order-0 models of > 256 symbols
for seed, (h, w, n) in enumerate([(40, 70, 2), (64, 130, 5), (129, 257, 17), (50, 60, 256), (33, 44, 300),
                                  (20, 2000, 70000 // 2)]):
    codes = (np.random.default_rng(seed).integers(0, n, (h, w))).astype(np.uint8 if n <= 256 else np.uint16)
    sm = (smooth(h, w, seed).astype(np.int64) * n // 256).astype(codes.dtype)
    for label, m in (("noise", codes), ("smooth", sm)):
        for ordered in (None, True, False):
            data = encode_code_map(m, n, ordered=ordered)
            put(f"entropy-{label}-{h}x{w}-{n}-{ordered}", data)
            put(f"entropy-{label}-{h}x{w}-{n}-{ordered}-dec", decode_code_map(data, m.shape, n))
    if n <= 256:
        for effort in range(10):
            for ordered in (True, False):
                for strip_rows in (None, 7):
                    data = cm.encode(sm, n, ordered=ordered, effort=effort, strip_rows=strip_rows)
                    put(f"cm-{h}x{w}-{n}-{effort}-{ordered}-{strip_rows}", data)
                    put(f"cm-{h}x{w}-{n}-{effort}-{ordered}-{strip_rows}-dec", cm.decode(data, sm.shape, n))

# forced levels of cm (every ordered level on gray maps, every palette level on palettes)
@contextlib.contextmanager
def forced(ordered_level=None, palette_level=None):
    settings = {e: (ordered_level if ordered_level is not None else o, palette_level if palette_level is not None
                    else p, b, False, s) for e, (o, p, b, _, s) in effort_settings.items()}
    with mock.patch.dict(effort_settings, settings), mock.patch.dict(few_levels, clear=True), \
            mock.patch.dict(few_colours, clear=True):
        yield


def always_weighted(sym, n, code, tuned, weighted, *args):
    return weighted, level8.choose(sym, n, lambda sample, p: code(sample, tuned, p))


# (builds with level 20 put it in level 13's place: level 13 is forced as it was, and level 20,
# forced as level 13 is in those builds, makes new lines)
averaged_level = getattr(choice, "_averaged_level", None) if choice is not None else None
for seed, (h, w, n) in enumerate([(64, 130, 3), (129, 257, 8), (100, 200, 12), (90, 91, 16), (77, 120, 30)]):
    sm = (smooth(h, w, seed + 20).astype(np.int64) * n // 256).astype(np.uint8)
    for level in (0, 1, 2, 4, 5, 8, 9, 11, 13) + ((20,) if averaged_level is not None else ()):
        for effort in (1, 2, 5):
            choose = always_weighted if seed % 2 else level8.choose_level  # levels 11 and 13 where they lose too
            keep = (mock.patch.object(choice, "_averaged_level", lambda level_, ramp: level_)
                    if averaged_level is not None and level in (11, 13) else contextlib.nullcontext())
            with forced(ordered_level=13 if level == 20 else level), keep, \
                    mock.patch.object(level8, "choose_level", choose):
                data = cm.encode(sm, n, ordered=True, effort=effort)
            put(f"cm-ordered-{level}-{h}x{w}-{n}-{effort}", data)
            lines.append(f"cm-ordered-{level}-{h}x{w}-{n}-{effort}-describe {sorted(cm.describe(data).items())}")
            put(f"cm-ordered-{level}-{h}x{w}-{n}-{effort}-dec", cm.decode(data, sm.shape, n))
    # (level 18, up to 16 colours, and level 21, above, in builds that have them: their digests
    # are new lines)
    for level in (0, 1, 2, 3, 6, 7, 10) + ((18,) if 18 in cm_levels and n <= 16 else ()) \
            + ((21,) if 21 in cm_levels and n > 16 else ()):
        for effort in (1, 2, 5):
            with forced(palette_level=level):
                data = cm.encode(sm, n, ordered=False, effort=effort)
            put(f"cm-palette-{level}-{h}x{w}-{n}-{effort}", data)
            lines.append(f"cm-palette-{level}-{h}x{w}-{n}-{effort}-describe {sorted(cm.describe(data).items())}")
            put(f"cm-palette-{level}-{h}x{w}-{n}-{effort}-dec", cm.decode(data, sm.shape, n))

# the rate-distortion rows
rows = plot.rate_distortion(face[::8, ::8], ["uniform", "optimal"], levels=(2, 4, 8, 256), vqz_levels=(4, 256))
lines.append(f"rd {rows!r}")
rows = plot.rate_distortion(face_rgb[::16, ::16], None, levels=(2, 8), vqz_levels=(8,))
lines.append(f"rd-colour {rows!r}")

with open(out_path, "w") as fh:
    fh.write("\n".join(lines) + "\n")
print(len(lines), "lines", hashlib.sha256("\n".join(lines).encode()).hexdigest())
