#!/usr/bin/env bash
# Developer build without pip: compiles the extension into build/<name> and assembles
# build/<name>/py/threadx (symlinks to python/threadx plus the module), so several
# people can build and test one tree side by side:
#   tools/devbuild.sh me && PYTHONPATH=build/me/py python -m pytest tests/test_ta_parity.py
# Needs a Python with pybind11, tbb-devel and cmeel-eigen (PYTHON, default python3).
set -euo pipefail
name=${1:?usage: tools/devbuild.sh NAME}
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python3}
bdir="$root/build/$name"
if [ ! -f "$bdir/build.ninja" ]; then
  cmake -S "$root" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTHREADX_WERROR=ON \
    -DPython_EXECUTABLE="$(command -v "$py")" \
    -Dpybind11_DIR="$("$py" -m pybind11 --cmakedir)" >/dev/null
fi
cmake --build "$bdir" --target _core
pkg="$bdir/py/threadx"
mkdir -p "$pkg"
for f in "$root"/python/threadx/*; do ln -sfn "$f" "$pkg/$(basename "$f")"; done
ln -sfn "$(ls "$bdir"/_core*.so | head -1)" "$pkg/"
