#!/bin/sh
# Memory at a million concurrent flows, measured: a million sessions left
# open (handshake and greeting each) and a million SYN-only flows, read with
# --max-flows 1000000; and the million SYNs again under the default cap.
#   bench/flows_1m.sh [N]   (N defaults to 1000000; about 600 MB of captures in $TMPDIR)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
N=${1:-1000000}
SMTPTLS=${SMTPTLS:-$REPO/build/smtptls}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
python3 "$REPO/tests/robustness/synth.py" open "$N" "$W/open.pcap"
python3 "$REPO/tests/robustness/synth.py" syns "$N" "$W/syns.pcap"
run() {
    label=$1; shift
    /usr/bin/time -f "%M %e" "$SMTPTLS" "$@" --json 2>"$W/t" >"$W/o" || true
    set -- $(tail -1 "$W/t")
    sessions=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sessions"]["total"])' "$W/o")
    printf '%-44s peak RSS %8d KB  %6.2f s  %s sessions  %d bytes/flow\n' "$label" "$1" "$2" \
        "$sessions" $(( $1 * 1024 / N ))
}
run "$N open sessions, --max-flows $N" -r "$W/open.pcap" --max-flows "$N"
run "$N SYN-only flows, --max-flows $N" -r "$W/syns.pcap" --max-flows "$N"
run "$N SYN-only flows, default --max-flows" -r "$W/syns.pcap"
