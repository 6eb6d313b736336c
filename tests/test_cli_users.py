"""What users meet in their first hour with the command line (issue 15 items 3-7 and 9),
through the real console script ``vqpress`` as a shell runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import listing, one_error_line
from PIL import Image

import vqpress

SCRIPT = shutil.which("vqpress", path=os.path.dirname(sys.executable)) or shutil.which("vqpress")
pytestmark = pytest.mark.skipif(SCRIPT is None, reason="the vqpress console script is not installed")


def vq(*args, cwd=None, stdin: bytes | None = None):
    """Run ``vqpress ARGS``; returns (exit status, stdout bytes, stderr text)."""
    proc = subprocess.run([SCRIPT, *map(str, args)], input=stdin if stdin is not None else b"", cwd=cwd,
                          capture_output=True, timeout=180, env=dict(os.environ, COLUMNS="120"))
    return proc.returncode, proc.stdout, proc.stderr.decode()


@pytest.fixture
def photos(tmp_path):
    y, x = np.mgrid[0:48, 0:64]
    rgb = np.stack([x * 4, y * 5, (x * y) % 256], axis=-1).astype(np.uint8)
    gray = ((x * 4 + y * 2) % 256).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(gray).save(tmp_path / "gray.png")
    return tmp_path, rgb, gray


# -- item 3: the output follows its extension -------------------------------------------------------
@pytest.mark.parametrize("suffix", [".png", ".gif", ".webp", ".tif"])
def test_output_follows_its_extension(photos, suffix):
    folder, rgb, _ = photos
    code, out, err = vq("compress", "rgb.png", "-n", "16", "-o", f"out{suffix}", cwd=folder)
    assert code == 0, err
    back = vqpress.imread(folder / f"out{suffix}")
    assert back.shape == rgb.shape and len(np.unique(back.reshape(-1, 3), axis=0)) <= 16
    reference = vqpress.compress(rgb, 16).decompress()
    np.testing.assert_array_equal(back, reference)


@pytest.mark.parametrize("name,match", [("out.jpg", "JPEG is lossy"), ("out.avif", "AVIF is lossy"),
                                        ("out.dat", "unknown extension '.dat'"), ("out", "no extension")])
def test_lossy_and_unknown_outputs_are_refused(photos, name, match):
    folder, _, _ = photos
    before = listing(folder)
    code, _, err = vq("compress", "rgb.png", "-o", name, cwd=folder)
    assert code == 1 and match in one_error_line(err)
    assert listing(folder) == before


# -- item 4: pngquant's everyday features -----------------------------------------------------------
def test_psnr_target_and_the_summary(photos):
    folder, rgb, _ = photos
    code, out, err = vq("compress", "rgb.png", "--psnr", "24", cwd=folder)
    assert code == 0, err
    c = vqpress.load(folder / "rgb.vqz")
    n = c.codebook.n_colors
    text = out.decode()
    assert f"{n} kmeans colours (the fewest reaching 24 dB)" in text
    psnr = vqpress.metrics.psnr(rgb, c.decompress())
    assert psnr >= 24 and f"PSNR {psnr:.2f} dB" in text
    size, file_size, raw = (folder / "rgb.vqz").stat().st_size, (folder / "rgb.png").stat().st_size, rgb.nbytes
    assert f"{size:,} bytes: ratio {size / file_size:.4f} to the input file ({file_size:,} bytes), " \
           f"{size / raw:.4f} to the raw pixels ({raw:,} bytes)" in text
    assert vqpress.metrics.psnr(rgb, vqpress.compress(rgb, n - 1).decompress()) < 24


def test_max_bytes_fits_and_one_more_does_not(photos):
    # (300 bytes: the gradient has 130 distinct levels, whose file takes 387 bytes)
    folder, _, gray = photos
    code, out, err = vq("compress", "gray.png", "--max-bytes", "300", "-o", "small.vqz", cwd=folder)
    assert code == 0, err
    size = (folder / "small.vqz").stat().st_size
    n = vqpress.load(folder / "small.vqz").codebook.n_colors
    assert size <= 300 and f"{n} optimal levels (within 300 bytes; {n + 1} take more)" in out.decode()
    assert len(vqpress.compress(gray, n + 1).to_bytes()) > 300
    code, out, err = vq("compress", "gray.png", "--max-bytes", "300", "--exact-centers", "-o", "exact.vqz",
                        cwd=folder)  # float64 levels take more bytes: fewer levels fit
    assert code == 0, err
    exact = vqpress.load(folder / "exact.vqz").codebook.n_colors
    assert exact < n and (folder / "exact.vqz").stat().st_size <= 300
    assert len(vqpress.compress(gray, exact + 1).to_bytes(exact_centers=True)) > 300
    code, out, err = vq("compress", "gray.png", "--max-bytes", "10000000", "-n", "4", "-o", "big.vqz", cwd=folder)
    assert code == 0, err
    assert vqpress.load(folder / "big.vqz").codebook.n_colors == 4
    assert "4 optimal levels (within 10,000,000 bytes, the most -n allows)" in out.decode()
    code, _, err = vq("compress", "gray.png", "--max-bytes", "10", "-o", "tiny.vqz", cwd=folder)
    assert code == 1 and "even 2 levels take" in one_error_line(err) and not (folder / "tiny.vqz").exists()


def test_standard_input_and_output(photos):
    folder, rgb, _ = photos
    png = (folder / "rgb.png").read_bytes()
    code, vqz, err = vq("compress", "-", "-n", "8", stdin=png)
    assert code == 0 and vqz.startswith(vqpress.container.MAGIC), err
    assert "(standard input) -> (standard output)" in err  # the summary keeps off the data
    np.testing.assert_array_equal(vqpress.from_bytes(vqz).decompress(), vqpress.compress(rgb, 8).decompress())
    code, restored, err = vq("decompress", "-", stdin=vqz)
    assert code == 0 and restored.startswith(b"\x89PNG"), err
    (folder / "back.png").write_bytes(restored)
    np.testing.assert_array_equal(vqpress.imread(folder / "back.png"), vqpress.from_bytes(vqz).decompress())
    code, _, err = vq("compress", "-", "-o", "piped.webp", stdin=png, cwd=folder)
    assert code == 0 and (folder / "piped.webp").exists(), err
    code, _, err = vq("compress", "-", stdin=vqz)
    assert code == 1 and "already compressed" in one_error_line(err)
    code, _, err = vq("compress", "-", "rgb.png", cwd=folder)
    assert code == 1 and "must be the only input" in one_error_line(err)


def test_info_reads_standard_input(photos):
    # 'cat a.vqz | vqpress info -' said "no such file: -", where compress and decompress take -.
    folder, _, _ = photos
    code, vqz, err = vq("compress", "rgb.png", "-n", "8", "-o", "-", cwd=folder)
    assert code == 0, err
    (folder / "rgb.vqz").write_bytes(vqz)
    code, out, err = vq("info", "--json", "-", stdin=vqz)
    assert code == 0, err
    code, out_file, err = vq("info", "--json", "rgb.vqz", cwd=folder)
    assert code == 0, err
    from_stdin, from_file = json.loads(out), json.loads(out_file)
    assert from_stdin.pop("file") == "(standard input)" and from_file.pop("file") == "rgb.vqz"
    assert from_stdin == from_file
    code, _, err = vq("info", "-", stdin=b"not a vqz")
    assert code == 1 and "(standard input)" in one_error_line(err)


def test_skip_if_larger_is_refused_on_standard_output(photos):
    # 'cat a.png | vqpress compress - --skip-if-larger > a.vqz' left an empty a.vqz with exit status 0.
    folder, _, _ = photos
    png = (folder / "rgb.png").read_bytes()
    for args in (["-"], ["-", "-o", "-"], ["rgb.png", "-o", "-"]):
        code, data, err = vq("compress", *args, "--skip-if-larger", stdin=png, cwd=folder)
        assert code == 1 and data == b"", err
        assert "--skip-if-larger" in one_error_line(err) and "standard output" in one_error_line(err)
    code, _, err = vq("compress", "-", "--skip-if-larger", "-o", "piped.vqz", stdin=png, cwd=folder)
    assert code == 0 and (folder / "piped.vqz").exists(), err


def test_ext_names_outputs_beside_inputs_and_skip_if_larger(photos):
    folder, _, _ = photos
    noise = np.random.default_rng(0).integers(0, 256, (16, 16), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "noise.bmp")  # an uncompressed input: its output is smaller
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(folder / "flat.png")  # a tiny PNG: nothing is smaller
    code, out, err = vq("compress", "noise.bmp", "flat.png", "--ext=-q.png", "--skip-if-larger", cwd=folder)
    assert code == 0, err
    assert (folder / "noise-q.png").exists() and not (folder / "flat-q.png").exists()
    assert "1 skipped (--skip-if-larger)" in out.decode()
    code, _, err = vq("compress", "rgb.png", "--ext", ".png", cwd=folder)  # in place needs --force
    assert code == 1 and "rgb.png exists; use --force" in one_error_line(err)
    before = (folder / "rgb.png").read_bytes()
    code, _, err = vq("compress", "rgb.png", "--ext", ".png", "-n", "4", "--force", cwd=folder)
    assert code == 0, err
    assert (folder / "rgb.png").read_bytes() != before
    assert len(np.unique(vqpress.imread(folder / "rgb.png").reshape(-1, 3), axis=0)) <= 4
    code, _, err = vq("compress", "gray.png", "--ext", ".jpg", cwd=folder)
    assert code == 1 and "lossy" in one_error_line(err)


# -- item 5: a codebook fitted elsewhere ------------------------------------------------------------
def test_codebook_from_a_file(photos):
    folder, rgb, gray = photos
    assert vq("compress", "rgb.png", "-n", "6", "-o", "ref.vqz", cwd=folder)[0] == 0
    Image.fromarray(rgb[::-1]).save(folder / "flipped.png")
    code, out, err = vq("compress", "flipped.png", "--codebook", "ref.vqz", cwd=folder)
    assert code == 0, err
    ref, c = vqpress.load(folder / "ref.vqz"), vqpress.load(folder / "flipped.vqz")
    assert c.codebook == ref.codebook and "(the codebook of ref.vqz)" in out.decode()
    # ref.vqz holds its colours as they decode (uint8): the flipped image is coded by those
    np.testing.assert_array_equal(c.codes(), ref.codebook.encode(rgb[::-1]))
    # with the fitted float64 colours kept, it is exactly the reference image flipped
    assert vq("compress", "rgb.png", "-n", "6", "--exact-centers", "-o", "exact.vqz", cwd=folder)[0] == 0
    code, out, err = vq("compress", "flipped.png", "--codebook", "exact.vqz", "-o", "f2.vqz", cwd=folder)
    assert code == 0, err
    ref, c = vqpress.load(folder / "exact.vqz"), vqpress.load(folder / "f2.vqz")
    assert ref.codebook == vqpress.compress(rgb, 6).codebook
    np.testing.assert_array_equal(c.decompress(), ref.decompress()[::-1])
    code, _, err = vq("compress", "gray.png", "--codebook", "ref.vqz", cwd=folder)
    assert code == 1 and "gray.png" in one_error_line(err) and "RGB colours" in one_error_line(err)
    code, _, err = vq("compress", "rgb.png", "--codebook", "gray.png", "-o", "x.vqz", cwd=folder)
    assert code == 1 and "--codebook gray.png" in one_error_line(err)


# -- item 6: frames and gray + alpha ------------------------------------------------------------------
def test_animation_compresses_every_frame(photos):
    folder, rgb, _ = photos
    frames = [np.roll(rgb, 8 * k, axis=1) for k in range(3)]
    ims = [Image.fromarray(f) for f in frames]
    ims[0].save(folder / "anim.gif", save_all=True, append_images=ims[1:])
    code, out, err = vq("compress", "anim.gif", "-n", "32", cwd=folder)
    assert code == 0, err
    assert "3 frames of 64 x 48 pixels" in out.decode()
    c = vqpress.load(folder / "anim.vqz")
    read = vqpress.imread(folder / "anim.gif", frames=True)
    assert c.shape == read.shape == (3, 48, 64, 3)
    np.testing.assert_array_equal(c.decompress(), vqpress.compress(read, 32, channel_axis=-1).decompress())
    code, out, err = vq("decompress", "anim.vqz", cwd=folder)  # frames: a multi-page TIFF by default
    assert code == 0, err
    np.testing.assert_array_equal(vqpress.imread(folder / "anim.tif", frames=True), c.decompress())
    code, out, err = vq("info", "--json", "anim.vqz", cwd=folder)
    assert json.loads(out)["kind"] == "frames, RGB"


def test_gray_alpha_png_stays_gray_with_alpha(photos):
    folder, _, gray = photos
    la = np.stack([gray, np.where(gray > 99, 255, 0).astype(np.uint8)], axis=-1)
    Image.fromarray(la, "LA").save(folder / "la.png")
    code, out, err = vq("compress", "la.png", "-n", "8", cwd=folder)
    assert code == 0, err
    assert "gray + alpha" in out.decode()
    c = vqpress.load(folder / "la.vqz")
    assert c.codebook.channels == 2 and c.shape == la.shape
    code, out, err = vq("decompress", "la.vqz", "-o", "back.png", cwd=folder)
    assert code == 0, err
    back = vqpress.imread(folder / "back.png")
    assert back.shape == la.shape
    np.testing.assert_array_equal(back, c.decompress())


# -- item 7: folders everywhere -----------------------------------------------------------------------
def test_folders_everywhere(photos):
    folder, _, _ = photos
    code, _, err = vq("compress", ".", "-o", "packed/", "-n", "4", cwd=folder)
    assert code == 0, err
    assert listing(folder / "packed") == {"gray.vqz", "rgb.vqz"}
    code, out, err = vq("info", "packed", "--json", cwd=folder)
    assert code == 0, err
    assert sorted(Path(r["file"]).name for r in json.loads(out)) == ["gray.vqz", "rgb.vqz"]
    code, out, err = vq("info", "packed", cwd=folder)
    assert code == 0 and out.decode().count("checksums OK") == 2
    code, out, err = vq("decompress", "packed", "-o", "restored/", cwd=folder)
    assert code == 0, err
    assert listing(folder / "restored") == {"gray.png", "rgb.png"}
    code, _, err = vq("decompress", "packed", cwd=folder)  # beside the .vqz files
    assert code == 0 and {"gray.png", "rgb.png"} <= listing(folder / "packed"), err


def test_several_inputs_and_one_output_file_is_an_error(photos):
    folder, _, _ = photos
    before = listing(folder)
    code, _, err = vq("compress", "rgb.png", "gray.png", "-o", "onefile.vqz", cwd=folder)
    line = one_error_line(err)
    assert code == 1 and "onefile.vqz names a file" in line and "end it with /" in line
    assert listing(folder) == before
    code, _, err = vq("compress", "rgb.png", "gray.png", "-o", "-", cwd=folder)
    assert code == 1 and "standard output" in one_error_line(err)


def test_compressing_a_vqz_says_it_is_compressed_already(photos):
    folder, _, _ = photos
    assert vq("compress", "rgb.png", cwd=folder)[0] == 0
    code, _, err = vq("compress", "rgb.vqz", cwd=folder)
    assert code == 1 and "rgb.vqz is already compressed" in one_error_line(err)
    shutil.copy(folder / "rgb.vqz", folder / "disguised.png")
    code, _, err = vq("compress", "disguised.png", cwd=folder)
    assert code == 1 and "disguised.png is already compressed" in one_error_line(err)


# -- item 9: run it again -------------------------------------------------------------------------------
def test_demo_reruns_and_owns_only_its_files(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "vqpress-demo"
    code, _, err = vq("demo", "-n", "4", "-q", cwd=tmp_path)
    assert code == 0, err
    first = listing(out_dir)
    assert "face.html" in first and "face-optimal-4.vqz" in first
    (out_dir / "notes.txt").write_text("mine")
    code, _, err = vq("demo", "-n", "3", "-q", cwd=tmp_path)  # again, with another -n: no --force needed
    assert code == 0, err
    second = listing(out_dir)
    assert "notes.txt" in second and (out_dir / "notes.txt").read_text() == "mine"
    assert "face-optimal-3.vqz" in second and "face-optimal-4.vqz" not in second  # the old run's are gone
    assert second - {"notes.txt"} == {n.replace("-4.", "-3.") for n in first}
    other = tmp_path / "other"
    other.mkdir()
    (other / "face.html").write_text("someone else's")
    code, _, err = vq("demo", "-o", other, "-q", cwd=tmp_path)
    assert code == 1 and "face.html exists (not written by vqpress demo); use --force" in one_error_line(err)
    assert listing(other) == {"face.html"}


@pytest.mark.parametrize("args,match", [
    (["rgb.png", "--psnr", "30", "--dither"], "--psnr chooses the levels by their error without dithering"),
    (["rgb.png", "--codebook", "ref.vqz", "-n", "4"], "-n and -s cannot be used with it"),
    (["rgb.png", "--ext", ".png", "-o", "x.png"], "with one input and -o, -o names the output"),
    (["rgb.png", "--ext=/x.png"], "must be the end of a file name"),
    (["-", "--ext", ".png"], "standard input has no name"),
    (["rgb.png", "-o", "big.zarr", "--psnr", "30"], "--psnr needs the whole image in memory"),
    (["rgb.png", "--psnr", "30", "--max-bytes", "100"], "not allowed with argument"),
    (["rgb.png", "--psnr", "-3"], "expected a positive number"),
    # .vqz options for another output were ignored in silence
    (["rgb.png", "-o", "x.png", "--effort", "5"], "--effort sets how a .vqz file is written; x.png is not one"),
    (["rgb.png", "-o", "x.webp", "--coding", "cm", "--exact-centers"],
     "--coding and --exact-centers set how a .vqz file is written; x.webp is not one"),
    (["rgb.png", "--ext=-q.gif", "-o", "out/", "--effort", "1"], "rgb-q.gif is not one"),
    (["rgb.png", "gray.png", "--ext=.png", "--coding", "raw"],
     "--coding sets how a .vqz file is written; the outputs (*.png) are not .vqz files"),
    (["rgb.png", "-o", "big.zarr", "--effort", "3"], "--effort sets how a .vqz file is written; big.zarr is not one"),
])
def test_option_errors(photos, args, match):
    folder, _, _ = photos
    before = listing(folder)
    code, _, err = vq("compress", *args, cwd=folder)
    assert code in (1, 2) and match in err, err
    assert listing(folder) == before
