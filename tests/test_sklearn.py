"""vqpress.sklearn.KBinsDiscretizer: a drop-in for scikit-learn's, plus "optimal" and int dtypes."""

from __future__ import annotations

import itertools
import subprocess
import sys
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import KBinsDiscretizer as SKKBins  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

import vqpress  # noqa: E402
from vqpress.sklearn import KBinsDiscretizer  # noqa: E402

QUANTILE_METHODS = [
    "inverted_cdf",
    "averaged_inverted_cdf",
    "closest_observation",
    "interpolated_inverted_cdf",
    "hazen",
    "weibull",
    "linear",
    "median_unbiased",
    "normal_unbiased",
]


def _data(dtype=np.float64):
    rng = np.random.default_rng(0)
    X = np.c_[
        rng.normal(size=301),
        rng.integers(0, 9, 301),  # heavy ties
        rng.exponential(size=301),
    ]
    if np.dtype(dtype).kind == "u":
        X = (X - X.min(axis=0)) / np.ptp(X, axis=0) * 255
    return X.astype(dtype)


@pytest.fixture(scope="module")
def face():
    return vqpress.datasets.face(gray=True).reshape(-1, 1)


def _fit_both(params, X, sample_weight=None):
    with warnings.catch_warnings(record=True) as w_sk:
        warnings.simplefilter("always")
        sk = SKKBins(**params).fit(X, sample_weight=sample_weight)
    with warnings.catch_warnings(record=True) as w_vq:
        warnings.simplefilter("always")
        vq = KBinsDiscretizer(**params).fit(X, sample_weight=sample_weight)
    return sk, vq, [str(w.message) for w in w_sk], [str(w.message) for w in w_vq]


