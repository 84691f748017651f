#!/usr/bin/env python3
"""The real prometheus-node-exporter (Debian's) serves smtptls's --metrics file.

smtptls reads a capture with --json --metrics DIR/smtptls.prom; node_exporter
runs in a network namespace made for the test, listening on its loopback,
with only the textfile collector, pointed at DIR; curl (in the namespace)
scrapes it. The scraped smtptls series must equal the JSON summary, and
node_textfile_scrape_error be 0. Then the file is moved out and a symlink put
in its place (what the README advises for the service): the same values.
Skips (77) without root, iproute2, curl or prometheus-node-exporter.

usage: check_node_exporter.py SMTPTLS CAPTURE"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics  # noqa: E402

PORT = 9100


def skip(why):
    print(f"skip: {why}")
    sys.exit(77)


def scrape(ns):
    url = f"http://127.0.0.1:{PORT}/metrics"
    deadline = time.monotonic() + 20
    while True:
        r = subprocess.run(["ip", "netns", "exec", ns, "curl", "-sf", "--max-time", "5", url],
                           capture_output=True, text=True)
        if r.returncode == 0 or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


def main():
    smtptls, cap = os.path.abspath(sys.argv[1]), sys.argv[2]
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")
    exporter = shutil.which("prometheus-node-exporter")
    for tool, name in ((shutil.which("ip"), "iproute2"), (shutil.which("curl"), "curl"),
                       (exporter, "prometheus-node-exporter (Debian package)")):
        if not tool:
            skip(f"needs {name}")
    ns = f"smtptls-ne-{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", ns]).returncode != 0:
        skip("cannot create a network namespace")
    work = tempfile.mkdtemp(prefix="smtptls-ne-")
    textfile = os.path.join(work, "textfile")
    os.mkdir(textfile)
    os.chmod(work, 0o755)
    exp = None
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        prom = os.path.join(textfile, "smtptls.prom")
        p = subprocess.run([smtptls, "-r", cap, "--json", "--metrics", prom], capture_output=True,
                           text=True)
        check(p.returncode == 0, f"smtptls --metrics: exit {p.returncode} {p.stderr.strip()}")
        summary = json.loads(p.stdout)
        log = open(os.path.join(work, "exporter.log"), "w")
        exp = subprocess.Popen(
            ["ip", "netns", "exec", ns, exporter, f"--web.listen-address=127.0.0.1:{PORT}",
             "--collector.disable-defaults", "--collector.textfile",
             f"--collector.textfile.directory={textfile}"],
            stdout=log, stderr=subprocess.STDOUT)
        r = scrape(ns)
        check(r.returncode == 0, f"scraped node_exporter in the namespace (curl exit {r.returncode})")
        if r.returncode == 0:
            with open(os.path.join(work, "scrape.txt"), "w") as f:
                f.write(r.stdout)
            lines = [l for l in r.stdout.splitlines() if l.startswith("smtptls_")]
            print("     a sample of the scrape:\n       " + "\n       ".join(
                [l for l in lines if "mode=" in l] + [l for l in lines if "cipher=" in l][:4]
                + [l for l in lines if "_total " in l or "info{" in l]))
            node = metrics.parse(r.stdout, prefix="node_textfile_scrape_error")
            check(metrics.one(node, "node_textfile_scrape_error") == 0,
                  "node_textfile_scrape_error 0")
            diffs = metrics.compare(metrics.parse(r.stdout), summary)
            check(not diffs, "scraped values equal the JSON summary"
                  + "".join("\n     " + d for d in diffs))

            elsewhere = os.path.join(work, "smtptls-eth1.prom")
            os.rename(prom, elsewhere)
            os.symlink(elsewhere, os.path.join(textfile, "smtptls-eth1.prom"))
            r = scrape(ns)
            diffs = metrics.compare(metrics.parse(r.stdout), summary) if r.returncode == 0 \
                else ["no scrape"]
            check(not diffs, "through a symlink in the textfile directory: the same values"
                  + "".join("\n     " + d for d in diffs))
    finally:
        if exp:
            exp.terminate()
            try:
                exp.wait(10)
            except subprocess.TimeoutExpired:
                exp.kill()
                exp.wait()
        subprocess.run(["ip", "netns", "del", ns])
        if failures:
            log_path = os.path.join(work, "exporter.log")
            if os.path.exists(log_path):
                print("node_exporter said:\n" + open(log_path).read()[-3000:])
        shutil.rmtree(work)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
