#!/bin/sh
# Builds the real-time core apps under testdata/apps/rt-*/ into WASM modules
# (testdata/apps/rt-NAME/app.wasm) against the sphere-emu RT SDK (sdk/rt/include, sdk/rt/lib).
# The built .wasm files are committed, so the Go tests never need clang.
#
# Toolchain (Debian/Ubuntu), the same as build.sh's:
#   apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32
# The committed modules were built with Debian 12's clang 14.0.6 and wasi-libc
# 0.0~git20220510.9886d3d. Builds are reproducible.
#
# Usage (from any directory):
#   testdata/apps/build-rt.sh             build every rt-* app folder
#   testdata/apps/build-rt.sh rt-hello    build only the named apps
#   testdata/apps/build-rt.sh --check     rebuild into a temporary directory and fail if any
#                                         committed app.wasm differs (or is missing); for CI
#
# Flags: sdk/rt/flags.sh, which this script sources and which explains each one. They differ from
# the high-level apps' (sdk/flags.sh): no crt1.o and no entry point (-nostartfiles --no-entry),
# the exports rt_main and rt_irq, a fixed 192 KiB memory (the TCM: initial = max = 3 pages) and an
# 8 KiB stack. Every module must import only from "mt3620": the script fails a module that
# imports anything from WASI (a libc function that reaches stdio, say), and the linker fails any
# other undefined function.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

# Stable sort order for globs and messages.
LC_ALL=C
export LC_ALL

CC=${CC:-clang}
# SPHERE_EMU_RT_CFLAGS and SPHERE_EMU_RT_LDFLAGS.
. sdk/rt/flags.sh
CFLAGS="$SPHERE_EMU_RT_CFLAGS -I sdk/rt/include"
LDFLAGS="$SPHERE_EMU_RT_LDFLAGS"

tool=build-rt.sh
what="real-time app"

# owns NAME: the rt-* folders.
owns() {
    case "$1" in
    rt-*) return 0 ;;
    esac
    return 1
}

# build NAME OUT: compiles the RT SDK and the app's sources into OUT.
build() {
    # shellcheck disable=SC2086 # CFLAGS/LDFLAGS are word lists; globs wanted
    "$CC" $CFLAGS sdk/rt/lib/*.c testdata/apps/"$1"/*.c $LDFLAGS -o "$2"
    # Only "mt3620" imports: a WASI import module name anywhere in the binary means one slipped in.
    if grep -a -q -e wasi_snapshot_preview1 -e wasi_unstable "$2"; then
        echo "build-rt.sh: $2 imports from WASI; RT apps may import only from \"mt3620\"" >&2
        rm -f "$2"
        exit 1
    fi
}

# shellcheck source=testdata/apps/build-driver.sh
. testdata/apps/build-driver.sh
