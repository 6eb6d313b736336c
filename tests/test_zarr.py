"""The vqpress.vq codec: zarr v3 (with and without sharding), zarr v2 and numcodecs."""

import json
import warnings

import numpy as np
import pytest

zarr = pytest.importorskip("zarr")
numcodecs = pytest.importorskip("numcodecs")

import vqpress  # noqa: E402
from vqpress.zarr import (  # noqa: E402
    CODEC_ID,
    PACKED_CODEC_ID,
    VQCodec,
    VQFilter,
    VQPackedCodec,
    codebook_from_config,
    codebook_to_config,
)


def gray16():
    face = vqpress.datasets.face(gray=True).astype(np.uint16)
    return face * 257 + (np.arange(face.size, dtype=np.uint16).reshape(face.shape) % 251)


def reconstruction(cb, data):
    return cb.decode(cb.encode(data))


def create(store, data, codec, chunks, **kw):
    """An array written through ``codec``: a filter (VQCodec), or the serializer (VQPackedCodec)."""
    where = {"serializer": codec} if isinstance(codec, VQPackedCodec) else {"filters": [codec]}
    z = zarr.create_array(store, shape=data.shape, dtype=data.dtype, chunks=chunks, **where,
                          compressors=zarr.codecs.ZstdCodec(level=1), config={"write_empty_chunks": True}, **kw)
    z[...] = data
    return z


CODECS = {"vq": lambda cb: VQCodec(cb), "vq_packed": lambda cb: VQPackedCodec(cb)}


@pytest.mark.parametrize("codec", list(CODECS))
@pytest.mark.parametrize("shards", [None, (256, 512)])
@pytest.mark.parametrize("kind", ["uint8", "uint16", "int8", "float32"])
def test_zarr_v3_round_trip(tmp_path, kind, shards, codec, face_gray):
    data = {"uint8": face_gray, "uint16": gray16(), "int8": (face_gray.astype(np.int16) - 128).astype(np.int8),
            "float32": face_gray.astype(np.float32) / 255}[kind]
    cb = vqpress.fit(data, 16)
    create(tmp_path / "a.zarr", data, CODECS[codec](cb), (128, 128), shards=shards)
    back = zarr.open_array(tmp_path / "a.zarr")  # a new reader: the codec comes from the entry point
    np.testing.assert_array_equal(back[...], reconstruction(cb, data))
    np.testing.assert_array_equal(back[100:300, 5:777], reconstruction(cb, data)[100:300, 5:777])
    assert back.dtype == data.dtype


@pytest.mark.parametrize("codec", list(CODECS))
@pytest.mark.parametrize("shards", [None, (256, 256, 3)])
def test_zarr_v3_colour_round_trip(tmp_path, face_rgb, shards, codec):
    cb = vqpress.fit(face_rgb, 16, "mediancut")
    create(tmp_path / "c.zarr", face_rgb, CODECS[codec](cb), (128, 128, 3), shards=shards)
    back = zarr.open_array(tmp_path / "c.zarr")
    np.testing.assert_array_equal(back[...], reconstruction(cb, face_rgb))


@pytest.mark.parametrize("codec", list(CODECS))
def test_colour_codec_needs_every_channel_in_one_chunk(tmp_path, face_rgb, codec):
    cb = vqpress.fit(face_rgb[:64, :64], 4)
    with pytest.raises(vqpress.VQError, match="one chunk"):
        create(tmp_path / "c.zarr", face_rgb[:64, :64], CODECS[codec](cb), (32, 32, 1))
    with pytest.raises(vqpress.VQError, match="shape"):
        VQFilter(cb).encode(np.zeros((4, 4), np.uint8))


def test_metadata_holds_the_codebook_to_the_bit(tmp_path):
    data = np.random.default_rng(0).standard_normal((64, 64))
    cb = vqpress.fit(data, 7)
    create(tmp_path / "f.zarr", data, VQCodec(cb), (32, 32))
    meta = json.loads((tmp_path / "f.zarr" / "zarr.json").read_text())
    (entry,) = [c for c in meta["codecs"] if c["name"] == CODEC_ID]
    again = codebook_from_config(entry["configuration"])
    assert again == cb and again.bits == 3
    np.testing.assert_array_equal(again.edges, cb.edges)
    assert VQCodec(cb) == VQCodec(**codebook_to_config(cb)) and hash(VQCodec(cb)) == hash(VQCodec(again))


def test_constant_chunks_read_back_as_their_level(tmp_path):
    data = np.zeros((64, 64), dtype=np.uint8)
    data[32:, 32:] = 200  # three chunks all 0 (the fill value): written all the same
    cb = vqpress.fit(np.array([0, 3, 200, 255], dtype=np.uint8), 2)
    create(tmp_path / "z.zarr", data, VQCodec(cb), (32, 32))
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "z.zarr")[...], reconstruction(cb, data))


