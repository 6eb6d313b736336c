#!/bin/bash
# build one extension in place: build1.sh SRC_ROOT relative/path/to/module.pyx
set -e
. /work/venvs/pal6mru/bin/activate
SRC=$1; PYX=$2
cd $SRC
C=${PYX%.pyx}.c
cython -3 -X boundscheck=False -X wraparound=False -X cdivision=True -X initializedcheck=False -X embedsignature=True -I . -I vqpress -I $(dirname $PYX) $PYX -o $C
INC=$(python -c "import sysconfig;print(sysconfig.get_paths()['include'])")
NPI=$(python -c "import numpy;print(numpy.get_include())")
SUF=$(python -c "import sysconfig;print(sysconfig.get_config_var('EXT_SUFFIX'))")
gcc -shared -fPIC -O3 -ffp-contract=off -fno-strict-aliasing -g0 -DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION -I$INC -I$NPI -I$(dirname $PYX) -I vqpress $C -o ${PYX%.pyx}$SUF
