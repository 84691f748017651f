#!/usr/bin/env python3
"""Compare a `smtptls --json` summary with the EXPECTED.json written by
make_big_capture.py.  Usage: check_summary.py ACTUAL.json EXPECTED.json
Prints every difference; exit status 0 if none, 1 otherwise.

Compared: sessions (every mode and the total), starttls_offered, encrypted,
encrypted_percent (to 0.05), ciphers (by id: name, iana, count),
cipher_unknown, versions (by name), version_unknown, leaks (envelope, auth),
and packets/bytes (what the default filter admits: the SMTP packets only).
"""
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        with open(sys.argv[1]) as f:
            got = json.load(f)
    except (OSError, ValueError) as e:
        print("check_summary: cannot read %s: %s" % (sys.argv[1], e))
        return 1
    with open(sys.argv[2]) as f:
        exp = json.load(f)
    bad = []

    def cmp(key, g, e):
        if g != e:
            bad.append("%s: smtptls %s, expected %s" % (key, json.dumps(g), json.dumps(e)))

    for key in ("sessions", "leaks"):
        ge, ee = got.get(key) or {}, exp[key]
        for k in sorted(set(ge) | set(ee)):
            cmp("%s.%s" % (key, k), ge.get(k), ee.get(k))
    for key in ("starttls_offered", "encrypted", "cipher_unknown", "version_unknown", "packets", "bytes"):
        if key in exp:
            cmp(key, got.get(key), exp[key])
    gp, ep = got.get("encrypted_percent"), exp.get("encrypted_percent")
    if (gp is None) != (ep is None) or (gp is not None and abs(gp - ep) > 0.05):
        bad.append("encrypted_percent: smtptls %s, expected %s" % (gp, ep))
    gc = {c["id"]: c for c in got.get("ciphers") or []}
    ec = {c["id"]: c for c in exp["ciphers"]}
    for cid in sorted(set(gc) | set(ec)):
        g, e = gc.get(cid), ec.get(cid)
        if g is None or e is None:
            cmp("ciphers[%s]" % cid, g, e)
            continue
        for k in ("name", "iana", "count"):
            cmp("ciphers[%s].%s" % (cid, k), g.get(k), e.get(k))
    gv = {v["name"]: v["count"] for v in got.get("versions") or []}
    ev = {v["name"]: v["count"] for v in exp["versions"]}
    for name in sorted(set(gv) | set(ev)):
        cmp("versions[%s]" % name, gv.get(name), ev.get(name))
    if bad:
        print("MISMATCH: smtptls's summary differs from %s:" % sys.argv[2])
        for b in bad:
            print("  " + b)
        return 1
    s = exp["sessions"]
    print("summary OK: %d sessions (plaintext %d, starttls %d, implicit_tls %d, starttls_failed %d, "
          "implicit_tls_failed %d), %d ciphers, %d versions, leaks %d/%d, %d packets"
          % (s["total"], s["plaintext"], s["starttls"], s["implicit_tls"], s["starttls_failed"],
             s["implicit_tls_failed"], len(ec), len(ev), exp["leaks"]["envelope"], exp["leaks"]["auth"],
             exp.get("packets", 0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
