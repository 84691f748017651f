#!/bin/sh
# The soak of issue 10: smtptls -i left running against replayed traffic for a
# set time, its files rotated midway (mv + SIGHUP, then copytruncate), then
# checked: every session once across the rotated files, every line whole, no
# drop, statistics and metrics consistent, resident memory flat after warm-up.
# The test suite runs the same for 60 s (tests/robustness/soak.py).
#
#   bench/soak.sh [SECONDS [MBIT/S [STATS_INTERVAL]]]     (as root)
#
# Defaults: 1800 s at 10 Mbit/s, a statistics line every 10 s. Records take
# about 2 KB a session, some 450 sessions a second at 10 Mbit/s: 30 minutes
# write about 1.6 GB under $TMPDIR (removed after a clean run).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$here/tests/robustness/soak.py" "${SMTPTLS:-$here/build/smtptls}" "$here/pcaps" \
    --seconds "${1:-1800}" --mbps "${2:-10}" --interval "${3:-10}"
