"""The plain-C build of the compiled kernels writes the same bytes as the build that runs here.

Where a processor has no SSE2 (ARM: the aarch64 and arm64 wheels of pyproject.toml's
cibuildwheel table), the kernels compile their plain-C paths (``_symbol_tables.pxd``,
``_range_coder.pxd``, ``_unpredicted_joint.pxd``, ``_bias_cancellation.pxd``, ...: the
branches for neither SSE2 nor AVX2). This test compiles them here the same way
(``-DST_NO_SIMD -DRC_NO_SIMD -DBC_NO_SIMD``, at -O0 to compile in seconds) into a copy of the
package, then codes every level of the cm coding on the maps of ``plain_c_check.py`` under both
builds: the same streams, decoded back exactly, or a failure naming the case. About 30 s.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vqpress.coding import levels

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
FLAGS = ["-O0", "-g0", "-DST_NO_SIMD", "-DRC_NO_SIMD", "-DBC_NO_SIMD", "-ffp-contract=off", "-fno-strict-aliasing"]

_BUILD = r"""
import os, sys
from setuptools import Extension
from setuptools.dist import Distribution
from Cython.Build import cythonize
root, flags = sys.argv[1], sys.argv[2:]
os.chdir(root)
exts = []
for folder, _, files in sorted(os.walk("vqpress")):
    for name in sorted(files):
        if name.endswith(".pyx") and not name.endswith("_v3.pyx"):  # (the v3 builds: x86-64-v3 only)
            path = os.path.join(folder, name)
            exts.append(Extension(path[:-4].replace(os.sep, "."), [path], include_dirs=[folder, "vqpress"],
                                  extra_compile_args=flags,
                                  define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]))
directives = {"language_level": 3, "boundscheck": False, "wraparound": False, "cdivision": True,
              "initializedcheck": False}
dist = Distribution({"ext_modules": cythonize(exts, compiler_directives=directives, include_path=["."],
                                              nthreads=os.cpu_count() or 1, quiet=True)})
cmd = dist.get_command_obj("build_ext")
cmd.inplace, cmd.parallel = True, os.cpu_count() or 1
dist.run_command("build_ext")
"""


def _run(args, path: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if path is not None:
        env["PYTHONPATH"] = str(path)
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def plain_build(tmp_path_factory) -> Path:
    pytest.importorskip("Cython")
    if sys.platform == "win32":
        pytest.skip("the flags are GCC's and Clang's")
    root = tmp_path_factory.mktemp("plain-c")
    shutil.copytree(SRC / "vqpress", root / "vqpress",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c", "__pycache__"))
    built = _run(["-c", _BUILD, root, *FLAGS])
    assert built.returncode == 0, built.stderr[-3000:]
    return root


def test_the_plain_c_kernels_write_the_same_bytes(plain_build):
    probe = _run(["-c", "import vqpress, vqpress.coding._cm as m; print(vqpress.__file__, m._use_v3(True))"],
                 plain_build)
    assert probe.returncode == 0, probe.stderr
    where, v3 = probe.stdout.split()
    assert Path(where).is_relative_to(plain_build) and v3 == "False"
    here = _run([HERE / "plain_c_check.py"], SRC)
    plain = _run([HERE / "plain_c_check.py"], plain_build)
    assert here.returncode == 0, here.stderr
    assert plain.returncode == 0, plain.stderr  # (a wrong decode exits naming the case)
    lines = here.stdout.splitlines()
    assert {int(re.search(r" level (\d+):", line).group(1)) for line in lines} == set(levels.LEVELS)  # every level
    diff = [(a, b) for a, b in zip(lines, plain.stdout.splitlines()) if a != b]
    assert not diff and len(plain.stdout.splitlines()) == len(lines), diff[:5]
