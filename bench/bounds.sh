#!/bin/sh
# Issue 6's resource bounds at full size (the test suite runs them scaled
# down): a million SYNs from distinct flows, 1 GB after STARTTLS and 1 GB of
# DATA in one session each, a 10 MB line, multi-line replies of 500,000 and
# 2,000,000 lines, 100,000 pipelined commands. Prints each check and its
# figures; exits 1 when one fails. About 3 GB of captures in $TMPDIR.
#   bench/bounds.sh [SMTPTLS]     (default build/smtptls)
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$REPO/tests/robustness/check_bounds.py" "${1:-$REPO/build/smtptls}" --full
