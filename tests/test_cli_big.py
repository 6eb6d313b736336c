"""``vqpress compress`` on the streaming path: TIFF/OME-TIFF and zarr in, zarr or .vqz out."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

tifffile = pytest.importorskip("tifffile")
zarr = pytest.importorskip("zarr")
pytest.importorskip("dask.array")

from cli_helpers import run  # noqa: E402

import vqpress  # noqa: E402


@pytest.fixture
def gray_tif(tmp_path):
    img = ((np.arange(300 * 500, dtype=np.uint32).reshape(300, 500) * 2654435761) >> 20).astype(np.uint16)
    path = tmp_path / "mosaic.ome.tif"
    tifffile.imwrite(path, img, tile=(128, 128), ome=True)
    return path, img


def test_tiff_to_zarr_streams_and_reads_back_the_reconstruction(tmp_path, gray_tif, capsys):
    src, img = gray_tif
    code, out, err = run(capsys, "compress", src, "-o", tmp_path / "m.zarr", "-n", "16", "--chunks", "100,200")
    assert code == 0, err
    assert "mosaic.ome.tif -> " in out and "16 optimal levels" in out
    assert "500 x 300 pixels, uint16" in out  # width x height, as the in-memory path says it
    z = zarr.open_array(tmp_path / "m.zarr")
    cb = vqpress.fit(img, 16)
    assert z.chunks == (100, 200)
    np.testing.assert_array_equal(z[...], cb.decode(cb.encode(img)))
    assert not list(tmp_path.glob(".*"))  # no partial or old copies left


def test_default_output_beside_the_input_and_no_silent_overwrite(tmp_path, gray_tif, capsys):
    src, img = gray_tif
    code, _, err = run(capsys, "compress", src, "--chunks", "128", "-q")
    assert code == 0, err
    target = tmp_path / "mosaic.ome.zarr"  # the last suffix replaced, as for .vqz (mosaic.ome.vqz)
    assert target.is_dir()
    code, _, err = run(capsys, "compress", src, "--chunks", "128", "-n", "4")
    assert code == 1 and "exists; use --force" in err
    assert zarr.open_array(target).metadata.codecs[0].codebook.n_colors == 8  # untouched
    code, _, err = run(capsys, "compress", src, "--chunks", "128", "-n", "4", "--force", "-q")
    assert code == 0, err
    assert zarr.open_array(target).metadata.codecs[0].codebook.n_colors == 4


def test_default_zarr_name_replaces_the_last_suffix_only_as_for_vqz(tmp_path, capsys):
    # The default name once cut at the first dot: scan.2024.tif -> scan.zarr.
    src = tmp_path / "scan.2024.tif"
    tifffile.imwrite(src, np.arange(64 * 80, dtype=np.uint16).reshape(64, 80))
    code, _, err = run(capsys, "compress", src, "--chunks", "32", "-q")
    assert code == 0, err
    assert (tmp_path / "scan.2024.zarr").is_dir() and not (tmp_path / "scan.zarr").exists()
    code, _, err = run(capsys, "compress", src, "-q")
    assert code == 0, err
    assert (tmp_path / "scan.2024.vqz").is_file()


def test_zarr_in_vqz_out(tmp_path, capsys):
    img = np.random.default_rng(0).integers(0, 1000, (200, 300)).astype(np.int32)
    zarr.create_array(tmp_path / "in.zarr", data=img, chunks=(64, 64))
    code, _, err = run(capsys, "compress", tmp_path / "in.zarr", "-o", tmp_path / "out.vqz", "-n", "8", "-q")
    assert code == 0, err
    cb = vqpress.fit(img, 8)
    np.testing.assert_array_equal(vqpress.load(tmp_path / "out.vqz").decompress(), cb.decode(cb.encode(img)))


def test_colour_tiff(tmp_path, face_rgb, capsys):
    rgb = np.ascontiguousarray(face_rgb[:200, :300])
    tifffile.imwrite(tmp_path / "c.tif", rgb, photometric="rgb", tile=(64, 64))
    code, out, err = run(capsys, "compress", tmp_path / "c.tif", "-o", tmp_path / "c.zarr", "-n", "8",
                         "-s", "mediancut")
    assert code == 0, err
    assert "300 x 200 pixels, uint8" in out and "8 mediancut colours" in out
    cb = vqpress.fit(rgb, 8, "mediancut")
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "c.zarr")[...], cb.decode(cb.encode(rgb)))


@pytest.mark.parametrize(
    "extra,match",
    [
        (["--dither"], "--dither"),
        (["--chunks", "0"], "--chunks"),
        (["--chunks", "1,2,3"], "--chunks"),
        (["--chunks", "a"], "--chunks"),
    ],
)
def test_errors(tmp_path, gray_tif, capsys, extra, match):
    src, _ = gray_tif
    code, _, err = run(capsys, "compress", src, "-o", tmp_path / "e.zarr", *extra)
    assert code == 1 and match in err


def test_more_errors(tmp_path, gray_tif, capsys):
    src, _ = gray_tif
    code, _, err = run(capsys, "compress", src, src, "-o", tmp_path / "x.zarr")
    assert code == 1 and "one input" in err
    zarr.create_group(tmp_path / "g.zarr").create_array("0", shape=(4, 4), dtype="uint8")
    code, _, err = run(capsys, "compress", tmp_path / "g.zarr", "-o", tmp_path / "y.zarr")
    assert code == 1 and "zarr group" in err and "g.zarr/0" in err
    code, _, err = run(capsys, "compress", tmp_path / "g.zarr" / "0", "-o", tmp_path / "y.zarr", "-n", "2", "-q")
    assert code == 0, err  # an array inside a group
    code, _, err = run(capsys, "compress", tmp_path / "none.zarr", "-o", tmp_path / "z.zarr")
    assert code == 1 and "no such file" in err
    (tmp_path / "bad.zarr").mkdir()
    code, _, err = run(capsys, "compress", tmp_path / "bad.zarr", "-o", tmp_path / "w.zarr")
    assert code == 1 and "not a zarr array" in err
    code, _, err = run(capsys, "compress", tmp_path / "bad.zarr", "-o", tmp_path / "bad.zarr")
    assert code == 1 and "is the input" in err


@pytest.mark.parametrize("effort", ["0", "9"])
def test_vqz_output_keeps_effort_and_coding(tmp_path, face_gray, capsys, effort):
    # The streamed .vqz output is the file the in-memory path writes with the same options
    # (--effort was once dropped on this path: every effort gave the default's file).
    img = np.ascontiguousarray(face_gray[:256, :384])
    tifffile.imwrite(tmp_path / "g.tif", img, tile=(64, 64))
    options = ["-n", "8", "--effort", effort, "-q"]
    code, _, err = run(capsys, "compress", tmp_path / "g.tif", "-o", tmp_path / "big.vqz", "--chunks", "64",
                       *options)
    assert code == 0, err
    code, _, err = run(capsys, "compress", tmp_path / "g.tif", "-o", tmp_path / "small.vqz", *options)
    assert code == 0, err
    assert (tmp_path / "big.vqz").read_bytes() == (tmp_path / "small.vqz").read_bytes()
    code, _, err = run(capsys, "compress", tmp_path / "g.tif", "-o", tmp_path / "raw.vqz", "--chunks", "64",
                       "--coding", "raw", *options)
    assert code == 0, err
    assert vqpress.container.inspect(tmp_path / "raw.vqz")[0].coding == "raw"
    for path in ("big", "exact-big", "exact-small"):  # --exact-centers on both paths: float64, format 2.0
        chunks = ["--chunks", "64"] if "big" in path else []
        extra = ["--exact-centers"] if "exact" in path else []
        code, _, err = run(capsys, "compress", tmp_path / "g.tif", "-o", tmp_path / f"{path}.vqz", "--force",
                           *chunks, *extra, *options)
        assert code == 0, err
    assert (tmp_path / "exact-big.vqz").read_bytes() == (tmp_path / "exact-small.vqz").read_bytes()
    assert vqpress.container.inspect(tmp_path / "exact-big.vqz")[0].codebook_form == 0
    assert vqpress.container.inspect(tmp_path / "big.vqz")[0].codebook_form == 2


def test_pages_of_colour_are_colour_as_in_memory(tmp_path, face_rgb, capsys):
    # A multi-page RGB TIFF streamed (shape (pages, H, W, 3)) was quantized value by value
    # ("16 optimal levels" per channel) while the in-memory path fits 16 colours to its frames.
    pages = np.stack([face_rgb[:128, :192], face_rgb[-128:, -192:]])
    tifffile.imwrite(tmp_path / "p.tif", pages, photometric="rgb", tile=(64, 64))
    code, out, err = run(capsys, "compress", tmp_path / "p.tif", "-o", tmp_path / "big.vqz", "--chunks", "64",
                         "-n", "16")
    assert code == 0, err
    assert "2 frames of 192 x 128 pixels, uint8" in out and "16 kmeans colours" in out
    code, _, err = run(capsys, "compress", tmp_path / "p.tif", "-o", tmp_path / "small.vqz", "-n", "16", "-q")
    assert code == 0, err
    assert (tmp_path / "big.vqz").read_bytes() == (tmp_path / "small.vqz").read_bytes()
    code, _, err = run(capsys, "compress", tmp_path / "p.tif", "-o", tmp_path / "p.zarr", "-n", "16", "-q")
    assert code == 0, err
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "p.zarr")[...],
                                  vqpress.load(tmp_path / "small.vqz").decompress())


def test_pages_of_gray_are_described_as_frames_like_pages_of_colour(tmp_path, face_gray, capsys):
    # A gray multi-page TIFF streamed was summarised "shape (2, 128, 192)", an RGB one
    # "2 frames of 192 x 128 pixels" (as the in-memory path and info say both).
    tifffile.imwrite(tmp_path / "g.tif", np.stack([face_gray[:128, :192], face_gray[-128:, -192:]]), tile=(64, 64))
    for out in ("g.zarr", "g.vqz"):
        code, text, err = run(capsys, "compress", tmp_path / "g.tif", "-o", tmp_path / out, "--chunks", "64")
        assert code == 0, err
        assert "2 frames of 192 x 128 pixels, uint8" in text and "shape (" not in text
    code, text, err = run(capsys, "compress", tmp_path / "g.zarr", "-o", tmp_path / "again.vqz")
    assert code == 0, err
    assert "2 frames of 192 x 128 pixels, uint8" in text
    code, text, err = run(capsys, "info", tmp_path / "g.vqz")
    assert code == 0, err
    assert "2 frames of 192 x 128 pixels" in text


def test_animation_streams_as_frames(tmp_path, face_rgb, capsys):
    # An animated GIF to .zarr was refused with "... the command line compresses them all
    # with one codebook", which that very command did not do.
    from PIL import Image

    frames = [Image.fromarray(np.ascontiguousarray(face_rgb[:96, 40 * i:40 * i + 128])) for i in range(3)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    code, out, err = run(capsys, "compress", tmp_path / "a.gif", "-o", tmp_path / "a.zarr", "-n", "8")
    assert code == 0, err
    assert "3 frames of 128 x 96 pixels" in out
    code, _, err = run(capsys, "compress", tmp_path / "a.gif", "-o", tmp_path / "a.vqz", "-n", "8", "-q")
    assert code == 0, err
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "a.zarr")[...],
                                  vqpress.load(tmp_path / "a.vqz").decompress())


def test_options_that_need_memory_are_named_in_a_sentence(tmp_path, gray_tif, capsys):
    src, _ = gray_tif
    code, _, err = run(capsys, "compress", src, "-o", tmp_path / "e.zarr", "--psnr", "40")
    assert code == 1
    assert "--psnr needs the whole image in memory; it does not combine with zarr or --chunks" in err
    code, _, err = run(capsys, "compress", src, "-o", tmp_path / "e.zarr", "--psnr", "40", "--skip-if-larger")
    assert code == 1
    assert "--psnr and --skip-if-larger need the whole image in memory; they do not combine" in err


def test_streaming_without_the_dask_extra_says_which_extra(tmp_path, gray_tif, capsys, hide_module):
    # a fresh `pip install ".[cli]"` once said "No module named 'dask' (an incomplete install?)"
    src, _ = gray_tif
    hide_module("dask")
    code, _, err = run(capsys, "compress", src, "-o", tmp_path / "m.zarr", "-n", "4")
    assert code == 1 and "No module named 'dask'; install it (pip install 'vqpress[dask]')" in err, err
    assert not (tmp_path / "m.zarr").exists()


def test_gray_alpha_streams_as_two_channel_colours_as_in_memory(tmp_path, face_gray, capsys):
    # A gray + alpha PNG to .zarr was first quantized value by value, gray and alpha on one
    # set of levels (info then called it "768 frames of 2 x 1024 pixels"), then refused.
    from PIL import Image

    alpha = np.full((64, 96), 200, np.uint8)
    alpha[:10] = 0
    alpha[30:40, 20:70] = 90
    la = np.dstack([face_gray[:64, :96], alpha])
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    code, _, err = run(capsys, "compress", tmp_path / "la.png", "-o", tmp_path / "mem.vqz", "-n", "6", "-q")
    assert code == 0, err
    code, _, err = run(capsys, "compress", tmp_path / "la.png", "-o", tmp_path / "big.vqz", "-n", "6", "-q",
                       "--chunks", "32")
    assert code == 0 and "channel_axis" not in err, err
    assert (tmp_path / "big.vqz").read_bytes() == (tmp_path / "mem.vqz").read_bytes()
    code, _, err = run(capsys, "compress", tmp_path / "la.png", "-o", tmp_path / "la.zarr", "-n", "6", "-q")
    assert code == 0 and "channel_axis" not in err, err
    stored = zarr.open(tmp_path / "la.zarr", mode="r")
    assert stored.shape == (64, 96, 2)
    np.testing.assert_array_equal(stored[:], vqpress.load(tmp_path / "mem.vqz").decompress())
    code, out, _ = run(capsys, "info", tmp_path / "la.zarr")
    assert code == 0 and "96 x 64 pixels (image)" in out and "6 gray + alpha colours" in out


def test_dask_fits_gray_alpha_as_vqpress_fit_does(face_gray):
    da = pytest.importorskip("dask.array")
    import vqpress.dask as vqd

    alpha = np.where(face_gray > 100, 255, 40).astype(np.uint8)
    la = np.dstack([face_gray, alpha])
    x = da.from_array(la, chunks=(200, 300, 2))
    colours, counts = vqd.histogram(x, channel_axis=-1)
    want, want_counts = np.unique(la.reshape(-1, 2), axis=0, return_counts=True)
    np.testing.assert_array_equal(colours, want)
    np.testing.assert_array_equal(counts, want_counts)
    for strategy in ("kmeans", "mediancut"):
        assert vqd.fit(x, 8, strategy, channel_axis=-1) == vqpress.fit(la, 8, strategy, channel_axis=-1)
    with pytest.warns(UserWarning, match="channel_axis=-1"):  # as vqpress.fit: by default scalar, said
        assert vqd.fit(x, 8).channels == 0
    with pytest.raises(vqpress.VQError, match="has 5 channels"):
        vqd.fit(da.zeros((4, 4, 5), dtype=np.uint8), 2, channel_axis=-1)
    zarr_store = zarr.storage.MemoryStore()
    cb = vqd.to_zarr(x, zarr_store, n_colors=8, channel_axis=-1)
    assert cb == vqpress.fit(la, 8, channel_axis=-1)
    np.testing.assert_array_equal(zarr.open_array(zarr_store)[...], cb.decode(cb.encode(la)))
    with pytest.raises(vqpress.VQError, match="channel_axis must be -1, None or 'auto'; got 0"):
        vqd.to_zarr(x, zarr.storage.MemoryStore(), n_colors=8, channel_axis=0)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_tiff_orientation_is_applied_as_in_memory(tmp_path, face_rgb, capsys, orientation):
    # The streamed path read a TIFF as stored, ignoring its orientation tag, so '--chunks'
    # (or -o x.zarr) gave the image turned or mirrored against the in-memory path's.
    for name, img in [("g.tif", face_rgb[:48, :80, 1]), ("c.tif", face_rgb[:48, :80])]:
        tifffile.imwrite(tmp_path / name, np.ascontiguousarray(img), extratags=[(274, 3, 1, orientation, True)],
                         **({"photometric": "rgb"} if img.ndim == 3 else {}))
        for out, extra in [("big.vqz", ["--chunks", "32"]), ("small.vqz", [])]:
            code, _, err = run(capsys, "compress", tmp_path / name, "-o", tmp_path / out, "-n", "4", "--force", "-q",
                               *extra)
            assert code == 0, err
        assert (tmp_path / "big.vqz").read_bytes() == (tmp_path / "small.vqz").read_bytes(), name


def test_tiffs_tifffile_would_misread_stream_as_in_memory(tmp_path, face_rgb, capsys):
    # Through tifffile's raw samples a palette TIFF was quantized as gray indices, CMYK as
    # RGBA, min-is-white gray inverted, planar RGB as 3 gray pages, and 1-bit refused
    # ("x has dtype bool"): the streamed path now gives the in-memory path's file for each.
    from PIL import Image

    rgb = np.ascontiguousarray(face_rgb[:48, :80])
    Image.fromarray(rgb).quantize(16).save(tmp_path / "palette.tif")
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.tif")
    Image.fromarray(rgb).convert("1").save(tmp_path / "bilevel.tif")
    tifffile.imwrite(tmp_path / "white.tif", rgb[..., 1], photometric="miniswhite")
    tifffile.imwrite(tmp_path / "planar.tif", np.moveaxis(rgb, -1, 0), photometric="rgb", planarconfig="separate")
    for name in ("palette", "cmyk", "bilevel", "white", "planar"):
        for out, extra in [("big.vqz", ["--chunks", "32"]), ("small.vqz", [])]:
            code, _, err = run(capsys, "compress", tmp_path / f"{name}.tif", "-o", tmp_path / out, "-n", "4",
                               "--force", "-q", *extra)
            assert code == 0, err
        assert (tmp_path / "big.vqz").read_bytes() == (tmp_path / "small.vqz").read_bytes(), name


def test_info_describes_a_zarr_array_vqpress_wrote(tmp_path, gray_tif, capsys):
    # info once said "no .vqz files in folder m.zarr", then described the store in an error.
    src, img = gray_tif
    code, _, err = run(capsys, "compress", src, "-o", tmp_path / "m.zarr", "-n", "16", "--chunks", "100,200", "-q")
    assert code == 0, err
    code, out, err = run(capsys, "info", tmp_path / "m.zarr")
    assert code == 0 and not err, err
    stored = sum(f.stat().st_size for f in (tmp_path / "m.zarr").rglob("*") if f.is_file())
    assert "16 levels (4 bits per code)" in out and "codec vqpress.vq_packed" in out
    assert "100x200: 9 in the grid, 9 stored" in out and f"{stored:,} bytes" in out
    assert f"{img.size * 2:,} bytes" in out and "uint16" in out
    code, out, _ = run(capsys, "info", "--json", tmp_path / "m.zarr")
    record = json.loads(out)
    assert code == 0 and record["store"] == "zarr" and record["shape"] == list(img.shape)
    assert record["stored_bytes"] == stored and record["chunk_files"] == 9 and record["n_colors"] == 16
    fitted = vqpress.fit(img, 16)
    assert record["palette"] == fitted.levels().tolist()
    # colour, beside a .vqz file: both described, a list in JSON
    rgb = np.random.default_rng(1).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    vqpress.imwrite(tmp_path / "c.png", rgb)
    assert run(capsys, "compress", tmp_path / "c.png", "-o", tmp_path / "c.zarr", "-n", "8", "--chunks", "32",
               "-q")[0] == 0
    assert run(capsys, "compress", tmp_path / "c.png", "-o", tmp_path / "c.vqz", "-n", "8", "-q")[0] == 0
    code, out, err = run(capsys, "info", "--json", tmp_path / "c.zarr", tmp_path / "c.vqz")
    records = json.loads(out)
    assert code == 0 and [r.get("store") for r in records] == ["zarr", None]
    assert records[0]["channels"] == 3 and records[0]["chunk_count"] == 4 and records[0]["n_colors"] == 8


def test_info_on_other_zarr_stores_says_what_they_are_and_how_to_inspect_them(tmp_path, capsys):
    zarr.create_group(tmp_path / "g.zarr")
    code, out, err = run(capsys, "info", tmp_path / "g.zarr")
    assert code == 1 and not out and "g.zarr is a zarr group, not a .vqz file" in err and "zarr.open(" in err
    zarr.create_array(tmp_path / "a.zarr", shape=(30, 40), chunks=(10, 10), dtype="uint16")
    code, _, err = run(capsys, "info", tmp_path / "a.zarr")
    assert code == 1 and "a.zarr is a zarr array (shape (30, 40), uint16, chunks (10, 10)), not a .vqz" in err


def test_info_reads_little_of_a_hostile_zarr_json(tmp_path, capsys, monkeypatch):
    from vqpress import _zarr_info

    store = tmp_path / "h.zarr"
    store.mkdir()
    meta = {"zarr_format": 3, "node_type": "array", "shape": [4, 4], "data_type": "uint8",
            "chunk_grid": {"configuration": {"chunk_shape": [2, 2]}},
            "codecs": [{"name": "vqpress.vq_packed", "configuration": {"centers": "zz", "edges": None,
                                                                       "strategy": "optimal", "bits": 2}}]}
    bad = {"centers": "zz", "bits": 5, "shape": [4, -1], "data_type": "no such type", "chunk_grid": {"x": 1},
           "codecs": {"vqpress.vq": 1}}
    for key, value in bad.items():  # each malformed value: named, never a traceback or a made-up count
        broken = json.loads(json.dumps(meta))
        if key in ("centers", "bits"):
            broken["codecs"][0]["configuration"][key] = value
        else:
            broken[key] = value
        (store / "zarr.json").write_text(json.dumps(broken))
        code, out, err = run(capsys, "info", store)
        assert code == 1 and not out and "Traceback" not in err, (key, err)
        assert "h.zarr is a zarr array" in err, (key, err)
    meta["codecs"][0]["configuration"]["centers"] = [1.0, 2.0, 3.0]
    meta["codecs"][0]["configuration"]["edges"] = [0.0, 1.5, 2.5, 4.0]
    (store / "zarr.json").write_text(json.dumps(meta))
    code, out, err = run(capsys, "info", store)
    assert code == 0 and "3 levels" in out and "0 stored" in out, err
    monkeypatch.setattr(_zarr_info, "MAX_ZARR_JSON", 100)  # a larger file is not read at all
    code, _, err = run(capsys, "info", store)
    assert code == 1 and "h.zarr is a zarr store, not a .vqz file" in err


def test_a_tiff_of_huge_strips_is_refused_before_any_is_read(tmp_path, capsys, monkeypatch):
    # A 16 x 16 deflate strip whose header claims 60000 x 60000 pixels in one strip: each strip
    # is read whole, so streaming it once meant a 3.6 GB allocation for a 1 kB file.
    import struct

    from vqpress import _cli_big

    tifffile.imwrite(tmp_path / "small.tif", np.zeros((16, 16), np.uint8), compression="zlib", rowsperstrip=16)
    data = bytearray((tmp_path / "small.tif").read_bytes())
    with tifffile.TiffFile(tmp_path / "small.tif") as tif:
        for tag in tif.pages[0].tags.values():
            if tag.code in (256, 257, 278):  # ImageWidth, ImageLength, RowsPerStrip
                struct.pack_into("<H" if int(tag.dtype) == 3 else "<I", data, tag.valueoffset, 60000)
    (tmp_path / "bomb.tif").write_bytes(bytes(data))
    started = time.perf_counter()
    code, _, err = run(capsys, "compress", tmp_path / "bomb.tif", "-o", tmp_path / "b.zarr", "-n", "4", "-q")
    assert code == 1 and "strips decode to 3,600,000,000 bytes each (60000 x 60000 uint8)" in err
    assert "256 MiB" in err and "tile=" in err and time.perf_counter() - started < 10
    assert not (tmp_path / "b.zarr").exists()
    # an honest file: refused by strips above the limit, streamed when tiled
    img = np.random.default_rng(2).integers(0, 4000, (64, 48), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "strip.tif", img, rowsperstrip=64)
    tifffile.imwrite(tmp_path / "tiled.tif", img, tile=(16, 16))
    monkeypatch.setattr(_cli_big, "MAX_TIFF_CHUNK_BYTES", 64 * 48 * 2 - 1)
    code, _, err = run(capsys, "compress", tmp_path / "strip.tif", "-o", tmp_path / "s.zarr", "-n", "4", "-q")
    assert code == 1 and "strips decode to 6,144 bytes each (64 x 48 uint16)" in err
    code, _, err = run(capsys, "compress", tmp_path / "tiled.tif", "-o", tmp_path / "t.zarr", "-n", "4", "-q")
    assert code == 0, err
    assert np.array_equal(zarr.open(tmp_path / "t.zarr", mode="r")[:], vqpress.compress(img, 4).decompress())
    # a zarr input likewise, by its chunks
    zarr.create_array(tmp_path / "in.zarr", shape=img.shape, chunks=(64, 48), dtype="uint16")[:] = img
    code, _, err = run(capsys, "compress", tmp_path / "in.zarr", "-o", tmp_path / "i.zarr", "-n", "4", "-q")
    assert code == 1 and "in.zarr: its chunks decode to 6,144 bytes each (64 x 48 uint16)" in err
    monkeypatch.undo()
    code, _, err = run(capsys, "compress", tmp_path / "in.zarr", "-o", tmp_path / "i.zarr", "-n", "4", "-q")
    assert code == 0, err


def test_too_many_chunks_are_refused_before_any_graph(tmp_path, capsys, monkeypatch):
    # A TIFF whose header claims 64 x 2**31 - 1 RGB pixels (its data holds 64 x 80) once took
    # minutes and all memory to build the task graph of --chunks 32.
    src = tmp_path / "wide.tif"
    tifffile.imwrite(src, np.zeros((64, 80, 3), np.uint16), photometric="rgb", compression="zlib")
    with tifffile.TiffFile(src, mode="r+") as tif:
        tif.pages[0].tags["ImageWidth"].overwrite(2**31 - 1)
    from vqpress import _cli_big

    # (its one strip now claims 824 GB, refused first since strips above 256 MiB are: the
    # limit lifted here so that the chunk count is what refuses it)
    monkeypatch.setattr(_cli_big, "MAX_TIFF_CHUNK_BYTES", 1 << 62)
    started = time.perf_counter()
    code, _, err = run(capsys, "compress", src, "-n", "4", "--chunks", "32", "-o", tmp_path / "w.zarr")
    assert code == 1 and "makes 134,217,728 chunks, more than the 200,000 allowed" in err
    assert time.perf_counter() - started < 10 and not (tmp_path / "w.zarr").exists()
    monkeypatch.undo()
    code, _, err = run(capsys, "compress", src, "-n", "4", "--chunks", "32", "-o", tmp_path / "w.zarr")
    assert code == 1 and "strips decode to 824,633,720,448 bytes each" in err
    # a genuine image in chunks too small, likewise
    monkeypatch.setattr(_cli_big, "MAX_CHUNKS", 11)
    small = tmp_path / "small.tif"
    tifffile.imwrite(small, np.arange(300 * 500, dtype=np.uint16).reshape(300, 500))
    code, _, err = run(capsys, "compress", small, "-n", "4", "--chunks", "100", "-o", tmp_path / "s.zarr")
    assert code == 1 and "shape (300, 500) in chunks of (100, 100) makes 15 chunks, more than the 11" in err
    code, _, err = run(capsys, "compress", small, "-n", "4", "--chunks", "100,250", "-o", tmp_path / "s.zarr", "-q")
    assert code == 0, err


def test_a_tiff_header_its_strips_do_not_fill_is_refused_at_once(tmp_path, capsys):
    # 100,000 x 100,000 claimed over one strip of 64 x 80: once 104 s and 3.8 GB, then "a bug in vqpress".
    src = tmp_path / "huge.tif"
    tifffile.imwrite(src, np.zeros((64, 80, 3), np.uint16), photometric="rgb", compression="zlib")
    with tifffile.TiffFile(src, mode="r+") as tif:
        tif.pages[0].tags["ImageWidth"].overwrite(100_000)
        tif.pages[0].tags["ImageLength"].overwrite(100_000)
    started = time.perf_counter()
    code, _, err = run(capsys, "compress", src, "-n", "4", "--chunks", "4096", "-o", tmp_path / "h.zarr")
    assert code == 1 and "damaged TIFF: its header's size (100000, 100000, 3) needs 1,563 strips" in err
    assert "the file has 1" in err and "bug" not in err
    assert time.perf_counter() - started < 10 and not (tmp_path / "h.zarr").exists()


def test_pixels_tifffile_cannot_read_are_a_damaged_file_not_a_bug(tmp_path, capsys, monkeypatch):
    import tifffile as tf

    src = tmp_path / "g.tif"
    tifffile.imwrite(src, np.arange(200 * 300, dtype=np.uint16).reshape(200, 300))
    from vqpress import dask as vqd

    def broken(*args, **kwargs):
        raise tf.TiffFileError("corrupted strip")

    monkeypatch.setattr(vqd, "fit", broken)
    code, _, err = run(capsys, "compress", src, "-n", "4", "--chunks", "100", "-o", tmp_path / "g.zarr")
    assert code == 1 and "g.tif: damaged TIFF (corrupted strip)" in err and "bug" not in err
