"""The tables the command line prints: they fit an 80-column terminal and name their numbers."""

from __future__ import annotations

import io

import numpy as np
import pytest

import vqpress
from vqpress import _cli_commands as commands
from vqpress._cli_ui import UI
from vqpress.report import evaluate

rich = pytest.importorskip("rich")


def _terminal_ui(width: int = 80) -> tuple[UI, io.StringIO]:
    """A UI drawing with rich on a terminal of ``width`` columns."""
    from rich.console import Console

    buf = io.StringIO()
    ui = UI(use_rich=True)
    ui._out = Console(file=buf, width=width, force_terminal=True, color_system=None, highlight=False)
    return ui, buf


@pytest.fixture(scope="module")
def cases():
    gray = vqpress.datasets.face(gray=True)[::4, ::4].copy()
    rgb = vqpress.datasets.face()[::4, ::4].copy()
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 200, np.uint8)], axis=-1)
    with pytest.warns(UserWarning):  # collapsed quantile bins at 256 levels
        many = evaluate(gray, 256)
    return {
        "gray": evaluate(gray, 8),
        "gray-256": many,
        "gray-uint16": evaluate(gray.astype(np.uint16) * 257, 16, ["optimal"]),
        "rgb-256": evaluate(rgb, 256),
        "rgba": evaluate(rgba, 16),
        "float-rgb": evaluate(rgb.astype(np.float32) / 255, 8, ["mediancut"]),
    }


@pytest.mark.parametrize("case", ["gray", "gray-256", "gray-uint16", "rgb-256", "rgba", "float-rgb"])
@pytest.mark.parametrize("use_rich", [True, False])
def test_results_table_fits_80_columns(cases, case, use_rich, capsys):
    results = cases[case]
    if use_rich:
        ui, buf = _terminal_ui()
        commands._results_table(ui, results, title=f"{case}: a title as the demo prints it")
        text = buf.getvalue()
    else:
        commands._results_table(UI(use_rich=False), results, title=f"{case}: a title")
        text = capsys.readouterr().out
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80, "\n" + text
    assert "…" not in text  # nothing cropped
    for r in results:  # every number is there in full
        for number in (f"{r.mse:.2f}", f"{r.packed_bytes:,}", f"{r.vqz_bytes:,}", f"{r.ratio:.4f}"):
            assert number in text, number
    colour = results[0].centers.ndim == 2
    header = next(line for line in lines if line.startswith("strategy"))
    assert ("colours" in header) == colour and ("levels" in header) != colour
    assert ("palette" in text) == colour and ("levels (bin means):" in text) != colour


def test_results_table_levels_are_the_bin_means(cases, capsys):
    commands._results_table(UI(use_rich=False), cases["gray"])
    out = capsys.readouterr().out
    below = out.split("levels (bin means):\n", 1)[1].splitlines()
    for r, line in zip(cases["gray"], below):
        assert line.split() == [r.strategy] + [f"{v:.4g}" for v in r.centers]


def test_long_palettes_say_how_many(cases, capsys):
    commands._results_table(UI(use_rich=False), cases["rgb-256"])
    out = capsys.readouterr().out
    assert "... (256 in all)" in out and "#rrggbb" in out
    commands._results_table(UI(use_rich=False), cases["float-rgb"])
    assert "(r, g, b)" in capsys.readouterr().out


def test_shapes_read_width_by_height():
    assert commands._fmt_shape((768, 1024), 0) == "1024 x 768 pixels"
    assert commands._fmt_shape((768, 1024, 3), 3) == "1024 x 768 pixels"
    assert commands._fmt_shape((4, 768, 1024), 0) == "shape (4, 768, 1024)"
    assert commands._fmt_shape((4, 768, 1024), 0, frames=True) == "4 frames of 1024 x 768 pixels"
    assert commands._fmt_shape((10,), 0) == "shape (10,)"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _ui_on_terminal(monkeypatch, use_rich: bool) -> tuple[UI, _Terminal]:
    """A UI whose stdout is an 80-column terminal (with rich or without); what it printed
    is ``term.getvalue()``."""
    monkeypatch.setenv("COLUMNS", "80")
    term = _Terminal()
    monkeypatch.setattr("sys.stdout", term)
    ui = UI(use_rich=use_rich)
    if use_rich:
        from rich.console import Console

        ui._out = Console(file=term, width=80, force_terminal=True, color_system=None, highlight=False)
    return ui, term


