#!/usr/bin/env bash
# Benchmark smtptls against the cost of merely reading the capture (tcpdump with
# the same BPF filter), against tshark extracting the ServerHello cipher suites
# and against nDPI's ndpiReader, all on the same file in the same run.
#
#   bench/run_bench.sh FILE [EXPECTED.json]
#
# FILE is normally made by bench/make_big_capture.py; EXPECTED.json defaults to
# FILE without .pcap + .EXPECTED.json. Exit status: 0 if smtptls's summary equals
# the expected one in every measured run, 1 on a mismatch or a failed tool.
#
# Environment:
#   RUNS=3          measured runs per tool (the median is reported; >= 3)
#   SMTPTLS=PATH    binary to measure (default: build/smtptls of this repo; it is
#                   copied first so that a rebuild during the run changes nothing)
#   TSHARK_MB=150   tshark runs on a prefix of about this many MB of FILE (made with
#                   editcap) and its time is scaled to the whole file by size;
#                   0 = run tshark on the whole file
#   NICE=10         niceness of every measured command (same for all)
#   OUT_MD=PATH     also write the result table (markdown) to PATH
#
# Every measured command runs under /usr/bin/time -f '%e %U %S %M': wall seconds,
# user and system CPU seconds, peak RSS (KB). Tools run alternately (round r runs
# them all, in an order rotated each round), after a warm-up pass that reads the
# whole file into the page cache and runs each tool once.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
FILE=${1:?usage: bench/run_bench.sh FILE [EXPECTED.json]}
EXPECTED=${2:-${FILE%.pcap}.EXPECTED.json}
RUNS=${RUNS:-3}
TSHARK_MB=${TSHARK_MB:-150}
NICE=${NICE:-10}
SMTPTLS_SRC=${SMTPTLS:-$REPO/build/smtptls}

die() { echo "run_bench: $*" >&2; exit 1; }
[ -r "$FILE" ] || die "cannot read $FILE"
[ -r "$EXPECTED" ] || die "no expected summary $EXPECTED (make_big_capture.py writes it beside the pcap)"
[ -x "$SMTPTLS_SRC" ] || die "no smtptls binary at $SMTPTLS_SRC (meson setup build && ninja -C build)"
[ "$RUNS" -ge 3 ] 2>/dev/null || die "RUNS must be >= 3"

# --- tools: install what is missing (Debian packages), as root only
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v tshark >/dev/null || need+=(tshark)
command -v editcap >/dev/null || need+=(wireshark-common)
command -v capinfos >/dev/null || need+=(wireshark-common)
command -v ndpiReader >/dev/null || need+=(libndpi-bin)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing packages: ${need[*]} (apt-get install them)"
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${need[@]}" >/dev/null
fi

