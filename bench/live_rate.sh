#!/usr/bin/env bash
# Live capture at rising rates (issue 13): the benchmark capture replayed with
# tcpreplay into a veth pair inside a network namespace made for the run, and
# captured on the other end, in alternation, by
#   smtptls -i vb --json                  one worker
#   smtptls -i vb --json --workers 2      two workers (PACKET_FANOUT)
#   tcpdump -i vb -w /dev/null FILTER     the same BPF filter as smtptls's default
# RUNS rounds per rate, the order of the three rotated each round. For each run:
# packets tcpreplay sent, packets the tool saw (after the filter), kernel and
# interface drops, the tool's CPU seconds (user + system, the whole process;
# for two workers also each worker thread's), and for smtptls whether its
# summary (sessions by mode, encrypted, ciphers, versions, leaks, packets)
# equals the offline one (bench/check_summary.py against EXPECTED.json).
#
#   bench/live_rate.sh [FILE [EXPECTED.json]]      as root
#
# FILE defaults to /tmp/smtptls-bench/big.pcap (bench/make_big_capture.py).
# A benchmark, not a test: it takes about 25 minutes at the default rates
# (the file lasts 92 s at 100 Mbit/s, and each rate runs 3 x 3 times).
#
# The machine has two cores (nproc); they are shared out with taskset:
#   tcpreplay        CPU $REPLAY_CPU (1); the kernel's veth receive path, BPF
#                    filter and copy into the capture ring run there too (veth
#                    delivers on the sending CPU)
#   smtptls, tcpdump CPU $CAPTURE_CPUS (0); two workers: CPUS_2W (0,1), so the
#                    second worker shares CPU 1 with tcpreplay
#
# Environment: RATES="100 300 1000 max" (Mbit/s; max = tcpreplay --topspeed),
# RUNS=3, SMTPTLS=PATH (default build/smtptls, copied first), TOOLS="smtptls
# smtptls-2w tcpdump", REPLAY_CPU=1, CAPTURE_CPUS=0, CPUS_2W=0,1, SETTLE=3
# (seconds between the end of the replay and SIGTERM), OUT_MD=PATH (also write
# the tables there).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
FILE=${1:-/tmp/smtptls-bench/big.pcap}
EXPECTED=${2:-${FILE%.pcap}.EXPECTED.json}
RATES=${RATES:-100 300 1000 max}
RUNS=${RUNS:-3}
TOOLS=${TOOLS:-smtptls smtptls-2w tcpdump}
REPLAY_CPU=${REPLAY_CPU:-1}
CAPTURE_CPUS=${CAPTURE_CPUS:-0}
CPUS_2W=${CPUS_2W:-0,1}
SETTLE=${SETTLE:-3}
SMTPTLS_SRC=${SMTPTLS:-$REPO/build/smtptls}

