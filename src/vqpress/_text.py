"""How vqpress words its numbers for people, the same in figures, reports and the terminal.

- Image sizes are width x height in pixels (as image viewers and tools say them); arrays
  that are not images keep numpy's shape.
- What a code stands for is a *level* in gray (scalar) data and a *colour* in colour data.
- Levels are the reconstruction values (the mean of each bin's data); scikit-learn's "bin
  centers" (the midpoints of the edges) are called *bin midpoints* wherever they appear.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The name of the reconstruction values of gray data, wherever they are shown.
LEVELS_NAME = "levels (bin means)"
#: The name of scikit-learn's ``bin_centers`` (midpoints of the edges).
MIDPOINTS_NAME = "bin midpoints"


def count(n: int, noun: str) -> str:
    """``n`` and the noun, in the singular for one: ``count(1, "colour") == "1 colour"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def few_colours(distinct: int, used: int, asked: int) -> str:
    """Why a colour fit uses fewer colours than asked: ``distinct`` colours in the image, of
    which ``used`` are distinct in float64 (fewer only for 64-bit integers above 2**53)."""
    if used < distinct:
        return (f"image has {count(distinct, 'distinct colour')} but only {used} in float64 (integers above "
                f"2**53 are rounded); using {count(used, 'colour')} instead of {asked}")
    return f"image has only {count(distinct, 'distinct colour')}; using {count(used, 'colour')} instead of {asked}"


def is_image_shape(shape: Sequence[int], channels: int) -> bool:
    """Whether an array of ``shape`` with ``channels`` (0 for gray) is one image."""
    return len(shape) == (3 if channels else 2)


def image_size(shape: Sequence[int], channels: int = 0, *, frames: bool = False) -> str:
    """``"1024 x 768 pixels"`` for an image (width x height); ``"shape (a, b, c)"`` otherwise.

    ``channels`` is the number of colour channels (0 for gray data). With ``frames``, the
    first axis counts frames: ``"12 frames of 640 x 480 pixels"``.
    """
    if frames and is_image_shape(shape[1:], channels):
        return f"{shape[0]} frame{'s' if shape[0] != 1 else ''} of {shape[2]} x {shape[1]} pixels"
    if is_image_shape(shape, channels):
        return f"{shape[1]} x {shape[0]} pixels"
    return "shape (" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def display_colours(colours):
    """Rows of ``colours`` (..., C) as the RGB (RGBA) that shows them: a gray + alpha
    colour as gray, gray, gray and alpha; RGB and RGBA as they are."""
    colours = np.asarray(colours)
    if colours.shape[-1] == 2:
        return colours[..., [0, 0, 0, 1]]
    return colours


def level_items(values) -> list[str]:
    """Gray levels as strings of 4 significant digits: ``["21.13", "54.53", ...]``."""
    return [f"{v:.4g}" for v in np.asarray(values, dtype=np.float64)]


def colour_items(colours, *, hex_colours: bool) -> list[str]:
    """Colours as ``#rrggbb`` (``#rrggbbaa``; 8-bit data) or as ``(r, g, b)`` tuples."""
    rows = np.asarray(colours, dtype=np.float64)
    if hex_colours:
        rows = np.clip(np.rint(rows), 0, 255).astype(int)
        return ["#" + "".join(f"{v:02x}" for v in row) for row in rows]
    return ["(" + ", ".join(f"{v:.4g}" for v in row) + ")" for row in rows]


def join_within(items: list[str], width: int) -> str:
    """As many of ``items`` as fit in ``width`` characters, then how many there are in all."""
    out, used = [], 0
    for k, item in enumerate(items):
        tail = "" if k == len(items) - 1 else f" ... ({len(items)} in all)"
        if used + len(item) + len(tail) > width and out:
            return " ".join(out) + f" ... ({len(items)} in all)"
        out.append(item)
        used += len(item) + 1
    return " ".join(out)


def level_list(values, limit: int = 8) -> str:
    """Gray levels as ``21.13 54.53 ...`` (4 significant digits), at most ``limit`` of them."""
    items = level_items(values)
    return " ".join(items[:limit] + ([f"... ({len(items)} in all)"] if len(items) > limit else []))
