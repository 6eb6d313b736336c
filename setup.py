"""Build the compiled kernels: every ``.pyx`` file under ``src/vqpress`` becomes an extension
module of the same dotted name (``src/vqpress/colour/_lloyd.pyx`` -> ``vqpress.colour._lloyd``).

The rest of the package's metadata lives in pyproject.toml.
"""

import os
import sys
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
SRC = HERE / "src"

if sys.platform == "win32":
    COMPILE_ARGS = ["/O2", "/fp:precise"]
else:
    # -ffp-contract=off: no fused multiply-adds, so every machine computes the same bits;
    # -g0: no debug information (it made the modules ten times their size)
    COMPILE_ARGS = ["-O3", "-ffp-contract=off", "-fno-strict-aliasing", "-g0"]

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "embedsignature": True,
}


def extensions():
    exts = []
    for pyx in sorted(SRC.rglob("*.pyx")):
        rel = pyx.relative_to(SRC).with_suffix("")
        exts.append(
            Extension(
                ".".join(rel.parts),
                [str(pyx.relative_to(HERE))],
                include_dirs=[str(pyx.parent.relative_to(HERE)), str((SRC / "vqpress").relative_to(HERE))],
                extra_compile_args=COMPILE_ARGS,
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            )
        )
    return cythonize(
        exts,
        compiler_directives=DIRECTIVES,
        include_path=[str(SRC)],
        nthreads=os.cpu_count() or 1,
        quiet=True,
    )


class BuildExt(build_ext):
    """Compile the extension modules side by side, one per core."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
