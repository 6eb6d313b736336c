"""``vqpress decompress`` and ``vqpress info``, the commands that read .vqz files: the formats
they write and print (PNG, TIFF, .npy; text and JSON, the codebook, the cm model and level,
the palette), and damaged files and files that are no .vqz."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from cli_helpers import listing, one_error_line, run
from PIL import Image

import vqpress


def test_decompress_default_formats(capsys, images):
    run(capsys, "compress", images.gray, images.rgb, images.g16)
    code, out, err = run(capsys, "decompress", *(images.dir / n for n in ("gray.vqz", "rgb.vqz", "deep.vqz")),
                         "-o", images.dir / "back")
    assert code == 0, err
    back = images.dir / "back"
    assert listing(back) == {"gray.png", "rgb.png", "deep.tif"}
    np.testing.assert_array_equal(vqpress.imread(back / "gray.png"), vqpress.load(images.dir / "gray.vqz").decompress())
    deep = vqpress.imread(back / "deep.tif")
    assert deep.dtype == np.uint16
    np.testing.assert_array_equal(deep, vqpress.load(images.dir / "deep.vqz").decompress())
    assert vqpress.imread(back / "rgb.png").shape == (48, 64, 3)


def test_decompress_one_file_beside_it_and_never_over_the_original(capsys, images):
    run(capsys, "compress", images.gray)
    original = images.gray.read_bytes()
    code, _, err = run(capsys, "decompress", images.dir / "gray.vqz")  # would write gray.png
    assert code == 1 and "--force" in one_error_line(err)
    assert images.gray.read_bytes() == original
    code, _, err = run(capsys, "decompress", images.dir / "gray.vqz", "--force")
    assert code == 0, err
    np.testing.assert_array_equal(vqpress.imread(images.gray), vqpress.load(images.dir / "gray.vqz").decompress())


def test_decompress_float_data_to_npy(capsys, tmp_path):
    data = np.linspace(-1, 1, 300, dtype=np.float32).reshape(12, 25)
    vqpress.save(tmp_path / "f.vqz", vqpress.compress(data, n_colors=4))
    code, _, err = run(capsys, "decompress", tmp_path / "f.vqz")
    assert code == 0, err
    restored = np.load(tmp_path / "f.npy")
    assert restored.dtype == np.float32
    np.testing.assert_array_equal(restored, vqpress.load(tmp_path / "f.vqz").decompress())


def test_decompress_explicit_npy(capsys, images):
    run(capsys, "compress", images.gray)
    code, _, err = run(capsys, "decompress", images.dir / "gray.vqz", "-o", images.dir / "g.npy")
    assert code == 0, err
    assert np.load(images.dir / "g.npy").shape == (48, 64)


def test_decompress_rgb_default_is_rgb_png(capsys, images):
    run(capsys, "compress", images.rgb, "-n", "16")
    code, _, err = run(capsys, "decompress", images.dir / "rgb.vqz", "-o", images.dir / "out")  # no extension
    line = one_error_line(err)
    assert code == 1 and "no extension" in line and "vqpress-tmp" not in line
    assert not (images.dir / "out").exists()
    code, _, err = run(capsys, "decompress", images.dir / "rgb.vqz", "-o", f"{images.dir / 'out'}/")
    assert code == 0, err
    with Image.open(images.dir / "out" / "rgb.png") as im:
        assert im.mode == "RGB"
    np.testing.assert_array_equal(vqpress.imread(images.dir / "out" / "rgb.png"),
                                  vqpress.load(images.dir / "rgb.vqz").decompress())


def flip_a_byte(path: Path, offset: int = -10) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_damaged_file(capsys, images):
    run(capsys, "compress", images.gray, images.rgb)
    flip_a_byte(images.dir / "rgb.vqz")
    code, _, err = run(capsys, "decompress", images.dir / "rgb.vqz", "-o", images.dir / "r.png")
    line = one_error_line(err)
    assert code == 1 and "rgb.vqz" in line and "damaged" in line
    assert not (images.dir / "r.png").exists()
    # among several files: nothing written
    code, _, err = run(capsys, "decompress", images.dir / "gray.vqz", images.dir / "rgb.vqz", "-o", images.dir / "o")
    assert code == 1 and "damaged" in one_error_line(err)
    assert not (images.dir / "o").exists()
    code, _, err = run(capsys, "info", images.dir / "rgb.vqz")
    assert code == 1 and "damaged" in one_error_line(err)


def test_damaged_header(capsys, images):
    run(capsys, "compress", images.gray)
    flip_a_byte(images.dir / "gray.vqz", offset=14)
    for command in ("info", "decompress"):
        code, _, err = run(capsys, command, images.dir / "gray.vqz", "-o" if command == "decompress" else "--json",
                           *([images.dir / "x.png"] if command == "decompress" else []))
        assert code == 1 and "damaged" in one_error_line(err)


def test_decompress_not_a_vqz(capsys, images):
    code, _, err = run(capsys, "decompress", images.gray, "-o", images.dir / "x.png")
    assert code == 1 and "not a .vqz" in one_error_line(err)


# --------------------------------------------------------------------------- info


def test_info(capsys, images):
    run(capsys, "compress", images.gray, "-s", "uniform", "--coding", "context")
    path = images.dir / "gray.vqz"
    c = vqpress.load(path)
    code, out, err = run(capsys, "info", path)
    assert code == 0, err
    for text in ("64 x 48 pixels", "uint8", "uniform", "context", "bits per pixel", f"{path.stat().st_size:,}", "3,072"):
        assert text in out, text
    assert f"{c.codebook.centers[0]:.6g}" in out


def test_info_json(capsys, images):
    run(capsys, "compress", images.rgb, "-n", "4")
    path = images.dir / "rgb.vqz"
    code, out, _ = run(capsys, "info", "--json", path)
    assert code == 0
    record = json.loads(out)
    assert record["shape"] == [48, 64, 3] and record["kind"] == "RGB" and record["n_colors"] == 4
    assert record["file_bytes"] == path.stat().st_size
    assert record["coding"] in ("raw", "context", "cm")
    np.testing.assert_allclose(record["centers"], vqpress.load(path).codebook.centers)
    code, out, _ = run(capsys, "info", "--json", path, path)
    assert len(json.loads(out)) == 2


def test_info_names_the_cm_model_and_level(capsys, images):
    run(capsys, "compress", images.gray, "-n", "8", "--coding", "cm", "-o", images.dir / "g2.vqz")
    run(capsys, "compress", images.rgb, "-n", "40", "--coding", "cm", "--effort", "5", "-o", images.dir / "c5.vqz")
    code, out, err = run(capsys, "info", images.dir / "g2.vqz")
    assert code == 0, err
    assert "ordered, level 11 (weighted predicted ordered tables), 1 strip" in out
    code, out, _ = run(capsys, "info", "--json", images.dir / "c5.vqz")
    fields = json.loads(out)["cm"]
    assert fields["scan"] in (0, 7)  # (the encoder's choice)
    assert fields == {"model": "palette", "level": 1, "level_name": "full", "strips": 1, "scan": fields["scan"]}
    run(capsys, "compress", images.rgb, "-n", "40", "--coding", "cm", "--effort", "3", "-o", images.dir / "c3.vqz")
    code, out, err = run(capsys, "info", images.dir / "c3.vqz")
    assert code == 0, err
    assert "palette, level 7 (palette mixed tables), 1 strip" in out
    run(capsys, "compress", images.gray, "-n", "4", "--coding", "cm", "-o", images.dir / "g4.vqz")
    code, out, err = run(capsys, "info", images.dir / "g4.vqz")
    assert code == 0, err
    assert "ordered, level 9 (exact predicted ordered tables), 1 strip" in out
    run(capsys, "compress", images.gray, "--coding", "raw", "-o", images.dir / "raw.vqz")
    code, out, _ = run(capsys, "info", "--json", images.dir / "raw.vqz")
    assert "cm" not in json.loads(out)


def test_info_goes_on_past_a_bad_file(capsys, images):
    run(capsys, "compress", images.gray)
    code, out, err = run(capsys, "info", images.gray, images.dir / "gray.vqz")
    assert code == 1
    assert "gray.vqz" in out and "optimal" in out
    assert "not a .vqz" in one_error_line(err)


def test_info_colour_palette(capsys, images, rgba):
    run(capsys, "compress", images.rgb, rgba.path, "-n", "4")
    for path, kind in ((images.dir / "rgb.vqz", "RGB"), (rgba.path.with_suffix(".vqz"), "RGBA")):
        c = vqpress.load(path)
        levels = c.codebook.levels()
        code, out, err = run(capsys, "info", path)
        assert code == 0, err
        assert f"({kind})" in out and f"4 {kind} colours" in out and "palette" in out
        for row in levels:  # the decoded palette, as #rrggbb(aa)
            assert "#" + "".join(f"{v:02x}" for v in row) in out
        code, out, _ = run(capsys, "info", "--json", path)
        record = json.loads(out)
        assert record["channels"] == len(kind) and record["kind"] == kind
        assert record["palette"] == levels.tolist()
    run(capsys, "compress", images.gray, "-n", "4")
    code, out, _ = run(capsys, "info", "--json", images.dir / "gray.vqz")
    record = json.loads(out)
    assert record["channels"] == 1 and record["palette"] == vqpress.load(images.dir / "gray.vqz").codebook.levels().tolist()


def test_info_colour_float_data_shows_tuples(capsys, tmp_path):
    data = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    vqpress.save(tmp_path / "f.vqz", vqpress.compress(data, 4))
    code, out, err = run(capsys, "info", tmp_path / "f.vqz")
    assert code == 0, err
    assert "4 RGB colours" in out and "(" in out.split("palette", 1)[1] and "#" not in out


def test_info_of_a_one_level_file_speaks_in_the_singular(capsys, tmp_path):
    # It said "1 levels (1 bits per code)" and "1 RGB colours (1 bits per code)".
    Image.fromarray(np.full((4, 5), 9, np.uint8)).save(tmp_path / "flat.png")
    Image.fromarray(np.full((4, 5, 3), 9, np.uint8)).save(tmp_path / "flat-rgb.png")
    for name in ("flat", "flat-rgb"):
        code, _, err = run(capsys, "compress", tmp_path / f"{name}.png", "-q")
        assert code == 0, err
    code, out, err = run(capsys, "info", tmp_path / "flat.vqz", tmp_path / "flat-rgb.vqz")
    assert code == 0, err
    assert "1 level (1 bit per code)" in out and "1 RGB colour (1 bit per code)" in out, out
    assert "1 levels" not in out and "1 RGB colours" not in out and "bits per code" not in out
