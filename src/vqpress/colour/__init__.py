"""Colour (vector) quantization: pure functions on arrays.

Fit on the histogram of distinct colours, encode by exact nearest-centre search::

    colours, counts = colour_histogram(image.reshape(-1, 3))
    centers = fit_colours(colours, counts, n_colors=64)           # (64, 3) float64
    codes = nearest_centre(image.reshape(-1, 3), centers)         # (H*W,) uint8
    dithered = dither_image(image, centers)                       # (H, W) uint8

The hot loops are compiled kernels (Cython, built with the package; see docs/kernels.md),
loaded on first use, not with ``import vqpress``.
"""

from .dither import dither_image
from .fit import STRATEGIES, fit_colours
from .histogram import colour_histogram
from .nearest import nearest_centre

__all__ = ["colour_histogram", "fit_colours", "nearest_centre", "dither_image", "STRATEGIES"]
