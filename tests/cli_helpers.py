"""What the command line's tests share: running ``vqpress`` in-process or as ``python -m
vqpress``, its one-line errors, and a folder's listing. (The image files they run on are
conftest.py's ``images`` and ``rgba`` fixtures.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vqpress import cli


def run(capsys, *args):
    """Run the command in-process; returns (exit status, stdout, stderr)."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_subprocess(*args, cwd=None):
    """Run ``python -m vqpress`` in a child process (120 columns); returns (exit status, stdout, stderr)."""
    env = dict(os.environ, COLUMNS="120")
    proc = subprocess.run(
        [sys.executable, "-m", "vqpress", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def one_error_line(err: str) -> str:
    """The one line of an error on stderr, checked to be a ``vqpress: error:`` line without a traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("vqpress: error: ") and "a bug in vqpress" not in lines[0], err
    assert "Traceback" not in err
    return lines[0]


def listing(folder: Path) -> set[str]:
    """Every file and folder under ``folder``, relative to it."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}
