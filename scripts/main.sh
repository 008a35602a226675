#!/usr/bin/env bash
# THE main job: installs missing dependencies, builds ckpt (GCC, build/gcc,
# same options as scripts/test.sh), writes a small checkpoint with the
# quickstart sample into a fresh directory and inspects it with the CLI.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

"$ROOT/scripts/setup-deps.sh"

BUILD=build/gcc
OUT=build/quickstart-out
PREFIX=$OUT/ckpt-1
JOBS=${CKPT_JOBS:-$(nproc)}

# Same configuration as the gcc build of scripts/test.sh, so both share
# build/gcc. Start over if it was configured with another compiler/generator.
CC_PATH=$(command -v gcc)
CXX_PATH=$(command -v g++)
if [[ -f $BUILD/CMakeCache.txt ]]; then
  old_cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' $BUILD/CMakeCache.txt)
  [[ "$old_cxx" == /* ]] || old_cxx=$(command -v "$old_cxx" || true)
  old_gen=$(sed -n 's/^CMAKE_GENERATOR:[A-Z]*=//p' $BUILD/CMakeCache.txt)
  if [[ "$old_gen" != Ninja || -z "$old_cxx" ||
        "$(readlink -f "$old_cxx")" != "$(readlink -f "$CXX_PATH")" ]]; then
    echo "== $BUILD was configured with '$old_gen' / '$old_cxx'; starting over"
    rm -rf "$BUILD"
  fi
fi
echo "== configure + build ($BUILD)"
t0=$SECONDS
CC=$CC_PATH CXX=$CXX_PATH cmake -S "$ROOT" -B $BUILD -G Ninja \
  -DCMAKE_C_COMPILER="$CC_PATH" -DCMAKE_CXX_COMPILER="$CXX_PATH" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCKPT_WERROR=ON -DCKPT_SANITIZE=OFF
cmake --build $BUILD -j "$JOBS" --target quickstart ckpt_cli
echo "== build took $((SECONDS - t0))s"

rm -rf "$OUT"
mkdir -p "$OUT"

echo
echo "== $BUILD/samples/quickstart $PREFIX"
$BUILD/samples/quickstart "$PREFIX"

echo
echo "== files in $OUT"
ls -l "$OUT"

echo
echo "== $BUILD/tools/ckpt ls $PREFIX"
$BUILD/tools/ckpt ls "$PREFIX"

echo
echo "== $BUILD/tools/ckpt verify $PREFIX"
$BUILD/tools/ckpt verify "$PREFIX"

echo
echo "main.sh: OK"
