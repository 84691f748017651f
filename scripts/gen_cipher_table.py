#!/usr/bin/env python3
"""Generate report/cipher_table.c from testssl.sh's cipher mapping.

Usage: scripts/gen_cipher_table.py [--check] [MAPPING] [OUTDIR]

  MAPPING  defaults to ../shared/data/cipher-mapping.txt relative to the project root
  OUTDIR   defaults to report/ relative to the project root
  --check  write nothing; exit 1 if OUTDIR/cipher_table.c differs from what would be written

Provenance. The input is testssl.sh's etc/cipher-mapping.txt (https://testssl.sh,
GPL-2.0), one cipher suite per line:

      0xC0,0x30 - ECDHE-RSA-AES256-GCM-SHA384  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384  TLSv1.2
          Kx=ECDH  Au=RSA  Enc=AESGCM(256)  Mac=AEAD  [export]

(one line in the file), where "-" stands for "no such name". Two-byte ids are TLS code
points; three-byte ids are SSLv2 cipher kinds and go to a separate table. The authority for
TLS code points and their names is IANA's "TLS Cipher Suites" registry (tls-parameters,
RFC 8447), not testssl.sh. Checked once by hand for the mapping with SHA-256 6fcd4fa8...
(the one in the committed output), against a copy of the registry's tls-parameters-4.csv
recent enough to list the AEGIS suites 0x1306/0x1307: every code point in the mapping that
IANA has assigned carries exactly the IANA registry name; the other 28 (0x0060-0x0066 and
0xFEFE-0xFEFF reserved by IANA, 0x0080-0x0083, 0x16B7-0x16BA and 0xCC13-0xCC15 unassigned,
0xFF00-0xFFE1 private use) carry draft or vendor names, or none. Its OpenSSL names agree
with `openssl ciphers -V` of OpenSSL 3.0.19 for all 158 suites that lists. Repeat both
checks when the mapping changes.

The parser is strict: a line it cannot parse, a duplicate id, a TLS id marked SSLv2 (or
the reverse) or a line without any name stops the generator with the line number, so a
changed input format cannot silently drop suites. Output is sorted by id and contains no
time stamp or path, only the input's SHA-256, so it is byte-for-byte reproducible.

Python 3 standard library only. The build never runs this script; its output is committed.
"""

import argparse
import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MAPPING = PROJECT_ROOT / ".." / "shared" / "data" / "cipher-mapping.txt"
DEFAULT_OUTDIR = PROJECT_ROOT / "report"
OUTPUT_NAME = "cipher_table.c"

# Names are emitted inside C string literals: the character classes below exclude '"',
# '\\' and anything non-printable, so no escaping is ever needed.
LINE_RE = re.compile(
    r"^ *(?P<id>0x[0-9A-Fa-f]{2}(?:,0x[0-9A-Fa-f]{2}){1,2})"
    r" +- +(?P<openssl>[A-Za-z0-9_.-]+)"
    r" +(?P<iana>[A-Za-z0-9_.-]+)"
    r" +(?P<version>SSLv2|SSLv3|TLSv1|TLSv1\.2|TLSv1\.3)"
    r" +Kx=(?P<kx>[A-Za-z0-9_.()/-]+)"
    r" +Au=(?P<au>[A-Za-z0-9_.()/-]+)"
    r" +Enc=(?P<enc>[A-Za-z0-9_.()/-]+)"
    r" +Mac=(?P<mac>[A-Za-z0-9_.()/-]+)"
    r"(?: +(?P<export>export))? *$"
)


class MappingError(Exception):
    pass


def parse_mapping(text, source_name):
    """Return (tls, sslv2): lists of dicts sorted by id. Raise MappingError on any oddity."""
    if text and not text.endswith("\n"):
        text += "\n"
    tls = {}
    sslv2 = {}
    for lineno, line in enumerate(text.split("\n")[:-1], start=1):
        where = f"{source_name}:{lineno}"
        m = LINE_RE.match(line)
        if m is None:
            raise MappingError(f"{where}: cannot parse line: {line!r}")
        id_bytes = [int(b, 16) for b in m.group("id").split(",")]
        ident = 0
        for b in id_bytes:
            ident = (ident << 8) | b
        entry = {
            "id": ident,
            "openssl": None if m.group("openssl") == "-" else m.group("openssl"),
            "iana": None if m.group("iana") == "-" else m.group("iana"),
            "kx": m.group("kx"),
            "au": m.group("au"),
            "enc": m.group("enc"),
            "mac": m.group("mac"),
            "version": m.group("version"),
            "export": m.group("export") is not None,
            "line": lineno,
        }
        if entry["openssl"] is None and entry["iana"] is None:
            raise MappingError(f"{where}: suite {m.group('id')} has neither OpenSSL nor IANA name")
        is_sslv2 = len(id_bytes) == 3
        if is_sslv2 != (entry["version"] == "SSLv2"):
            raise MappingError(
                f"{where}: id {m.group('id')} has {len(id_bytes)} bytes but version "
                f"{entry['version']}"
            )
        table = sslv2 if is_sslv2 else tls
        if ident in table:
            raise MappingError(
                f"{where}: duplicate id {m.group('id')} (first seen on line "
                f"{table[ident]['line']})"
            )
        table[ident] = entry
    if not tls:
        raise MappingError(f"{source_name}: no TLS cipher suites found")
    return [tls[k] for k in sorted(tls)], [sslv2[k] for k in sorted(sslv2)]