@pytest.mark.parametrize("use_rich", [True, False])
def test_long_field_values_fold_on_a_terminal_and_stay_whole_in_a_pipe(monkeypatch, use_rich):
    levels = " ".join(f"{30000 + 123.4 * k:.1f}" for k in range(32))
    ui, term = _ui_on_terminal(monkeypatch, use_rich)
    ui.fields([("levels (bin means)", levels), ("dtype", "uint16")], title="x.vqz")
    lines = term.getvalue().splitlines()
    assert max(map(len, lines)) <= 80
    folded = lines[1:-1]
    assert len(folded) > 1 and all(line.startswith(" " * 22) for line in folded[1:])
    assert " ".join(" ".join(line.split()) for line in folded).endswith(levels)
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stdout", pipe)
    UI(use_rich=False).fields([("levels (bin means)", levels)])
    assert pipe.getvalue() == f"  levels (bin means)  {levels}\n"


@pytest.mark.parametrize("use_rich", [True, False])
def test_folded_field_values_keep_numbers_with_their_units(monkeypatch, use_rich):
    # `vqpress info` at 80 columns printed "... triple tables), 1" and then "strip" alone
    value = "palette, level 18 (palette neighbour symbol triple tables), 1 strip"
    ui, term = _ui_on_terminal(monkeypatch, use_rich)
    ui.fields([("cm model", value), ("bits per pixel", "0.940")])
    lines = term.getvalue().splitlines()
    assert lines == ["  cm model        palette, level 18 (palette neighbour symbol triple tables),",
                     "                  1 strip",
                     "  bits per pixel  0.940"]
    assert "\u00a0" not in term.getvalue()


@pytest.mark.parametrize("use_rich", [True, False])
def test_file_lists_fold_on_a_terminal_and_stay_whole_in_a_pipe(monkeypatch, use_rich):
    names = [f"face-colour-kmeans-{k}.{ext}" for k in (16, 64, 256) for ext in ("png", "vqz")]
    ui, term = _ui_on_terminal(monkeypatch, use_rich)
    ui.listing("6 files written in vqpress-demo/:", names)
    lines = term.getvalue().splitlines()
    assert lines[0] == "6 files written in vqpress-demo/:" and len(lines) > 2
    assert max(map(len, lines)) <= 80 and all(line.startswith("  ") for line in lines[1:])
    assert " ".join(line.strip() for line in lines[1:]) == ", ".join(names)
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stdout", pipe)
    UI(use_rich=False).listing("6 files written in vqpress-demo/:", names)
    assert pipe.getvalue() == "6 files written in vqpress-demo/: " + ", ".join(names) + "\n"


@pytest.mark.parametrize("use_rich", [True, False])
def test_compress_summary_folds_on_a_terminal_and_stays_whole_in_a_pipe(monkeypatch, use_rich):
    from vqpress._cli_compress import _print_one

    record = {"src": "hubble_deep_field.png", "dst": "hubble_deep_field.vqz", "shape": "1000 x 872 pixels",
              "dtype": "uint8", "pixels": "RGB", "colours": 256, "strategy": "kmeans", "unit": "colours",
              "chosen": "", "psnr": 41.56, "skipped": False, "out": 632176, "in": 1661398, "raw": 2616000,
              "n_pixels": 872000, "coding": "cm coding"}
    ui, term = _ui_on_terminal(monkeypatch, use_rich)
    _print_one(ui, record)
    lines = term.getvalue().splitlines()
    assert max(map(len, lines)) <= 80 and len(lines) > 3
    assert lines[0].startswith("hubble_deep_field.png -> ") and lines[1].startswith("  ")
    assert any(line.startswith("  632,176 bytes: ratio 0.3805") for line in lines)
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stdout", pipe)
    _print_one(UI(use_rich=False), record)
    assert pipe.getvalue().splitlines()[1] == ("  632,176 bytes: ratio 0.3805 to the input file (1,661,398 bytes), "
                                               "0.2417 to the raw pixels (2,616,000 bytes)")


@pytest.mark.parametrize("use_rich", [True, False])
def test_wrapped_prose_keeps_numbers_with_their_units(monkeypatch, use_rich):
    # "cat.png -> cat.vqz: ..., PSNR 33.76" then "dB" on the next line, at 80 columns
    line = "cat.png -> cat.vqz: 451 x 300 pixels, uint8 RGB; 32 kmeans colours, PSNR 33.76 dB"
    ui, term = _ui_on_terminal(monkeypatch, use_rich)
    ui.wrapped(line)
    lines = term.getvalue().splitlines()
    assert lines == ["cat.png -> cat.vqz: 451 x 300 pixels, uint8 RGB; 32 kmeans colours,",
                     "  PSNR 33.76 dB"]
    assert "\u00a0" not in term.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stdout", pipe)
    UI(use_rich=False).wrapped(line)
    assert pipe.getvalue() == line + "\n"
