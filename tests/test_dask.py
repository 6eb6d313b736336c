"""vqpress.dask: exact fits on dask (threads and a distributed LocalCluster), encode, decode, to_zarr."""

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
zarr = pytest.importorskip("zarr")

import vqpress  # noqa: E402
import vqpress.dask as vqd  # noqa: E402
from vqpress.histogram import scalar_histogram  # noqa: E402


def gray16(shape=(300, 457), seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[: shape[0], : shape[1]]
    return ((x * 97 + y * 31) % 40000 + rng.integers(0, 3000, shape)).astype(np.uint16)


def assert_same_histogram(a, b):
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.dtype == b.dtype


@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans", "optimal"])
def test_fit_equals_fit_in_memory_for_every_gray_strategy(strategy):
    data = gray16()
    x = da.from_array(data, chunks=(64, 100))  # ragged edge chunks
    cb = vqd.fit(x, 16, strategy)
    ref = vqpress.fit(data, 16, strategy)
    assert cb == ref
    np.testing.assert_array_equal(cb.edges, ref.edges)
    np.testing.assert_array_equal(cb.centers, ref.centers)
    np.testing.assert_array_equal(vqd.encode(x, cb).compute(), ref.encode(data))


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.float16, np.int32, np.uint64, np.float32, np.float64])
def test_histogram_of_every_dtype(dtype):
    rng = np.random.default_rng(1)
    data = (rng.standard_normal((90, 70)) * 40).astype(dtype) if np.dtype(dtype).kind == "f" else \
        rng.integers(0, 120, (90, 70)).astype(dtype)
    x = da.from_array(data, chunks=(32, 25))
    assert_same_histogram(vqd.histogram(x), scalar_histogram(data))
    assert vqd.fit(x, 5) == vqpress.fit(data, 5)


def test_one_chunk_and_one_dimensional_arrays(face_gray):
    assert_same_histogram(vqd.histogram(da.from_array(face_gray)), scalar_histogram(face_gray))
    flat = face_gray.ravel()
    assert vqd.fit(da.from_array(flat, chunks=10_000), 8) == vqpress.fit(flat, 8)


def test_colour_palette_equals_fit_in_memory(face_rgb):
    face_rgb = face_rgb[::2, ::2]
    x = da.from_array(face_rgb, chunks=(100, 150, 2))  # the channels split across chunks too
    for strategy in ("kmeans", "mediancut"):
        cb = vqd.fit(x, 16, strategy)
        ref = vqpress.fit(face_rgb, 16, strategy)
        np.testing.assert_array_equal(cb.centers, ref.centers)
        assert cb == ref
    codes = vqd.encode(x, cb)
    assert codes.shape == face_rgb.shape[:2]
    np.testing.assert_array_equal(codes.compute(), ref.encode(face_rgb))
    np.testing.assert_array_equal(vqd.decode(codes, cb).compute(), ref.decode(ref.encode(face_rgb)))


def test_colour_histogram_and_few_colours():
    img = np.zeros((20, 30, 3), dtype=np.uint8)
    img[5:, :, 0] = 200
    img[:, 10:, 2] = 9
    colours, counts = vqd.histogram(da.from_array(img, chunks=(7, 11, 3)))
    ref_colours, ref_counts = vqpress.colour.colour_histogram(img.reshape(-1, 3))
    np.testing.assert_array_equal(colours, ref_colours)
    np.testing.assert_array_equal(counts, ref_counts)
    with pytest.warns(UserWarning, match="only 4 distinct colours"):
        cb = vqd.fit(da.from_array(img, chunks=(7, 11, 3)), 8)
    assert cb.n_colors == 4
    with pytest.warns(UserWarning, match="^image has only 1 distinct colour; using 1 colour instead of 8$"):
        cb = vqd.fit(da.from_array(np.zeros_like(img), chunks=(7, 11, 3)), 8)
    assert cb.n_colors == 1


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.float16, ">u2", np.int32, np.float64])
def test_scalar_histogram_of_every_dtype(dtype):
    # 8/16-bit chunks send dense pattern counts up the tree (big-endian ones histograms)
    rng = np.random.default_rng(6)
    values = rng.normal(0, 40, (37, 53))
    data = (np.abs(values) if np.dtype(dtype).kind == "u" else values).astype(dtype)
    data[0, :3] = [-0.0, 0.0, 0.0] if np.dtype(dtype).kind == "f" else 0
    assert_same_histogram(vqd.histogram(da.from_array(data, chunks=(10, 17))), scalar_histogram(data))


@pytest.mark.parametrize("dtype, channels", [(np.uint8, 4), (np.uint16, 3), (np.float32, 3)])
def test_colour_histogram_of_every_colour_dtype(dtype, channels):
    # uint8 and uint16 chunks merge as packed keys (32- and 64-bit), floats as colour rows
    rng = np.random.default_rng(3)
    img = rng.integers(0, 5, (23, 31, channels)).astype(dtype) * dtype(3)
    colours, counts = vqd.histogram(da.from_array(img, chunks=(6, 9, channels)))
    ref_colours, ref_counts = vqpress.colour.colour_histogram(img.reshape(-1, channels))
    assert colours.dtype == img.dtype and counts.dtype == np.int64
    np.testing.assert_array_equal(colours, ref_colours)
    np.testing.assert_array_equal(counts, ref_counts)


