#!/bin/sh
# The whole test suite: a plain build and an AddressSanitizer/UBSan build,
# each running every meson test suite (unit, golden, conformance, fuzz replay),
# then every libFuzzer harness for FUZZ_SECONDS (default 30) each under ASan
# and UBSan (FUZZ_SECONDS=0 skips it). Run scripts/setup.sh once first.
# Exits non-zero when any test fails or a fuzzer finds anything.
set -eu
cd "$(dirname "$0")/.."
[ -d build ] || meson setup build
meson test -C build --print-errorlogs
[ -d build-san ] || meson setup build-san -Dbuildtype=debug -Db_sanitize=address,undefined \
    -Db_lundef=false
meson test -C build-san --print-errorlogs --setup sanitize
fuzz_secs=${FUZZ_SECONDS:-30}
if [ "$fuzz_secs" != 0 ]; then
    ./scripts/fuzz.sh "$fuzz_secs"
fi
echo "all tests passed (plain, sanitized, fuzzed ${fuzz_secs}s per harness)"
