"""vqpress.sklearn.ColorQuantizer: a colour palette estimator on pixel lists."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.utils import shuffle  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

import vqpress  # noqa: E402
from vqpress.sklearn import ColorQuantizer  # noqa: E402


@pytest.fixture(scope="module")
def face_pixels():
    return vqpress.datasets.face().reshape(-1, 3)


def _pixels(n=300, channels=3, seed=0):
    """A few clusters of colours with repeats, as uint8."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (6, channels))
    return np.clip(base[rng.integers(0, 6, n)] + rng.integers(-6, 7, (n, channels)), 0, 255).astype(np.uint8)


# -- scikit-learn's estimator checks ---------------------------------------------------------

#: Checks whose data have 5 to 30 features: not pixels (1 to 4 channels). Each is repeated
#: on pixel lists below.
_NOT_PIXELS = {
    "check_estimators_dtypes": "5 features; see test_any_numeric_dtype",
    "check_dtype_object": "10 features; see test_any_numeric_dtype",
    "check_fit2d_1sample": "10 features; see test_one_pixel",
    "check_sample_weight_equivalence_on_dense_data": "30 features; see test_sample_weight_is_repetition",
    "check_all_zero_sample_weights_error": "20 features; see test_sample_weight_errors",
}


@pytest.mark.parametrize("strategy", ["kmeans", "mediancut"])
def test_check_estimator(strategy):
    # n_colors=3 as check_clustering sets n_clusters=3 for KMeans (its blobs have 3 clusters).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(
            ColorQuantizer(n_colors=3, strategy=strategy), on_fail=None, expected_failed_checks=_NOT_PIXELS
        )
    failed = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert not failed
    xfailed = {r["check_name"] for r in results if r["status"] == "xfail"}
    assert xfailed == set(_NOT_PIXELS)  # they do fail (on their feature count), and nothing else
    for r in results:
        if r["status"] == "xfail":
            assert "1 to 4 channels" in str(r["exception"])
    assert sum(r["status"] == "passed" for r in results) >= 40


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.int64, np.float16, np.float32, np.float64])
def test_any_numeric_dtype(dtype):
    X = _pixels()
    ref = ColorQuantizer(8).fit(X)
    est = ColorQuantizer(8).fit(X.astype(dtype))
    np.testing.assert_array_equal(est.labels_, ref.labels_)
    np.testing.assert_allclose(est.cluster_centers_, ref.cluster_centers_, rtol=1e-6)
    assert est.cluster_centers_.dtype == (np.float32 if dtype is np.float32 else np.float64)
    np.testing.assert_array_equal(est.predict(X.astype(dtype)), ref.labels_)
    assert est.inverse_transform(est.transform(X.astype(dtype))).dtype == (
        np.dtype(dtype) if np.dtype(dtype).kind in "ui" else est.cluster_centers_.dtype
    )
    # Lists and object arrays of numbers are pixels too.
    np.testing.assert_array_equal(ColorQuantizer(8).fit(X.tolist()).labels_, ref.labels_)
    np.testing.assert_array_equal(ColorQuantizer(8).fit(X.astype(object)).labels_, ref.labels_)


def test_one_pixel():
    with pytest.warns(UserWarning, match="only 1 distinct colour; using 1 palette colour instead of n_colors=4$") as rec:
        est = ColorQuantizer(4).fit([[10, 20, 30]])
    # the warning names the user's line, not scikit-learn's fit wrapper nor vqpress
    assert [w.filename for w in rec] == [__file__], [w.filename for w in rec]
    np.testing.assert_array_equal(est.cluster_centers_, [[10, 20, 30]])
    np.testing.assert_array_equal(est.labels_, [0])
    assert est.inertia_ == 0


def test_sample_weight_is_repetition():
    X = _pixels(200)
    sw = np.random.default_rng(1).integers(0, 4, X.shape[0])
    weighted = ColorQuantizer(6).fit(X, sample_weight=sw)
    repeated = ColorQuantizer(6).fit(np.repeat(X, sw, axis=0))
    np.testing.assert_array_equal(weighted.cluster_centers_, repeated.cluster_centers_)
    assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-12)
    np.testing.assert_array_equal(weighted.labels_, repeated.predict(X))  # zero weights are labelled too
    ones = ColorQuantizer(6).fit(X, sample_weight=np.ones(X.shape[0]))
    np.testing.assert_array_equal(ones.cluster_centers_, ColorQuantizer(6).fit(X).cluster_centers_)


