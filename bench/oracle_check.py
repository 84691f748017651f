#!/usr/bin/env python3
"""Check a generated capture with tshark, independently of smtptls.

  python3 bench/make_big_capture.py --sessions 3000 --out /tmp/smtptls-bench/check.pcap \\
      --truth /tmp/smtptls-bench/check.truth.jsonl
  python3 bench/oracle_check.py /tmp/smtptls-bench/check.pcap /tmp/smtptls-bench/check.truth.jsonl

Runs the repository's tshark oracle (pcaps/tshark_view.py: tshark 4.0 with
TCP reassembly, one JSON line per TCP connection) over the capture and compares
every SMTP session with the template record the generator copied it from
(--truth): negotiated TLS version, ServerHello cipher suite, STARTTLS offered,
the reply to STARTTLS, and the cleartext command verbs. Connections that are
not in the truth file must be background (ports 80, 443, 993). Also checks
with tshark that no IP, TCP or UDP checksum is wrong and that the only TCP
analysis flags are the retransmissions copied from the templates. Exit 1 on
any difference.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(os.path.dirname(HERE), "pcaps", "tshark_view.py")


def distinct(seq):
    out = []
    for v in seq:
        if v not in out:
            out.append(v)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pcap, truth_path = sys.argv[1:]
    truth = {}
    with open(truth_path) as f:
        for line in f:
            r = json.loads(line)
            truth[(r["client"], r["client_port"], r["server"], r["server_port"])] = r
    views = subprocess.run([sys.executable, ORACLE, pcap], check=True, capture_output=True, text=True).stdout
    bad, seen, background = [], set(), {}
    for line in views.splitlines():
        v = json.loads(line)
        key = (v["client"], v["client_port"], v["server"], v["server_port"])
        t = truth.get(key)
        if t is None:
            if v["server_port"] not in (80, 443, 993):
                bad.append("unexpected connection %s" % (key,))
            background[v["server_port"]] = background.get(v["server_port"], 0) + 1
            continue
        seen.add(key)
        for k in ("tls_version", "cipher_id", "starttls_offered", "starttls_reply"):
            if v[k] != t[k]:
                bad.append("%s (template %s): %s tshark %s, template %s" % (key, t["template"], k, v[k], t[k]))
        if distinct(v["commands"]) != t["cleartext_commands"]:
            bad.append("%s (template %s): commands tshark %s, template %s"
                       % (key, t["template"], v["commands"], t["cleartext_commands"]))
    missing = set(truth) - seen
    for key in sorted(missing)[:10]:
        bad.append("session %s not seen by tshark" % (key,))
    flags = subprocess.run(
        ["tshark", "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
         "-o", "udp.check_checksum:TRUE", "-Y",
         "ip.checksum.status == 2 || tcp.checksum.status == 2 || udp.checksum.status == 2"
         " || (tcp.analysis.flags && !tcp.analysis.retransmission && !tcp.analysis.window_update)",
         "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message"],
        check=True, capture_output=True, text=True).stdout.splitlines()
    for line in flags[:10]:
        bad.append("tshark flags frame: %s" % line)
    print("tshark oracle: %d SMTP sessions compared with their templates, %d background connections %s, "
          "%d frames with a bad checksum or an unexpected TCP analysis flag"
          % (len(seen), sum(background.values()), json.dumps(background, sort_keys=True), len(flags)))
    if bad:
        print("DIFFERENCES (%d):" % len(bad))
        for b in bad[:50]:
            print("  " + b)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
