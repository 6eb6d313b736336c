"""The rate-distortion data of quantization: for every strategy and number of levels, the
distortion (MSE, PSNR) and the rate, in bits per pixel, of the fixed-width packed codes and of
the real ``.vqz`` file.

:func:`rate_distortion` computes the rows that :func:`vqpress.plot.plot_rate_distortion` draws;
:mod:`vqpress.report` runs :func:`rate_distortion_rows` and the ``.vqz`` encodes itself, beside
its figures. :mod:`vqpress.plot` re-exports :func:`rate_distortion`, :func:`default_strategies`
and :data:`DEFAULT_LEVELS`, where they have always been documented. Nothing here needs
matplotlib.

>>> import vqpress
>>> from vqpress.rate_distortion import rate_distortion
>>> rows = rate_distortion(vqpress.datasets.face(gray=True)[::8, ::8], ["optimal"], levels=(2, 4))
>>> [(r["levels"], r["packed_bpp"]) for r in rows]
[(2, 1.0), (4, 2.0)]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ._plot_style import _distortion, _image
from .kinds import image_kind

__all__ = ["rate_distortion", "rate_distortion_rows", "default_strategies", "DEFAULT_LEVELS"]

#: Default numbers of levels of :func:`rate_distortion` and :func:`vqpress.plot.plot_rate_distortion`.
DEFAULT_LEVELS = (2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 256)


def rate_distortion(image, strategies: Sequence[str] | None = None, levels=DEFAULT_LEVELS, *,
                    vqz_levels=None, known=None, workers: int | None = None) -> list[dict]:
    """Rate and distortion of every strategy at every number of levels.

    Parameters
    ----------
    image : array_like
    strategies : sequence of str, optional
        Default: every strategy for this kind of image.
    levels : sequence of int
        Numbers of levels; the fixed-width packed rate is computed at each (fast).
    vqz_levels : sequence of int, optional
        Numbers of levels at which the ``.vqz`` size (entropy coded, the slow part: about
        0.1-1 s each on a megapixel) is computed too. Default: ``levels``.
    known : sequence of StrategyResult, optional
        Results already at hand (their ``.vqz`` size is reused).
    workers : int, optional
        Threads for the ``.vqz`` encodes (default: up to 2).

    Returns
    -------
    list of dict
        One per (strategy, levels): ``strategy, levels, n_colors, mse, psnr, packed_bpp``
        and ``vqz_bpp`` (``None`` where not computed).
    """
    from concurrent.futures import ThreadPoolExecutor
    import os

    rows, jobs = rate_distortion_rows(image, strategies, levels, vqz_levels, known)
    if jobs:
        workers = workers or min(2, os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            sizes = list(pool.map(lambda job: len(job[1].to_bytes()), jobs))
        for (row, c), size in zip(jobs, sizes):
            row["vqz_bpp"] = 8 * size / c.n_pixels
    return rows


def rate_distortion_rows(image, strategies: Sequence[str] | None, levels, vqz_levels,
                         known) -> tuple[list[dict], list[tuple]]:
    """The rows of :func:`rate_distortion` without the ``.vqz`` encodes: the caller runs those
    (:mod:`vqpress.report` runs them beside its figures).

    Parameters
    ----------
    image, strategies, levels, vqz_levels, known
        As in :func:`rate_distortion` (``vqz_levels`` None: ``levels``).

    Returns
    -------
    rows : list of dict
        As :func:`rate_distortion` returns them, ``vqz_bpp`` None where still to be measured.
    jobs : list of tuple
        The ``(row, compressed)`` pairs whose ``.vqz`` size is still to be measured: set
        ``row["vqz_bpp"] = 8 * len(compressed.to_bytes()) / compressed.n_pixels``.
    """
    from .api import compress

    img = _image(image)
    names = list(strategies) if strategies is not None else default_strategies(img)
    axis = -1 if image_kind(img).vector else None
    vqz_levels = set(levels if vqz_levels is None else vqz_levels)
    known_sizes = {}
    for r in known or ():
        known_sizes[(r.strategy, r.compressed.codebook.n_colors, r.n_colors)] = r.vqz_bytes
    rows, jobs = [], []
    for name in names:
        for n in sorted(set(levels) | vqz_levels):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # collapsed bins at many levels
                c = compress(img, n, name, channel_axis=axis)
            err, snr = _distortion(img, c.decompress())
            row = {
                "strategy": name, "levels": n, "n_colors": c.codebook.n_colors, "mse": err, "psnr": snr,
                "packed_bpp": 8 * len(c.payload) / c.n_pixels, "vqz_bpp": None,
            }
            if n in vqz_levels:
                size = known_sizes.get((name, c.codebook.n_colors, n))
                if size is None:
                    jobs.append((row, c))
                else:
                    row["vqz_bpp"] = 8 * size / c.n_pixels
            rows.append(row)
    return rows, jobs


def default_strategies(image: np.ndarray) -> list[str]:
    """Every strategy for this kind of image: scalar ones for gray, colour ones for colour."""
    return list(image_kind(image).strategies)
