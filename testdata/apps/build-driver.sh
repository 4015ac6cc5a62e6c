# The part of testdata/apps/build.sh and build-rt.sh that is the same: arguments, which apps,
# the toolchain check, and --check's rebuild-and-compare. Sourced (not run) by both, from the
# repository root, after they set:
#   tool          the script's name, for messages
#   what          what it builds, for messages ("high-level app", "real-time app")
#   owns NAME     a function: succeeds when testdata/apps/NAME is this script's to build
#   build NAME OUT  a function: compiles app NAME into OUT
# and CC, CFLAGS and LDFLAGS.

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
        echo "$tool: unknown option $arg" >&2
        exit 2
        ;;
    *) apps="$apps ${arg%/}" ;;
    esac
done

if [ -z "$apps" ]; then
    for dir in testdata/apps/*/; do
        name=$(basename "$dir")
        owns "$name" || continue
        for c in "$dir"*.c; do
            [ -e "$c" ] && apps="$apps $name"
            break
        done
    done
fi
if [ -z "$apps" ]; then
    echo "$tool: no $what folders found under testdata/apps" >&2
    exit 1
fi

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "$tool: $CC not found; install it with:" >&2
    echo "  apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32" >&2
    exit 1
fi

outroot=testdata/apps
if [ "$check" = 1 ]; then
    outroot=$(mktemp -d "${TMPDIR:-/tmp}/sphere-emu-apps.XXXXXX")
    trap 'rm -rf "$outroot"' EXIT
    trap 'exit 130' INT TERM
fi

failed=0
for app in $apps; do
    if [ ! -d "testdata/apps/$app" ]; then
        echo "$tool: no such app: testdata/apps/$app" >&2
        exit 1
    fi
    if ! owns "$app"; then
        echo "$tool: not a $what: testdata/apps/$app" >&2
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
            echo "MISSING  $committed (run testdata/apps/$tool)"
            failed=1
        elif cmp -s "$out" "$committed"; then
            echo "ok       $committed"
        else
            echo "DIFFERS  $committed (run testdata/apps/$tool and commit the result)"
            failed=1
        fi
    else
        echo "built    $out ($(wc -c <"$out" | tr -d ' ') bytes)"
    fi
done

if [ "$failed" != 0 ]; then
    echo "$tool --check: committed modules are stale; toolchain here: $("$CC" --version | head -n 1)" >&2
    exit 1
fi