die() { echo "live_rate: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, capture)"
[ -r "$FILE" ] || die "cannot read $FILE (python3 bench/make_big_capture.py writes it)"
[ -r "$EXPECTED" ] || die "no expected summary $EXPECTED"
[ -x "$SMTPTLS_SRC" ] || die "no smtptls binary at $SMTPTLS_SRC (meson setup build && ninja -C build)"
command -v ip >/dev/null || die "needs iproute2"

need=()
command -v tcpreplay >/dev/null || need+=(tcpreplay)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v taskset >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${need[@]}" >/dev/null
fi

NS=smtptls-rate-$$
WORK=$(mktemp -d /tmp/smtptls-live-rate.XXXXXX)
cleanup() {
    ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
cp "$SMTPTLS_SRC" "$WORK/smtptls"

# The BPF filter smtptls uses by default (DEFAULT_BPF of app/options.c), evaluated
# from the source so that tcpdump filters exactly like smtptls.
BPF=$(python3 - "$REPO/app/options.c" <<'EOF'
import re, sys
src = open(sys.argv[1]).read().replace("\\\n", " ")
defs = dict(re.findall(r'^\s*#\s*define\s+(\w+)\s+(.*)$', src, re.M))
def ev(name):
    return "".join(lit if not ident else ev(ident)
                   for lit, ident in re.findall(r'"((?:[^"\\]|\\.)*)"|(\w+)', defs[name]))
print(ev("DEFAULT_BPF"))
EOF
)
[ -n "$BPF" ] || die "could not evaluate DEFAULT_BPF from app/options.c"

ip netns add "$NS"
ip -n "$NS" link add va type veth peer name vb
for dev in va vb; do
    ip -n "$NS" link set "$dev" mtu 65535 up
done
ip -n "$NS" link set lo up

echo "== smtptls live rate: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores," \
     "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(uname -sr)"
echo "file: $FILE ($(stat -c %s "$FILE") bytes); expected: $EXPECTED"
echo "smtptls: $("$WORK/smtptls" --version 2>&1 | head -1), $(sha256sum "$WORK/smtptls" | cut -c1-16);" \
     "tcpdump: $(tcpdump --version 2>&1 | head -1); $(tcpreplay --version 2>&1 | head -1)"
echo "cpus: tcpreplay $REPLAY_CPU, capture $CAPTURE_CPUS, two workers $CPUS_2W; rates: $RATES; runs: $RUNS"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$FILE" > /dev/null # into the page cache

export NS WORK FILE EXPECTED BPF REPLAY_CPU CAPTURE_CPUS CPUS_2W SETTLE HERE
python3 - "$RUNS" "$RATES" "$TOOLS" "${OUT_MD:-}" <<'EOF'
import json, os, re, resource, signal, statistics, subprocess, sys, time

runs, rates, tools, out_md = int(sys.argv[1]), sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
E = os.environ
NS, WORK = E["NS"], E["WORK"]
TICK = os.sysconf("SC_CLK_TCK")


def in_ns(cpus, cmd):
    return ["ip", "netns", "exec", NS, "taskset", "-c", cpus] + cmd


def thread_cpu(pid):
    """CPU seconds of each thread but the first (smtptls's workers)."""
    out = []
    try:
        tids = sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))
    except OSError:
        return out
    for tid in tids[1:]:
        try:
            f = open("/proc/%d/task/%d/stat" % (pid, tid)).read().rsplit(")", 1)[1].split()
            out.append((int(f[11]) + int(f[12])) / TICK)
        except (OSError, IndexError):
            pass
    return out


def replay(rate):
    speed = ["--topspeed"] if rate == "max" else ["--mbps=%s" % rate]
    p = subprocess.run(in_ns(E["REPLAY_CPU"], ["tcpreplay", "-i", "va"] + speed + [E["FILE"]]),
                       capture_output=True, text=True)
    m = re.search(r"Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds", p.stdout)
    r = re.search(r"Rated: [\d.]+ Bps, ([\d.]+) Mbps", p.stdout)
    failed = re.search(r"Failed packets:\s+(\d+)", p.stdout)
    return {"sent": int(m.group(1)) if m else None, "secs": float(m.group(3)) if m else None,
            "mbps": float(r.group(1)) if r else None,
            "failed": int(failed.group(1)) if failed else None}


