#!/bin/bash
# build.sh NAME "CFLAGS" : copy base to /tmp/p6/b/NAME with the proto files, rebuild only _cm_palette6
set -eo pipefail
D=/tmp/p6/b/$1; F="$2"; H=${3:-d0}
rm -rf $D; mkdir -p /tmp/p6/b; cp -r /tmp/p6/base $D
cp /tmp/p6/up_clean.pxd $D/vqpress/coding/_unpredicted.pxd
cp /tmp/p6/p6_clean.pyx $D/vqpress/coding/_cm_palette6.pyx
cd $D
PY=/work/venvs/pal6ctx/bin/python
rm -f vqpress/coding/_cm_palette6.c vqpress/coding/_cm_palette6.cpython-311-x86_64-linux-gnu.so
$PY -m cython -3 -X boundscheck=False -X wraparound=False -X cdivision=True -X initializedcheck=False -X embedsignature=True -I $D vqpress/coding/_cm_palette6.pyx -o vqpress/coding/_cm_palette6.c --module-name vqpress.coding._cm_palette6 2>&1 
INC=$($PY -c "import sysconfig; print(sysconfig.get_paths()['include'])")
gcc -include /tmp/p6/cw_$H.h -shared -fPIC -DNDEBUG -fwrapv -O3 -ffp-contract=off -fno-strict-aliasing -g0 -DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION $F -I$INC -I vqpress/coding -I vqpress vqpress/coding/_cm_palette6.c -o vqpress/coding/_cm_palette6.cpython-311-x86_64-linux-gnu.so
echo built $D $F
