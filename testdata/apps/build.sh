#!/bin/sh
# Builds the sample apps under testdata/apps/ into WASM modules (testdata/apps/NAME/app.wasm)
# against the sphere-emu C SDK (sdk/include, sdk/lib). The built .wasm files are committed,
# so the Go tests never need clang.
#
# Toolchain (Debian/Ubuntu):
#   apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32
# The committed modules were built with Debian 12's clang 14.0.6 and wasi-libc
# 0.0~git20220510.9886d3d. Builds are reproducible (same sources and toolchain give the same
# bytes); another compiler or libc version gives different, equally valid, bytes.
#
# Usage (from any directory):
#   testdata/apps/build.sh             build every app folder (any folder holding a .c file,
#                                      except common/)
#   testdata/apps/build.sh blink ...   build only the named apps
#   testdata/apps/build.sh --check     rebuild into a temporary directory and fail if any
#                                      committed app.wasm differs (or is missing); for CI
#
# Flags: sdk/flags.sh, which this script sources and which explains each one. `sphere-emu sdk
# build` and `sphere-emu sdk env` embed the same file, so they compile exactly like this script.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

# Stable sort order for globs and messages.
LC_ALL=C
export LC_ALL

CC=${CC:-clang}
SPHERE_HWDEFS=${SPHERE_HWDEFS:-sdk/hardware-definitions}
# SPHERE_EMU_CFLAGS and SPHERE_EMU_LDFLAGS, shared with `sphere-emu sdk build`.
. sdk/flags.sh
CFLAGS="$SPHERE_EMU_CFLAGS -I sdk/include"
LDFLAGS="$SPHERE_EMU_LDFLAGS"

tool=build.sh
what="high-level app"

# owns NAME: every folder but common (shared sources) and rt-* (real-time apps: build-rt.sh).
owns() {
    case "$1" in
    common | rt-*) return 1 ;;
    esac
}

# build NAME OUT: compiles the SDK and the app's sources into OUT.
build() {
    includes=""
    for inc in "testdata/apps/$1/hardware-definitions/inc" "$SPHERE_HWDEFS/inc" \
        testdata/apps/common; do
        if [ -d "$inc" ]; then
            includes="$includes -I $inc"
        fi
    done
    # The generated hw/<name>.h headers say #include "mt3620_rdb.h" (as `sphere-emu sdk build`).
    if [ -d "$SPHERE_HWDEFS/inc/hw" ]; then
        includes="$includes -iquote $SPHERE_HWDEFS/inc/hw"
    fi
    common=""
    for c in testdata/apps/common/*.c; do
        if [ -e "$c" ] && [ ! -e "testdata/apps/$1/$(basename "$c")" ]; then
            common="$common $c"
        fi
    done
    # shellcheck disable=SC2086 # CFLAGS/LDFLAGS/includes/common are word lists; globs wanted
    "$CC" $CFLAGS $includes sdk/lib/*.c testdata/apps/"$1"/*.c $common $LDFLAGS -o "$2"
}

# shellcheck source=testdata/apps/build-driver.sh
. testdata/apps/build-driver.sh