def _assert_same_fit(sk, vq):
    np.testing.assert_array_equal(sk.n_bins_, vq.n_bins_)
    assert sk.n_bins_.dtype == vq.n_bins_.dtype
    for a, b in zip(sk.bin_edges_, vq.bin_edges_):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def _assert_same_output(a, b):
    assert type(a) is type(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    if hasattr(a, "toarray"):
        a, b = a.toarray(), b.toarray()
    np.testing.assert_array_equal(a, b)


# -- identical to scikit-learn ------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.uint8])
@pytest.mark.parametrize("method", QUANTILE_METHODS)
@pytest.mark.parametrize("n_bins", [2, 5, 11, [3, 4, 7]])
def test_quantile_identical(dtype, method, n_bins):
    X = _data(dtype)
    params = dict(n_bins=n_bins, encode="ordinal", strategy="quantile", quantile_method=method)
    sk, vq, w_sk, w_vq = _fit_both(params, X)
    _assert_same_fit(sk, vq)
    assert w_sk == w_vq
    _assert_same_output(sk.transform(X), vq.transform(X))


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("encode", ["ordinal", "onehot", "onehot-dense"])
@pytest.mark.parametrize("dtype", [None, np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_outputs_identical(strategy, encode, dtype, weighted):
    X = _data()
    sw = np.random.default_rng(1).integers(0, 4, X.shape[0]).astype(float) if weighted else None
    params = dict(n_bins=[2, 6, 4], encode=encode, strategy=strategy, dtype=dtype)
    sk, vq, w_sk, w_vq = _fit_both(params, X, sw)
    _assert_same_fit(sk, vq)
    assert w_sk == w_vq
    X_new = _data() * 1.5 - 0.25  # values outside the fitted range, too
    for data in (X, X_new, X.astype(np.float32)):
        _assert_same_output(sk.transform(data), vq.transform(data))
    Xt = sk.transform(X)
    _assert_same_output(sk.inverse_transform(Xt), vq.inverse_transform(vq.transform(X)))
    np.testing.assert_array_equal(sk.get_feature_names_out(), vq.get_feature_names_out())


@pytest.mark.parametrize("average", [False, True])
def test_weighted_quantile_identical_float_weights(average):
    rng = np.random.default_rng(2)
    X = np.c_[rng.normal(size=200), rng.integers(0, 5, 200)]
    sw = rng.uniform(0, 3, 200)
    sw[::7] = 0
    method = "averaged_inverted_cdf" if average else "inverted_cdf"
    for n_bins in (2, 3, 4, 8):
        params = dict(n_bins=n_bins, encode="ordinal", strategy="quantile", quantile_method=method)
        sk, vq, w_sk, w_vq = _fit_both(params, X, sw)
        _assert_same_fit(sk, vq)
        assert w_sk == w_vq


@pytest.mark.filterwarnings("ignore:Bins whose width are too small")
@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans", "optimal"])
def test_subsample_as_sklearn(strategy):
    X = _data()
    params = dict(n_bins=4, encode="ordinal", strategy="quantile", subsample=50, random_state=3)
    sk, vq, _, _ = _fit_both(params, X)
    _assert_same_fit(sk, vq)
    # Same subsample: the fit equals a fit on the resampled rows.
    vq = KBinsDiscretizer(4, encode="ordinal", strategy=strategy, subsample=50, random_state=3).fit(X)
    rows = sklearn.utils.resample(X, replace=True, n_samples=50, random_state=3)
    full = KBinsDiscretizer(4, encode="ordinal", strategy=strategy, subsample=None).fit(rows)
    _assert_same_fit(full, vq)


def test_defaults_and_params_as_sklearn():
    assert KBinsDiscretizer().get_params() == SKKBins().get_params()
    est = KBinsDiscretizer().set_params(n_bins=3, strategy="optimal")
    assert est.get_params()["strategy"] == "optimal"
    assert isinstance(est, SKKBins)


def test_feature_names_and_set_output():
    X = _data()
    est = KBinsDiscretizer(3, encode="onehot-dense", strategy="optimal").fit(X)
    assert est.n_features_in_ == 3
    names = est.get_feature_names_out(["a", "b", "c"])
    assert list(names[:3]) == ["a_0.0", "a_1.0", "a_2.0"]
    est.set_output(transform="default")
    assert est.transform(X).shape == (X.shape[0], int(est.n_bins_.sum()))


def test_constant_feature_warns_as_sklearn():
    X = np.c_[np.ones(20), np.arange(20.0)]
    for strategy in ("uniform", "quantile", "kmeans"):
        sk, vq, w_sk, w_vq = _fit_both(dict(n_bins=3, encode="ordinal", strategy=strategy), X)
        assert "Feature 0 is constant and will be replaced with 0." in w_vq
        assert vq.n_bins_[0] == 1
        _assert_same_output(sk.transform(X), vq.transform(X))


@pytest.mark.parametrize("strategy", ["quantile", "kmeans", "optimal"])
def test_collapsed_bins_warn(strategy):
    X = np.repeat([0.0, 1.0, 2.0], [50, 3, 50])[:, None]
    with pytest.warns(UserWarning, match="Bins whose width are too small"):
        est = KBinsDiscretizer(5, encode="ordinal", strategy=strategy).fit(X)
    assert est.n_bins_[0] == est.bin_edges_[0].size - 1 < 5


# -- kmeans, optimal ----------------------------------------------------------------------


def test_kmeans_close_to_sklearn_on_face(face):
    vq = KBinsDiscretizer(8, encode="ordinal", strategy="kmeans", subsample=None).fit(face)
    sk = SKKBins(8, encode="ordinal", strategy="kmeans", subsample=None).fit(face)
    np.testing.assert_allclose(vq.bin_edges_[0], sk.bin_edges_[0], atol=0.05)


def _sse(X, est):
    """Within-bin squared error of ``X`` under ``est``'s bins (bins' own means)."""
    codes = est.transform(X)
    total = 0.0
    for j in range(X.shape[1]):
        for c in np.unique(codes[:, j]):
            col = X[codes[:, j] == c, j].astype(np.float64)
            total += ((col - col.mean()) ** 2).sum()
    return total


def _single(est, j):
    """A one-feature estimator with feature ``j``'s bins of ``est``."""
    one = KBinsDiscretizer(2, encode="ordinal", strategy="uniform").fit(np.c_[[0.0, 1.0]])
    one.bin_edges_ = est.bin_edges_[j : j + 1]
    one.n_bins_ = est.n_bins_[j : j + 1]
    return one


@pytest.mark.parametrize("seed", range(6))
def test_optimal_never_worse_than_kmeans(seed):
    rng = np.random.default_rng(seed)
    X = np.c_[rng.normal(size=400), rng.gamma(0.5, size=400), rng.integers(0, 30, 400)]
    for n_bins in (2, 3, 6):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            km = KBinsDiscretizer(n_bins, encode="ordinal", strategy="kmeans").fit(X)
            opt = KBinsDiscretizer(n_bins, encode="ordinal", strategy="optimal").fit(X)
        for j in range(X.shape[1]):  # per feature, since the features are binned apart
            sse_opt = _sse(X[:, [j]], _single(opt, j))
            sse_km = _sse(X[:, [j]], _single(km, j))
            assert sse_opt <= sse_km * (1 + 1e-12) + 1e-9
        assert _sse(X, opt) <= _sse(X, km) + 1e-9


def _brute_force_sse(values, n_bins):
    values = np.sort(values)
    best = np.inf
    for cuts in itertools.combinations(range(1, values.size), n_bins - 1):
        parts = np.split(values, cuts)
        best = min(best, sum(((p - p.mean()) ** 2).sum() for p in parts))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_optimal_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    values = rng.choice(np.arange(40.0), size=9, replace=False)
    for n_bins in (2, 3, 4):
        est = KBinsDiscretizer(n_bins, encode="ordinal", strategy="optimal").fit(values[:, None])
        assert est.n_bins_[0] == n_bins
        assert _sse(values[:, None], est) == pytest.approx(_brute_force_sse(values, n_bins), rel=1e-12, abs=1e-9)


def test_optimal_inverse_transform_returns_bin_means(face):
    mse = {}
    for strategy in ("uniform", "quantile", "kmeans", "optimal"):
        est = KBinsDiscretizer(8, encode="ordinal", strategy=strategy, subsample=None).fit(face)
        codes = est.transform(face)
        restored = est.inverse_transform(codes)
        mse[strategy] = float(np.mean((restored - face) ** 2))
        means = [face[codes[:, 0] == b, 0].mean() for b in range(8)]
        np.testing.assert_allclose(est.bin_means_[0], means, rtol=1e-12)
        if strategy != "optimal":  # scikit-learn's strategies keep its midpoints
            edges = est.bin_edges_[0]
            np.testing.assert_array_equal(restored[:, 0], ((edges[1:] + edges[:-1]) * 0.5)[codes[:, 0].astype(int)])
    assert round(mse["optimal"], 2) == 63.32  # the least squared error of any 8 levels
    assert round(mse["kmeans"], 2) == 73.80  # scikit-learn's own figure for its kmeans
    assert mse["optimal"] == min(mse.values())


@pytest.mark.parametrize("encode", ["ordinal", "onehot", "onehot-dense"])
@pytest.mark.parametrize("dtype", [None, np.float32, np.uint8])
def test_optimal_inverse_transform_every_encoding(encode, dtype):
    X = _data()
    sw = np.random.default_rng(4).integers(0, 3, X.shape[0]).astype(float)
    est = KBinsDiscretizer([3, 4, 5], encode=encode, strategy="optimal", dtype=dtype).fit(X, sample_weight=sw)
    codes = KBinsDiscretizer([3, 4, 5], encode="ordinal", strategy="optimal").fit(X, sample_weight=sw).transform(X)
    restored = est.inverse_transform(est.transform(X))
    uniform = KBinsDiscretizer([3, 4, 5], encode=encode, strategy="uniform", dtype=dtype).fit(X)
    assert restored.dtype == uniform.inverse_transform(uniform.transform(X)).dtype  # scikit-learn's dtype
    for j in range(3):
        c = codes[:, j].astype(int)
        for b in np.unique(c[sw > 0]):  # the weighted mean of the bin's samples
            inside = (c == b) & (sw > 0)
            want = np.average(X[inside, j], weights=sw[inside])
            assert est.bin_means_[j][b] == pytest.approx(want, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(restored[:, j], est.bin_means_[j][c], rtol=1e-6)
    narrow = KBinsDiscretizer(3, encode=encode, strategy="optimal", dtype=dtype).fit(X[:, :2]).transform(X[:, :2])
    with pytest.raises(ValueError, match="Incorrect number of features|Expected 12 columns"):  # as scikit-learn
        est.inverse_transform(narrow)


def test_bin_means_of_empty_bins_and_constant_features():
    X = np.c_[[0.0, 0.0, 1.0, 10.0], [7.0, 7.0, 7.0, 7.0]]
    with pytest.warns(UserWarning, match="Feature 1 is constant"):
        est = KBinsDiscretizer(4, encode="ordinal", strategy="uniform").fit(X)
    np.testing.assert_array_equal(est.bin_means_[0], [1 / 3, 3.75, 6.25, 10.0])  # empty: midpoints
    np.testing.assert_array_equal(est.bin_means_[1], [7.0])
    with pytest.warns(UserWarning, match="Feature 1 is constant"):
        opt = KBinsDiscretizer(2, encode="ordinal", strategy="optimal").fit(X)
    np.testing.assert_array_equal(opt.inverse_transform(opt.transform(X))[:, 1], 7.0)


# -- scikit-learn's own tests, retargeted at the drop-in ------------------------------------

_RETARGET = """

# --- retargeted by vqpress's tests/test_sklearn.py -------------------------------------------
from vqpress.sklearn import KBinsDiscretizer  # noqa: E402,F811


def test_vqpress_retargeted():
    import vqpress.sklearn

    assert KBinsDiscretizer is vqpress.sklearn.KBinsDiscretizer
"""

_SKIP_RANDOM_SUBSAMPLE = """
import pytest


def pytest_collection_modifyitems(items):
    # Tests of random subsampling compare against a random draw; the drop-in resamples
    # exactly as scikit-learn does (tests/test_sklearn.py::test_subsample_as_sklearn).
    for item in items:
        if "subsample" in item.name and "global_random_seed" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason="random subsample"))
"""


def test_sklearn_discretization_suite_passes_on_the_drop_in(tmp_path):
    """scikit-learn's own test_discretization.py, with KBinsDiscretizer retargeted at vqpress's."""
    import xml.etree.ElementTree as ET
    from pathlib import Path

    source = Path(sklearn.__file__).parent / "preprocessing" / "tests" / "test_discretization.py"
    if not source.is_file():
        pytest.skip(f"scikit-learn {sklearn.__version__} is installed without its tests")
    (tmp_path / "test_sk_discretization.py").write_text(source.read_text() + _RETARGET)
    (tmp_path / "conftest.py").write_text(_SKIP_RANDOM_SUBSAMPLE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    report = tmp_path / "report.xml"
    # sklearn.conftest gives the suite scikit-learn's own fixtures.
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "sklearn.conftest",
           f"--junitxml={report}", str(tmp_path)]  # fmt: skip
    run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert report.is_file(), run.stdout + run.stderr
    cases = ET.parse(report).getroot().iter("testcase")
    outcome = {}
    for case in cases:
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        outcome[case.get("name")] = kinds.pop() if kinds else "passed"
    failed = sorted(name for name, kind in outcome.items() if kind in ("failure", "error"))
    skipped = sorted(name for name, kind in outcome.items() if kind == "skipped")
    assert not failed, run.stdout[-3000:]
    assert outcome["test_vqpress_retargeted"] == "passed"
    assert all(name.startswith("test_kbinsdiscretizer_subsample[") for name in skipped), skipped
    assert sum(kind == "passed" for kind in outcome.values()) >= 50, outcome


# -- integer dtype ------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans", "optimal"])
def test_uint8_codes_on_face(face, strategy):
    est = KBinsDiscretizer(8, encode="ordinal", strategy=strategy, dtype=np.uint8, subsample=None)
    codes = est.fit_transform(face)
    assert codes.dtype == np.uint8 and codes.shape == face.shape
    ref = KBinsDiscretizer(8, encode="ordinal", strategy=strategy, subsample=None).fit(face)
    np.testing.assert_array_equal(codes, ref.transform(face))
    np.testing.assert_array_equal(est.inverse_transform(codes), ref.inverse_transform(ref.transform(face)))
    if strategy == "uniform":
        sk = SKKBins(8, encode="ordinal", strategy="uniform", subsample=None).fit(face)
        np.testing.assert_array_equal(codes, sk.transform(face))


def test_integer_onehot():
    X = _data()
    est = KBinsDiscretizer(4, encode="onehot", strategy="optimal", dtype=np.int16).fit(X)
    out = est.transform(X)
    assert out.dtype == np.int16
    ref = KBinsDiscretizer(4, encode="onehot", strategy="optimal").fit(X).transform(X)
    np.testing.assert_array_equal(out.toarray(), ref.toarray())


def test_dtype_too_small_for_n_bins():
    X = np.arange(1000.0)[:, None]
    with pytest.raises(ValueError, match="uint8"):
        KBinsDiscretizer(257, encode="ordinal", dtype=np.uint8).fit(X)
    with pytest.raises(ValueError, match="int8"):
        KBinsDiscretizer([3, 200], encode="ordinal", dtype=np.int8).fit(np.c_[X, X])
    est = KBinsDiscretizer(256, encode="ordinal", dtype=np.uint8, strategy="uniform").fit(X)
    assert est.transform(X).max() == 255


# -- errors, estimator checks, pipelines -----------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        dict(strategy="median"),
        dict(dtype=np.complex128),
        dict(dtype="uint8"),
        dict(encode="binary"),
        dict(n_bins=1),
        dict(quantile_method="nearest"),
    ],
)
def test_bad_parameters_raise_sklearn_errors(params):
    with pytest.raises(InvalidParameterError):
        KBinsDiscretizer(**params).fit(_data())


def test_sklearn_value_errors():
    X = _data()
    with pytest.raises(ValueError, match="n_bins must be a scalar or array"):
        KBinsDiscretizer([2, 3]).fit(X)
    with pytest.raises(ValueError, match="quantile_method should either"):
        KBinsDiscretizer(quantile_method="linear").fit(X, sample_weight=np.ones(X.shape[0]))
    with pytest.raises(ValueError):
        KBinsDiscretizer().fit(X).transform(X[:, :2])


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(strategy="optimal", encode="ordinal", dtype=np.uint8, subsample=None),
    ],
    ids=["default", "optimal-uint8"],
)
def test_check_estimator(params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(KBinsDiscretizer(**params), on_fail=None)
    failed = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert not failed


def test_pipeline():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0.3).astype(int)
    pipe = make_pipeline(KBinsDiscretizer(6, strategy="optimal"), LogisticRegression())
    assert pipe.fit(X, y).score(X, y) > 0.9
    assert sklearn.base.clone(pipe).get_params()["kbinsdiscretizer__strategy"] == "optimal"


def test_import_vqpress_does_not_import_sklearn():
    code = "import sys, vqpress; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_sklearn_message():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "try:\n    import vqpress.sklearn\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install vqpress[sklearn]" in out.stdout