def test_decode_inverts_encode():
    data = gray16()
    x = da.from_array(data, chunks=100)
    cb = vqpress.fit(data, 300)  # 300 levels: uint16 codes
    codes = vqd.encode(x, cb)
    assert codes.dtype == np.uint16
    np.testing.assert_array_equal(vqd.decode(codes, cb).compute(), cb.decode(cb.encode(data)))
    np.testing.assert_array_equal(vqd.decode(codes, cb, np.float32).compute(), cb.decode(cb.encode(data), np.float32))


@pytest.mark.parametrize("shards", [None, (128, 256)])
def test_to_zarr_reads_back_the_reconstruction(tmp_path, shards):
    data = gray16((300, 500))
    x = da.from_array(data, chunks=(100, 128))
    cb = vqd.to_zarr(x, tmp_path / "g.zarr", 8, chunks=(64, 64), shards=shards)
    assert cb == vqpress.fit(data, 8)
    back = zarr.open_array(tmp_path / "g.zarr")
    assert back.chunks == (64, 64)
    np.testing.assert_array_equal(back[...], cb.decode(cb.encode(data)))
    with pytest.raises(Exception, match="exist"):
        vqd.to_zarr(x, tmp_path / "g.zarr", codebook=cb)
    vqd.to_zarr(x, tmp_path / "g.zarr", codebook=cb, overwrite=True, zarr_format=2)
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "g.zarr")[...], cb.decode(cb.encode(data)))


def test_to_zarr_warns_when_a_codebook_of_another_dtype_clips(tmp_path, face_gray):
    # A 16-bit codebook written over 8-bit data gave an array of 255s, silently (as compress did).
    deep_cb = vqpress.fit(face_gray.astype(np.uint16) * 257, 4)
    x = da.from_array(face_gray, chunks=256)
    with pytest.warns(UserWarning, match=r"outside uint8's range 0\.\.255.*clipped"):
        vqd.to_zarr(x, tmp_path / "a.zarr", codebook=deep_cb)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vqd.to_zarr(x.astype(np.uint16), tmp_path / "b.zarr", codebook=vqpress.fit(face_gray, 4))


def test_to_zarr_colour(tmp_path, face_rgb):
    x = da.from_array(face_rgb, chunks=(256, 256, 3))
    cb = vqd.to_zarr(x, tmp_path / "c.zarr", 16, strategy="mediancut")
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "c.zarr")[...], cb.decode(cb.encode(face_rgb)))
    assert zarr.open_array(tmp_path / "c.zarr").chunks == (256, 256, 3)


def test_kernels_run_on_the_task_thread_alone():
    from vqpress import _threadpool

    seen = []

    class Probe:
        def encode(self, block):
            seen.append(_threadpool.get_local_limit())
            return block

    vqd._encode_block(np.zeros(3), Probe())
    assert seen == [1]
    assert _threadpool.get_local_limit() == 0


def test_errors(tmp_path, face_gray, face_rgb):
    x = da.from_array(face_gray, chunks=256)
    cb = vqpress.fit(face_gray, 4)
    with pytest.raises(vqpress.VQError, match="dask array"):
        vqd.fit(face_gray, 4)
    with pytest.raises(vqpress.VQError, match="dtype"):
        vqd.histogram(da.from_array(np.zeros(4, dtype=bool)))
    with pytest.raises(vqpress.VQError, match="at least one"):
        vqd.histogram(da.from_array(np.zeros(0)))
    with pytest.raises(vqpress.VQError, match="NaN"):
        vqd.fit(da.from_array(np.array([1.0, np.nan, 2.0]), chunks=2), 2)
    with pytest.raises(vqpress.VQError, match="strategy"):
        vqd.fit(x, 4, "mediancut")
    with pytest.raises(vqpress.VQError, match="n_colors"):
        vqd.fit(x, 1)
    with pytest.raises(vqpress.VQError, match="Codebook"):
        vqd.encode(x, "levels")
    with pytest.raises(vqpress.VQError, match="3-channel"):
        vqd.encode(x, vqpress.fit(face_rgb[:50, :50], 4))
    with pytest.raises(vqpress.VQError, match="codes"):
        vqd.decode(x.astype(np.float32), cb)
    with pytest.raises(vqpress.VQError, match="Codebook"):
        vqd.decode(x, None)
    with pytest.raises(vqpress.VQError, match="chunks"):
        vqd.to_zarr(x, tmp_path / "a.zarr", codebook=cb, chunks=(0, 5))
    with pytest.raises(vqpress.VQError, match="zarr_format"):
        vqd.to_zarr(x, tmp_path / "b.zarr", codebook=cb, zarr_format=4)


def test_distributed_cluster_of_two_worker_processes(tmp_path):
    distributed = pytest.importorskip("distributed")
    data = gray16((256, 384))
    colour = np.stack([data >> 8, data & 0xFF, (data >> 4) & 0xFF], axis=-1).astype(np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's own start-up notices
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                      worker_dashboard_address=None) as cluster, distributed.Client(cluster):
            x = da.from_array(data, chunks=(64, 128))
            cb = vqd.to_zarr(x, tmp_path / "d.zarr", 8, strategy="optimal")
            cc = vqd.fit(da.from_array(colour, chunks=(128, 128, 3)), 8)
            seen = vqd.encode(x, cb).compute()
    assert cb == vqd.fit(x, 8)  # the threaded scheduler again
    assert cb == vqpress.fit(data, 8)
    np.testing.assert_array_equal(seen, cb.encode(data))
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "d.zarr")[...], cb.decode(cb.encode(data)))
    np.testing.assert_array_equal(cc.centers, vqpress.fit(colour, 8).centers)
