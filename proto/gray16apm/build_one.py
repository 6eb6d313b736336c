"""SCRATCH: compile only vqpress.coding._cm_ordered5 of a src tree with setup.py's flags (+ extra -D)."""
import os, sys, sysconfig, subprocess, pathlib
from Cython.Build import cythonize
from setuptools import Extension
import numpy
src = pathlib.Path(sys.argv[1]).resolve()
defs = sys.argv[2:]
pyx = src / "vqpress/coding/_cm_ordered5.pyx"
tag = "_".join(d.replace("=", "") for d in defs) or "rt"
os.chdir(src.parent)
DIRECTIVES = {"language_level": 3, "boundscheck": False, "wraparound": False, "cdivision": True,
              "initializedcheck": False, "embedsignature": True}
ext = Extension("vqpress.coding._cm_ordered5", [str(pyx)], include_dirs=[str(pyx.parent), str(src / "vqpress")])
cythonize([ext], compiler_directives=DIRECTIVES, include_path=[str(src)], quiet=True, force=True)
c = pyx.with_suffix(".c")
so = pyx.parent / ("_cm_ordered5" + sysconfig.get_config_var("EXT_SUFFIX"))
cmd = ["gcc", "-shared", "-fPIC", "-pthread", "-O3", "-ffp-contract=off", "-fno-strict-aliasing", "-g0",
       "-DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION", "-fwrapv", "-DNDEBUG",
       "-I" + sysconfig.get_paths()["include"], "-I" + str(pyx.parent), "-I" + str(src / "vqpress"),
       "-I" + numpy.get_include()] + ["-D" + d for d in defs] + [str(c), "-o", str(so)]
subprocess.run(cmd, check=True)
print(so)
