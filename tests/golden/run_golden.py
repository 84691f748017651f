#!/usr/bin/env python3
"""Golden test: run smtptls over one capture of pcaps/ and compare its three
outputs with the expected files beside the capture:

  NAME.txt             the text report
  NAME.json            the summary (--json)
  NAME.sessions.jsonl  the session records (--sessions)

smtptls runs in the capture's folder on its file name, with --sensor golden,
so that the outputs name neither this machine nor its paths. Every line of
the text report must fit 100 columns. With UPDATE=1 in the environment the
expected files are rewritten instead (review the diff like code). Exit 0 on a
match, 1 with a unified diff otherwise.

usage: run_golden.py SMTPTLS CAPTURE [--expect BASE] [extra smtptls options...]
(--expect: the expected files are BASE.txt etc. instead of beside the capture)
"""
import difflib
import os
import subprocess
import sys


WIDTH = 100


def run(cmd, cwd):
    p = subprocess.run(cmd, capture_output=True, cwd=cwd)
    if p.returncode not in (0, 4):
        sys.stderr.write("%s: exit %d\n%s" % (" ".join(cmd), p.returncode, p.stderr.decode()))
        sys.exit(1)
    return p.stdout.decode("utf-8", "surrogateescape")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    smtptls, cap, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    base = cap[:-len(".pcap")] if cap.endswith(".pcap") else cap
    if extra[:1] == ["--expect"]:
        base, extra = extra[1], extra[2:]
    smtptls = os.path.abspath(smtptls)
    where, name = os.path.split(os.path.abspath(cap))
    cmd = [smtptls, "-r", name, "--sensor", "golden"]
    outputs = {
        base + ".txt": run(cmd + extra, where),
        base + ".json": run(cmd + ["--json"] + extra, where),
        base + ".sessions.jsonl": run(cmd + ["--sessions", "-", "--json"] + extra, where),
    }
    wide = [l for l in outputs[base + ".txt"].splitlines() if len(l) > WIDTH]
    if wide:
        print("%d lines of the text report pass %d columns, the first:\n%s"
              % (len(wide), WIDTH, wide[0]))
        return 1
    # --sessions - shares stdout with the summary: keep the records only.
    key = base + ".sessions.jsonl"
    outputs[key] = "".join(l + "\n" for l in outputs[key].splitlines() if l.startswith('{"start"'))
    if os.environ.get("UPDATE") == "1":
        for path, text in outputs.items():
            with open(path, "w") as f:
                f.write(text)
        print("updated", ", ".join(os.path.basename(p) for p in outputs))
        return 0
    failed = False
    for path, text in outputs.items():
        try:
            with open(path) as f:
                want = f.read()
        except FileNotFoundError:
            print("missing expected file %s (run with UPDATE=1 to create it)" % path)
            failed = True
            continue
        if want != text:
            failed = True
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), text.splitlines(True), path, "smtptls output"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
