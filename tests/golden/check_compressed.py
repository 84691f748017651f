#!/usr/bin/env python3
"""Golden test for compressed captures: compress one capture of pcaps/ with
gzip, xz and zstd (the command-line tools, at test time, into a temporary
folder) and check that smtptls reads each copy, as a file and from standard
input, into exactly the expected outputs beside the capture (NAME.txt,
NAME.json, NAME.sessions.jsonl, as run_golden.py).

usage: check_compressed.py SMTPTLS CAPTURE
"""
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

COMPRESSORS = [("gz", ["gzip", "-c"]), ("xz", ["xz", "-c"]), ("zst", ["zstd", "-q", "-c"])]


def smtptls_out(cmd, cwd, stdin_path=None):
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.run(cmd, stdin=stdin, capture_output=True, cwd=cwd)
    finally:
        if stdin_path:
            stdin.close()
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip())
    return p.stdout.decode("utf-8", "surrogateescape"), None


def records(text):
    return "".join(l + "\n" for l in text.splitlines() if l.startswith('{"start"'))


def without_inputs(key, text):
    """Read from standard input, the report names "-" where the golden names
    the file: everything else must be the same."""
    if key == "txt":
        return "".join(l for l in text.splitlines(True) if not l.startswith("sensor "))
    if key == "json":
        return re.sub(r'"inputs": \[[^\]]*\]', '"inputs": []', text)
    return text


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    smtptls, cap = os.path.abspath(sys.argv[1]), sys.argv[2]
    base = cap[: -len(".pcap")]
    want = {}
    for ext in ("txt", "json", "sessions.jsonl"):
        with open("%s.%s" % (base, ext)) as f:
            want[ext] = f.read()
    d = tempfile.mkdtemp(prefix="smtptls-compressed-")
    failed = 0
    try:
        for ext, compressor in COMPRESSORS:
            if not shutil.which(compressor[0]):
                print("FAIL %s not installed (scripts/setup.sh installs it)" % compressor[0])
                failed += 1
                continue
            # The capture's own name, .pcap and all, in a folder of its own: the
            # format is told by the first bytes, never by the name.
            os.makedirs(os.path.join(d, ext))
            path = os.path.join(d, ext, os.path.basename(cap))
            with open(path, "wb") as f:
                subprocess.run(compressor + [cap], stdout=f, check=True)
            # As run_golden.py: in the file's folder, on its name, --sensor golden.
            name, where = os.path.basename(path), os.path.dirname(path)
            runs = [
                ("txt", "file", ["-r", name], None),
                ("json", "file", ["-r", name, "--json"], None),
                ("sessions.jsonl", "file", ["-r", name, "--sessions", "-", "--json"], None),
                ("txt", "stdin", ["-r", "-"], path),
                ("json", "stdin", ["-r", "-", "--json"], path),
                ("sessions.jsonl", "stdin", ["-r", "-", "--sessions", "-", "--json"], path),
            ]
            for key, how, args, stdin_path in runs:
                cmd = [smtptls] + args + ["--sensor", "golden"]
                got, err = smtptls_out(cmd, where, stdin_path)
                if got is not None and key == "sessions.jsonl":
                    got = records(got)
                expected = want[key]
                if got is not None and stdin_path:
                    got, expected = without_inputs(key, got), without_inputs(key, expected)
                if got == expected:
                    print("ok   %-4s %-6s %s" % (ext, how, key))
                    continue
                failed += 1
                print("FAIL %-4s %-6s %s %s" % (ext, how, key, err or ""))
                if got is not None:
                    sys.stdout.writelines(difflib.unified_diff(
                        expected.splitlines(True), got.splitlines(True), key, "smtptls output"))
    finally:
        shutil.rmtree(d)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
