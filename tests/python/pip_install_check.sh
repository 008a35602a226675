#!/usr/bin/env bash
# `pip install --no-build-isolation .` of the source tree into a fresh
# virtual environment (--system-site-packages: numpy and pytest come from
# Debian), reusing the CMake build directory BUILD_DIR, then imports the
# installed package from outside the source tree and reads a checkpoint
# with it. ctest: python/pip_install (RUN_SERIAL: it drives the build dir).
#
#   pip_install_check.sh SOURCE_DIR BUILD_DIR PYTHON
set -euo pipefail
src=$1 build=$2 python=$3
venv="$build/pip-venv"
work=$(mktemp -d)
# What setuptools leaves in the source tree (ignored by git) goes too,
# whatever the outcome.
trap 'rm -rf "$work" "$venv" "$src/ckpt.egg-info" "$src"/build/lib.* "$src"/build/bdist.*' EXIT
rm -rf "$venv"
"$python" -m venv --system-site-packages "$venv"
# pip builds in the source tree (see the trap above).
CKPT_CMAKE_BUILD_DIR="$build" "$venv/bin/pip" install --no-build-isolation \
  --no-index --quiet "$src"
cd "$work"
"$venv/bin/python" - <<'PY'
import os, numpy as np, ckpt
assert "site-packages" in ckpt.__file__, ckpt.__file__
assert os.path.exists(os.path.join(os.path.dirname(ckpt.__file__), "__init__.pyi"))
assert os.path.exists(os.path.join(os.path.dirname(ckpt.__file__), "py.typed"))
ckpt.save("w", {"a": np.arange(6, dtype=np.int16).reshape(2, 3)})
assert ckpt.load_variable("w", "a").tolist() == [[0, 1, 2], [3, 4, 5]]
print("pip install OK:", ckpt.__file__, ckpt.__version__)
PY
