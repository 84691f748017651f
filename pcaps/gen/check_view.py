#!/usr/bin/python3
"""Check a capture's tshark view against the sessions generate.sh ran.

Usage: check_view.py KINDS.tsv [MORE_KINDS.tsv...] RAN.txt VIEW.jsonl

RAN.txt has one line per session that generate.sh started: "KIND TAG".
VIEW.jsonl is the output of tshark_view.py for the capture.  Every session
must appear in the view with exactly the oracle fields listed for its kind
in the KINDS files (server, server_port, starttls_offered, starttls_reply,
tls_version, cipher_id, commands, alerts), and the view must contain no
other connection.  Client address/port are not compared.  Exit status 1 on
any difference.
"""
import collections
import json
import sys


def load_kinds(path):
    kinds = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        # findings.tsv has two more columns (must / must_not) after "how"
        (kind, _mixed, server, port, offered, reply, version, cipher,
         commands, alerts, _mode, _how) = line.rstrip("\n").split("\t")[:12]
        null = lambda v, f=str: None if v == "-" else f(v)
        kinds[kind] = (
            server, int(port),
            null(offered, lambda v: v == "true"),
            null(reply, int),
            null(version),
            null(cipher),
            tuple(commands.split()) if commands != "-" else (),
            tuple(alerts.split()) if alerts != "-" else (),
        )
    return kinds


def signature(view):
    return (view["server"], view["server_port"], view["starttls_offered"],
            view["starttls_reply"], view["tls_version"], view["cipher_id"],
            tuple(view["commands"]), tuple(view["alerts"]))


def main():
    *kinds_paths, ran_path, view_path = sys.argv[1:]
    kinds = {}
    for path in kinds_paths:
        kinds.update(load_kinds(path))
    ran = [l.split()[0] for l in open(ran_path) if l.strip()]
    expected = collections.Counter(kinds[k] for k in ran)
    views = [json.loads(l) for l in open(view_path) if l.strip()]
    got = collections.Counter(signature(v) for v in views)
    name = view_path.rsplit("/", 1)[-1]
    if got == expected:
        clients = {v["client"] for v in views}
        servers = {(v["server"], v["server_port"]) for v in views}
        print("OK   %-40s %3d sessions, %d client addresses, %d server endpoints"
              % (name, len(views), len(clients), len(servers)))
        return 0
    print("FAIL %s" % name)
    by_sig = {}
    for k in set(ran):
        by_sig.setdefault(kinds[k], []).append(k)
    for sig in sorted(set(expected) | set(got), key=repr):
        if expected[sig] != got[sig]:
            print("   expected %d got %d  %s %s"
                  % (expected[sig], got[sig], by_sig.get(sig, "?"), sig))
    return 1


if __name__ == "__main__":
    sys.exit(main())
