"""``vqpress compress``: its outputs (beside the input, a file, a folder, an indexed PNG), its
options (levels, strategies, exact centres, dithering, colour and alpha), and what it refuses
without writing anything."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import listing, one_error_line, run
from PIL import Image

import vqpress


def test_compress_one_file_beside_it(capsys, images):
    code, out, err = run(capsys, "compress", images.gray)
    assert code == 0, err
    target = images.dir / "gray.vqz"
    assert "gray.vqz" in out and "ratio" in out
    c = vqpress.load(target)
    expected = vqpress.compress(images.gray_arr, n_colors=8, strategy="optimal").decompress()
    np.testing.assert_array_equal(c.decompress(), expected)
    assert c.codebook.strategy == "optimal" and c.codebook.n_colors == 8


def test_compress_options_and_output_file(capsys, images):
    code, _, err = run(capsys, "compress", images.gray, "-n", "4", "-s", "uniform", "-o", images.dir / "g4.vqz",
                       "--coding", "raw")
    assert code == 0, err
    c = vqpress.load(images.dir / "g4.vqz")
    assert (c.codebook.n_colors, c.codebook.strategy) == (4, "uniform")
    code, out, _ = run(capsys, "info", images.dir / "g4.vqz")
    assert code == 0 and "raw" in out


def test_compress_exact_centers_and_info_says_the_codebook_form(capsys, images):
    """By default the codebook is stored in the image's dtype (format 2.1); --exact-centers
    keeps the fitted float64 centres (format 2.0), decoding to the same pixels."""
    import json

    from same_codebook import assert_equivalent

    for flag, name in [((), "small.vqz"), (("--exact-centers",), "exact.vqz")]:
        code, _, err = run(capsys, "compress", images.gray, "-n", "8", *flag, "-o", images.dir / name)
        assert code == 0, err
    small, exact = vqpress.load(images.dir / "small.vqz"), vqpress.load(images.dir / "exact.vqz")
    fitted = vqpress.compress(images.gray_arr, 8)
    assert exact.codebook == fitted.codebook
    assert_equivalent(small.codebook, fitted.codebook)
    np.testing.assert_array_equal(small.decompress(), exact.decompress())
    # float64 levels and thresholds, and the fixed header: more bytes than uint8 ones (7 x 17)
    assert (images.dir / "exact.vqz").stat().st_size - (images.dir / "small.vqz").stat().st_size > 7 * (8 + 9)
    code, out, _ = run(capsys, "info", images.dir / "small.vqz")
    assert code == 0 and ".vqz 2.2, codebook Rice-coded in uint8, checksums OK" in out
    code, out, _ = run(capsys, "info", images.dir / "exact.vqz")
    assert code == 0 and ".vqz 2.0, codebook as float64, checksums OK" in out
    code, out, _ = run(capsys, "info", "--json", images.dir / "small.vqz")
    record = json.loads(out)
    record = record[0] if isinstance(record, list) else record
    assert record["codebook_form"] == 2 and record["format_version"] == "2.2"


def test_compress_of_a_constant_image_says_one_level(capsys, tmp_path):
    src = tmp_path / "flat.png"
    Image.fromarray(np.full((3, 40), 7, np.uint8)).save(src)
    code, out, err = run(capsys, "compress", src)
    assert code == 0, err
    assert "1 optimal level," in out and "levels" not in out
    assert "constant" in err


def test_compress_colour_defaults_to_kmeans(capsys, images):
    code, _, err = run(capsys, "compress", images.rgb, "-n", "4")
    assert code == 0, err
    c = vqpress.load(images.dir / "rgb.vqz")
    assert c.codebook.strategy == "kmeans" and c.shape == (48, 64, 3)


def test_compress_to_indexed_png(capsys, images):
    target = images.dir / "small.png"
    code, _, err = run(capsys, "compress", images.gray, "-n", "4", "-o", target)
    assert code == 0, err
    with Image.open(target) as im:
        assert im.mode == "P"
        arr = np.asarray(im.convert("L"))
    expected = vqpress.compress(images.gray_arr, n_colors=4).decompress()
    np.testing.assert_array_equal(arr, expected)


def test_compress_existing_output_needs_force(capsys, images):
    target = images.dir / "gray.vqz"
    target.write_bytes(b"precious")
    code, _, err = run(capsys, "compress", images.gray)
    line = one_error_line(err)
    assert code == 1 and "exists" in line and "--force" in line
    assert target.read_bytes() == b"precious"
    code, _, err = run(capsys, "compress", images.gray, "--force")
    assert code == 0, err
    assert vqpress.load(target).shape == (48, 64)
    assert not [p for p in images.dir.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_compress_several_files_into_folder(capsys, images):
    out_dir = images.dir / "packed"
    code, out, err = run(capsys, "compress", images.gray, images.rgb, images.g16, "-o", out_dir)
    assert code == 0, err
    assert listing(out_dir) == {"gray.vqz", "rgb.vqz", "deep.vqz"}
    assert vqpress.load(out_dir / "deep.vqz").dtype == np.uint16
    assert "3 files" in out and "ratio" in out


def test_compress_folder_input_defaults_beside_inputs(capsys, images):
    folder = images.dir / "in"
    folder.mkdir()
    for name in ("a.png", "b.png"):
        Image.fromarray(images.gray_arr).save(folder / name)
    (folder / "notes.txt").write_text("not an image, skipped by extension")
    code, _, err = run(capsys, "compress", folder)
    assert code == 0, err
    assert listing(folder) == {"a.png", "b.png", "notes.txt", "a.vqz", "b.vqz"}


def test_compress_several_all_or_nothing(capsys, images):
    """A bad input among several: exit 1, one line, and nothing written (not even the good ones)."""
    out_dir = images.dir / "packed"
    code, _, err = run(capsys, "compress", images.gray, images.bad, images.rgb, "-o", out_dir)
    assert code == 1
    assert "notimg.png" in one_error_line(err)
    assert not out_dir.exists()
    before = listing(images.dir)
    code, _, err = run(capsys, "compress", images.gray, images.bad)
    assert code == 1
    assert listing(images.dir) == before


def test_compress_several_checks_all_outputs_first(capsys, images):
    (images.dir / "rgb.vqz").write_bytes(b"old")
    code, _, err = run(capsys, "compress", images.gray, images.rgb)
    assert code == 1 and "rgb.vqz" in one_error_line(err)
    assert not (images.dir / "gray.vqz").exists()  # checked before writing anything
    assert (images.dir / "rgb.vqz").read_bytes() == b"old"
    code, _, err = run(capsys, "compress", images.gray, images.rgb, "--force")
    assert code == 0, err
    assert vqpress.load(images.dir / "rgb.vqz").shape == (48, 64, 3)


def test_compress_refuses_two_inputs_with_one_output_name(capsys, images):
    Image.fromarray(images.gray_arr).save(images.dir / "gray.bmp")
    code, _, err = run(capsys, "compress", images.gray, images.dir / "gray.bmp")
    assert code == 1 and "gray.vqz" in one_error_line(err)


def test_compress_missing_file(capsys, images):
    code, out, err = run(capsys, "compress", images.dir / "nothere.png")
    assert code == 1 and out == ""
    assert "no such file" in one_error_line(err)


def test_compress_not_an_image(capsys, images):
    code, _, err = run(capsys, "compress", images.bad)
    assert code == 1
    assert "not an image" in one_error_line(err)
    assert not (images.dir / "notimg.vqz").exists()


def test_outputs_of_the_same_name_are_refused_with_advice_that_helps(capsys, images):
    # a.png and a.jpg both map to a.vqz; the message said "give distinct names or use -o",
    # and -o (a folder) names the outputs after their inputs just the same.
    Image.fromarray(images.gray_arr).save(images.dir / "gray.jpg")
    for extra in ([], ["-o", images.dir / "packed"]):
        code, _, err = run(capsys, "compress", images.gray, images.dir / "gray.jpg", *extra)
        line = one_error_line(err)
        assert code == 1 and "would both be written to" in line and "use -o" not in line, line
        assert "each output is named after its input" in line


# --------------------------------------------------------------------------- colour


def test_compress_strategy_defaults_and_colour_choices(capsys, images):
    run(capsys, "compress", images.gray, images.rgb, "-n", "4")
    assert vqpress.load(images.dir / "gray.vqz").codebook.strategy == "optimal"
    assert vqpress.load(images.dir / "rgb.vqz").codebook.strategy == "kmeans"
    code, _, err = run(capsys, "compress", images.rgb, "-n", "4", "-s", "mediancut", "-o", images.dir / "m.vqz")
    assert code == 0, err
    c = vqpress.load(images.dir / "m.vqz")
    assert c.codebook.strategy == "mediancut"
    np.testing.assert_array_equal(c.decompress(), vqpress.compress(images.rgb_arr, 4, "mediancut").decompress())
    code, _, err = run(capsys, "compress", images.rgb, "-s", "optimal", "-o", images.dir / "o.vqz")  # a gray one
    line = one_error_line(err)
    assert code == 1 and "rgb.png" in line and "kmeans" in line and "mediancut" in line
    code, _, err = run(capsys, "compress", images.rgb, "-n", "257", "-o", images.dir / "o.vqz")
    assert code == 1 and "2..256" in one_error_line(err)
    assert not (images.dir / "o.vqz").exists()


def test_compress_dither(capsys, images):
    for src, arr in ((images.rgb, images.rgb_arr), (images.gray, images.gray_arr)):
        target = images.dir / f"{src.stem}-dithered.vqz"
        code, _, err = run(capsys, "compress", src, "-n", "4", "--dither", "-o", target)
        assert code == 0, err
        got = vqpress.load(target).decompress()
        np.testing.assert_array_equal(got, vqpress.compress(arr, 4, dither=True).decompress())
        assert not np.array_equal(got, vqpress.compress(arr, 4).decompress())  # dithering changed pixels
    code, _, err = run(capsys, "compress", images.g16, "--dither", "-o", images.dir / "d16.vqz")
    assert code == 1 and "uint8" in one_error_line(err)


def test_compress_dither_rgba_is_an_error(capsys, rgba):
    code, _, err = run(capsys, "compress", rgba.path, "--dither")
    line = one_error_line(err)
    assert code == 1 and "rgba.png" in line and "RGBA" in line
    assert not rgba.path.with_suffix(".vqz").exists()


def test_compress_rgba_keeps_alpha_and_decompresses_to_rgba_png(capsys, rgba):
    code, out, err = run(capsys, "compress", rgba.path, "-n", "8")
    assert code == 0, err
    assert "64 x 48 pixels" in out and "kmeans colours" in out
    c = vqpress.load(rgba.path.with_suffix(".vqz"))
    assert c.shape == (48, 64, 4) and c.codebook.channels == 4
    rec = c.decompress()
    np.testing.assert_array_equal(rec[..., 3], rgba.arr[..., 3])  # two alpha values: kept exactly
    back = rgba.path.parent / "back.png"
    code, _, err = run(capsys, "decompress", rgba.path.with_suffix(".vqz"), "-o", back)
    assert code == 0, err
    with Image.open(back) as im:
        assert im.mode == "RGBA"
    np.testing.assert_array_equal(vqpress.imread(back), rec)


@pytest.mark.parametrize("alpha", [False, True])
def test_compress_colour_to_indexed_png(capsys, images, rgba, alpha):
    src, arr = (rgba.path, rgba.arr) if alpha else (images.rgb, images.rgb_arr)
    target = images.dir / "indexed.png"
    code, _, err = run(capsys, "compress", src, "-n", "16", "-o", target, "--force")
    assert code == 0, err
    expected = vqpress.compress(arr, 16).decompress()
    with Image.open(target) as im:
        assert im.mode == "P"
        np.testing.assert_array_equal(np.asarray(im.convert("RGBA" if alpha else "RGB")), expected)
    np.testing.assert_array_equal(vqpress.imread(target), expected)