WORK=$(mktemp -d /tmp/smtptls-bench-run.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp "$SMTPTLS_SRC" "$WORK/smtptls"
SMTPTLS="$WORK/smtptls"

# --- the BPF filter smtptls uses by default: DEFAULT_BPF of app/options.c, evaluated from
# the source (string literals and the macros they are built from), so that tcpdump
# filters exactly like smtptls. If that ever fails, the copy below is used; it is
# DEFAULT_BPF as of this writing, expanded.
BPF_COPY='tcp port 25 or tcp port 465 or tcp port 587 or tcp port 2525 or (ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44) or (vlan and (tcp port 25 or tcp port 465 or tcp port 587 or tcp port 2525 or (ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44) or (vlan and (tcp port 25 or tcp port 465 or tcp port 587 or tcp port 2525 or (ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44)))))'
BPF=$(python3 - "$REPO/app/options.c" <<'EOF' || true
import re, sys
src = open(sys.argv[1]).read().replace("\\\n", " ")
defs = dict(re.findall(r'^\s*#\s*define\s+(\w+)\s+(.*)$', src, re.M))
def ev(name, depth=0):
    out = []
    for lit, ident in re.findall(r'"((?:[^"\\]|\\.)*)"|(\w+)', defs[name]):
        out.append(lit if not ident else ev(ident, depth + 1))
    return "".join(out)
print(ev("DEFAULT_BPF"))
EOF
)
if [ -z "$BPF" ]; then
    echo "warning: could not evaluate DEFAULT_BPF from app/options.c; using the copy in run_bench.sh" >&2
    BPF=$BPF_COPY
    BPF_FROM="copy in run_bench.sh"
else
    BPF_FROM="DEFAULT_BPF of app/options.c"
fi

# --- the file
SIZE=$(stat -c %s "$FILE")
MB=$(python3 -c "print('%.1f' % ($SIZE / 1e6))")
PACKETS=$(python3 -c "
import json, sys
g = json.load(open(sys.argv[1])).get('generator') or {}
print(g.get('packets') if g.get('size') == int(sys.argv[2]) else '')" "$EXPECTED" "$SIZE")
[ -n "$PACKETS" ] || PACKETS=$(capinfos -M -c -T "$FILE" | awk -F'\t' 'NR==2 {print $2}')

echo "== smtptls benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores," \
     "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(uname -sr)"
echo "file: $FILE ($MB MB, $PACKETS packets); expected: $EXPECTED"
echo "smtptls: $("$SMTPTLS" --version 2>&1 | head -1) ($SMTPTLS_SRC, sha256 $(sha256sum "$SMTPTLS" | cut -c1-16))"
echo "tcpdump: $(tcpdump --version 2>&1 | head -1); $(tcpdump --version 2>&1 | sed -n 2p)"
echo "tshark: $(tshark --version 2>/dev/null | head -1); ndpiReader: $(ndpiReader -h 2>&1 | grep -m1 -o 'nDPI [0-9.]*')"
echo "filter ($BPF_FROM): $BPF"
echo "runs: $RUNS per tool, median reported; nice $NICE; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- tshark prefix
TSHARK_FILE=$FILE
TSHARK_SCALE=1
if [ "$TSHARK_MB" != 0 ] && [ "$SIZE" -gt $((TSHARK_MB * 1000000)) ]; then
    N=$(python3 -c "import math; print(max(1000, math.ceil($PACKETS * $TSHARK_MB * 1e6 / $SIZE)))")
    editcap -r "$FILE" "$WORK/prefix.pcap" "1-$N"
    TSHARK_FILE=$WORK/prefix.pcap
    PSIZE=$(stat -c %s "$TSHARK_FILE")
    TSHARK_SCALE=$(python3 -c "print($SIZE / $PSIZE)")
    echo "tshark: measured on the first $N packets ($(python3 -c "print('%.1f' % ($PSIZE / 1e6))") MB," \
         "editcap -r FILE prefix.pcap 1-$N); its wall and CPU times are scaled by" \
         "$(python3 -c "print('%.2f' % $TSHARK_SCALE)") (file size / prefix size); its RSS is the prefix's"
fi

# --- the commands; stdout of each goes to $WORK/NAME.out, stderr to $WORK/NAME.err
NAMES=(smtptls smtptls-no-ndpi tcpdump tshark ndpiReader)
# builds that ask nDPI only off the SMTP ports by default have --ndpi-all: one more row
if "$SMTPTLS" --help 2>&1 | grep -q -- '--ndpi-all'; then
    NAMES=(smtptls smtptls-no-ndpi smtptls-ndpi-all tcpdump tshark ndpiReader)
fi
set_cmd() { # name -> CMD array
    case $1 in
    smtptls) CMD=("$SMTPTLS" -r "$FILE" --json) ;;
    smtptls-no-ndpi) CMD=("$SMTPTLS" -r "$FILE" --json --no-ndpi) ;;
    smtptls-ndpi-all) CMD=("$SMTPTLS" -r "$FILE" --json --ndpi-all) ;;
    tcpdump) CMD=(tcpdump -r "$FILE" -w /dev/null "$BPF") ;;
    tshark) CMD=(tshark -r "$TSHARK_FILE" -o tcp.reassemble_out_of_order:TRUE -d tcp.port==2525,smtp
                 -Y 'tls.handshake.type == 2' -T fields -e tls.handshake.ciphersuite) ;;
    ndpiReader) CMD=(ndpiReader -i "$FILE") ;;
    esac
}

FAIL=0
check() { # name run -> compares smtptls's output with EXPECTED
    if ! python3 "$HERE/check_summary.py" "$WORK/$1.out" "$EXPECTED" > "$WORK/check.txt"; then
        echo "!! $1 run $2: smtptls's summary does not match $EXPECTED" >&2
        cat "$WORK/check.txt" >&2
        FAIL=1
    fi
}
measure() { # name round
    local name=$1 r=$2 rc=0
    set_cmd "$name"
    nice -n "$NICE" /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" \
        "${CMD[@]}" > "$WORK/$name.out" 2> "$WORK/$name.err" || rc=$?
    if [ $rc -ne 0 ]; then
        echo "!! $name run $r exited with status $rc: ${CMD[*]}" >&2
        tail -5 "$WORK/$name.err" >&2
        FAIL=1
    fi
    # a warm-up run is round 0 and is not recorded
    [ "$r" = 0 ] || echo "$name $r $(tail -1 "$WORK/time")" >> "$WORK/results"
    case $name in smtptls*) check "$name" "$r" ;; esac
}

echo "warm-up: reading the file into the page cache, one run of each tool"
cat "$FILE" "$TSHARK_FILE" > /dev/null
FILTERED=$(tcpdump -r "$FILE" --count "$BPF" 2>/dev/null | awk '{print $1}')
EXP_PACKETS=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('packets', ''))" "$EXPECTED")
echo "tcpdump --count with the filter: $FILTERED packets (expected SMTP packets: $EXP_PACKETS)"
if [ -n "$EXP_PACKETS" ] && [ "$FILTERED" != "$EXP_PACKETS" ]; then
    echo "!! the filter admits $FILTERED packets, the generator put $EXP_PACKETS SMTP packets in" >&2
    FAIL=1
