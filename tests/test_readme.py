"""The README's Python examples run as printed, and a second time in the same folder."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_examples_run_twice(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    blocks = _python_blocks()
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    first = blocks[0]
    exec(compile(first, "README.md (Use it from Python)", "exec"), namespace)
    exec(compile(first, "README.md (Use it from Python, again)", "exec"), namespace)  # files exist now
    assert sorted(p.name for p in tmp_path.iterdir()) == ["face.png", "face.vqz"]
    # The histogram example's `tiles` stands for any iterable of arrays.
    namespace["tiles"] = np.array_split(namespace["face"], 4)
    for i, block in enumerate(blocks[1:], start=2):
        exec(compile(block, f"README.md (python block {i})", "exec"), namespace)
