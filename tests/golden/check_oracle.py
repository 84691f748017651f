#!/usr/bin/env python3
"""Independent oracle: compare smtptls's session records for a capture with
what tshark shows of it (pcaps/NAME.tshark.jsonl, made by pcaps/tshark_view.py,
which shares no code with smtptls). Checked per TCP connection: the endpoints,
starttls_offered, starttls_reply, the negotiated TLS version and cipher, and
the client's cleartext command verbs (distinct, in order).

usage: check_oracle.py SMTPTLS CAPTURE
"""
import json
import os
import subprocess
import sys


def distinct(seq):
    out = []
    for x in seq:
        if x not in out:
            out.append(x)
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    smtptls, cap = sys.argv[1], sys.argv[2]
    view = cap[:-len(".pcap")] + ".tshark.jsonl"
    if not os.path.exists(view):
        print("no oracle view %s" % view)
        return 1
    out = subprocess.run([smtptls, "-r", cap, "--sessions", "-", "--json"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print("smtptls failed: %s" % out.stderr)
        return 1
    ours = {}
    for line in out.stdout.splitlines():
        if line.startswith('{"start"'):
            r = json.loads(line)
            ours[(r["client"], r["client_port"], r["server"], r["server_port"])] = r
    failures = 0
    theirs = [json.loads(l) for l in open(view) if l.strip()]
    for t in theirs:
        key = (t["client"], t["client_port"], t["server"], t["server_port"])
        r = ours.pop(key, None)
        if r is None:
            print("FAIL %s:%d -> %s:%d: tshark sees it, smtptls has no record" % key)
            failures += 1
            continue
        want = {
            "starttls_offered": t["starttls_offered"],
            "starttls_reply": t["starttls_reply"],
            "tls_version": t["tls_version"],
            "cipher_id": t["cipher_id"],
            "cleartext_commands": distinct(t["commands"]),
        }
        got = {k: r[k] for k in want}
        if got != want:
            failures += 1
            print("FAIL %s:%d -> %s:%d" % key)
            for k in want:
                if got[k] != want[k]:
                    print("     %-19s tshark %s, smtptls %s" % (k, json.dumps(want[k]),
                                                               json.dumps(got[k])))
    for key in ours:
        print("FAIL %s:%d -> %s:%d: smtptls has a record tshark does not show" % key)
        failures += 1
    print("%s: %d connections compared with tshark, %d differ" %
          (os.path.basename(cap), len(theirs), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
