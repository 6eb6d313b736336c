"""The kinds of data vqpress quantizes, each declared once.

A *kind* says what a code stands for and how the codes are chosen:

========== ========= ====================================== ========= ========= ==========
kind       channels  strategies                             default   n_colors  a code is
========== ========= ====================================== ========= ========= ==========
scalar     none      uniform, quantile, kmeans, optimal     optimal   2..65536  a level
gray+alpha 2         kmeans, mediancut                      kmeans    2..256    a colour
colour     3, 4      kmeans, mediancut                      kmeans    2..256    a colour
========== ========= ====================================== ========= ========= ==========

Scalar data (gray images, and any array of numbers) of any shape is fitted on the exact histogram of its values by one of
the scalar strategies (:mod:`vqpress.strategies`), which choose bin edges; the levels are
the means of the bins. Vector data -- pixels of 2 (gray and alpha), 3 (RGB) or 4 (RGBA)
channels, along the last axis -- is fitted on the histogram of its distinct colours by
vector quantization (:func:`vqpress.colour.fit_colours`); a gray + alpha pixel is a
2-channel colour, so that alpha and gray are quantized together, as the pixels pair them.

Everything that depends on the kind is read from here: the library's checks and defaults
(:func:`vqpress.fit`, :func:`vqpress.compress`), the ``.vqz`` container's allowed channel
counts, the command line's choices, the words of reports and tables, the benchmark's
strategies. Which kind an array is follows ``channel_axis`` (scikit-image's convention,
see :func:`resolve`).

Only the standard library is imported here: the command line reads the strategy names
while it starts up.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Kind", "SCALAR", "GRAY_ALPHA", "COLOUR", "KINDS", "STRATEGY_NAMES", "CHANNELS", "MAX_COLORS",
           "AUTO", "kind_of", "image_kind", "channel_name", "resolve", "colour_points"]

#: ``channel_axis`` default: ``(H, W, 3|4)`` arrays are colour images, anything else scalar.
AUTO = "auto"


@dataclass(frozen=True)
class Kind:
    """One kind of data: its channel counts, strategies, limits and words.

    Attributes
    ----------
    name : str
        ``"scalar"``, ``"gray+alpha"`` or ``"colour"``.
    channels : tuple of int
        Channel counts of a pixel of this kind; ``(0,)`` for scalar data (no channel axis).
    strategies : tuple of str
        Strategy names, in the order reports show them.
    default_strategy : str
        The strategy :func:`vqpress.fit` uses when none is given.
    max_colors : int
        Largest ``n_colors`` (the smallest is :attr:`min_colors`).
    unit : str
        What a code stands for, in the plural: ``"levels"`` or ``"colours"``.
    histogram, fit : str
        The entry points (``"module:function"``): the exact histogram of such data, and
        the fit of a codebook (levels or palette) to a histogram (see :meth:`entry`).
    """

    name: str
    channels: tuple
    strategies: tuple
    default_strategy: str
    max_colors: int
    unit: str
    histogram: str
    fit: str
    min_colors: int = 2

    @property
    def vector(self) -> bool:
        """Whether a pixel is a vector of channels (a palette) rather than a scalar (levels)."""
        return self.channels != (0,)

    @property
    def unit_one(self) -> str:
        """What one code stands for: ``"level"`` or ``"colour"``."""
        return self.unit[:-1]

    def check_strategy(self, strategy) -> str:
        """``strategy``, or the default for ``None``; a :class:`~vqpress.VQError` naming
        the kind and its strategies for any other name."""
        from ._validation import check_choice

        if strategy is None:
            return self.default_strategy
        return check_choice(strategy, self.strategies, name="strategy", context=f" for {self.name} data")

    def check_n_colors(self, n_colors) -> int:
        """``n_colors`` as an int in ``min_colors..max_colors``, or a :class:`~vqpress.VQError`."""
        from ._validation import check_int

        return check_int(n_colors, name="n_colors", low=self.min_colors, high=self.max_colors,
                         context=f" for {self.name} data")

    def entry(self, which: str):
        """The function named by :attr:`histogram` or :attr:`fit` (imported on first use)."""
        import importlib

        module, _, name = getattr(self, which).partition(":")
        return getattr(importlib.import_module(module), name)


SCALAR = Kind("scalar", (0,), ("uniform", "quantile", "kmeans", "optimal"), "optimal", 65536, "levels",
            histogram="vqpress.histogram:scalar_histogram", fit="vqpress.api:fit_histogram")
GRAY_ALPHA = Kind("gray+alpha", (2,), ("kmeans", "mediancut"), "kmeans", 256, "colours",
                  histogram="vqpress.colour:colour_histogram", fit="vqpress.colour:fit_colours")
COLOUR = Kind("colour", (3, 4), ("kmeans", "mediancut"), "kmeans", 256, "colours",
              histogram="vqpress.colour:colour_histogram", fit="vqpress.colour:fit_colours")
#: Every kind.
KINDS = (SCALAR, GRAY_ALPHA, COLOUR)

#: Every strategy name, of any kind: what a codebook's ``strategy`` (and a ``.vqz`` file's
#: strategy field) may hold.
STRATEGY_NAMES = tuple(dict.fromkeys(s for kind in KINDS for s in kind.strategies))
#: Channel counts a codebook (and a ``.vqz`` header) may have; 0 is scalar data.
CHANNELS = tuple(sorted(c for kind in KINDS for c in kind.channels))
#: The largest ``n_colors`` of any kind.
MAX_COLORS = max(kind.max_colors for kind in KINDS)

_BY_CHANNELS = {c: kind for kind in KINDS for c in kind.channels}
_CHANNEL_NAMES = {0: "gray", 2: "gray + alpha", 3: "RGB", 4: "RGBA"}


def kind_of(channels: int) -> Kind:
    """The kind of data whose pixels have ``channels`` channels (0: scalar), as a codebook's
    ``channels`` says."""
    kind = _BY_CHANNELS.get(channels)
    if kind is None:
        from .errors import VQError

        raise VQError(f"no kind of data has {channels} channels (allowed: "
                      f"{', '.join(f'{c} ({_CHANNEL_NAMES[c]})' for c in CHANNELS)})")
    return kind


def image_kind(shape) -> Kind:
    """The kind of one image of this shape (or array): ``(H, W)`` is scalar (gray), and
    ``(H, W, C)`` holds pixels of ``C`` channels (2: gray + alpha, 3: RGB, 4: RGBA).

    Raises
    ------
    VQError
        Any other shape, naming the allowed ones.
    """
    shape = tuple(getattr(shape, "shape", shape))
    if len(shape) == 2:
        return SCALAR
    if len(shape) == 3 and shape[-1] in _BY_CHANNELS and shape[-1]:
        return _BY_CHANNELS[shape[-1]]
    from .errors import VQError

    raise VQError(f"an image has shape (H, W) (gray), (H, W, 2) (gray + alpha) or (H, W, 3|4) (RGB, RGBA); "
                  f"got shape {shape}")


def channel_name(channels: int) -> str:
    """``"gray"``, ``"gray + alpha"``, ``"RGB"`` or ``"RGBA"``: the pixels of ``channels`` channels."""
    return _CHANNEL_NAMES.get(channels, f"{channels}-channel")


def resolve(arr, channel_axis=AUTO):
    """The kind of ``arr`` and ``arr`` with its channel axis (if any) moved last.

    Parameters
    ----------
    arr : ndarray
        Checked data (:func:`vqpress._validation.check_data`).
    channel_axis : int, None or "auto"
        scikit-image's convention: the axis that holds the channels (2, 3 or 4 of them:
        gray + alpha, RGB, RGBA), or ``None`` for scalar data whatever its shape.
        ``"auto"`` (the default of the public functions): ``(H, W, 3|4)`` arrays are colour
        images and any other array is scalar data; a 2-D array whose last axis is 3 or 4
        (a list of RGB or RGBA pixels?) and an ``(H, W, 2)`` array (a gray + alpha image?)
        are taken as scalar data with a warning that names ``channel_axis``.

    Returns
    -------
    (ndarray, Kind)
        A view of ``arr`` with the channels last (``arr`` itself when they are there).

    Raises
    ------
    VQError
        An axis out of range, or one whose length is no kind's channel count.

    Examples
    --------
    >>> import numpy as np
    >>> from vqpress.kinds import resolve
    >>> resolve(np.zeros((4, 6, 3)))[1].name               # an (H, W, 3) image
    'colour'
    >>> arr, kind = resolve(np.zeros((3, 4, 6)), channel_axis=0)
    >>> arr.shape, kind.name, kind.default_strategy
    ((4, 6, 3), 'colour', 'kmeans')
    >>> resolve(np.zeros((10, 3)), channel_axis=None)[1].name    # ten rows of three numbers
    'scalar'
    """
    from ._validation import check_int, warn
    from .errors import VQError

    if isinstance(channel_axis, str) and channel_axis == AUTO:
        if arr.ndim == 3 and arr.shape[-1] in COLOUR.channels:
            return arr, COLOUR
        looks = ("a list of pixels of 3 or 4 channels" if arr.ndim == 2 and arr.shape[-1] in COLOUR.channels
                 else "a gray + alpha image" if arr.ndim == 3 and arr.shape[-1] in GRAY_ALPHA.channels else None)
        if looks:
            warn(f"data of shape {arr.shape} is quantized as scalar values, each on its own; if it is "
                 f"{looks}, pass channel_axis=-1 to quantize its pixels as colours (channel_axis=None "
                 "says it is scalar data and silences this warning)")
        return arr, SCALAR
    if channel_axis is None:
        return arr, SCALAR
    if arr.ndim < 2:
        raise VQError(f"channel_axis={channel_axis!r} needs data of at least 2 dimensions (pixels along the "
                      f"others); got shape {arr.shape}")
    axis = check_int(channel_axis, name="channel_axis", low=-arr.ndim, high=arr.ndim - 1)
    axis %= arr.ndim
    channels = arr.shape[axis]
    kind = _BY_CHANNELS.get(channels) if channels else None
    if kind is None or not kind.vector:
        allowed = ", ".join(f"{c} ({_CHANNEL_NAMES[c]})" for c in CHANNELS if c)
        raise VQError(f"axis {axis} of data of shape {arr.shape} (channel_axis={channel_axis}) has "
                      f"{channels} channels; allowed are {allowed}")
    import numpy as np

    return (arr if axis == arr.ndim - 1 else np.moveaxis(arr, axis, -1)), kind


def colour_points(pixels):
    """``(N, C)`` pixels as the colour functions take them (3 or 4 channels): pixels of 1 or
    2 channels (gray, gray + alpha) gain zero channels up to 3, which changes no distance,
    so that their palette is the first ``C`` columns of the one fitted to the points."""
    import numpy as np

    if pixels.shape[1] >= 3:
        return pixels
    points = np.zeros((pixels.shape[0], 3), dtype=pixels.dtype)
    points[:, : pixels.shape[1]] = pixels
    return points
