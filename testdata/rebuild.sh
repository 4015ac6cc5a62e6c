#!/usr/bin/env bash
# Rebuilds every generated file under testdata/ from its sources:
#   1. the sample apps' app.wasm (needs clang: see testdata/apps/build.sh), unless --images-only;
#   2. their signed image packages (testdata/images/*.imagepackage) and the flash
#      images (testdata/images/*.bin), with the PUBLIC TEST keys of testdata/keys.
# Output is reproducible: SOURCE_DATE_EPOCH fixes build dates and signatures
# are deterministic (RFC 6979), so a rebuild of unchanged sources changes nothing.
#
# Usage: testdata/rebuild.sh [--images-only]
set -euo pipefail
cd "$(dirname "$0")/.."
export SOURCE_DATE_EPOCH=1767225600 # 2026-01-01T00:00:00Z

if [[ "${1:-}" != "--images-only" ]]; then
	testdata/apps/build.sh
fi

bin=$(mktemp -d)/sphere-emu
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/sphere-emu

keys=testdata/keys
mkdir -p testdata/images
for app in blink gpio-denied exit-code spin crash syscall-storm; do
	"$bin" image pack-app --manifest "testdata/apps/$app/app_manifest.json" \
		--wasm "testdata/apps/$app/app.wasm" --key "$keys/app-signing.key.pem" \
		-o "testdata/images/$app.imagepackage"
	"$bin" image build --app "testdata/images/$app.imagepackage" --keys "$keys" \
		-o "testdata/images/$app.bin"
done
# The same sample with security version 2 of every OS stage, for anti-rollback tests.
"$bin" image build --app testdata/images/blink.imagepackage --keys "$keys" --svn 2 \
	-o testdata/images/blink-svn2.bin
