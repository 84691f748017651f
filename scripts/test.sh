#!/bin/sh
# The whole test suite: a plain build and an AddressSanitizer/UBSan build,
# each running every meson test suite (unit, golden, conformance, fuzz replay).
# Run scripts/setup.sh once first. Exits non-zero when any test fails.
set -eu
cd "$(dirname "$0")/.."
[ -d build ] || meson setup build
meson test -C build --print-errorlogs
[ -d build-san ] || meson setup build-san -Dbuildtype=debug -Db_sanitize=address,undefined \
    -Db_lundef=false
meson test -C build-san --print-errorlogs --setup sanitize
echo "all tests passed (plain and sanitized)"
