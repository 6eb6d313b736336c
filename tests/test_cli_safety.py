"""The command line against hostile files, odd names, signals and failing disks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types

import numpy as np
import pytest
from cli_helpers import one_error_line, run
from craft import CONTEXT, Fields, context_payload
from PIL import Image

import vqpress
from vqpress import cli


def fail_on_second(monkeypatch, method: str, error: BaseException) -> None:
    """Make the second call of ``PendingFile.<method>`` (naming an output) raise ``error``."""
    from vqpress import _fileio

    real = getattr(_fileio.PendingFile, method)
    calls = []

    def patched(self, path):
        calls.append(path)
        if len(calls) == 2:
            raise error
        return real(self, path)

    monkeypatch.setattr(_fileio.PendingFile, method, patched)


@pytest.fixture
def files(tmp_path):
    y, x = np.mgrid[0:48, 0:64]
    gray = ((x * 4 + y * 2) % 256).astype(np.uint8)
    rgba = np.dstack([gray, gray[::-1], gray[:, ::-1], (gray > 100) * 255]).astype(np.uint8)
    Image.fromarray(gray).save(tmp_path / "gray.png")
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    vqpress.save(tmp_path / "rgba.vqz", vqpress.compress(rgba, 8))
    return types.SimpleNamespace(dir=tmp_path, gray=tmp_path / "gray.png", rgba=tmp_path / "rgba.png",
                                 rgba_vqz=tmp_path / "rgba.vqz")


# -- item 3: info reads the header only; --max-pixels ----------------------------------------


def test_info_never_decodes(capsys, tmp_path, monkeypatch):
    """A 97-byte file claiming 16384 x 16384 took info 18 s and 1.1 GB."""
    path = tmp_path / "huge.vqz"
    path.write_bytes(Fields(shape=(16384, 16384), centers=np.arange(8.0), edges=np.arange(9.0),
                            payload=context_payload(1, []), coding=CONTEXT).build())
    import vqpress.entropy

    monkeypatch.setattr(vqpress.entropy, "decode_code_map", lambda *a: pytest.fail("info decoded the payload"))
    code, out, err = run(capsys, "info", path)
    assert code == 0, err
    assert "16384 x 16384" in out and "checksums OK" in out
    code, out, err = run(capsys, "info", "--json", path)
    assert code == 0 and '"raw_payload_bytes": 100663296' in out


def test_max_pixels_option(capsys, files, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 48 x 64 = 3,072 pixels: more than twice
    code, _, err = run(capsys, "compress", files.gray)
    assert code == 1 and "--max-pixels 3072" in one_error_line(err)
    assert not (files.dir / "gray.vqz").exists()
    code, _, err = run(capsys, "compress", files.gray, "--max-pixels", "3072")
    assert code == 0 and err == ""
    code, _, err = run(capsys, "decompress", files.dir / "gray.vqz", "-o", files.dir / "back.png")
    assert code == 1 and "--max-pixels 3072" in one_error_line(err)
    code, _, err = run(capsys, "decompress", files.dir / "gray.vqz", "-o", files.dir / "back.png",
                       "--max-pixels", "3_072")
    assert code == 0 and err == ""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2000)  # between the limit and twice it: a warning
    code, _, err = run(capsys, "compress", files.gray, "-o", files.dir / "warned.vqz")
    assert code == 0
    assert "vqpress: warning:" in err and "decompression" in err and "--max-pixels" in err
    for bad in ("0", "-3", "many"):
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args(["compress", str(files.gray), "--max-pixels", bad])


# -- item 5: not regular files ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
@pytest.mark.parametrize("command", ["info", "decompress", "compress"])
def test_fifo_is_refused_without_hanging(tmp_path, command):
    fifo = tmp_path / ("pipe.png" if command == "compress" else "pipe.vqz")
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "vqpress", command, str(fifo)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1 and "is a pipe" in proc.stderr, proc.stderr
    # 'cat a.png | vqpress compress /dev/stdin' is a pipe too: the message names the way that works
    assert "- reads standard input" in proc.stderr, proc.stderr


# -- item 7: terminal safety ------------------------------------------------------------------


def test_escapes_in_file_names_are_not_echoed(capsys, files):
    evil = files.dir / "a\x1b]0;owned\x07b.png"
    os.rename(files.gray, evil)
    code, out, err = run(capsys, "compress", evil)
    assert code == 0, err
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "a\\x1b]0;owned\\x07b.png" in out
    code, out, err = run(capsys, "info", evil.with_suffix(".vqz"))
    assert code == 0 and "\x1b" not in out and "\\x1b" in out
    code, out, err = run(capsys, "info", files.dir / "missing\x1b[2J.vqz")
    assert code == 1 and "\x1b" not in err and "missing\\x1b[2J.vqz" in err


def test_crafted_strategy_never_reaches_the_terminal(capsys, tmp_path):
    path = tmp_path / "s.vqz"
    path.write_bytes(Fields(shape=(2, 4), centers=np.arange(8.0), edges=np.arange(9.0), payload=bytes(3),
                            strategy=b"\x1b]0;owned\x07").build())
    code, out, err = run(capsys, "info", path)
    assert code == 1 and "unknown strategy name" in one_error_line(err)
    assert "\x1b" not in out + err and "\x07" not in out + err


def test_rich_markup_in_names_is_shown_as_it_is(capsys, files):
    named = files.dir / "[bold]x[link=https:e.invalid]y[red].png"
    os.rename(files.gray, named)
    os.makedirs(files.dir / "out")
    code, out, err = run(capsys, "compress", named, files.rgba, "-o", files.dir / "out")
    assert code == 0, err
    assert "[bold]x[link=https:e.invalid]y[red].png" in out and "\x1b]8" not in out


# -- item 8: writes ---------------------------------------------------------------------------


def test_decompress_rgba_to_jpeg_is_a_clear_error(capsys, files):
    code, _, err = run(capsys, "decompress", files.rgba_vqz, "-o", files.dir / "out.jpg")
    line = one_error_line(err)
    assert code == 1 and "JPEG format cannot hold RGBA" in line and "vqpress-tmp" not in line
    assert not (files.dir / "out.jpg").exists()


def test_long_output_name(capsys, files):
    target = files.dir / ("x" * 236 + ".vqz")
    code, _, err = run(capsys, "compress", files.gray, "-o", target)
    assert code == 0, err
    assert target.exists()


def test_folder_is_made_only_when_everything_worked(capsys, files):
    (files.dir / "bad.png").write_text("not an image")
    out = files.dir / "new" / "deeper"
    code, _, err = run(capsys, "compress", files.gray, files.dir / "bad.png", "-o", out)
    assert code == 1
    assert not (files.dir / "new").exists()
    assert not [p for p in files.dir.iterdir() if p.name.startswith(".")]


def test_failure_at_commit_leaves_no_output(capsys, files, monkeypatch):
    out = files.dir / "out"
    fail_on_second(monkeypatch, "link_to", OSError(28, "No space left on device"))
    code, _, err = run(capsys, "compress", files.gray, files.rgba, "-o", out)
    line = one_error_line(err)
    assert code == 1 and "rgba.vqz" in line and "no output was written" in line
    assert "vqpress-tmp" not in line
    assert not out.exists()  # the first output was taken back, and the folder
    assert not [p for p in files.dir.iterdir() if p.name.startswith(".")]


def test_failure_at_commit_with_force_says_what_was_replaced(capsys, files, monkeypatch):
    for name in ("gray.vqz", "rgba.vqz"):
        (files.dir / name).write_bytes(b"old")
    fail_on_second(monkeypatch, "replace", OSError(5, "Input/output error"))
    code, _, err = run(capsys, "compress", files.gray, files.rgba, "--force")
    line = one_error_line(err)
    assert code == 1 and "gray.vqz had already replaced" in line and "rgba.vqz" in line
    assert (files.dir / "rgba.vqz").read_bytes() == b"old"
    assert vqpress.load(files.dir / "gray.vqz").shape == (48, 64)


def test_stale_temporaries_are_cleaned_by_the_next_run(capsys, files, monkeypatch):
    from vqpress import _fileio

    monkeypatch.setattr(_fileio, "_CLEANED", set())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    stale = files.dir / f".vqpress-tmp-{_fileio._machine_tag()}-{child.pid}-aaaaaa"
    stale.write_bytes(b"left by kill -9")
    code, _, err = run(capsys, "compress", files.gray)
    assert code == 0, err
    assert not stale.exists()


def _slow_folder_compress(tmp_path):
    """A folder compress that takes its time over each image, started, and its output folder."""
    src = tmp_path / "in"
    src.mkdir()
    for k in range(6):
        Image.fromarray(np.full((40, 50), 10 * k, np.uint8) + np.arange(50, dtype=np.uint8)).save(src / f"{k}.png")
    out = tmp_path / "out"
    # SIGINT as in a terminal: a child of a background job inherits it ignored (then Python
    # never raises KeyboardInterrupt), as when the suite itself runs in the background
    slow = ("import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "import time, vqpress.api as a; f = a.compress; "
            "a.compress = lambda *x, **k: (time.sleep(0.4), f(*x, **k))[1]; "
            "from vqpress.cli import main; raise SystemExit(main())")
    proc = subprocess.Popen([sys.executable, "-c", slow, "compress", str(src), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not [p for p in tmp_path.iterdir() if p.name.startswith(".vqpress-tmp-")] and time.time() < deadline:
        time.sleep(0.02)  # until the first output is pending
    return proc, src, out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_kill_9_leaves_temporaries_that_the_next_run_removes(tmp_path):
    proc, src, out = _slow_folder_compress(tmp_path)
    proc.kill()
    proc.communicate(timeout=60)
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".vqpress-tmp-")]
    assert left and not out.exists()  # no output folder, only temporaries with a dead owner
    done = subprocess.run([sys.executable, "-m", "vqpress", "compress", str(src), "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_is_handled_like_sigint(tmp_path, sig, status):
    """kill during a folder compress left hidden temporaries and an empty output folder."""
    proc, src, out = _slow_folder_compress(tmp_path)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert ("terminated" if sig == signal.SIGTERM else "interrupted") in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_usage_errors_and_tracebacks_escape_what_they_echo(capsys, files):
    code, _, err = run(capsys, "compress", files.gray, "-s", "\x1b[2Jbad")
    assert code == 2 and "\x1b" not in err and "\\x1b[2Jbad" in err
    evil = files.dir / "bad\x1b[2J.png"
    evil.write_text("not an image")
    code, _, err = run(capsys, "--debug", "compress", evil)
    assert code == 1 and "Traceback" in err and "\x1b" not in err


def test_report_has_max_pixels_too(files):
    """The refusal message points at --max-pixels: every command that reads images has it."""
    for command in ("compress", "report"):
        args = cli.build_parser().parse_args([command, str(files.gray), "--max-pixels", "5"])
        assert args.max_pixels == 5


def test_interrupt_during_commit_takes_back_the_outputs(capsys, files, monkeypatch):
    out = files.dir / "out"
    fail_on_second(monkeypatch, "link_to", cli.Terminated())
    code, _, err = run(capsys, "compress", files.gray, files.rgba, "-o", out)
    assert code == 143 and "terminated" in err
    assert not out.exists()
    assert not [p for p in files.dir.iterdir() if p.name.startswith(".")]
