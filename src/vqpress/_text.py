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


def is_image_shape(shape: Sequence[int], channels: int) -> bool:
    """Whether an array of ``shape`` with ``channels`` (0 for gray) is one image."""
    return len(shape) == (3 if channels else 2)


def image_size(shape: Sequence[int], channels: int = 0) -> str:
    """``"1024 x 768 pixels"`` for an image (width x height); ``"shape (a, b, c)"`` otherwise.

    ``channels`` is the number of colour channels (0 for gray data).
    """
    if is_image_shape(shape, channels):
        return f"{shape[1]} x {shape[0]} pixels"
    return "shape (" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def n_pixels(shape: Sequence[int], channels: int = 0) -> int:
    """Number of pixels (colour data: values / channels)."""
    size = int(np.prod(shape, dtype=np.int64))
    return size // channels if channels else size


def unit(colour: bool) -> str:
    """What a code stands for: ``"colours"`` or ``"levels"``."""
    return "colours" if colour else "levels"


def level_list(values, limit: int = 8) -> str:
    """Gray levels as ``21.13 54.53 ...`` (4 significant digits), at most ``limit`` of them."""
    values = np.asarray(values, dtype=np.float64)
    items = [f"{v:.4g}" for v in values[:limit]]
    if values.size > limit:
        items.append(f"... ({values.size} in all)")
    return " ".join(items)


def hex_palette(rgb, limit: int = 8) -> str:
    """8-bit colours as ``#rrggbb`` (``#rrggbbaa`` with alpha), at most ``limit`` of them."""
    rows = np.clip(np.rint(np.asarray(rgb, dtype=np.float64)), 0, 255).astype(int)
    items = ["#" + "".join(f"{v:02x}" for v in row) for row in rows[:limit]]
    if len(rows) > limit:
        items.append(f"... ({len(rows)} in all)")
    return " ".join(items)
