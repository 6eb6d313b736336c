"""``ColorQuantizer``: a colour palette for pixel lists, where scikit-learn's gallery fits ``KMeans``."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted, validate_data

from .._text import count
from .._validation import warn
from ..colour import colour_histogram, fit_colours, nearest_centre
from ..colour.fit import MAX_COLOURS
from ..kinds import colour_points

__all__ = ["ColorQuantizer"]

#: Channels of a pixel: gray, gray + alpha, RGB, RGBA.
_MAX_CHANNELS = 4


class ColorQuantizer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """Quantize pixel colours to a palette of ``n_colors`` colours, fitted on every pixel.

    Where scikit-learn's gallery example "Color Quantization using K-Means" fits
    :class:`sklearn.cluster.KMeans` to a random sample of an image's pixels, this fits
    vqpress's colour k-means (:func:`vqpress.colour.fit_colours`) to the exact histogram of
    all of them, ending at an exact Lloyd fixed point; ``predict`` assigns each pixel its
    exact nearest palette colour. The attributes and methods are those of ``KMeans``
    (``cluster_centers_``, ``labels_``, ``inertia_``, ``fit``, ``predict``,
    ``fit_predict``, ``score``), with ``transform`` giving each pixel's palette index and
    ``inverse_transform`` the palette colour of an index.

    Parameters
    ----------
    n_colors : int, default=64
        Number of palette colours, 2..4096. Pixels with fewer distinct colours get one
        palette colour per distinct colour (with a warning).

    strategy : {"kmeans", "mediancut"}, default="kmeans"
        ``"kmeans"``: weighted k-means on the distinct colours, ending at an exact Lloyd
        fixed point. ``"mediancut"``: greedy variance-minimising box cuts, several times
        faster and slightly less accurate.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_palette, n_channels)
        The palette: one colour per row, in the pixels' units (for example 0..255 for
        ``uint8`` pixels, 0..1 for the gallery's floats). float32 when fitted on float32
        pixels, else float64. ``n_palette == n_colors`` unless the pixels have fewer
        distinct colours.

    labels_ : ndarray of shape (n_pixels,), dtype=int32
        Palette index of each fitted pixel (its nearest palette colour; ties go to the
        lower index).

    inertia_ : float
        Sum of the (weighted) squared distances of the fitted pixels to their palette
        colours.

    n_features_in_ : int
        Number of channels seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has feature names
        that are all strings.

    See Also
    --------
    sklearn.cluster.KMeans : The estimator scikit-learn's gallery uses for this.
    vqpress.fit : Fit a palette to an ``(H, W, 3)`` or ``(H, W, 4)`` image.
    KBinsDiscretizer : Levels for one channel (gray images).

    Notes
    -----
    Pixel lists of 1 (gray) or 2 (gray + alpha) channels are accepted too: they are fitted
    as colours whose missing channels are zero, which changes no distance.

    The fit is deterministic: the same pixels give the same palette, so there is no
    ``random_state``.

    Examples
    --------
    The gallery's workflow, on every pixel of the raccoon face as floats in [0, 1]:

    >>> import numpy as np, vqpress
    >>> from vqpress.sklearn import ColorQuantizer
    >>> face = vqpress.datasets.face()                   # (768, 1024, 3) uint8
    >>> pixels = face.reshape(-1, 3) / 255
    >>> cq = ColorQuantizer(n_colors=16).fit(pixels)
    >>> cq.cluster_centers_.shape, cq.labels_.shape
    ((16, 3), (786432,))
    >>> quantized = cq.cluster_centers_[cq.labels_].reshape(face.shape)
    >>> bool(np.array_equal(cq.predict(pixels), cq.labels_))
    True

    ``transform`` gives palette indices and ``inverse_transform`` their colours, in the
    pixels' dtype (``uint8`` pixels give ``uint8`` colours):

    >>> cq = ColorQuantizer(n_colors=16).fit(face.reshape(-1, 3))
    >>> codes = cq.transform(face.reshape(-1, 3))
    >>> codes.shape, codes.dtype
    ((786432, 1), dtype('uint8'))
    >>> cq.inverse_transform(codes).dtype
    dtype('uint8')
    """

    _parameter_constraints: dict = {
        "n_colors": [Interval(Integral, 2, MAX_COLOURS, closed="both")],
        "strategy": [StrOptions({"kmeans", "mediancut"})],
    }

    def __init__(self, n_colors: int = 64, strategy: str = "kmeans") -> None:
        self.n_colors = n_colors
        self.strategy = strategy

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # transform gives integer palette indices
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Fit the palette to the pixels.

        Parameters
        ----------
        X : array-like of shape (n_pixels, n_channels)
            Pixel colours, 1 to 4 channels (3 for RGB, 4 for RGBA), any integer or floating
            dtype. Reshape an ``(H, W, C)`` image with ``image.reshape(-1, C)``.

        y : None
            Ignored. This parameter exists only for compatibility with
            :class:`~sklearn.pipeline.Pipeline`.

        sample_weight : array-like of shape (n_pixels,), default=None
            Non-negative weight of each pixel; a pixel of weight 2 counts as two copies.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = self._check_pixels(X, reset=True)
        channels = X.shape[1]
        as_colours = colour_points(X)  # gray (+ alpha): zero channels change no distance
        if sample_weight is None:
            colours, counts = colour_histogram(as_colours)
        else:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
            colours, _, inverse = colour_histogram(as_colours, return_inverse=True)
            counts = np.bincount(inverse, weights=sample_weight, minlength=colours.shape[0])
            weighed = counts > 0  # some, as _check_sample_weight saw to
            colours, counts = colours[weighed], counts[weighed]
        palette = fit_colours(colours, counts, self.n_colors, self.strategy)
        if palette.shape[0] < self.n_colors:
            warn(
                f"the pixels have only {count(palette.shape[0], 'distinct colour')}; using "
                f"{count(palette.shape[0], 'palette colour')} instead of n_colors={self.n_colors}"
            )
        center_dtype = np.float32 if X.dtype == np.float32 else np.float64
        self.cluster_centers_ = palette[:, :channels].astype(center_dtype)
        self.labels_ = self._nearest(X)
        error = ((X - self.cluster_centers_[self.labels_].astype(np.float64)) ** 2).sum(axis=1)
        self.inertia_ = float(error.sum() if sample_weight is None else error @ sample_weight)
        self._n_features_out = 1
        self._pixel_dtype = X.dtype
        return self

    def predict(self, X):
        """Palette index of each pixel: its nearest palette colour (exact; ties to the lower index).

        Parameters
        ----------
        X : array-like of shape (n_pixels, n_channels)
            Pixel colours with the channels ``fit`` saw.

        Returns
        -------
        labels : ndarray of shape (n_pixels,), dtype=int32
            Index into ``cluster_centers_`` of each pixel.
        """
        check_is_fitted(self)
        return self._nearest(self._check_pixels(X, reset=False))

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit the palette and return ``labels_``, the palette index of each pixel.

        Parameters
        ----------
        X, y, sample_weight
            As in :meth:`fit`.

        Returns
        -------
        labels : ndarray of shape (n_pixels,), dtype=int32
            Index into ``cluster_centers_`` of each pixel.
        """
        return self.fit(X, sample_weight=sample_weight).labels_

    def score(self, X, y=None, sample_weight=None):
        """Minus the inertia of ``X`` on the palette, as :meth:`sklearn.cluster.KMeans.score`.

        Parameters
        ----------
        X : array-like of shape (n_pixels, n_channels)
            Pixel colours with the channels ``fit`` saw.

        y : None
            Ignored. This parameter exists only for compatibility with
            :class:`~sklearn.pipeline.Pipeline`.

        sample_weight : array-like of shape (n_pixels,), default=None
            Non-negative weight of each pixel.

        Returns
        -------
        score : float
            Minus the (weighted) sum of the squared distances of the pixels to their
            nearest palette colours: higher is better (``GridSearchCV`` maximises it).
        """
        check_is_fitted(self)
        X = self._check_pixels(X, reset=False)
        error = ((X - self.cluster_centers_[self._nearest(X)].astype(np.float64)) ** 2).sum(axis=1)
        if sample_weight is None:
            return -float(error.sum())
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        return -float(error @ sample_weight)

    def transform(self, X):
        """Palette index of each pixel, as a one-column array of the smallest unsigned dtype.

        Parameters
        ----------
        X : array-like of shape (n_pixels, n_channels)
            Pixel colours with the channels ``fit`` saw.

        Returns
        -------
        codes : ndarray of shape (n_pixels, 1), dtype=uint8 (up to 256 colours) or uint16
            ``predict(X)`` as a column.
        """
        return self._as_codes(self.predict(X))

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit the palette and return the palette index of each pixel.

        Parameters
        ----------
        X, y, sample_weight
            As in :meth:`fit`.

        Returns
        -------
        codes : ndarray of shape (n_pixels, 1), dtype=uint8 (up to 256 colours) or uint16
            ``labels_`` as a column.
        """
        return self._as_codes(self.fit(X, sample_weight=sample_weight).labels_)

    def inverse_transform(self, X):
        """Palette colour of each palette index.

        Parameters
        ----------
        X : array-like of shape (n_pixels, 1) or (n_pixels,)
            Palette indices, as ``transform`` or ``predict`` return them (integer values
            ``0 .. len(cluster_centers_) - 1``).

        Returns
        -------
        colours : ndarray of shape (n_pixels, n_channels)
            ``cluster_centers_[X]``, in the dtype of the fitted pixels: integer pixels
            give their integer dtype (palette colours rounded and clipped to its range),
            floating pixels the dtype of ``cluster_centers_``.
        """
        check_is_fitted(self)
        codes = check_array(X, ensure_2d=False, dtype=None, input_name="X")
        if codes.ndim == 2 and codes.shape[1] == 1:
            codes = codes[:, 0]
        if codes.ndim != 1:
            raise ValueError(
                f"inverse_transform takes palette indices of shape (n_pixels, 1) or (n_pixels,), "
                f"as transform returns them; got shape {codes.shape}"
            )
        n_palette = self.cluster_centers_.shape[0]
        if codes.dtype.kind not in "uif" or (codes.dtype.kind == "f" and not np.array_equal(codes, np.round(codes))):
            raise ValueError(f"palette indices must be integers 0..{n_palette - 1}; got dtype {codes.dtype}")
        if codes.size and (codes.min() < 0 or codes.max() >= n_palette):
            raise ValueError(
                f"palette indices must be in 0..{n_palette - 1}; got values from {codes.min()} to {codes.max()}"
            )
        colours = self.cluster_centers_[codes.astype(np.intp)]
        if self._pixel_dtype.kind in "ui":
            info = np.iinfo(self._pixel_dtype)
            colours = np.clip(np.rint(colours), info.min, info.max).astype(self._pixel_dtype)
        return colours

    # -- helpers ---------------------------------------------------------------------------
    def _check_pixels(self, X, *, reset: bool) -> np.ndarray:
        """``X`` as a numeric (n_pixels, n_channels) array, 1..4 channels (the count ``fit`` saw)."""
        X = validate_data(self, X, dtype="numeric", reset=reset)
        if X.dtype.kind not in "uif":  # bool
            X = X.astype(np.uint8)
        if X.shape[1] > _MAX_CHANNELS:
            raise ValueError(
                f"ColorQuantizer takes pixel lists of shape (n_pixels, n_channels) with 1 to 4 "
                f"channels (3 for RGB, 4 for RGBA); got {X.shape[1]} features. Reshape an "
                "(H, W, C) image with image.reshape(-1, C)."
            )
        return X

    def _nearest(self, X: np.ndarray) -> np.ndarray:
        return nearest_centre(X, self.cluster_centers_).astype(np.int32)

    def _as_codes(self, labels: np.ndarray) -> np.ndarray:
        dtype = np.uint8 if self.cluster_centers_.shape[0] <= 256 else np.uint16
        return labels.astype(dtype)[:, None]