def test_sample_weight_errors():
    X = _pixels(20)
    with pytest.raises(ValueError, match="at least one non-zero"):
        ColorQuantizer(3).fit(X, sample_weight=np.zeros(20))
    with pytest.raises(ValueError, match="Negative values"):
        ColorQuantizer(3).fit(X, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(20,\)|shape"):
        ColorQuantizer(3).fit(X, sample_weight=np.ones(19))


# -- what it fits ----------------------------------------------------------------------------


def test_same_palette_as_vqpress_fit(face_pixels):
    est = ColorQuantizer(16).fit(face_pixels)
    cb = vqpress.fit(face_pixels.reshape(768, 1024, 3), 16)
    np.testing.assert_array_equal(est.cluster_centers_, cb.centers)
    np.testing.assert_array_equal(est.labels_, cb.encode(face_pixels.reshape(768, 1024, 3)).ravel())


def test_gallery_workflow_beats_kmeans_on_a_sample(face_pixels):
    """scikit-learn's "Color Quantization using K-Means", with the drop-in: floats in [0, 1]."""
    pixels = face_pixels / 255
    est = ColorQuantizer(n_colors=64).fit(pixels)
    assert est.cluster_centers_.shape == (64, 3) and est.cluster_centers_.dtype == np.float64
    assert 0 <= est.cluster_centers_.min() and est.cluster_centers_.max() <= 1
    labels = est.predict(pixels)
    np.testing.assert_array_equal(labels, est.labels_)
    assert labels.dtype == np.int32 and labels.max() == 63
    recreated = est.cluster_centers_[labels].reshape(768, 1024, 3)
    mse = np.mean((recreated - pixels.reshape(768, 1024, 3)) ** 2) * 3
    assert est.inertia_ / pixels.shape[0] == pytest.approx(mse, rel=1e-9)
    # The gallery: KMeans on 1,000 random pixels, then every pixel predicted.
    km = KMeans(n_clusters=64, random_state=0).fit(shuffle(pixels, random_state=0, n_samples=1000))
    km_error = np.sum((pixels - km.cluster_centers_[km.predict(pixels)]) ** 2)
    assert est.inertia_ < km_error
    # Each palette colour is the mean of its pixels: a Lloyd fixed point on every pixel.
    for j in range(0, 64, 7):
        np.testing.assert_allclose(est.cluster_centers_[j], pixels[labels == j].mean(axis=0), rtol=1e-9)


def test_transform_and_inverse_transform():
    X = _pixels()
    est = ColorQuantizer(8)
    codes = est.fit_transform(X)
    assert codes.shape == (X.shape[0], 1) and codes.dtype == np.uint8
    np.testing.assert_array_equal(codes[:, 0], est.labels_)
    np.testing.assert_array_equal(est.transform(X), codes)
    colours = est.inverse_transform(codes)
    assert colours.dtype == np.uint8 and colours.shape == X.shape
    np.testing.assert_array_equal(colours, np.rint(est.cluster_centers_[est.labels_]).astype(np.uint8))
    np.testing.assert_array_equal(est.inverse_transform(codes[:, 0]), colours)  # or a flat list
    np.testing.assert_array_equal(est.inverse_transform(codes.astype(float)), colours)
    np.testing.assert_array_equal(est.fit_predict(X), est.labels_)
    assert list(est.get_feature_names_out()) == ["colorquantizer0"]


def test_uint16_codes_above_256_colours():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (3000, 3)).astype(np.uint8)
    est = ColorQuantizer(300).fit(X)
    codes = est.transform(X)
    assert codes.dtype == np.uint16 and int(codes.max()) == 299
    np.testing.assert_array_equal(est.inverse_transform(codes), np.rint(est.cluster_centers_[codes[:, 0]]))


