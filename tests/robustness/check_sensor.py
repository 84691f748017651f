#!/usr/bin/env python3
"""smtptls -i as a sensor left running (issue 10), in network namespaces on a
veth pair: real SMTP sessions between a client and a server namespace,
smtptls capturing on the client's side as root with -Z nobody.

Checked, each failing without its behaviour:
  start-up   one line on stderr: interface, link type, snapshot length,
             buffer, filter
  latency    a session's record is in the --sessions file within a few
             seconds of its end while the link stays quiet (the clock moves
             without packets)
  SIGUSR1    the report so far on stderr; the capture goes on
  SIGHUP     after mv, records go on in a new file at the path; nothing lost
  copytruncate  the file stays valid: the next record starts it, no NUL run
  whole      every line parses as one record; none is split
  ownership  the file created as root belongs to the dropped user
  final      records across the files == sessions in the final summary;
             kernel and interface drops counted
  reopen as nobody where nobody may not create: one line that says so, and
             the records go on in the old file
  /dev/full  fails at once by itself: status 5, one line, the summary out
  -B         the kernel ring has the size asked for
Skips (77) without root or ip netns.

usage: check_sensor.py SMTPTLS
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402

RECORD_WITHIN = 9.0  # seconds after a session's end: 5 s close linger + clock lag + margin

failures = []


def check(ok, what, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail and not ok else ""))
    if not ok:
        failures.append(what)


def records(path):
    """Parsed lines of a sessions file; a line that does not parse is a failure."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path, "rb") as f:
        data = f.read()
    if b"\0" in data:
        check(False, "no NUL byte in %s" % os.path.basename(path))
    for line in data.split(b"\n")[:-1]:
        try:
            out.append(json.loads(line))
        except ValueError:
            check(False, "every line of %s parses" % os.path.basename(path), repr(line[:80]))
    if data and not data.endswith(b"\n"):
        check(False, "%s ends with a whole line" % os.path.basename(path), repr(data[-80:]))
    return out


def stop(p, timeout=20):
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def sensor_run(smtptls, pair, work):
    logdir = os.path.join(work, "log")
    os.mkdir(logdir)
    os.chmod(logdir, 0o1777)  # nobody may create the file again after rotation
    path = os.path.join(logdir, "sessions.jsonl")
    err = open(os.path.join(work, "sensor.err"), "w+")
    out = open(os.path.join(work, "sensor.out"), "w+")
    p = pair.popen(pair.a, [smtptls, "-i", "va", "-Z", "nobody", "--json", "--sessions", path],
                   stdout=out, stderr=err)
    time.sleep(1.0)

    err.seek(0)
    first = err.readline().strip()
    check(first.startswith("smtptls: listening on va, link-type EN10MB (Ethernet), snapshot "
                           "length 262144 bytes, buffer 32768 KiB, default filter ("),
          "start-up line", first)
    st = os.stat(path) if os.path.exists(path) else None
    check(st is not None and st.st_uid == 65534 and st.st_mode & 0o777 == 0o640,
          "the file is created 0640 before the drop and given to nobody",
          "stat %s" % str(st and (st.st_uid, oct(st.st_mode))))

    pair.session()
    t = netns.wait_for(lambda: len(records(path)) >= 1, RECORD_WITHIN + 5)
    check(t is not None and t <= RECORD_WITHIN,
          "a record within %.0f s of the session's end on a quiet link" % RECORD_WITHIN,
          "after %s s" % t)
    if t is not None:
        print("     (the record came %.1f s after the session)" % t)

    err.seek(0, 2)
    mark = err.tell()
    p.send_signal(signal.SIGUSR1)
    time.sleep(1.0)
    err.seek(mark)
    report = err.read()
    try:
        mid = json.loads(report)
        ok = mid["sessions"]["total"] == 1 and mid["capture"]["kernel_drops"] is not None
    except ValueError:
        ok = False
    check(ok and p.poll() is None, "SIGUSR1: the report so far on stderr, the capture goes on",
          report[:200])

    rotated = path + ".1"
    os.rename(path, rotated)
    p.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    pair.session()
    t = netns.wait_for(lambda: len(records(path)) >= 1, RECORD_WITHIN + 5)
    check(t is not None and len(records(rotated)) == 1 and p.poll() is None,
          "SIGHUP after mv: the next record in a new file, the old one kept",
          "new %d, old %d" % (len(records(path)), len(records(rotated))))
    st = os.stat(path) if os.path.exists(path) else None
    check(st is not None and st.st_uid == 65534, "the reopened file is nobody's")

    # copytruncate: copy, then empty the file in place; the writer goes on.
    copied = path + ".2"
    if p.poll() is not None or not os.path.exists(path):
        check(False, "still running, with a sessions file, before copytruncate")
        stop(p)
        return
    with open(path, "rb") as src, open(copied, "wb") as dst:
        dst.write(src.read())
    os.truncate(path, 0)
    pair.session()
    pair.session()
    netns.wait_for(lambda: len(records(path)) >= 2, RECORD_WITHIN + 5)
    with open(path, "rb") as f:
        head = f.read(1)
    check(head == b"{" and len(records(path)) == 2, "copytruncate: the file restarts valid, "
          "no NUL run", "first byte %r, %d records" % (head, len(records(path))))

    status = stop(p)
    out.seek(0)
    try:
        summary = json.loads(out.read())
    except ValueError:
        summary = None
    got = records(rotated) + records(copied) + records(path)
    total = summary and summary["sessions"]["total"]
    check(status == 0 and total == 4 and len(got) == 4 and
          len({(r["client_port"], r["start"]) for r in got}) == 4,
          "SIGTERM: final summary; records across the rotated files == sessions (%s)" % total,
          "exit %d, %d records" % (status, len(got)))
    cap = summary and summary["capture"]
    check(bool(cap) and cap.get("kernel_drops") == 0 and cap.get("interface_drops") == 0,
          "kernel and interface drops counted", str(cap and {k: cap.get(k) for k in
                                                              ("kernel_drops",
                                                               "interface_drops")}))


