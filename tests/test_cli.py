"""The ``vqpress`` command line: every command, its outputs and its failure paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import vqpress
from vqpress import cli

COMMANDS = ("demo", "report", "compress", "decompress", "info", "bench")


# --------------------------------------------------------------------------- helpers


def run(capsys, *args):
    """Run the command in-process; returns (exit status, stdout, stderr)."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_subprocess(*args, cwd=None):
    env = dict(os.environ, COLUMNS="120")
    proc = subprocess.run(
        [sys.executable, "-m", "vqpress", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("vqpress: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def images(tmp_path):
    """Small images: 48x64 gray uint8, RGB uint8, 16-bit gray TIFF, and a file that is no image."""
    y, x = np.mgrid[0:48, 0:64]
    gray = ((x * 4 + y * 2) % 256).astype(np.uint8)
    rgb = np.stack([x * 4, y * 5, (x + y) * 2], axis=-1).astype(np.uint8)
    g16 = gray.astype(np.uint16) * 200
    Image.fromarray(gray).save(tmp_path / "gray.png")
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(g16).save(tmp_path / "deep.tif")
    (tmp_path / "notimg.png").write_text("hello, I am not a PNG")
    return types.SimpleNamespace(
        dir=tmp_path, gray=tmp_path / "gray.png", rgb=tmp_path / "rgb.png", g16=tmp_path / "deep.tif",
        bad=tmp_path / "notimg.png", gray_arr=gray, rgb_arr=rgb, g16_arr=g16,
    )


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --------------------------------------------------------------------------- basics


def test_version_through_python_m():
    code, out, err = run_subprocess("--version")
    assert code == 0, err
    assert out.strip() == f"vqpress {vqpress.__version__}"


def test_top_level_help(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in COMMANDS:
        assert name in out
    assert "Example" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command_has_an_example(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert "Example" in out
    assert f"vqpress {command}" in out


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_fits_an_80_column_terminal(capsys, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, *([command] if command else []), "--help")
    assert code == 0
    assert max(map(len, out.splitlines())) <= 80


@pytest.mark.parametrize(
    "args",
    [[], ["frobnicate"], ["compress"], ["compress", "x.png", "--bogus"], ["compress", "x.png", "-s", "best"],
     ["compress", "x.png", "-n", "many"], ["compress", "x.png", "--coding", "zip"], ["report", "x.png", "-s", "nope"]],
)
def test_usage_errors_exit_2(capsys, args):
    code, _, err = run(capsys, *args)
    assert code == 2
    assert "usage:" in err


def test_help_imports_nothing_heavy():
    """`vqpress --help` imports only the standard library beyond the vqpress package itself."""
    code = (
        "import sys\n"
        "from vqpress.cli import main\n"
        "assert main(['--help']) == 0\n"
        "heavy = [m for m in ('rich', 'matplotlib', 'PIL', 'vqpress.report', 'vqpress.bench', 'vqpress.entropy')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout


def test_choices_match_the_library():
    from vqpress.colour import STRATEGIES as COLOUR_STRATEGIES
    from vqpress.container import CODINGS
    from vqpress.strategies import SCALAR_STRATEGIES

    assert set(cli.STRATEGIES) == set(SCALAR_STRATEGIES) | set(COLOUR_STRATEGIES)
    assert set(cli.CODINGS) == {"auto", *CODINGS}


# --------------------------------------------------------------------------- compress


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


def test_library_errors_are_one_line_exit_1(capsys, images):
    code, _, err = run(capsys, "compress", images.gray, "-n", "1")
    assert code == 1 and "n_colors" in one_error_line(err)
    code, _, err = run(capsys, "compress", images.gray, "-s", "mediancut")  # a colour strategy
    assert code == 1 and "strategy" in one_error_line(err)
    assert not (images.dir / "gray.vqz").exists()


def test_debug_shows_the_traceback(capsys, images):
    code, _, err = run(capsys, "--debug", "compress", images.bad)
    assert code == 1
    assert "Traceback" in err and "vqpress: error:" in err


def test_warnings_are_one_line_and_quiet_silences_them(capsys, images):
    three = np.repeat(np.array([0, 100, 200], dtype=np.uint8), 64 * 16).reshape(48, 64)
    Image.fromarray(three).save(images.dir / "three.png")
    code, _, err = run(capsys, "compress", images.dir / "three.png")
    assert code == 0
    assert err.startswith("vqpress: warning: ") and "3 distinct values" in err and len(err.splitlines()) == 1
    code, out, err = run(capsys, "-q", "compress", images.dir / "three.png", "--force")
    assert (code, out, err) == (0, "", "")


def test_quiet_prints_nothing_on_success(capsys, images):
    for args in (
        ["-q", "compress", images.gray, images.rgb],
        ["compress", images.gray, "-o", images.dir / "g.vqz", "-q"],
        ["decompress", images.dir / "g.vqz", "-o", images.dir / "g.png", "--quiet"],
        ["-q", "info", images.dir / "g.vqz"],
        ["-q", "info", "--json", images.dir / "g.vqz"],
    ):
        code, out, err = run(capsys, *args)
        assert (code, out, err) == (0, "", ""), args


def test_quiet_still_prints_errors(capsys, images):
    code, out, err = run(capsys, "-q", "compress", images.bad)
    assert code == 1 and out == ""
    one_error_line(err)


def test_plain_text_without_rich(capsys, images, monkeypatch):
    monkeypatch.setitem(sys.modules, "rich", None)  # `import rich` raises ImportError
    code, out, err = run(capsys, "compress", images.gray, images.rgb, "-o", images.dir / "o")
    assert code == 0, err
    assert "gray.png" in out and "rgb.png" in out and "ratio" in out
    code, out, err = run(capsys, "info", images.dir / "o" / "gray.vqz")
    assert code == 0 and "optimal" in out


# --------------------------------------------------------------------------- decompress


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


# --------------------------------------------------------------------------- report, demo, bench
# With stand-ins for vqpress.report and vqpress.bench (testing the command's plumbing), and
# with the real modules when they are installed.


def _fake_build_report(image, out_dir, *, name="image", n_colors=8, strategies=None, overwrite=False,
                       progress=None):
    out_dir = Path(out_dir)
    colour = image.ndim == 3
    results, files = [], []
    for strategy in strategies or (["kmeans"] if colour else ["uniform", "optimal"]):
        if progress:
            progress(f"fitting {strategy}")
        c = vqpress.compress(image, n_colors=n_colors, strategy=strategy)
        path = vqpress.save(out_dir / f"{name}-{strategy}.vqz", c, overwrite=overwrite)
        files.append(path)
        mse = vqpress.metrics.mse(image, c.decompress())
        results.append(types.SimpleNamespace(
            strategy=strategy, n_colors=c.codebook.n_colors, centers=c.codebook.centers, mse=mse,
            psnr=vqpress.metrics.psnr(image, c.decompress()), packed_bytes=len(c.payload),
            vqz_bytes=path.stat().st_size, ratio=path.stat().st_size / image.nbytes, seconds=0.01, compressed=c,
        ))
    html = out_dir / f"{name}.html"
    if html.exists() and not overwrite:
        raise vqpress.VQError(f"{html} exists")
    html.write_text("<html>report</html>")
    files.append(html)
    return types.SimpleNamespace(results=results, html=html, files=files)


@pytest.fixture
def fake_report(monkeypatch):
    module = types.ModuleType("vqpress.report")
    module.build_report = _fake_build_report
    module.demo = lambda out_dir="vqpress-demo", *, n_colors=8, overwrite=False, progress=None: _fake_build_report(
        vqpress.datasets.face(gray=True)[::8, ::8].copy(), out_dir, name="face", n_colors=n_colors,
        overwrite=overwrite, progress=progress)
    monkeypatch.setitem(sys.modules, "vqpress.report", module)
    monkeypatch.setattr(vqpress, "report", module, raising=False)
    return module


@pytest.fixture
def fake_bench(monkeypatch):
    module = types.ModuleType("vqpress.bench")
    calls = []

    def run_benchmarks(*, quick=True, progress=None):
        calls.append(quick)
        if progress:
            progress("running")
        return [{"method": "vqpress optimal", "psnr": 30.0}, {"method": "sklearn kmeans", "psnr": 29.5}]

    module.run_benchmarks = run_benchmarks
    module.format_table = lambda rows: "| method | psnr |\n|---|---|\n" + "\n".join(
        f"| {r['method']} | {r['psnr']} |" for r in rows)
    module.calls = calls
    monkeypatch.setitem(sys.modules, "vqpress.bench", module)
    monkeypatch.setattr(vqpress, "bench", module, raising=False)
    return module


def test_report_plumbing(capsys, images, fake_report):
    out_dir = images.dir / "reports"
    code, out, err = run(capsys, "report", images.gray, images.rgb, "-n", "4", "-o", out_dir)
    assert code == 0, err
    assert {"gray.html", "rgb.html", "gray-uniform.vqz", "gray-optimal.vqz", "rgb-kmeans.vqz"} == listing(out_dir)
    assert "optimal" in out and "PSNR" in out and str(out_dir / "gray.html") in out
    # again: refused before any work, nothing changed
    before = {p: p.read_bytes() for p in out_dir.iterdir()}
    code, _, err = run(capsys, "report", images.gray, images.rgb, "-o", out_dir)
    assert code == 1 and "--force" in one_error_line(err)
    assert {p: p.read_bytes() for p in out_dir.iterdir()} == before
    code, _, err = run(capsys, "report", images.gray, "-o", out_dir, "-s", "optimal", "--force")
    assert code == 0, err


def test_report_failure_leaves_nothing(capsys, images, fake_report):
    out_dir = images.dir / "reports"
    code, _, err = run(capsys, "report", images.gray, images.bad, "-o", out_dir)
    assert code == 1 and "notimg.png" in one_error_line(err)
    assert not out_dir.exists()


def test_report_conflict_found_after_the_work_leaves_the_old_files(capsys, images, fake_report):
    out_dir = images.dir / "reports"
    out_dir.mkdir()
    (out_dir / "gray-optimal.vqz").write_bytes(b"old")
    code, _, err = run(capsys, "report", images.gray, "-o", out_dir)
    assert code == 1 and "gray-optimal.vqz" in one_error_line(err)
    assert listing(out_dir) == {"gray-optimal.vqz"}
    assert (out_dir / "gray-optimal.vqz").read_bytes() == b"old"


def test_demo_plumbing(capsys, tmp_path, fake_report):
    code, out, err = run(capsys, "demo", "-o", tmp_path / "d", "-n", "4")
    assert code == 0, err
    assert (tmp_path / "d" / "face.html").exists()
    assert "Report:" in out and "optimal" in out
    code, out, err = run(capsys, "-q", "demo", "-o", tmp_path / "d", "-n", "4", "--force")
    assert (code, out, err) == (0, "", "")


def test_bench_plumbing(capsys, fake_bench):
    code, out, err = run(capsys, "bench")
    assert code == 0, err
    assert "| vqpress optimal |" in out
    code, _, _ = run(capsys, "bench", "--full")
    code, _, _ = run(capsys, "bench", "--quick")
    assert fake_bench.calls == [True, False, True]
    assert run(capsys, "bench", "--quick", "--full")[0] == 2


def test_missing_optional_module_is_one_line(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "vqpress.bench", None)
    monkeypatch.delattr(vqpress, "bench", raising=False)
    code, _, err = run(capsys, "bench")
    assert code == 1
    one_error_line(err)


def test_demo_for_real(tmp_path):
    """The real demo, once, through `python -m vqpress` (a few seconds)."""
    pytest.importorskip("vqpress.report")
    out_dir = tmp_path / "demo"
    code, out, err = run_subprocess("demo", "-o", out_dir)
    assert code == 0, err
    for strategy in ("uniform", "kmeans", "optimal"):
        assert strategy in out
    assert "Report:" in out
    assert "colour face, kmeans, 16, 64, 256 colours" in out
    names = {p.name for p in out_dir.iterdir()}
    assert {f"face-colour-kmeans-{n}{ext}" for n in (16, 64, 256) for ext in (".png", ".vqz")} <= names
    assert any(p.suffix == ".html" for p in out_dir.iterdir())
    assert any(p.suffix == ".vqz" for p in out_dir.iterdir())
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".vqpress-")]
    # the demo's list of its own files (a rerun replaces those: tests/test_cli_users.py)
    from vqpress._cli_commands import DEMO_MANIFEST

    listed = json.loads((out_dir / DEMO_MANIFEST).read_text())["files"]
    assert set(listed) == names - {DEMO_MANIFEST}


def test_report_for_real(capsys, images):
    pytest.importorskip("vqpress.report")
    out_dir = images.dir / "r"
    code, out, err = run(capsys, "report", images.gray, "-n", "4", "-s", "optimal", "-s", "uniform", "-o", out_dir)
    assert code == 0, err
    assert (out_dir / "gray.html").exists()
    assert {p.suffix for p in out_dir.iterdir()} >= {".html", ".vqz"}
    assert "PSNR" in out and "optimal" in out and "quantile" not in out
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- colour


@pytest.fixture
def rgba(images):
    """A 48x64 RGBA PNG whose alpha takes two values: 0 on the left half, 255 on the right."""
    alpha = np.where(np.arange(64) < 32, 0, 255).astype(np.uint8)
    arr = np.dstack([images.rgb_arr, np.broadcast_to(alpha, (48, 64))])
    Image.fromarray(arr).save(images.dir / "rgba.png")
    return types.SimpleNamespace(path=images.dir / "rgba.png", arr=arr)


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


def test_report_colour_for_real(capsys, images, rgba):
    pytest.importorskip("matplotlib")
    out_dir = images.dir / "r"
    code, out, err = run(capsys, "report", images.rgb, rgba.path, "-n", "4", "-o", out_dir)
    assert code == 0, err
    assert "kmeans" in out and "mediancut" in out and "#" in out  # palettes as hex codes
    for stem in ("rgb", "rgba"):
        assert (out_dir / f"{stem}.html").exists()
        for s in ("kmeans", "mediancut"):
            c = vqpress.load(out_dir / f"{stem}-{s}-4.vqz")
            np.testing.assert_array_equal(vqpress.imread(out_dir / f"{stem}-{s}-4.png"), c.decompress())
    assert vqpress.load(out_dir / "rgba-kmeans-4.vqz").shape == (48, 64, 4)
    code, _, err = run(capsys, "report", images.rgb, "-s", "optimal", "-o", images.dir / "r2")
    assert code == 1 and "kmeans" in one_error_line(err)


def test_demo_prints_the_colour_table(capsys, tmp_path, fake_report):
    crop = vqpress.datasets.face()[::16, ::16].copy()

    def demo(out_dir="vqpress-demo", *, n_colors=8, overwrite=False, progress=None):
        out = _fake_build_report(vqpress.datasets.face(gray=True)[::8, ::8].copy(), out_dir, name="face",
                                 n_colors=n_colors, overwrite=overwrite, progress=progress)
        (Path(out_dir) / "c").mkdir()
        out.colour_results = _fake_build_report(crop, Path(out_dir) / "c", name="face", n_colors=16,
                                                overwrite=overwrite).results
        return out

    fake_report.demo = demo
    code, out, err = run(capsys, "demo", "-o", tmp_path / "d", "-n", "4")
    assert code == 0, err
    assert "gray face, 4 levels" in out and "colour face, kmeans, 16 colours" in out
    assert out.count("PSNR in dB") == 1 and "median of 3-5 runs" in out
    assert "#" in out.split("colour face", 1)[1]  # the palette as hex codes


def test_report_on_an_animation_says_what_to_do(capsys, images, fake_report):
    # It said "... and the command line compresses them all with one codebook", which
    # 'vqpress report' does not do.
    frames = [Image.fromarray(np.roll(images.rgb_arr, 5 * k, axis=1)) for k in range(3)]
    frames[0].save(images.dir / "anim.gif", save_all=True, append_images=frames[1:])
    code, _, err = run(capsys, "report", images.dir / "anim.gif", "-o", images.dir / "reports")
    line = one_error_line(err)
    assert code == 1 and "anim.gif holds 3 frames; a report describes one image" in line, line
    assert "vqpress compress" in line and not (images.dir / "reports").exists()


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


def test_outputs_of_the_same_name_are_refused_with_advice_that_helps(capsys, images):
    # a.png and a.jpg both map to a.vqz; the message said "give distinct names or use -o",
    # and -o (a folder) names the outputs after their inputs just the same.
    Image.fromarray(images.gray_arr).save(images.dir / "gray.jpg")
    for extra in ([], ["-o", images.dir / "packed"]):
        code, _, err = run(capsys, "compress", images.gray, images.dir / "gray.jpg", *extra)
        line = one_error_line(err)
        assert code == 1 and "would both be written to" in line and "use -o" not in line, line
        assert "each output is named after its input" in line