@pytest.mark.parametrize("channels", [1, 2, 4])
def test_gray_gray_alpha_and_rgba(channels):
    X = _pixels(channels=channels)
    est = ColorQuantizer(5).fit(X)
    assert est.cluster_centers_.shape == (5, channels)
    padded = np.zeros((X.shape[0], 4), dtype=np.uint8)
    padded[:, :channels] = X
    ref = ColorQuantizer(5).fit(padded if channels == 4 else padded[:, :3])
    np.testing.assert_array_equal(est.cluster_centers_, ref.cluster_centers_[:, :channels])
    np.testing.assert_array_equal(est.labels_, ref.labels_)


def test_fewer_colours_than_asked():
    X = np.repeat([[0, 0, 0], [255, 0, 0], [0, 0, 255]], 10, axis=0).astype(np.uint8)
    with pytest.warns(UserWarning, match="only 3 distinct colours; using 3 palette colours instead of n_colors=8"):
        est = ColorQuantizer(8).fit(X)
    np.testing.assert_array_equal(est.inverse_transform(est.transform(X)), X)
    assert est.inertia_ == 0


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [dict(n_colors=1), dict(n_colors=5000), dict(n_colors=2.5), dict(strategy="octree")]
)
def test_bad_parameters(params):
    with pytest.raises(InvalidParameterError):
        ColorQuantizer(**params).fit(_pixels())


def test_bad_pixels():
    with pytest.raises(ValueError, match="1 to 4 channels .* got 5 features"):
        ColorQuantizer(3).fit(np.zeros((10, 5)))
    with pytest.raises(ValueError, match="NaN"):
        ColorQuantizer(3).fit(np.full((10, 3), np.nan))
    est = ColorQuantizer(3).fit(_pixels())
    with pytest.raises(ValueError, match="X has 4 features, but ColorQuantizer is expecting 3"):
        est.predict(_pixels(channels=4))


def test_bad_codes():
    est = ColorQuantizer(3).fit(_pixels())
    with pytest.raises(ValueError, match=r"palette indices must be in 0\.\.2; got values from 0 to 3"):
        est.inverse_transform([[0], [3]])
    with pytest.raises(ValueError, match="in 0..2"):
        est.inverse_transform([-1])
    with pytest.raises(ValueError, match="integers 0..2"):
        est.inverse_transform([[0.5]])
    with pytest.raises(ValueError, match=r"shape \(n_pixels, 1\) or \(n_pixels,\), as transform returns them; got shape \(2, 3\)"):
        est.inverse_transform(np.zeros((2, 3), dtype=int))


def test_unfitted_and_clone():
    est = ColorQuantizer(3)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        est.predict(_pixels())
    assert clone(est).get_params() == {"n_colors": 3, "strategy": "kmeans"}
    assert ColorQuantizer().get_params() == {"n_colors": 64, "strategy": "kmeans"}


def test_score_is_kmeans_score_and_grid_search_runs(face_pixels):
    # KMeans has score (minus the inertia of X): GridSearchCV(ColorQuantizer(), ...) failed
    # with "the estimator passed should have a 'score' method".
    from sklearn.cluster import KMeans
    from sklearn.model_selection import GridSearchCV

    pixels = face_pixels[::97] / 255
    cq = ColorQuantizer(n_colors=8).fit(pixels)
    assert cq.score(pixels) == pytest.approx(-cq.inertia_, rel=1e-12)
    km = KMeans(n_clusters=8, init=cq.cluster_centers_, n_init=1, max_iter=1).fit(pixels)
    km.cluster_centers_ = cq.cluster_centers_  # the same palette: the same score
    other = face_pixels[1::89] / 255
    assert cq.score(other) == pytest.approx(km.score(other), rel=1e-9)
    weights = np.random.default_rng(0).random(len(other))
    assert cq.score(other, sample_weight=weights) == pytest.approx(km.score(other, sample_weight=weights), rel=1e-9)
    search = GridSearchCV(ColorQuantizer(), {"n_colors": [2, 8]}, cv=2).fit(pixels)
    assert search.best_params_ == {"n_colors": 8}  # more colours, less error