def reopen_denied(smtptls, pair, work):
    logdir = os.path.join(work, "rootonly")
    os.mkdir(logdir)
    os.chmod(logdir, 0o755)  # root's: nobody cannot create files here
    path = os.path.join(logdir, "s.jsonl")
    p = pair.popen(pair.a, [smtptls, "-i", "va", "-Z", "nobody", "--sessions", path],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    if not os.path.exists(path):
        check(False, "the file is opened before the drop, in a directory only root may write")
        stop(p)
        return
    os.rename(path, path + ".1")
    p.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    pair.session()
    netns.wait_for(lambda: len(records(path + ".1")) >= 1, RECORD_WITHIN + 5)
    status = stop(p)
    errs = [l for l in p.stderr.read().splitlines() if "listening on" not in l]
    msg = errs[0] if errs else ""
    check(status == 0 and len(errs) == 1 and "as user nobody" in msg and "directory" in msg and
          len(records(path + ".1")) == 1 and not os.path.exists(path),
          "reopen where nobody may not create: one line that says so; the old file goes on",
          "exit %d, %r" % (status, errs))
    print("     (%s)" % msg)


def dev_full(smtptls, pair):
    p = pair.popen(pair.a, [smtptls, "-i", "va", "--json", "--sessions", "/dev/full"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    pair.session()
    t0 = time.time()
    try:
        status = p.wait(RECORD_WITHIN + 5)
    except subprocess.TimeoutExpired:
        status = stop(p)
    took = time.time() - t0
    out, err = p.communicate()
    errs = [l for l in err.splitlines() if "listening on" not in l]
    try:
        summary = json.loads(out)["sessions"]["total"]
    except (ValueError, KeyError):
        summary = None
    check(status == 5 and took <= RECORD_WITHIN and len(errs) == 1 and
          "No space left on device" in errs[0] and summary == 1,
          "--sessions /dev/full: ends by itself with status 5, one line, the summary out",
          "exit %d after %.1f s, %r, summary %s" % (status, took, errs, summary))


def ring_size(smtptls, pair):
    sizes = {}
    for args, want in ((["-B", "1024"], 1024), ([], 32768)):
        p = pair.popen(pair.a, [smtptls, "-i", "va"] + args, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        rings = []
        with open("/proc/%d/maps" % p.pid) as f:
            for line in f:
                fields = line.split()
                if len(fields) > 5 and fields[5].startswith("socket:"):
                    lo, hi = (int(x, 16) for x in fields[0].split("-"))
                    rings.append((hi - lo) // 1024)
        stop(p)
        first = p.stderr.readline()
        sizes[tuple(args)] = rings
        check(rings == [want] and ("buffer %d KiB" % want) in first,
              "-B %s: a kernel ring of %d KiB" % (args[1] if args else "default", want),
              "rings %s, %r" % (rings, first))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    smtptls = os.path.abspath(sys.argv[1])
    netns.skip_unless_usable()
    work = tempfile.mkdtemp(prefix="smtptls-sensor-")
    os.chmod(work, 0o755)
    pair = netns.Pair("sensor")
    try:
        pair.start_server(work)
        sensor_run(smtptls, pair, work)
        reopen_denied(smtptls, pair, work)
        dev_full(smtptls, pair)
        ring_size(smtptls, pair)
    finally:
        pair.close()
        subprocess.run(["rm", "-rf", work])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