def one(tool, rate, rnd):
    out, err = os.path.join(WORK, "out"), os.path.join(WORK, "err")
    if tool == "tcpdump":
        cmd = in_ns(E["CAPTURE_CPUS"], ["tcpdump", "-i", "vb", "-w", "/dev/null", E["BPF"]])
    else:
        w = ["--workers", "2"] if tool == "smtptls-2w" else []
        cpus = E["CPUS_2W"] if w else E["CAPTURE_CPUS"]
        cmd = in_ns(cpus, [os.path.join(WORK, "smtptls"), "-i", "vb", "--json"] + w)
    with open(out, "w") as fo, open(err, "w") as fe:
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe)  # ip and taskset exec: p.pid is the tool
        time.sleep(2.0)
        rep = replay(rate)
        time.sleep(float(E["SETTLE"]))
        workers = thread_cpu(p.pid) if tool == "smtptls-2w" else []
        p.send_signal(signal.SIGTERM)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = status
    row = dict(rep, tool=tool, rate=rate, round=rnd, cpu=ru.ru_utime + ru.ru_stime,
               workers=workers)
    text = open(err).read()
    if tool == "tcpdump":
        g = lambda what: int((re.search(r"(\d+) packets? %s" % what, text) or [0, -1])[1])
        row.update(seen=g("captured"), kdrops=g("dropped by kernel"),
                   idrops=max(g("dropped by interface"), 0), exact=None)
    else:
        try:
            s = json.loads(open(out).read())
            row.update(seen=s["packets"], kdrops=s["capture"]["kernel_drops"],
                       idrops=s["capture"].get("interface_drops"), sessions=s["sessions"]["total"],
                       encrypted=s["encrypted"])
            chk = subprocess.run([sys.executable, os.path.join(E["HERE"], "check_summary.py"), out,
                                  E["EXPECTED"]], capture_output=True, text=True)
            row["exact"] = chk.returncode == 0
            if chk.returncode:
                row["mismatch"] = " ".join(chk.stdout.split("\n")[1:4])
        except (ValueError, KeyError):
            row.update(seen=None, kdrops=None, idrops=None, exact=False,
                       mismatch="no summary: " + text[-200:])
    print("  %-10s %5s r%d: sent %s in %.1f s (%.0f Mbit/s), seen %s, drops %s/%s, CPU %.2f s%s%s"
          % (tool, rate, rnd, rep["sent"], rep["secs"] or 0, rep["mbps"] or 0, row["seen"],
             row["kdrops"], row["idrops"], row["cpu"],
             " (workers %s)" % "/".join("%.2f" % w for w in workers) if workers else "",
             "" if row.get("exact") is None else ", summary %s" %
             ("exact" if row["exact"] else "DIFFERS: " + row.get("mismatch", ""))), flush=True)
    return row


rows = []
for rate in rates:
    print("rate %s" % rate, flush=True)
    for rnd in range(1, runs + 1):
        order = tools[rnd - 1:] + tools[:rnd - 1]
        for tool in order:
            rows.append(one(tool, rate, rnd))

label = {"smtptls": "smtptls, 1 worker", "smtptls-2w": "smtptls, 2 workers",
         "tcpdump": "tcpdump -w /dev/null"}
lines = ["| rate | tool | packets sent | seen | kernel drops (each run) | CPU s (median) | "
         "summary exact |", "|---|---|---:|---:|---|---:|---|"]
for rate in rates:
    for tool in tools:
        rs = [r for r in rows if r["rate"] == rate and r["tool"] == tool]
        if not rs:
            continue
        mb = statistics.median(r["mbps"] or 0 for r in rs)
        shown = "%s (~%.0f)" % (rate, mb) if rate == "max" else rate
        drops = " / ".join("%s" % (r["kdrops"] if not r["idrops"] else "%s+%s if" % (r["kdrops"],
                                                                                    r["idrops"]))
                           for r in rs)
        seen = " / ".join(str(r["seen"]) for r in rs) if len({r["seen"] for r in rs}) > 1 \
            else str(rs[0]["seen"])
        cpu = statistics.median(r["cpu"] for r in rs)
        if tool == "smtptls-2w":
            per = [w for r in rs for w in r["workers"]]
            cpu_s = "%.2f (workers %s)" % (cpu, " / ".join(
                "%.2f+%.2f" % tuple(r["workers"][:2]) for r in rs if len(r["workers"]) >= 2))
        else:
            cpu_s = "%.2f" % cpu
        exact = "-" if rs[0].get("exact") is None else \
            ("yes, %d of %d" % (sum(1 for r in rs if r["exact"]), len(rs)))
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            shown, label[tool], rs[0]["sent"], seen, drops, cpu_s, exact))
text = "\n".join(lines) + "\n"
print()
print(text)
if out_md:
    open(out_md, "w").write(text)
EOF
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
