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

check=0
apps=""
for arg in "$@"; do
    case "$arg" in
    --check) check=1 ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
    -*)
        echo "build.sh: unknown option $arg" >&2
        exit 2
        ;;
    *) apps="$apps ${arg%/}" ;;
    esac
done

if [ -z "$apps" ]; then
    for dir in testdata/apps/*/; do
        name=$(basename "$dir")
        case "$name" in
        common | rt-*) continue ;; # rt-* are real-time apps: testdata/apps/build-rt.sh
        esac
        for c in "$dir"*.c; do
            [ -e "$c" ] && apps="$apps $name"
            break
        done
    done
fi
if [ -z "$apps" ]; then
    echo "build.sh: no app folders found under testdata/apps" >&2
    exit 1
fi

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build.sh: $CC not found; install it with:" >&2
    echo "  apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32" >&2
    exit 1
fi

outroot=testdata/apps
if [ "$check" = 1 ]; then
    outroot=$(mktemp -d "${TMPDIR:-/tmp}/sphere-emu-apps.XXXXXX")
    trap 'rm -rf "$outroot"' EXIT
    trap 'exit 130' INT TERM
fi

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

failed=0
for app in $apps; do
    if [ "$app" = common ] || [ ! -d "testdata/apps/$app" ]; then
        echo "build.sh: no such app: testdata/apps/$app" >&2
        exit 1
    fi
    if [ "$check" = 1 ]; then
        mkdir -p "$outroot/$app"
    fi
    out="$outroot/$app/app.wasm"
    build "$app" "$out"
    if [ "$check" = 1 ]; then
        committed="testdata/apps/$app/app.wasm"
        if [ ! -f "$committed" ]; then
            echo "MISSING  $committed (run testdata/apps/build.sh)"
            failed=1
        elif cmp -s "$out" "$committed"; then
            echo "ok       $committed"
        else
            echo "DIFFERS  $committed (run testdata/apps/build.sh and commit the result)"
            failed=1
        fi
    else
        echo "built    $out ($(wc -c <"$out" | tr -d ' ') bytes)"
    fi
done

if [ "$failed" != 0 ]; then
    echo "build.sh --check: committed modules are stale; toolchain here: $("$CC" --version | head -n 1)" >&2
    exit 1
fi
