"""fit / compress / Codebook / Compressed, and the seed example's numbers on the face."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import vqpress

SEED_UNIFORM = [15.625, 46.875, 78.125, 109.375, 140.625, 171.875, 203.125, 234.375]
SEED_KMEANS = [18.90885631, 53.34346583, 82.64447187, 109.28225276, 134.70763101, 159.78681467, 185.17226834, 224.02069427]
STRATEGIES = ("uniform", "quantile", "kmeans", "optimal")


# -- the seed, reproduced ------------------------------------------------------------------
def test_seed_uniform_bin_centers_exactly(face_gray):
    cb = vqpress.fit(face_gray, 8, "uniform")
    np.testing.assert_array_equal(cb.bin_centers, SEED_UNIFORM)


def test_seed_kmeans_bin_centers_within_005(face_gray):
    cb = vqpress.fit(face_gray, 8, "kmeans")
    np.testing.assert_allclose(cb.bin_centers, SEED_KMEANS, atol=0.05, rtol=0)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_seed_storage_three_bits_a_pixel(face_gray, strategy):
    c = vqpress.compress(face_gray, 8, strategy)
    codes = c.codebook.encode(face_gray)
    assert codes.dtype == np.uint8 and codes.shape == face_gray.shape
    assert len(c.payload) == 294_912  # the seed's float64 array took 6,291,456 bytes
    assert c.nbytes == 294_912 + 8 + 9  # the codebook in uint8, as a .vqz file holds it (format 2.1)
    # float64 levels and thresholds (8 bytes each, where uint8 ones take c.codebook.nbytes) and
    # the fixed header: more; the default (format 2.2) codes the uint8 ones in fewer bytes
    assert len(c.to_bytes("raw", exact_centers=True)) - len(c.to_bytes("raw")) > 8 * 17 - c.codebook.nbytes
    assert c.ratio == pytest.approx(c.nbytes / 786_432)
    assert c.bits_per_pixel == pytest.approx(8 * c.nbytes / 786_432)
    np.testing.assert_array_equal(c.decompress(), c.codebook.decode(codes))


def test_optimal_mse_on_the_face(face_gray):
    # The global optimum of 8 levels as computed by an independent exact solver (kmeans1d
    # 0.5 on all 786,432 pixels): centers and MSE.
    cb = vqpress.fit(face_gray, 8, "optimal")
    expected = [21.13080951, 53.95987768, 80.67245252, 104.57751893, 128.29462845, 152.77390049, 178.32840423, 206.59489518]
    np.testing.assert_allclose(cb.centers, expected, rtol=0, atol=1e-7)
    rec = cb.decode(cb.encode(face_gray), dtype=np.float64)
    assert vqpress.metrics.mse(face_gray, rec) == pytest.approx(63.32219149023221, rel=1e-12)


# -- the codebook --------------------------------------------------------------------------
def test_codebook_attributes(face_gray):
    cb = vqpress.fit(face_gray, 8, "optimal")
    assert cb.n_colors == 8 and cb.bits == 3 and cb.strategy == "optimal" and cb.channels == 0
    assert cb.dtype == np.uint8 and cb.edges.shape == (9,) and cb.centers.shape == (8,)
    assert (np.diff(cb.centers) > 0).all()
    assert cb.edges[0] == 0 and cb.edges[-1] == 250
    np.testing.assert_allclose(cb.bin_centers, (cb.edges[1:] + cb.edges[:-1]) / 2)
    assert "n_colors=8" in repr(cb)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_centers_are_bin_means(face_gray, strategy):
    cb = vqpress.fit(face_gray, 8, strategy)
    codes = cb.encode(face_gray)
    for level in range(cb.n_colors):
        assert face_gray[codes == level].mean() == pytest.approx(cb.centers[level], rel=1e-12)


@pytest.mark.parametrize("n,bits", [(2, 1), (3, 2), (4, 2), (5, 3), (8, 3), (9, 4), (256, 8), (257, 9), (65536, 16)])
def test_bits(n, bits):
    data = np.arange(70000, dtype=np.uint32)
    cb = vqpress.fit(data, n, "uniform")
    assert cb.bits == bits and cb.code_dtype == (np.uint8 if n <= 256 else np.uint16)
    assert cb.encode(data).dtype == cb.code_dtype


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16", "int32", "uint32", "int64", "float16", "float32", "float64"])
def test_round_trip_every_dtype(dtype):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "ui" else None
    if info is not None:
        data = rng.integers(max(info.min, -5000), min(info.max, 5000), size=(20, 30), endpoint=True).astype(dtype)
    else:
        data = (rng.normal(size=(20, 30)) * 10).astype(dtype)
    c = vqpress.compress(data, 6, "optimal")
    out = c.decompress()
    assert out.dtype == np.dtype(dtype) and out.shape == data.shape
    cb = c.codebook
    np.testing.assert_array_equal(out, cb.decode(cb.encode(data)))
    assert np.unique(out).size <= 6


def test_integer_decode_rounds_and_clips():
    cb = vqpress.Codebook([-3.4, 100.6, 300.0], [-10, 0, 200, 400], strategy="manual", dtype=np.uint8)
    np.testing.assert_array_equal(cb.decode(np.array([0, 1, 2])), [0, 101, 255])
    np.testing.assert_allclose(cb.decode(np.array([0, 1, 2]), dtype=np.float32), [-3.4, 100.6, 300.0], rtol=1e-6)


def test_encode_values_outside_the_fitted_range_clip_to_the_end_bins():
    cb = vqpress.fit(np.array([10, 20, 30, 40], dtype=np.uint8), 2, "optimal")
    np.testing.assert_array_equal(cb.encode(np.array([0, 255], dtype=np.uint8)), [0, 1])
    np.testing.assert_array_equal(cb.encode(np.array([-1e9, 1e9])), [0, 1])


def test_value_on_an_inner_edge_goes_to_the_upper_bin():
    cb = vqpress.fit(np.array([0.0, 1.0, 2.0, 3.0]), 2, "uniform")
    assert cb.edges[1] == 1.5
    np.testing.assert_array_equal(cb.encode(np.array([1.5, np.nextafter(1.5, 0)])), [1, 0])


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.uint16, np.int16, np.float32, np.float64]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=12),
        elements={"allow_nan": False, "allow_infinity": False, "allow_subnormal": False},
    ),
    st.integers(2, 20),
    st.sampled_from(STRATEGIES),
)
def test_round_trip_property(data, n_colors, strategy):
    if data.dtype.kind == "f":
        data = np.clip(data, -1e6, 1e6).astype(data.dtype)
    if data.ndim == 3 and data.shape[-1] in (3, 4):
        data = data[..., :2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = vqpress.compress(data, n_colors, strategy)
    cb = c.codebook
    codes = cb.encode(data)
    assert codes.shape == data.shape and int(codes.max()) < cb.n_colors <= n_colors
    np.testing.assert_array_equal(c.decompress(), cb.decode(codes))
    np.testing.assert_array_equal(vqpress.unpack_bits(c.payload, cb.bits, data.size), codes.ravel())
    # Every level lies inside its own bin, and every value inside the bin of its code.
    tol = 1e-9 * (1 + np.abs(cb.edges).max())
    assert (cb.centers >= cb.edges[:-1] - tol).all() and (cb.centers <= cb.edges[1:] + tol).all()
    values = data.astype(np.float64)
    assert (values >= cb.edges[codes] - tol).all() and (values <= cb.edges[codes + 1] + tol).all()


def test_constant_image_gives_one_level_with_a_warning():
    data = np.full((4, 5), 7, dtype=np.uint8)
    with pytest.warns(UserWarning, match="constant"):
        c = vqpress.compress(data, 8)
    assert c.codebook.n_colors == 1 and c.codebook.bits == 1
    np.testing.assert_array_equal(c.decompress(), data)
    assert len(c.payload) == 3  # 20 codes of 1 bit


def test_fit_histogram_on_merged_histograms_equals_fit_on_all(face_gray):
    from vqpress.histogram import merge_histograms, scalar_histogram

    top, bottom = face_gray[:300], face_gray[300:]
    merged = merge_histograms(scalar_histogram(top), scalar_histogram(bottom))
    assert vqpress.fit_histogram(merged, 8, "optimal") == vqpress.fit(face_gray, 8, "optimal")


def test_compressed_validates_its_payload(face_gray):
    c = vqpress.compress(face_gray, 8)
    with pytest.raises(vqpress.VQError, match="payload holds 10 bytes"):
        vqpress.Compressed(c.codebook, c.shape, b"0" * 10)
    again = vqpress.Compressed(c.codebook, c.shape, c.payload)
    np.testing.assert_array_equal(again.decompress(), c.decompress())
    assert "ratio=" in repr(c)


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data,match",
    [
        (np.array([], dtype=np.uint8), "empty"),
        (np.zeros((0, 3)), "empty"),
        (np.array([1.0, np.nan]), "NaN"),
        (np.array([1.0, np.inf]), "inf"),
        (np.array([1 + 2j, 3j]), "complex128"),
        (np.array(["a", "b"]), "<U1"),
        (np.array([object(), object()]), "object"),
        (np.array([True, False]), "bool"),
        (np.float64(3.0), "0-d"),
        ([[1, 2], [3]], "numeric array"),
    ],
)
def test_bad_data(data, match):
    with pytest.raises(vqpress.VQError, match=match):
        vqpress.fit(data, 8)
    with pytest.raises(ValueError):  # VQError is a ValueError
        vqpress.compress(data, 8)


@pytest.mark.parametrize("n", [1, 0, -3, 65537, 2.0, "8", None, True])
def test_bad_n_colors(face_gray, n):
    with pytest.raises(vqpress.VQError, match=r"n_colors must be an integer in 2\.\.65536"):
        vqpress.fit(face_gray, n)


def test_bad_strategy(face_gray):
    with pytest.raises(vqpress.VQError, match="strategy must be one of 'uniform', 'quantile', 'kmeans', 'optimal' for scalar data; got 'median'"):
        vqpress.fit(face_gray, 8, "median")


def test_decode_codes_out_of_range(face_gray):
    cb = vqpress.fit(face_gray, 8)
    with pytest.raises(vqpress.VQError, match=r"code 8 is out of range; this codebook has codes 0\.\.7"):
        cb.decode(np.array([0, 8]))
    with pytest.raises(vqpress.VQError, match="code -1 is out of range"):
        cb.decode(np.array([-1, 0]))
    with pytest.raises(vqpress.VQError, match="integer array"):
        cb.decode(np.array([0.5]))


def test_decode_to_a_bad_dtype(face_gray):
    cb = vqpress.fit(face_gray, 8)
    with pytest.raises(vqpress.VQError, match="dtype must be an integer or floating"):
        cb.decode(np.array([0]), dtype=bool)


def test_codebook_construction_errors():
    with pytest.raises(vqpress.VQError, match="scalar codebooks need edges"):
        vqpress.Codebook([1.0, 2.0], strategy="x", dtype=np.uint8)
    with pytest.raises(vqpress.VQError, match="edges must be 3 finite values"):
        vqpress.Codebook([1.0, 2.0], [0.0, 3.0], strategy="x", dtype=np.uint8)
    with pytest.raises(vqpress.VQError, match="non-decreasing"):
        vqpress.Codebook([1.0, 2.0], [0.0, 3.0, 1.0], strategy="x", dtype=np.uint8)
    with pytest.raises(vqpress.VQError, match="finite"):
        vqpress.Codebook([1.0, np.nan], [0.0, 1.0, 3.0], strategy="x", dtype=np.uint8)
    with pytest.raises(vqpress.VQError, match="no edges"):
        vqpress.Codebook([[1.0, 2.0, 3.0]], [0.0, 1.0], strategy="x", dtype=np.uint8)
    with pytest.raises(vqpress.VQError, match="bin_centers"):
        vqpress.Codebook([[1.0, 2.0, 3.0]], strategy="x", dtype=np.uint8).bin_centers


def test_errors_are_value_errors():
    assert issubclass(vqpress.VQError, ValueError)
    assert issubclass(vqpress.FormatError, vqpress.VQError)


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, vqpress; heavy = [m for m in ('sklearn', 'matplotlib', 'scipy', 'rich', 'numba', 'constriction', 'PIL.Image') if m in sys.modules]; print(heavy)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- dithering -------------------------------------------------------------------------------
def test_dither_gray_uses_only_the_levels_and_keeps_the_mean(face_gray):
    plain = vqpress.compress(face_gray, 4)
    dithered = vqpress.compress(face_gray, 4, dither=True)
    assert dithered.codebook == plain.codebook
    assert set(np.unique(dithered.decompress())) <= set(plain.codebook.levels().tolist())
    # Error diffusion keeps local averages: the mean is much closer than without dithering.
    assert abs(dithered.decompress().mean() - face_gray.mean()) < 1.0
    assert not np.array_equal(dithered.codes(), plain.codes())


def test_dither_colour(face_rgb):
    crop = face_rgb[:96, :128]
    c = vqpress.compress(crop, 8, dither=True)
    assert c.codes().shape == (96, 128) and c.decompress().shape == crop.shape


def test_dither_refuses_what_pillow_cannot_do():
    with pytest.raises(vqpress.VQError, match="uint8"):
        vqpress.compress(np.linspace(0, 1, 64).reshape(8, 8), 4, dither=True)
    with pytest.raises(vqpress.VQError, match="shaped like"):
        vqpress.compress(np.arange(64, dtype=np.uint8), 4, dither=True)


@pytest.mark.parametrize("n_colors", [2, 3, 4, 5, 8, 9, 16, 17, 200])
@pytest.mark.parametrize("size", [1, 2, 7, 8, 9, 1001])
def test_encode_packed_equals_pack_of_encode(n_colors, size):
    rng = np.random.default_rng(size * 100 + n_colors)
    data = rng.integers(0, 256, size=size + 300, dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb = vqpress.fit(data, n_colors)
    part = data[:size]
    assert cb.encode_packed(part) == vqpress.pack_bits(cb.encode(part), cb.bits)
    assert cb.encode_packed(part.astype(np.uint16)) == vqpress.pack_bits(cb.encode(part.astype(np.uint16)), cb.bits)


def test_encode_packed_of_a_non_contiguous_image(face_gray):
    cb = vqpress.fit(face_gray, 8)
    view = face_gray[::3, 1::2]
    assert cb.encode_packed(view) == vqpress.pack_bits(cb.encode(view), 3)


# -- argument types: a VQError naming the argument, never a TypeError from deep inside ----------

_WRONG = [None, "8", 2.5, [3], {"a": 1}, b"x", object(), True, np.array([1, 2]), -1, 10**30]


def _calls(tmp):
    import os

    img = np.arange(32 * 32, dtype=np.uint8).reshape(32, 32)
    c = vqpress.compress(img, 4)
    path = os.path.join(tmp, "ok.vqz")
    vqpress.save(path, c)
    vqpress.imwrite(os.path.join(tmp, "ok.png"), img)
    return {
        "n_colors": lambda v: vqpress.compress(img, v),
        "strategy": lambda v: vqpress.compress(img, 4, v),
        "dither": lambda v: vqpress.compress(img, 4, dither=v),
        "random_state": lambda v: vqpress.fit(img, 4, random_state=v),
        "hist": lambda v: vqpress.fit_histogram(v, 4),
        "path": lambda v: vqpress.save(v, c),
        "compressed": lambda v: vqpress.save(os.path.join(tmp, "x.vqz"), v),
        "coding": lambda v: vqpress.save(os.path.join(tmp, "y.vqz"), c, coding=v),
        "overwrite": lambda v: vqpress.save(os.path.join(tmp, "z.vqz"), c, overwrite=v),
        "max_pixels": lambda v: vqpress.load(path, max_pixels=v),
        "from_bytes takes": lambda v: vqpress.from_bytes(v),
        "centers": lambda v: vqpress.Codebook(v, [0, 1, 2], strategy="uniform", dtype=np.uint8),
        "codebook": lambda v: vqpress.Compressed(v, (2, 2), b"\0"),
        "data_range": lambda v: vqpress.metrics.psnr(img, img, data_range=v),
    }


@pytest.mark.parametrize("argument", ["n_colors", "strategy", "dither", "random_state", "hist", "path",
                                      "compressed", "coding", "overwrite", "max_pixels", "from_bytes takes",
                                      "centers", "codebook", "data_range"])
def test_wrong_argument_types_raise_vqerror_naming_the_argument(tmp_path, argument, monkeypatch):
    monkeypatch.chdir(tmp_path)  # "8" is a fine file name
    call = _calls(str(tmp_path))[argument]
    for value in _WRONG:
        try:
            call(value)
        except vqpress.FormatError:  # the right type (a buffer), not a .vqz stream
            assert isinstance(value, (bytes, np.ndarray))
        except vqpress.VQError as exc:
            if argument == "path" and isinstance(value, str):
                continue  # a valid name; the error is about the file
            names = ("centers", "edges") if argument == "centers" else (argument.split()[0],)
            assert any(name in str(exc) for name in names), (argument, value, exc)
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{argument}={value!r} raised {type(exc).__name__}: {exc}")


def test_codebook_argument_types():
    with pytest.raises(vqpress.VQError, match="strategy must be a str"):
        vqpress.Codebook([1.0], [0, 2], strategy=None, dtype=np.uint8)
    with pytest.raises(vqpress.VQError, match="dtype must be a numpy dtype"):
        vqpress.Codebook([1.0], [0, 2], strategy="uniform", dtype="no such dtype")
    with pytest.raises(vqpress.VQError, match="dtype must be an integer or floating"):
        vqpress.Codebook([1.0], [0, 2], strategy="uniform", dtype=np.complex64)
    with pytest.raises(vqpress.VQError, match="edges must be an array of numbers"):
        vqpress.Codebook([1.0], {"a": 1}, strategy="uniform", dtype=np.uint8)
    cb = vqpress.fit(np.arange(10, dtype=np.uint8), 2)
    with pytest.raises(vqpress.VQError, match="dither must be True or False"):
        cb.encode(np.arange(10, dtype=np.uint8), dither="yes")
    with pytest.raises(vqpress.VQError, match="data has dtype <U3"):
        vqpress.compress("abc", 4)


_MODULES_WITH_ALL = ["vqpress", "vqpress.api", "vqpress.bitpack", "vqpress.codebook", "vqpress.coding.choice", "vqpress.coding.cm",
                     "vqpress.coding.levels", "vqpress.coding.registry",
                     "vqpress.compressed", "vqpress.container", "vqpress.entropy", "vqpress.errors",
                     "vqpress.formats", "vqpress.histogram", "vqpress.imageio", "vqpress.kinds",
                     "vqpress.metrics", "vqpress.png", "vqpress.rate_distortion", "vqpress.threads",
                     "vqpress.bench", "vqpress.cli", "vqpress.report", "vqpress._html", "vqpress._target"]


@pytest.mark.parametrize("module", _MODULES_WITH_ALL)
def test_every_name_in_all_exists(module):
    # `from module import *` fails on a name that __all__ lists but the module lacks.
    import importlib

    mod = importlib.import_module(module)
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert missing == []


@pytest.mark.parametrize("module, needs", [("vqpress.plot", "matplotlib"), ("vqpress.dask", "dask"),
                                           ("vqpress.zarr", "zarr")])
def test_every_name_in_all_exists_with_the_extra(module, needs):
    pytest.importorskip(needs)
    test_every_name_in_all_exists(module)
