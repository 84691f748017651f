#!/usr/bin/env bash
# Peak RSS of smtptls: flat with bytes, growing with concurrent flows.
#
#   bench/rss_flat.sh
#
# 1. bytes: the 1x benchmark file and a 4x file (4x the sessions, same
#    concurrency, same mix) -> peak RSS of both, and their ratio;
# 2. concurrent flows: files where N SMTP sessions are all open at the same
#    moment (make_big_capture.py --concurrent N) -> peak RSS for each N, and
#    the bytes per flow from the difference of the two largest N.
#
# Every smtptls run's summary is checked against the expected one, as in
# run_bench.sh. Files are made once (kept in $DIR) when missing.
#
# Environment:
#   DIR=/tmp/smtptls-bench     where the captures are (and are made)
#   CONCURRENT="10000 100000"  the N of step 2 (e.g. add 1000000: ~25M packets,
#                              about 5 minutes and 4 GB of memory to generate)
#   SMTPTLS=PATH               binary (default build/smtptls of this repo; copied first)
#   NDPI=1                     0: run smtptls with --no-ndpi
# The concurrent files are read with --max-flows 2N (and the default idle
# timeout): smtptls must hold all N flows, evicting none.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
DIR=${DIR:-/tmp/smtptls-bench}
CONCURRENT=${CONCURRENT:-10000 100000}
NDPI=${NDPI:-1}
GEN="python3 $HERE/make_big_capture.py"
mkdir -p "$DIR"
[ -x /usr/bin/time ] || { echo "rss_flat: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/smtptls-rss.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp "${SMTPTLS:-$REPO/build/smtptls}" "$WORK/smtptls"
EXTRA=()
[ "$NDPI" = 1 ] || EXTRA=(--no-ndpi)

gen_file() { # file expected args...
    local f=$1 e=$2
    shift 2
    if [ ! -s "$f" ] || [ ! -s "$e" ]; then
        echo "making $f: make_big_capture.py $*"
        $GEN --quiet --out "$f" "$@" | sed 's/^/  /'
    fi
}

FAIL=0
ROWS=()
run() { # label file expected [smtptls options]
    local label=$1 f=$2 e=$3
    shift 3
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$WORK/smtptls" -r "$f" --json "${EXTRA[@]}" "$@" \
        > "$WORK/out.json" 2> "$WORK/err" || { echo "!! smtptls failed on $f" >&2; cat "$WORK/err" >&2; FAIL=1; }
    if ! python3 "$HERE/check_summary.py" "$WORK/out.json" "$e" > "$WORK/check"; then
        cat "$WORK/check" >&2
        FAIL=1
    fi
    read -r wall user sys rss < "$WORK/time"
    local info
    info=$(python3 - "$WORK/out.json" "$f" <<'EOF'
import json, os, sys
try:
    c = json.load(open(sys.argv[1]))["capture"]
except Exception:
    c = {}
print("%.0f %s %s %s" % (os.path.getsize(sys.argv[2]) / 1e6, c.get("packets"), c.get("flows"), c.get("flows_evicted")))
EOF
)
    read -r mb pk flows evicted <<< "$info"
    ROWS+=("$label|$mb|$pk|$flows|$evicted|$wall|$rss")
    echo "$label: $mb MB, peak RSS $((rss / 1024)) MB, wall $wall s, flows $flows, evicted $evicted"
    echo "$rss" > "$WORK/rss.$label"
}

echo "== peak RSS of smtptls ($("$WORK/smtptls" --version | head -1)${EXTRA[*]:+, ${EXTRA[*]}})"
gen_file "$DIR/big.pcap" "$DIR/big.EXPECTED.json"
gen_file "$DIR/big4x.pcap" "$DIR/big4x.EXPECTED.json" --scale 4
run 1x "$DIR/big.pcap" "$DIR/big.EXPECTED.json"
run 4x "$DIR/big4x.pcap" "$DIR/big4x.EXPECTED.json"
for n in $CONCURRENT; do
    gen_file "$DIR/conc-$n.pcap" "$DIR/conc-$n.EXPECTED.json" --concurrent "$n"
    run "concurrent-$n" "$DIR/conc-$n.pcap" "$DIR/conc-$n.EXPECTED.json" --max-flows $((2 * n))
done

echo
echo "| file | MB | packets | flows | evicted | wall s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for row in "${ROWS[@]}"; do
    IFS='|' read -r label mb pk flows ev wall rss <<< "$row"
    printf '| %s | %s | %s | %s | %s | %s | %.1f |\n' "$label" "$mb" "$pk" "$flows" "$ev" "$wall" \
        "$(python3 -c "print($rss / 1024)")"
done
echo
python3 - "$WORK" $CONCURRENT <<'EOF'
import sys
work, ns = sys.argv[1], [int(n) for n in sys.argv[2:]]
rss = lambda label: int(open("%s/rss.%s" % (work, label)).read()) * 1024
r1, r4 = rss("1x"), rss("4x")
print("bytes:  4x file / 1x file peak RSS = %.2f  (%.1f MB vs %.1f MB)" % (r4 / r1, r4 / 2**20, r1 / 2**20))
ns = sorted(ns)
if len(ns) >= 2:
    a, b = ns[-2], ns[-1]
    ra, rb = rss("concurrent-%d" % a), rss("concurrent-%d" % b)
    per = (rb - ra) / (b - a)
    print("flows:  (RSS(%d) - RSS(%d)) / %d flows = %.0f bytes per concurrent flow" % (b, a, b - a, per))
    print("        -> 1,000,000 concurrent flows would need about %.0f MB (%.0f MB + 1M x %.0f B)"
          % ((ra + per * (1000000 - a)) / 2**20, ra / 2**20 - per * a / 2**20, per))
EOF
[ $FAIL = 0 ] || { echo "FAILED: a summary did not match, or smtptls failed" >&2; exit 1; }