fi
for name in "${NAMES[@]}"; do
    measure "$name" 0
done
if [ $FAIL != 0 ]; then
    echo "FAILED in the warm-up pass: smtptls's summary does not match $EXPECTED, or a tool failed" >&2
    exit 1
fi
python3 "$HERE/check_summary.py" "$WORK/smtptls.out" "$EXPECTED"
: > "$WORK/results"
echo "tshark printed $(wc -l < "$WORK/tshark.out") ServerHello cipher suites"
for ((r = 1; r <= RUNS; r++)); do
    order=()
    for ((i = 0; i < ${#NAMES[@]}; i++)); do
        order+=("${NAMES[$(((i + r - 1) % ${#NAMES[@]}))]}")
    done
    echo "round $r/$RUNS: ${order[*]}"
    for name in "${order[@]}"; do
        measure "$name" "$r"
    done
done

echo
python3 - "$WORK/results" "$SIZE" "$TSHARK_SCALE" "${OUT_MD:-}" <<'EOF'
import statistics, sys
path, size, tscale, out_md = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
runs = {}
for line in open(path):
    name, r, wall, user, sys_, rss = line.split()
    runs.setdefault(name, []).append((float(wall), float(user) + float(sys_), int(rss)))
order = ["tcpdump", "smtptls", "smtptls-no-ndpi", "smtptls-ndpi-all", "ndpiReader", "tshark"]
label = {"tcpdump": "tcpdump -r FILE -w /dev/null FILTER",
         "smtptls": "smtptls -r FILE --json",
         "smtptls-no-ndpi": "smtptls -r FILE --json --no-ndpi",
         "smtptls-ndpi-all": "smtptls -r FILE --json --ndpi-all",
         "ndpiReader": "ndpiReader -i FILE",
         "tshark": "tshark -Y 'tls.handshake.type == 2' -e tls.handshake.ciphersuite"}
med = {}
for name in order:
    v = runs.get(name)
    if not v:
        continue
    scale = tscale if name == "tshark" else 1.0
    wall = statistics.median(x[0] for x in v) * scale
    cpu = statistics.median(x[1] for x in v) * scale
    rss = statistics.median(x[2] for x in v) / 1024.0
    med[name] = (wall, cpu, rss, len(v), min(x[0] for x in v) * scale, max(x[0] for x in v) * scale)
rows = ["| tool | runs | wall s (median) | wall s (min-max) | CPU s user+sys (median) | peak RSS MB | MB/s (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|"]
for name in order:
    if name not in med:
        continue
    wall, cpu, rss, n, lo, hi = med[name]
    note = ""
    if name == "tshark" and tscale != 1.0:
        note = " ¹"
    rows.append("| `%s`%s | %d | %.2f | %.2f-%.2f | %.2f | %.1f | %.0f |"
                % (label[name], note, n, wall, lo, hi, cpu, rss, size / 1e6 / wall if wall else 0))
def ratio(a, b, i):
    return med[a][i] / med[b][i] if a in med and b in med and med[b][i] else float("nan")
ratios = [
    ("smtptls / tcpdump, wall", ratio("smtptls", "tcpdump", 0)),
    ("smtptls / tcpdump, CPU", ratio("smtptls", "tcpdump", 1)),
    ("smtptls --no-ndpi / tcpdump, wall", ratio("smtptls-no-ndpi", "tcpdump", 0)),
    ("smtptls --no-ndpi / tcpdump, CPU", ratio("smtptls-no-ndpi", "tcpdump", 1)),
    ("smtptls --ndpi-all / tcpdump, wall", ratio("smtptls-ndpi-all", "tcpdump", 0)),
    ("smtptls --ndpi-all / tcpdump, CPU", ratio("smtptls-ndpi-all", "tcpdump", 1)),
    ("tshark / smtptls, wall", ratio("tshark", "smtptls", 0)),
    ("tshark / smtptls, CPU", ratio("tshark", "smtptls", 1)),
    ("ndpiReader / smtptls, wall", ratio("ndpiReader", "smtptls", 0)),
    ("ndpiReader / smtptls, CPU", ratio("ndpiReader", "smtptls", 1)),
]
text = "\n".join(rows) + "\n"
if tscale != 1.0:
    text += ("\n¹ tshark measured on a prefix of the file; wall and CPU scaled by %.2f (file size / prefix size),"
             " MB/s from the prefix, RSS is the prefix's (tshark's memory grows with the file)\n" % tscale)
text += "\n| ratio | value |\n|---|---:|\n" + "".join("| %s | %.2f |\n" % r for r in ratios if r[1] == r[1])
print(text)
if out_md:
    open(out_md, "w").write(text)
EOF

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ $FAIL != 0 ]; then
    echo "FAILED: see the messages above (smtptls summary mismatch or a tool failed)" >&2
    exit 1
fi
echo "smtptls's summary matched $EXPECTED in every run"