def test_numcodecs_twin(face_gray):
    cb = vqpress.fit(face_gray, 8)
    codec = numcodecs.get_codec(VQFilter(cb).get_config())  # found through the entry point
    assert isinstance(codec, VQFilter) and codec.codebook == cb
    encoded = codec.encode(face_gray)
    assert encoded.dtype == np.uint8
    out = np.empty_like(face_gray)
    codec.decode(encoded.tobytes(), out=out)
    np.testing.assert_array_equal(out, reconstruction(cb, face_gray))
    assert "VQFilter" in repr(codec) and "VQCodec" in repr(VQCodec(cb))


def test_zarr_v2_through_numcodecs(tmp_path, face_rgb):
    cb = vqpress.fit(face_rgb, 8, "mediancut")
    z = zarr.create_array(tmp_path / "v2.zarr", shape=face_rgb.shape, dtype=face_rgb.dtype, chunks=(200, 300, 3),
                          filters=[VQFilter(cb)], zarr_format=2, config={"write_empty_chunks": True})
    z[...] = face_rgb
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "v2.zarr")[...], reconstruction(cb, face_rgb))


def test_damaged_codes_raise(face_gray):
    cb = vqpress.fit(face_gray, 5)
    with pytest.raises(vqpress.VQError, match="out of range"):
        VQFilter(cb).decode(np.array([0, 1, 7], dtype=np.uint8).tobytes())


@pytest.mark.parametrize(
    "change,match",
    [
        ({"bits": 4}, "bits"),
        ({"dtype": "not-a-dtype"}, "dtype"),
        ({"dtype": "bool"}, "integer or floating"),
        ({"centers": "abc"}, "lists of numbers"),
        ({"edges": [0.0, 1.0]}, "edges"),
        ({"extra": 1}, "keys"),
    ],
)
def test_bad_configurations(change, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = codebook_to_config(vqpress.fit(np.arange(10, dtype=np.uint8), 3))
    config.update(change)
    with pytest.raises(vqpress.VQError, match=match):
        codebook_from_config(config)
    with pytest.raises(vqpress.VQError, match="keys"):
        codebook_from_config([1, 2])
    with pytest.raises(vqpress.VQError, match="not both"):
        VQFilter(vqpress.fit(np.arange(10, dtype=np.uint8), 3), dtype="uint8")
    with pytest.raises(vqpress.VQError, match="Codebook"):
        VQCodec("levels")


@pytest.mark.parametrize("n_colors", [2, 3, 5, 9, 17, 200, 257, 5000])
def test_packed_codec_every_code_width(tmp_path, n_colors):
    data = gray16()[:300, :300]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb = vqpress.fit(data, n_colors, "uniform")
    create(tmp_path / "p.zarr", data, VQPackedCodec(cb), (64, 100))  # edge chunks of odd sizes
    z = zarr.open_array(tmp_path / "p.zarr")
    assert z.metadata.codecs[0].to_dict()["name"] == PACKED_CODEC_ID
    np.testing.assert_array_equal(z[...], reconstruction(cb, data))
    stored = sum(f.stat().st_size for f in (tmp_path / "p.zarr").rglob("c/*/*"))
    assert stored <= 1.05 * data.size * cb.bits / 8 + 1000  # packed (then zstd), never whole bytes


def test_packed_codec_rejects_damaged_chunks(tmp_path, face_gray):
    cb = vqpress.fit(face_gray, 5)  # 3 bits: codes 5..7 do not exist
    z = zarr.create_array(tmp_path / "d.zarr", shape=(8, 8), dtype=np.uint8, chunks=(8, 8),
                          serializer=VQPackedCodec(cb), compressors=None, config={"write_empty_chunks": True})
    z[...] = face_gray[:8, :8]
    chunk = tmp_path / "d.zarr" / "c" / "0" / "0"
    chunk.write_bytes(b"\xff" * len(chunk.read_bytes()))
    with pytest.raises(vqpress.VQError, match="out of range"):
        zarr.open_array(tmp_path / "d.zarr")[...]
    chunk.write_bytes(b"\x00")
    with pytest.raises(vqpress.VQError, match="bytes hold fewer"):
        zarr.open_array(tmp_path / "d.zarr")[...]


def test_a_reader_needs_no_import_of_vqpress(tmp_path, face_gray):
    import subprocess
    import sys

    cb = vqpress.fit(face_gray, 4)
    create(tmp_path / "r.zarr", face_gray, VQPackedCodec(cb), (256, 256))
    code = ("import sys, zarr; z = zarr.open_array(sys.argv[1]); "
            "print(int(z[...].astype('int64').sum()), 'vqpress' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.zarr")], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    total, _ = out.stdout.split()
    assert int(total) == int(reconstruction(cb, face_gray).astype(np.int64).sum())
