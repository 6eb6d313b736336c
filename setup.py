"""Build the compiled kernels: every ``.pyx`` file under ``src/vqpress`` becomes an extension
module of the same dotted name (``src/vqpress/colour/_lloyd.pyx`` -> ``vqpress.colour._lloyd``).

The rest of the package's metadata lives in pyproject.toml.
"""

import os
import platform
import sys
import tempfile
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

# A module named *_v3 is a kernel's source compiled a second time, for x86-64-v3 processors
# (AVX2, BMI2, LZCNT, FMA; Intel since 2013, AMD since 2015); the package imports it only
# where the processor has those instructions (vqpress.coding._cm checks). Where the compiler
# does not take the flag (other machines, MSVC, old compilers) it is compiled like the rest.
V3_ARGS = [] if sys.platform == "win32" or platform.machine().lower() not in ("x86_64", "amd64") \
    else ["-march=x86-64-v3"]

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
                extra_compile_args=COMPILE_ARGS + (V3_ARGS if rel.name.endswith("_v3") else []),
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
    """Compile the extension modules side by side, one per core; the *_v3 modules with
    V3_ARGS where this compiler takes them."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1

    def build_extensions(self):
        if V3_ARGS and not self._compiles_with(V3_ARGS):
            for ext in self.extensions:
                ext.extra_compile_args = [a for a in ext.extra_compile_args if a not in V3_ARGS]
        super().build_extensions()

    def _compiles_with(self, args):
        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / "probe.c"
            probe.write_text("int vq_probe(void) { return 0; }\n")
            try:
                self.compiler.compile([str(probe)], output_dir=tmp, extra_postargs=COMPILE_ARGS + args)
            except Exception:  # (distutils' CompileError, or the compiler missing)
                return False
        return True


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
