"""``KBinsDiscretizer``: scikit-learn's, fitted on exact histograms, plus "optimal" and int dtypes."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import _fit_context
from sklearn.preprocessing import KBinsDiscretizer as _SKKBinsDiscretizer
from sklearn.preprocessing._encoders import OneHotEncoder
from sklearn.utils import resample
from sklearn.utils._param_validation import Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted, validate_data

from ..codebook import Codebook
from ..histogram import scalar_histogram
from ..strategies import kmeans_edges, optimal_edges
from ..strategies.percentile import percentile_from_histogram, weighted_percentile_from_histogram

__all__ = ["KBinsDiscretizer"]

#: Integer output dtypes accepted on top of scikit-learn's float32/float64.
_INTEGER_DTYPES = {
    np.int8, np.int16, np.int32, np.int64,
    np.uint8, np.uint16, np.uint32, np.uint64,
}  # fmt: skip

# Integers beyond this are not exact in the float64 values of a histogram.


class KBinsDiscretizer(_SKKBinsDiscretizer):
    """Bin continuous data into intervals, fitted on each feature's exact histogram.

    A drop-in for :class:`sklearn.preprocessing.KBinsDiscretizer` (same parameters, defaults,
    attributes, methods, warnings and errors, and for ``"uniform"`` and ``"quantile"`` the
    same outputs), with three additions:

    - ``strategy="optimal"``: the bins of least within-bin squared error, globally
      (exact 1-D k-means by dynamic programming, :func:`vqpress.strategies.optimal_edges`);
      ``inverse_transform`` returns each bin's mean, the least squared error there is.
    - ``bin_means_``: the mean of the fitted samples in each bin.
    - integer ``dtype`` (for example ``np.uint8``): ``transform`` returns integer ordinal
      codes (or integer one-hot arrays) instead of floats.

    Each feature is fitted on its exact histogram
    (:func:`vqpress.histogram.scalar_histogram`): every sample counts, and integer data
    such as ``uint8`` images is counted in one ``O(n)`` pass; float data is sorted once.

    Parameters
    ----------
    n_bins : int or array-like of shape (n_features,), default=5
        The number of bins to produce. Raises ValueError if ``n_bins < 2``.

    encode : {'onehot', 'onehot-dense', 'ordinal'}, default='onehot'
        Method used to encode the transformed result.

        - 'onehot': one-hot encoding in a sparse matrix.
        - 'onehot-dense': one-hot encoding in a dense array.
        - 'ordinal': the bin identifier encoded as an integer value.

    strategy : {'uniform', 'quantile', 'kmeans', 'optimal'}, default='quantile'
        Strategy used to define the widths of the bins.

        - 'uniform': all bins in each feature have identical widths (as scikit-learn).
        - 'quantile': all bins in each feature have the same number of points, with
          ``quantile_method``'s percentile definition (as scikit-learn, computed from the
          histogram's order statistics with NumPy's own interpolation).
        - 'kmeans': values in each bin have the same nearest center of a 1-D k-means
          clustering started from scikit-learn's uniform centers. vqpress runs Lloyd's
          algorithm on the histogram with scikit-learn's rules (a value halfway between two
          centers joins the lower one, an empty cluster is relocated to the farthest
          sample) until no assignment changes (an exact fixed point), where
          scikit-learn's ``KMeans`` stops at a tolerance, so edges may differ slightly on
          large data; a cluster still empty at the end is dropped with the collapsed-bin
          warning below.
        - 'optimal': the bins that minimise the within-bin sum of squared errors over all
          possible binnings (never worse than 'kmeans'); ``inverse_transform`` returns
          the bins' means. vqpress only.

    quantile_method : {"inverted_cdf", "averaged_inverted_cdf", "closest_observation", \
"interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased", \
"normal_unbiased"}, default="averaged_inverted_cdf"
        Percentile definition (as :func:`numpy.percentile`'s ``method``) for
        ``strategy="quantile"``. Only "averaged_inverted_cdf" and "inverted_cdf" support
        ``sample_weight`` when subsampling is not active.

    dtype : {np.float32, np.float64, np.int8, ..., np.int64, np.uint8, ..., np.uint64}, \
default=None
        Output dtype. None: float, consistent with the input (as scikit-learn). An integer
        dtype makes ``transform`` return integer codes; with ``encode='ordinal'`` every
        code ``0 .. n_bins - 1`` must fit in it, else ``fit`` raises ValueError.

    subsample : int or None, default=200_000
        Maximum number of samples used to fit. When ``n_samples > subsample`` the data is
        resampled exactly as scikit-learn does (with replacement, weighted by
        ``sample_weight``), so the result matches it. ``None`` fits on every sample, which
        the histogram makes cheap: prefer it.

    random_state : int, RandomState instance or None, default=None
        Random number generation for subsampling.

    Attributes
    ----------
    bin_edges_ : ndarray of ndarray of shape (n_features,)
        The edges of each bin. Contain arrays of varying shapes ``(n_bins_, )``.

    n_bins_ : ndarray of shape (n_features,), dtype=np.int64
        Number of bins per feature. Bins whose width are too small (i.e., <= 1e-8) are
        removed with a warning.

    bin_means_ : ndarray of ndarray of shape (n_features,)
        The (weighted) mean of the fitted samples in each bin, float64 arrays of shape
        ``(n_bins_[i],)``; a bin no sample of non-zero weight falls in (possible with
        ``"uniform"``) has its midpoint, as :class:`vqpress.Codebook` levels do.
        ``inverse_transform`` returns these for ``strategy="optimal"`` (scikit-learn's
        strategies return the bins' midpoints). vqpress only.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has feature names
        that are all strings.

    See Also
    --------
    sklearn.preprocessing.KBinsDiscretizer : The estimator this one replaces.
    vqpress.fit : Fit a codebook (levels and edges) to an image.

    Notes
    -----
    In bin edges for feature ``i``, the first and last values are used only for
    ``inverse_transform``. During transform, bin edges are extended to
    ``np.concatenate([-np.inf, bin_edges_[i][1:-1], np.inf])``; a value equal to an inner
    edge goes to the upper bin.

    With non-integer ``sample_weight`` and ``strategy="quantile"``, the cumulative weights
    are summed per distinct value rather than per sample, so an edge whose percentile falls
    exactly on a cumulative-weight boundary can, through rounding in the last bit, differ
    from scikit-learn's.

    Examples
    --------
    >>> import numpy as np
    >>> from vqpress.sklearn import KBinsDiscretizer
    >>> X = [[-2, 1, -4,   -1],
    ...      [-1, 2, -3, -0.5],
    ...      [ 0, 3, -2,  0.5],
    ...      [ 1, 4, -1,    2]]
    >>> est = KBinsDiscretizer(n_bins=3, encode='ordinal', strategy='uniform')
    >>> est.fit_transform(X)
    array([[0., 0., 0., 0.],
           [1., 1., 1., 0.],
           [2., 2., 2., 1.],
           [2., 2., 2., 2.]])
    >>> est.bin_edges_[0]
    array([-2., -1.,  0.,  1.])

    Optimal bins and ``uint8`` codes, for example for a gray image:

    >>> import vqpress
    >>> face = vqpress.datasets.face(gray=True)
    >>> est = KBinsDiscretizer(8, encode='ordinal', strategy='optimal', dtype=np.uint8,
    ...                        subsample=None)
    >>> codes = est.fit_transform(face.reshape(-1, 1))
    >>> codes.dtype, codes.max()
    (dtype('uint8'), np.uint8(7))

    With ``"optimal"``, ``inverse_transform`` gives each pixel its bin's mean:

    >>> restored = est.inverse_transform(codes)
    >>> bool(np.all(restored[codes[:, 0] == 0] == est.bin_means_[0][0]))
    True
    >>> float(np.mean((restored - face.reshape(-1, 1)) ** 2)).__round__(2)
    63.32
    """

    _parameter_constraints: dict = {
        **_SKKBinsDiscretizer._parameter_constraints,
        "strategy": [StrOptions({"uniform", "quantile", "kmeans", "optimal"})],
        "dtype": [Options(type, {np.float64, np.float32} | _INTEGER_DTYPES), None],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.dtype in _INTEGER_DTYPES:
            # The output dtype is the integer dtype asked for, whatever the input's.
            tags.transformer_tags.preserves_dtype = []
        return tags

    # -- fit ---------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Fit the estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to be discretized.

        y : None
            Ignored. This parameter exists only for compatibility with
            :class:`~sklearn.pipeline.Pipeline`.

        sample_weight : ndarray of shape (n_samples,)
            Contains weight values to be associated with each sample.

        Returns
        -------
        self : object
            Returns the instance itself.
        """
        X = validate_data(self, X, dtype="numeric")

        if self.dtype is None:
            output_dtype = X.dtype
        else:
            output_dtype = self.dtype

        n_samples, n_features = X.shape

        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)

        if self.subsample is not None and n_samples > self.subsample:
            # Exactly scikit-learn's subsample (with replacement, weighted), so that edges
            # match; the weights are then used up.
            X = resample(
                X,
                replace=True,
                n_samples=self.subsample,
                random_state=self.random_state,
                sample_weight=sample_weight,
            )
            sample_weight = None

        n_features = X.shape[1]
        n_bins = self._validate_n_bins(n_features)
        if self.dtype in _INTEGER_DTYPES and self.encode == "ordinal":
            top = np.iinfo(self.dtype).max
            if n_bins.max() - 1 > top:
                raise ValueError(
                    f"dtype={np.dtype(self.dtype).name} holds ordinal codes up to {top}, so at "
                    f"most {top + 1} bins; got n_bins={int(n_bins.max())}. Use a wider "
                    "integer dtype or fewer bins."
                )

        quantile_method = self.quantile_method
        if (
            self.strategy == "quantile"
            and quantile_method not in ["inverted_cdf", "averaged_inverted_cdf"]
            and sample_weight is not None
        ):
            raise ValueError(
                "When fitting with strategy='quantile' and sample weights, "
                "quantile_method should either be set to 'averaged_inverted_cdf' or "
                f"'inverted_cdf', got quantile_method='{quantile_method}' instead."
            )

        if self.strategy != "quantile" and sample_weight is not None:
            # min and max over the samples of non-zero weight ("uniform", "kmeans",
            # "optimal"), as scikit-learn does.
            nnz_weight_mask = sample_weight != 0
        else:
            nnz_weight_mask = slice(None)

        bin_edges = np.zeros(n_features, dtype=object)
        for jj in range(n_features):
            column = X[:, jj]
            col_min = column[nnz_weight_mask].min()
            col_max = column[nnz_weight_mask].max()
            if col_min == col_max:
                warnings.warn("Feature %d is constant and will be replaced with 0." % jj)
                n_bins[jj] = 1
                bin_edges[jj] = np.array([-np.inf, np.inf])
                continue
            edges = self._feature_edges(column, col_min, col_max, int(n_bins[jj]), sample_weight)

            # Remove bins whose width are too small (i.e., <= 1e-8), as scikit-learn does.
            if self.strategy != "uniform":
                mask = np.ediff1d(edges, to_begin=np.inf) > 1e-8
                edges = edges[mask]
                if len(edges) - 1 != n_bins[jj]:
                    warnings.warn(
                        "Bins whose width are too small (i.e., <= "
                        "1e-8) in feature %d are removed. Consider "
                        "decreasing the number of bins." % jj
                    )
                    n_bins[jj] = len(edges) - 1
            bin_edges[jj] = edges

        self.bin_edges_ = bin_edges
        self.n_bins_ = n_bins
        self.bin_means_ = self._bin_means(X, sample_weight)

        if "onehot" in self.encode:
            self._encoder = OneHotEncoder(
                categories=[np.arange(i) for i in self.n_bins_],
                sparse_output=self.encode == "onehot",
                dtype=output_dtype,
            )
            self._encoder.fit(np.zeros((1, len(self.n_bins_))))

        return self

    def _feature_edges(self, column: np.ndarray, col_min, col_max, n_bins: int, sample_weight):
        """Edges of one (non-constant) feature; all but "uniform" from its exact histogram."""
        if self.strategy == "uniform":
            # scikit-learn's linspace, in the column's own scalar type.
            return np.linspace(col_min, col_max, n_bins + 1)
        hist = scalar_histogram(column, sample_weight)
        if self.strategy == "quantile":
            levels = np.linspace(0, 100, n_bins + 1)
            if sample_weight is not None:
                return weighted_percentile_from_histogram(
                    hist, column.dtype, levels, average=self.quantile_method == "averaged_inverted_cdf"
                )
            return percentile_from_histogram(hist, column, levels, self.quantile_method)
        with warnings.catch_warnings():
            # Empty or surplus clusters are reported below as scikit-learn's collapsed bins.
            warnings.filterwarnings("ignore", message="kmeans: .* clusters are empty", category=UserWarning)
            if self.strategy == "kmeans":
                # scikit-learn's Lloyd step: ties to the lower centre, empty clusters relocated.
                edges = kmeans_edges(hist, n_bins, ties="lower", empty="relocate")
            else:
                edges = optimal_edges(hist, n_bins)
        edges = np.array(edges, dtype=np.float64)
        edges[0], edges[-1] = col_min, col_max
        return edges

    # -- transform ---------------------------------------------------------------------
    def inverse_transform(self, X):
        """Transform discretized data back to the original feature space.

        Each code becomes its bin's representative value: for ``strategy="optimal"`` the
        bin's mean (``bin_means_``), the value of least squared error for the bins, which
        makes ``"optimal"`` the best reconstruction; for scikit-learn's strategies the
        bin's midpoint, as scikit-learn returns.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Transformed data in the binned space.

        Returns
        -------
        X_original : ndarray, dtype={np.float32, np.float64}
            Data in the original feature space.
        """
        if self.strategy != "optimal":
            return super().inverse_transform(X)
        check_is_fitted(self)
        if "onehot" in self.encode:
            X = self._encoder.inverse_transform(X)
        Xinv = check_array(X, copy=True, dtype=(np.float64, np.float32))
        n_features = self.n_bins_.shape[0]
        if Xinv.shape[1] != n_features:
            raise ValueError(f"Incorrect number of features. Expecting {n_features}, received {Xinv.shape[1]}.")
        for jj in range(n_features):
            Xinv[:, jj] = self.bin_means_[jj][Xinv[:, jj].astype(np.int64)]
        return Xinv

    def transform(self, X):
        """Discretize the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to be discretized.

        Returns
        -------
        Xt : {ndarray, sparse matrix}
            Data in the binned space: a sparse matrix if ``encode='onehot'``, else an
            ndarray. Its dtype is ``dtype`` when that is an integer dtype, else float32 or
            float64 as in scikit-learn.
        """
        check_is_fitted(self)
        if self.dtype in _INTEGER_DTYPES:
            X = validate_data(self, X, dtype="numeric", reset=False)
            out_dtype = np.dtype(self.dtype)
        else:
            # scikit-learn's conversion (float64/float32, or ``dtype``) before comparing with
            # the edges; integer input is kept as it is (its codes are the same) so that
            # small integer types are encoded by table look-up.
            X = self._comparable(validate_data(self, X, dtype="numeric", reset=False))
            out_dtype = np.dtype(self.dtype) if self.dtype is not None else (
                X.dtype if X.dtype in (np.float64, np.float32) else np.dtype(np.float64)
            )
        Xt = self._codes(X, out_dtype)
        if self.encode == "ordinal":
            return Xt
        dtype_init = self._encoder.dtype
        self._encoder.dtype = Xt.dtype
        try:
            return self._encoder.transform(Xt)
        finally:
            self._encoder.dtype = dtype_init

    def _comparable(self, X: np.ndarray) -> np.ndarray:
        """``X`` as ``transform`` compares it with the edges.

        scikit-learn's conversion (float64/float32, or ``dtype``); integer input is kept as
        it is (its codes are the same) so that small integer types are encoded by table
        look-up.
        """
        if self.dtype in _INTEGER_DTYPES:
            return X
        if self.dtype is not None:
            return X.astype(self.dtype, copy=False)
        if X.dtype.kind == "f" and X.dtype not in (np.float64, np.float32):
            return X.astype(np.float64)
        return X

    def _bin_means(self, X: np.ndarray, sample_weight) -> np.ndarray:
        """Weighted mean of the samples ``transform`` puts in each bin (its midpoint if none)."""
        codes = self._codes(self._comparable(X), np.dtype(np.intp))
        means = np.empty(X.shape[1], dtype=object)
        for jj in range(X.shape[1]):
            n_bins = int(self.n_bins_[jj])
            column = X[:, jj].astype(np.float64)
            weighted = column if sample_weight is None else column * sample_weight
            weight = np.bincount(codes[:, jj], weights=sample_weight, minlength=n_bins)
            total = np.bincount(codes[:, jj], weights=weighted, minlength=n_bins)
            edges = self.bin_edges_[jj]
            with np.errstate(invalid="ignore"):  # a constant feature's edges are -inf, inf
                midpoints = (edges[1:] + edges[:-1]) * 0.5
            means[jj] = np.divide(total, weight, out=midpoints.astype(np.float64), where=weight > 0)
        return means

    def _codes(self, X: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """Ordinal codes of every column in ``dtype``, by vqpress's codebook encoder."""
        out = np.empty(X.shape, dtype=dtype)
        for jj in range(X.shape[1]):
            edges = self.bin_edges_[jj]
            if edges.size <= 2:  # one bin (constant feature): code 0
                out[:, jj] = 0
                continue
            codebook = Codebook((edges[1:] + edges[:-1]) * 0.5, edges, strategy=self.strategy, dtype=X.dtype)
            out[:, jj] = codebook.encode(X[:, jj])
        return out