def c_str(value):
    return "NULL" if value is None else f'"{value}"'


def emit_rows(entries, id_digits):
    """One initializer per line and no column padding, so that regenerating after a change
    to one suite changes one line of the diff."""
    lines = []
    for e in entries:
        fields = [
            f"0x{e['id']:0{id_digits}X}",
            c_str(e["openssl"]),
            c_str(e["iana"]),
            c_str(e["kx"]),
            c_str(e["au"]),
            c_str(e["enc"]),
            c_str(e["mac"]),
            c_str(e["version"]),
            "true" if e["export"] else "false",
        ]
        lines.append("    {" + ", ".join(fields) + "},")
    return lines


def render(tls, sslv2, digest, source_name):
    no_openssl = sum(1 for e in tls if e["openssl"] is None)
    no_iana = [e for e in tls if e["iana"] is None]
    out = [
        "/*",
        " * GENERATED FILE - DO NOT EDIT. Regenerate with scripts/gen_cipher_table.py.",
        " *",
        f" * Source: testssl.sh etc/cipher-mapping.txt (GPL-2.0), read as {source_name},",
        f" * SHA-256 {digest}.",
        " * Authority for TLS code points and names: IANA \"TLS Cipher Suites\" registry",
        " * (tls-parameters, RFC 8447). The mapping's names equal IANA's for every code point",
        " * IANA has assigned; code points IANA has not assigned (reserved, unassigned, private",
        " * use) carry draft or vendor names. See the generator's docstring.",
        " *",
        f" * {len(tls)} TLS suites, {no_openssl} of them without OpenSSL name;"
        f" {len(sslv2)} SSLv2 cipher kinds.",
        " * Without IANA name: "
        + (", ".join(f"0x{e['id']:04X}" for e in no_iana) if no_iana else "none")
        + ".",
        " * Lookups are in cipher_lookup.c.",
        " */",
        '#include "cipher_table.h"',
        "",
        "/* clang-format off */",
        "const struct cipher_info cipher_table[] = {",
        "    /* id, openssl, iana, kx, au, enc, mac, min_version, is_export */",
    ]
    out += emit_rows(tls, 4)
    out += [
        "};",
        "/* clang-format on */",
        "",
        "const size_t cipher_table_len = sizeof cipher_table / sizeof cipher_table[0];",
        "",
        "/* clang-format off */",
        "const struct sslv2_cipher_info cipher_sslv2_table[] = {",
        "    /* id, openssl, iana (SSL 2.0 name), kx, au, enc, mac, min_version, is_export */",
    ]
    out += emit_rows(sslv2, 6)
    out += [
        "};",
        "/* clang-format on */",
        "",
        "const size_t cipher_sslv2_table_len = "
        "sizeof cipher_sslv2_table / sizeof cipher_sslv2_table[0];",
        "",
    ]
    return "\n".join(out)


def write_atomically(path, text):
    fd, tmp = tempfile.mkstemp(prefix=".cipher_table.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        with os.fdopen(fd, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mapping", nargs="?", type=Path, default=DEFAULT_MAPPING)
    ap.add_argument("outdir", nargs="?", type=Path, default=DEFAULT_OUTDIR)
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)

    raw = args.mapping.read_bytes()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MappingError(f"{args.mapping}: not ASCII at byte {exc.start}") from None
    if "\r" in text or "\t" in text:
        raise MappingError(f"{args.mapping}: contains CR or TAB; expected space-aligned LF lines")
    source_name = args.mapping.name
    tls, sslv2 = parse_mapping(text, source_name)
    output = render(tls, sslv2, hashlib.sha256(raw).hexdigest(), source_name)

    target = args.outdir / OUTPUT_NAME
    if args.check:
        current = target.read_text(encoding="ascii") if target.exists() else None
        if current != output:
            print(f"{target}: out of date; run {Path(sys.argv[0]).name}", file=sys.stderr)
            return 1
        return 0
    write_atomically(target, output)
    print(f"{target}: {len(tls)} TLS suites, {len(sslv2)} SSLv2 kinds", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (MappingError, OSError) as exc:
        print(f"gen_cipher_table: error: {exc}", file=sys.stderr)
        sys.exit(1)
