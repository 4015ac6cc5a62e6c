#!/bin/sh
# Rebuilds the test modules of package fuel (fuel/testdata/*.wasm) from
# fuel/testdata/src/*.c. The .wasm files are committed: the Go tests never
# need clang.
#
# Toolchain (Debian/Ubuntu): apt-get install -y clang lld
# The committed modules were built with Debian 12's clang 14.0.6. They are
# freestanding (no libc): -nostdlib, no entry point, every function exported.
#
# Usage: fuel/testdata/build.sh   (from any directory)
set -eu
cd "$(dirname "$0")"
CC=${CC:-clang}
FLAGS="--target=wasm32-wasi -O2 -nostdlib -Wl,--no-entry -Wl,--export-all -Wl,--strip-debug"

build() { # NAME EXTRA-FLAGS...
    name=$1
    shift
    # shellcheck disable=SC2086 # FLAGS is a word list
    "$CC" $FLAGS "$@" "src/$name.c" -o "$name.wasm"
    echo "built    fuel/testdata/$name.wasm ($(wc -c <"$name.wasm" | tr -d ' ') bytes)"
}

build fib
build crc
build fanout
build dispatch
build bulk -mbulk-memory
build mixed -mnontrapping-fptoint -msign-ext
build simd -msimd128
