#!/bin/bash
# build.sh DIR VARIANT [CFLAGS...]: copy base to DIR (VARIANT "main": main's source; else the
# scratch _unpredicted.pxd with -DUPV=VARIANT and oracle_reset()), rebuild _cm_palette6 and _cm_palette6_v3
set -e
D=/tmp/pal256v24/$1; V=$2; shift 2
rm -rf $D; cp -r /tmp/pal256v24/base $D
cd $D
if [ "$V" != main ]; then
  cp /tmp/pal256v24/_unpredicted.pxd vqpress/coding/_unpredicted.pxd
  printf '\n\nfrom vqpress.coding._unpredicted cimport up_oracle_reset\n\n\ndef oracle_reset():\n    up_oracle_reset()\n' >> vqpress/coding/_cm_palette6.pyx
  DEF=-DUPV=$V
else
  DEF=
fi
PY=/work/venv/bin/python
INC=$($PY -c "import sysconfig; print(sysconfig.get_paths()['include'])")
for M in _cm_palette6 _cm_palette6_v3; do
  EXTRA=; [ $M = _cm_palette6_v3 ] && EXTRA=-march=x86-64-v3
  $PY -m cython -3 -X boundscheck=False -X wraparound=False -X cdivision=True -X initializedcheck=False -X embedsignature=True -I $D vqpress/coding/$M.pyx -o vqpress/coding/$M.c --module-name vqpress.coding.$M
  gcc -shared -fPIC -DNDEBUG -fwrapv -O3 -ffp-contract=off -fno-strict-aliasing -g0 $EXTRA -DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION $DEF "$@" -I$INC -I vqpress/coding -I vqpress vqpress/coding/$M.c -o vqpress/coding/$M.cpython-311-x86_64-linux-gnu.so
done
echo built $D UPV=$V "$@"
