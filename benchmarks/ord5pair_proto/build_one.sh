#!/bin/bash
# build_one.sh SRCROOT MODULE [extra gcc flags...]: cythonize and compile one module in place
set -e
SRC=$1; MOD=$2; shift 2
. /work/venvs/ord5pair/bin/activate
cd $SRC/src/vqpress/coding
cython -3 -I $SRC/src --directive boundscheck=False,wraparound=False,cdivision=True,initializedcheck=False,embedsignature=True $MOD.pyx -o /tmp/ord5pair/$MOD.c
gcc -pthread -fPIC -shared -O3 -ffp-contract=off -fno-strict-aliasing -g0 -DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION "$@" \
  -I. -I$SRC/src/vqpress -I/root/.pyenv/versions/3.11.7/include/python3.11 -I/work/venvs/ord5pair/lib/python3.11/site-packages/numpy/_core/include \
  /tmp/ord5pair/$MOD.c -o $MOD.cpython-311-x86_64-linux-gnu.so
