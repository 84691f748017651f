#!/usr/bin/env python3
"""--stats and --metrics over a capture, reading files (capture time):

- every line is JSON; times rise; each line but the last covers whole
  intervals; the deltas add up to the totals; the last line is marked final
  and its totals equal the --json summary;
- the metrics file equals the summary (metrics.py) and passes
  `promtool check metrics` when promtool is installed;
- the stats file is appended to, not truncated, by a second run;
- a write error (--stats /dev/full, --metrics into a missing directory) is one
  line on stderr and ends the reading; the report of what was read still
  comes, and the status is 5.

usage: check_stats.py SMTPTLS CAPTURE"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics  # noqa: E402

INTERVAL = 5

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(smtptls, cap, *extra):
    return subprocess.run([smtptls, "-r", cap, "--json", *extra], capture_output=True, text=True)


def sum_deltas(lines, path):
    total = 0
    for line in lines:
        v = line["delta"]
        for k in path:
            v = v[k]
        total += v
    return total


def check_lines(lines, summary):
    check(len(lines) >= 3, f"{len(lines)} stats lines over the capture")
    check(all(not l["final"] for l in lines[:-1]) and lines[-1]["final"], "only the last is final")
    times = [l["time"] for l in lines]
    check(times == sorted(times) and len(set(times[:-1])) == len(times) - 1, "times rise")
    whole = all(abs(l["interval_s"] / INTERVAL - round(l["interval_s"] / INTERVAL)) < 1e-9
                and l["interval_s"] >= INTERVAL for l in lines[:-1])
    check(whole, f"each line but the last covers whole intervals of {INTERVAL} s")
    last = lines[-1]["total"]
    paths = [("sessions", k) for k in summary["sessions"]] + [
        ("encrypted",), ("starttls_offered",), ("packets",), ("bytes",),
        ("leaks", "envelope"), ("leaks", "auth")] + [("findings", k) for k in summary["findings"]]
    bad = []
    for p in paths:
        want = summary
        got = last
        for k in p:
            want, got = want[k], got[k]
        if want != got or sum_deltas(lines, p) != got:
            bad.append(f"{'.'.join(p)}: summary {want}, last total {got}, "
                       f"deltas {sum_deltas(lines, p)}")
    check(not bad, "final totals equal the summary and the deltas add up to them"
          + ("".join("\n     " + b for b in bad)))
    check(all(l["total"]["kernel_drops"] is None for l in lines), "kernel_drops null for files")
    check(lines[-1]["flows_open"] == 0 and max(l["flows_open"] for l in lines) > 0,
          "flows open: some during the run, none after the end")
    check(all(isinstance(l["resident_memory_bytes"], int) and l["resident_memory_bytes"] > 0
              for l in lines), "resident memory in every line")


def main():
    smtptls, cap = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="smtptls-stats-")
    try:
        stats = os.path.join(work, "stats.jsonl")
        prom = os.path.join(work, "smtptls.prom")
        p = run(smtptls, cap, "--stats", stats, "--stats-interval", str(INTERVAL),
                "--metrics", prom)
        check(p.returncode == 0 and p.stderr == "", f"run: exit {p.returncode} {p.stderr!r}")
        summary = json.loads(p.stdout)
        lines = [json.loads(l) for l in open(stats)]
        check_lines(lines, summary)
        check(oct(os.stat(stats).st_mode & 0o777) == "0o640", "the stats file is made 0640")
        check(oct(os.stat(prom).st_mode & 0o777) == "0o644", "the metrics file is 0644")
        check(os.listdir(work) == sorted(os.listdir(work)) and len(os.listdir(work)) == 2,
              "no temporary metrics file left")
        text = open(prom).read()
        diffs = metrics.compare(metrics.parse(text), summary)
        check(not diffs, "metrics equal the summary" + "".join("\n     " + d for d in diffs))
        promtool = shutil.which("promtool")
        if promtool:
            r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                               text=True)
            check(r.returncode == 0, f"promtool check metrics: {r.stdout}{r.stderr}".strip())
        else:
            print("skip promtool check metrics: promtool not installed (Debian: prometheus)")

        p = run(smtptls, cap, "--stats", stats, "--stats-interval", str(INTERVAL))
        again = [json.loads(l) for l in open(stats)]
        check(p.returncode == 0 and len(again) == 2 * len(lines) and again[:len(lines)] == lines,
              "a second run appends to the stats file")

        p = run(smtptls, cap, "--stats", "/dev/full")
        err = p.stderr.splitlines()
        check(p.returncode == 5 and err == ["smtptls: /dev/full: No space left on device"]
              and json.loads(p.stdout)["sessions"]["total"] > 0,
              f"--stats /dev/full: status 5, one line, the report still comes ({err})")
        missing = os.path.join(work, "missing", "x.prom")
        p = run(smtptls, cap, "--metrics", missing)
        err = p.stderr.splitlines()
        check(p.returncode == 5 and err == [f"smtptls: {missing}: No such file or directory"]
              and "sessions" in json.loads(p.stdout),
              f"--metrics in a missing directory: at the first packet, status 5, one line, "
              f"the report of what was read ({err})")
    finally:
        shutil.rmtree(work)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
