"""The ``vqpress`` command line as a whole: help and usage errors, and how every command
reports (one-line errors, warnings, --quiet, --debug, plain text without rich, a missing
optional module). Each command's own behaviour: test_cli_compress.py,
test_cli_decompress_info.py, test_cli_report.py."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import one_error_line, run, run_subprocess
from PIL import Image

import vqpress
from vqpress import cli

COMMANDS = ("demo", "report", "compress", "decompress", "info", "bench")


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


# --------------------------------------------------------------------------- messages


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


def test_missing_optional_module_is_one_line(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "vqpress.bench", None)
    monkeypatch.delattr(vqpress, "bench", raising=False)
    code, _, err = run(capsys, "bench")
    assert code == 1
    one_error_line(err)
