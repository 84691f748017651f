#!/usr/bin/env python3
"""--html as an output file: the text report and the summary on standard
output are the same with it as without it; a new page has mode 0640 (less
the umask), an old one is replaced whole; a path that cannot be opened fails at
start with one line and status 5, before anything is read; a write that fails
(/dev/full) is one line and status 5 after the report; '-' is bad usage.

usage: check_html_output.py SMTPTLS CAPTURE"""
import os
import stat
import subprocess
import sys
import tempfile

smtptls, cap = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = []
umask = os.umask(0o022)
os.umask(umask)


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(*args):
    return subprocess.run([smtptls, "-r", cap, "--sensor", "t"] + list(args),
                          capture_output=True, text=True)


with tempfile.TemporaryDirectory() as tmp:
    page = os.path.join(tmp, "r.html")
    with open(page, "w") as f:
        f.write("x" * 1000000)  # longer than the page: it must not stay behind
    for extra in ([], ["--json"]):
        plain, with_html = run(*extra), run("--html", page, *extra)
        check(with_html.returncode == 0 and with_html.stdout == plain.stdout
              and with_html.stderr == "",
              "standard output unchanged by --html %s" % " ".join(extra))
    html = open(page, encoding="utf-8").read()
    check(html.startswith("<!DOCTYPE html>") and html.endswith("</html>\n")
          and "x" * 100 not in html, "the page replaces the old file whole")
    fresh = os.path.join(tmp, "new.html")
    run("--html", fresh)
    check(stat.S_IMODE(os.stat(fresh).st_mode) == 0o640 & ~umask, "a new file has mode 0640")

    r = run("--html", os.path.join(tmp, "no", "such", "dir.html"))
    check(r.returncode == 5 and r.stdout == "" and len(r.stderr.splitlines()) == 1
          and "No such file or directory" in r.stderr,
          "a missing directory: status 5 at start, one line: %r" % r.stderr.strip())
    if os.path.exists("/dev/full"):
        r = run("--html", "/dev/full")
        check(r.returncode == 5 and r.stdout.startswith("smtptls:")
              and "/dev/full: No space left on device" in r.stderr,
              "a failed write: the report, then status 5: %r" % r.stderr.strip())
    r = run("--html", "-")
    check(r.returncode == 1 and "--html: want a file name" in r.stderr, "'-' is bad usage")
sys.exit(1 if failures else 0)
