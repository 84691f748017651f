#!/usr/bin/env python3
"""The HTML report (--html) of one capture, rendered by headless Chromium:

- the page holds no script, and nothing that would be fetched: no src=, no
  href= but in-page anchors, no "http://" or "https://" at all;
- Chromium renders it to a PNG at 1280 and at 390 pixels wide (a laptop and a
  phone), and logs no console message while loading it;
- in the DOM Chromium built (--dump-dom), every element with a data-k
  attribute holds the value that the JSON summary (--json, same capture and
  options) has at that key path ("sessions.total", "ciphers.0.count"), and
  the checked keys cover the summary's headline, modes, classes, leaks,
  findings, grades, ciphers and versions (per direction too when there are
  directions), the table rows, the timeline's bins and the capture counters.

Exit 0 when all holds, 1 with the differences, 77 (skip) without chromium.

usage: check_html.py SMTPTLS CAPTURE [--fold] [extra smtptls options...]
(--fold: the page of --from-sessions over the capture's records)
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}

# Keys of the summary whose every leaf must be found in the page (regexps over
# dotted paths; list indices are numbers).
REQUIRED = [
    r"sessions\.\w+", r"encrypted", r"encrypted_percent", r"encrypted_percent_without_probes",
    r"starttls_offered", r"messages_cleartext", r"classes\.\w+", r"leaks\.\w+",
    r"findings\.[\w-]+", r"finding_details\.\w+", r"grades\.\w+",
    r"ciphers\.\d+\.(count|name|id)", r"cipher_unknown", r"versions\.\d+\.(count|name)",
    r"version_unknown",
    r"directions\.\w+\.(sessions\.\w+|encrypted|encrypted_percent|classes\.probe"
    r"|leaks\.\w+|messages_cleartext|ciphers\.\d+\.count|versions\.\d+\.count)",
    r"(servers|clients)\.\d+\.(sessions|encrypted|plaintext|failed|probes|starttls_offered"
    r"|envelope_cleartext|auth_cleartext|messages_cleartext|weak_cipher"
    r"|sessions_with_findings|encrypted_percent)",
    r"servers\.\d+\.port", r"(servers|clients)_total",
    r"domains_cleartext\.\d+\.(sessions|messages|as_sender|as_recipient)",
    r"domains_cleartext_total", r"domains_dropped",
    r"timeline\.bins\.\d+\.(start|sessions|plaintext|starttls|implicit_tls|starttls_failed"
    r"|implicit_tls_failed|unknown|probes)",
    r"packets", r"bytes", r"capture\.[\w.]+", r"records\.\w+", r"version", r"sensor", r"first",
    r"last",
]
REQUIRED_RE = re.compile("^(?:" + "|".join(REQUIRED) + ")$")

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


class Keyed(HTMLParser):
    """The text of every element that has a data-k attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # [tag, key or None, text parts]
        self.found = {}
        self.dupes = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        key = dict(attrs).get("data-k")
        self.stack.append([tag, key, []])

    def handle_endtag(self, tag):
        while self.stack:
            t, key, parts = self.stack.pop()
            if key is not None:
                text = "".join(parts).strip()
                if key in self.found and self.found[key] != text:
                    self.dupes.append((key, self.found[key], text))
                self.found[key] = text
            if t == tag:
                return

    def handle_data(self, data):
        for entry in self.stack:
            if entry[1] is not None:
                entry[2].append(data)


def flatten(v, path, out):
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(x, path + [k], out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            flatten(x, path + [str(i)], out)
    else:
        out[".".join(path)] = v


def shown(v):
    """The value as the page writes it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "%.1f" % v
    return str(v)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def chromium(browser, profile, args, url):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"]
    return subprocess.run(cmd + args + [url], capture_output=True, text=True, timeout=180)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("skip: chromium is not installed (apt-get install chromium)")
        return 77
    smtptls, cap, extra = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
    where, name = os.path.split(os.path.abspath(cap))
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "report.html")
        cmd = [smtptls, "-r", name, "--sensor", "golden", "--json", "--html", page] + extra
        if extra[:1] == ["--fold"]:  # the page of a fold of the capture's records
            extra = extra[1:]
            records = os.path.join(tmp, "records.jsonl")
            subprocess.run([smtptls, "-r", name, "--sensor", "golden", "-q", "--sessions",
                            records] + extra, capture_output=True, cwd=where, check=True)
            cmd = [smtptls, "--from-sessions", "--json", "--html", page] + extra + [records]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=where)
        check(p.returncode in (0, 4), "smtptls exits 0 or 4 (damaged): %d %s"
              % (p.returncode, p.stderr.strip()))
        summary = json.loads(p.stdout)  # the summary, on several lines
        html = open(page, encoding="utf-8").read()
        check(html.startswith("<!DOCTYPE html>"), "an HTML5 page of %d bytes" % len(html))
        check("<script" not in html.lower(), "no script")
        check(not re.search(r"https?://", html), "no http:// or https:// anywhere")
        check(not re.search(r"\ssrc\s*=", html), "no src= (nothing loaded)")
        hrefs = re.findall(r"\shref\s*=\s*\"([^\"]*)\"", html)
        check(all(h.startswith("#") for h in hrefs), "every href= is an in-page anchor (%d)"
              % len(hrefs))

        url = "file://" + page
        profile = os.path.join(tmp, "profile")
        for width in (1280, 390):
            shot = os.path.join(tmp, "shot-%d.png" % width)
            r = chromium(browser, profile, ["--screenshot=" + shot,
                                            "--window-size=%d,2000" % width], url)
            size = png_size(shot) if os.path.exists(shot) else None
            check(size is not None and size[0] == width and os.path.getsize(shot) > 10000,
                  "screenshot at %d px wide: %s" % (width, size))
            console = [l for l in r.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
            check(not console, "no console message at %d px%s"
                  % (width, ": " + console[0] if console else ""))
        r = chromium(browser, profile, ["--dump-dom"], url)
        check(r.returncode == 0 and "</html>" in r.stdout, "--dump-dom gives the DOM")
        console = [l for l in r.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
        check(not console, "no console message in --dump-dom" +
              (": " + console[0] if console else ""))

    parser = Keyed()
    parser.feed(r.stdout)
    found = parser.found
    check(not parser.dupes, "a key shown twice shows the same value"
          + ("; first: %s" % (parser.dupes[0],) if parser.dupes else ""))
    leaves = {}
    flatten(summary, [], leaves)
    wrong = []
    for key, text in sorted(found.items()):
        if key not in leaves:
            wrong.append("%s: in the page (%r), not in the summary" % (key, text))
        elif leaves[key] is None:
            wrong.append("%s: %r in the page, null in the summary" % (key, text))
        elif shown(leaves[key]) != text:
            wrong.append("%s: page %r, summary %r" % (key, text, shown(leaves[key])))
    check(not wrong, "all %d data-k values equal the summary's%s"
          % (len(found), "".join("\n     " + w for w in wrong[:20])))
    needed = [k for k, v in leaves.items() if REQUIRED_RE.match(k) and v is not None]
    missing = [k for k in needed if k not in found]
    check(not missing, "the page has all %d summary keys it must show%s"
          % (len(needed), "; missing: " + " ".join(missing[:20]) if missing else ""))
    if summary.get("directions"):
        check(any(k.startswith("directions.inbound.sessions.") for k in found),
              "per-direction headline checked")
    for must in ("sessions.total", "encrypted", "sessions.starttls", "classes.probe"):
        check(must in found, "checked: " + must)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
