#!/usr/bin/env python3
"""smtptls(1): mandoc -Tlint finds nothing at warning level (without mandoc,
groff's warnings through man), and the page has every option --help lists and
every exit status, so an option added to the table without a line in the man
page fails here.

usage: check_man.py SMTPTLS MANPAGE"""
import os
import re
import shutil
import subprocess
import sys

smtptls, page = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


if shutil.which("mandoc"):
    r = subprocess.run(["mandoc", "-Tlint", "-W", "warning", page], capture_output=True,
                       text=True)
    check(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
          "mandoc -Tlint -W warning: " + ((r.stdout + r.stderr).strip() or "clean"))
elif shutil.which("man"):
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page],
                       capture_output=True, text=True, env=env)
    check(r.returncode == 0 and not r.stderr.strip(), "groff warnings: " +
          (r.stderr.strip() or "none"))
else:
    print("skip lint: neither mandoc nor man is installed")

text = open(page).read()
usage = subprocess.run([smtptls, "--help"], capture_output=True, text=True).stdout
longs = re.findall(r"^  (?:-\w, )?--([\w-]+)", usage, re.M)
shorts = re.findall(r"^  -(\w)\b", usage, re.M)
missing = [f"--{o}" for o in longs if not re.search(rf"^\.It .*Fl -{o}(?=[\s,]|$)", text, re.M)]
missing += [f"-{o}" for o in shorts if not re.search(rf"^\.It .*Fl {o}(?=[\s,]|$)", text, re.M)]
check(len(longs) >= 12 and not missing,
      f"every option of --help ({len(longs)} long, {len(shorts)} short) has its .It line"
      + (f"; missing: {' '.join(missing)}" if missing else ""))
statuses = re.findall(r"(\d) (?:success|bad usage|an input|bad filter|the capture|an output"
                      r"|out of memory)", usage.replace("\n", " "))
exit_part = text.split(".Sh EXIT STATUS")[1].split(".Sh ")[0]
gone = [s for s in statuses if f".It {s}\n" not in exit_part]
check(len(statuses) >= 7 and not gone, f"every exit status of --help ({' '.join(statuses)})"
      + (f"; missing: {gone}" if gone else ""))
sys.exit(1 if failures else 0)
