#!/usr/bin/env bash
# Rebuilds every generated file under testdata/ from its sources:
#   1. each sample app's app.wasm (needs clang: see testdata/apps/build.sh),
#      unless --images-only;
#   2. each app's signed image package (testdata/images/NAME.imagepackage):
#      `sphere-emu sdk build --wasm` resolves "$NAME" manifest entries through
#      the app's hardware definition and packs resources/; apps without one
#      are packed with `image pack-app`;
#   3. a flash image per app (testdata/images/NAME.bin), signed with the
#      PUBLIC TEST keys of testdata/keys, plus blink-svn2.bin for the
#      anti-rollback tests.
# Output is reproducible: SOURCE_DATE_EPOCH fixes build dates and signatures
# are deterministic (RFC 6979), so a rebuild of unchanged sources changes nothing.
#
# Usage: testdata/rebuild.sh [--images-only]
set -euo pipefail
cd "$(dirname "$0")/.."
export SOURCE_DATE_EPOCH=1767225600 # 2026-01-01T00:00:00Z

if [[ "${1:-}" != "--images-only" ]]; then
	testdata/apps/build.sh
	testdata/apps/build-rt.sh
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/sphere-emu
go build -o "$bin" ./cmd/sphere-emu

keys=testdata/keys
mkdir -p testdata/images
for dir in testdata/apps/*/; do
	app=$(basename "$dir")
	[[ -f "$dir/app_manifest.json" && -f "$dir/app.wasm" ]] || continue
	pkg=testdata/images/$app.imagepackage
	if [[ -d "$dir/hardware-definitions" || -d "$dir/resources" ]]; then
		"$bin" sdk build --dir "$dir" --wasm "$dir/app.wasm" --key "$keys/app-signing.key.pem" \
			--out-dir "$tmp/out-$app" --cache-dir "$tmp/cache" -o "$pkg" >/dev/null
	else
		"$bin" image pack-app --manifest "$dir/app_manifest.json" --wasm "$dir/app.wasm" \
			--key "$keys/app-signing.key.pem" -o "$pkg" >/dev/null
	fi
	case "$app" in
	rt-*) ;; # real-time apps run next to a high-level app: see the pairs below
	*)
		"$bin" image build --app "$pkg" --keys "$keys" -o "testdata/images/$app.bin" >/dev/null
		echo "built    testdata/images/$app.bin"
		;;
	esac
done
# Real-time apps, each with a high-level partner whose peripherals do not
# overlap its own.
pair() {
	"$bin" image build --app "testdata/images/$2.imagepackage" --app "testdata/images/$3.imagepackage" \
		--keys "$keys" -o "testdata/images/$1.bin" >/dev/null
	echo "built    testdata/images/$1.bin"
}
pair intercore intercore-hl rt-echo
pair intercore-quiet intercore-hl rt-echo-quiet # for the round-trip benchmark: no per-message UART log
pair rt-hello blink rt-hello
pair rt-fault blink rt-fault
pair rt-runaway blink rt-runaway
pair rt-gpio-adc spi-accel rt-gpio-adc # i2c-accel would not do: ISU2 shares GPIO block 40–43 with the ADC
pair dw100 dw100-hl rt-dw100
# The same sample with security version 2 of every OS stage, for anti-rollback tests.
"$bin" image build --app testdata/images/blink.imagepackage --keys "$keys" --svn 2 \
	-o testdata/images/blink-svn2.bin >/dev/null
echo "built    testdata/images/blink-svn2.bin"
pair rt-spin blink rt-spin
pair rt-i2c-accel blink rt-i2c-accel # ISU2 (GPIO 36–40, blocks 9 and 10) vs GPIO 8 (block 2)
pair rt-isu-uart blink rt-isu-uart   # ISU0 (GPIO 26–30, blocks 6 and 7) vs GPIO 8
# rt-isu-uart on one core, and on the other a hostile app that enables ISU0's interrupt line.
"$bin" image build --app testdata/images/blink.imagepackage --app testdata/images/rt-irq-snoop.imagepackage \
	--app testdata/images/rt-isu-uart.imagepackage --keys "$keys" -o testdata/images/rt-irq-snoop.bin >/dev/null
echo "built    testdata/images/rt-irq-snoop.bin"
