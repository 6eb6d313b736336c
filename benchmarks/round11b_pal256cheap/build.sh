#!/bin/bash
# build.sh DIR VARIANT : copy base to DIR with variant _unpredicted.pxd, rebuild only _cm_palette6
set -e
D=/tmp/pal256/$1; V=$2
rm -rf $D; cp -r /tmp/pal256/base $D
cp /tmp/pal256/_unpredicted.pxd $D/vqpress/coding/_unpredicted.pxd
cd $D
PY=/work/venv/bin/python
$PY -m cython -3 -X boundscheck=False -X wraparound=False -X cdivision=True -X initializedcheck=False -X embedsignature=True -I $D vqpress/coding/_cm_palette6.pyx -o vqpress/coding/_cm_palette6.c --module-name vqpress.coding._cm_palette6
INC=$($PY -c "import sysconfig; print(sysconfig.get_paths()['include'])")
gcc -shared -fPIC -DNDEBUG -fwrapv -O3 -ffp-contract=off -fno-strict-aliasing -g0 -DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION -DUPV=$V -I$INC -I vqpress/coding -I vqpress vqpress/coding/_cm_palette6.c -o vqpress/coding/_cm_palette6.cpython-311-x86_64-linux-gnu.so
echo built $D UPV=$V
