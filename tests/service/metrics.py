"""Read Prometheus text (smtptls's --metrics file, or a node_exporter scrape)
and compare smtptls's series with its --json summary."""
import re

SAMPLE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v)


def parse(text, prefix="smtptls_"):
    """{name: [(labels dict, value)]} for the samples whose name has prefix."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"not a sample line: {line!r}")
        name, labels, value = m.groups()
        if not name.startswith(prefix):
            continue
        ls = {k: unescape(v) for k, v in LABEL.findall(labels or "")}
        out.setdefault(name, []).append((ls, float(value)))
    return out


def one(m, name, **labels):
    got = [v for ls, v in m.get(name, [])
           if all(ls.get(k) == want for k, want in labels.items())]
    return got[0] if len(got) == 1 else None


def compare(m, summary):
    """The differences between the metrics m (parse()) and the summary, as lines."""
    diffs = []

    def same(what, got, want):
        if got != want:
            diffs.append(f"{what}: metrics {got}, summary {want}")

    for mode, n in summary["sessions"].items():
        if mode != "total":
            same(f"sessions {mode}", one(m, "smtptls_sessions_total", mode=mode.replace("_", "-")),
                 n)
    same("sessions total", sum(v for _, v in m["smtptls_sessions_total"]),
         summary["sessions"]["total"])
    same("encrypted", one(m, "smtptls_encrypted_sessions_total"), summary["encrypted"])
    same("starttls_offered", one(m, "smtptls_starttls_offered_sessions_total"),
         summary["starttls_offered"])
    for kind, n in summary["leaks"].items():
        same(f"leak {kind}", one(m, "smtptls_leak_sessions_total", kind=kind), n)
    for code, n in summary["findings"].items():
        same(f"finding {code}", one(m, "smtptls_findings_total", code=code), n)
    same("packets", one(m, "smtptls_packets_total"), summary["packets"])
    same("bytes", one(m, "smtptls_bytes_total"), summary["bytes"])
    drops = summary["capture"]["kernel_drops"]
    same("kernel drops", one(m, "smtptls_kernel_drops_total"), drops)
    same("flows open at the end", one(m, "smtptls_flows_open"), 0)

    ciphers = m.get("smtptls_cipher_sessions_total", [])
    same("cipher series sum", sum(v for _, v in ciphers), summary["encrypted"])
    by_cipher, by_version = {}, {}
    for ls, v in ciphers:
        by_cipher[ls["cipher"]] = by_cipher.get(ls["cipher"], 0) + v
        by_version[ls["version"]] = by_version.get(ls["version"], 0) + v
    if "other" not in by_cipher:
        want = {c["name"]: c["count"] for c in summary["ciphers"]}
        if summary["cipher_unknown"]:
            want["unknown"] = summary["cipher_unknown"]
        same("sessions by cipher", by_cipher, want)
        want = {v["name"]: v["count"] for v in summary["versions"]}
        if summary["version_unknown"]:
            want["unknown"] = summary["version_unknown"]
        same("sessions by version", by_version, want)
    return diffs
