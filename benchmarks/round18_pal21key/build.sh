#!/bin/bash
# build.sh DIR VARIANT [CFLAGS...]: copy base (main's src with its compiled modules) to DIR; VARIANT "main": main's
# source; else the scratch _unpredicted_joint.pxd and _unpredicted.pxd with -DPKV=VARIANT; rebuild _cm_palette21 and _cm_palette21_v3
set -e
D=/tmp/pal21key/$1; V=$2; shift 2
rm -rf $D; cp -r /tmp/pal21key/base $D
cd $D
if [ "$V" != main ]; then
  cp /tmp/pal21key/scratch/_unpredicted_joint.pxd /tmp/pal21key/scratch/_unpredicted.pxd /tmp/pal21key/scratch/_palette6_kernel.pxi vqpress/coding/
  DEF=-DPKV=$V
else
  DEF=
fi
PY=/work/venv/bin/python
INC=$($PY -c "import sysconfig; print(sysconfig.get_paths()['include'])")
for M in _cm_palette21 _cm_palette21_v3; do
  EXTRA=; [ $M = _cm_palette21_v3 ] && EXTRA=-march=x86-64-v3
  $PY -m cython -3 -X boundscheck=False -X wraparound=False -X cdivision=True -X initializedcheck=False -X embedsignature=True -I $D vqpress/coding/$M.pyx -o vqpress/coding/$M.c --module-name vqpress.coding.$M
  gcc -shared -fPIC -DNDEBUG -fwrapv -O3 -ffp-contract=off -fno-strict-aliasing -g0 $EXTRA -DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION $DEF "$@" -I$INC -I vqpress/coding -I vqpress vqpress/coding/$M.c -o vqpress/coding/$M.cpython-311-x86_64-linux-gnu.so
done
echo built $D PKV=$V "$@"
