#!/bin/bash
# build.sh DIR VARIANT [CFLAGS...]: copy base to DIR (VARIANT "main": main's source; else the
# scratch _unpredicted.pxd with -DUPV=VARIANT and oracle_reset()), rebuild only _cm_palette6
set -e
D=/tmp/pal256one/$1; V=$2; shift 2
rm -rf $D; cp -r /tmp/pal256one/base $D
cd $D
if [ -n "$PYX" ]; then cp /tmp/pal256one/_cm_palette6.pyx vqpress/coding/_cm_palette6.pyx; fi
if [ "$V" != main ]; then
  cp /tmp/pal256one/_unpredicted.pxd vqpress/coding/_unpredicted.pxd
  printf '\n\nfrom vqpress.coding._unpredicted cimport up_oracle_reset\n\n\ndef oracle_reset():\n    up_oracle_reset()\n' >> vqpress/coding/_cm_palette6.pyx
  DEF=-DUPV=$V
else
  DEF=
fi
PY=/work/venv/bin/python
$PY -m cython -3 -X boundscheck=False -X wraparound=False -X cdivision=True -X initializedcheck=False -X embedsignature=True -I $D vqpress/coding/_cm_palette6.pyx -o vqpress/coding/_cm_palette6.c --module-name vqpress.coding._cm_palette6
INC=$($PY -c "import sysconfig; print(sysconfig.get_paths()['include'])")
gcc -shared -fPIC -DNDEBUG -fwrapv -O3 -ffp-contract=off -fno-strict-aliasing -g0 -DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION $DEF "$@" -I$INC -I vqpress/coding -I vqpress vqpress/coding/_cm_palette6.c -o vqpress/coding/_cm_palette6.cpython-311-x86_64-linux-gnu.so
echo built $D UPV=$V "$@"
