#!/usr/bin/env python3
"""Independent oracle: summarise the SMTP/TLS sessions of a pcap using tshark.

Usage: tshark_view.py FILE.pcap [> FILE.tshark.jsonl]

Prints one JSON object per TCP connection that carries payload, in order of
connection start, with the fields

  client, client_port, server, server_port   client = sender of the SYN
  starttls_offered   true: a cleartext 250 reply to EHLO has a "STARTTLS"
                     line; false: a reply to EHLO or HELO was seen, none
                     with it (a HELO reply lists no extensions); null: no
                     reply to EHLO or HELO was seen
  starttls_reply     integer reply code to the last STARTTLS command answered
                     in cleartext, or null.  A STARTTLS that is refused and
                     sent again (503 after HELO, then EHLO, STARTTLS, 220)
                     gives the reply of the attempt that led to TLS; after
                     refusals only, the last refusal.  Replies inside TLS
                     (a STARTTLS sent again there) are not read.
  tls_version        negotiated version from the ServerHello (TLS 1.3 from
                     the supported_versions extension): SSLv3, TLSv1,
                     TLSv1.1, TLSv1.2, TLSv1.3, or null
  cipher_id          "0x%04X" cipher suite from the ServerHello, or null
  commands           client SMTP command verbs seen in cleartext, uppercase,
                     in order (first word of smtp.command_line; tshark's own
                     smtp.req.command mis-splits STARTTLS).  BDAT exception:
                     tshark 4.0 does not parse "BDAT n" when the chunk
                     follows in the same segment, and treats everything after
                     a BDAT chunk as message data; so once a client segment
                     starts with "BDAT " the rest of that connection's
                     cleartext client data is split into command lines here
                     (skipping BDAT chunks and DATA content) instead.
                     Likewise commands in the same segment after the end of
                     the message data ("\r\n.\r\nQUIT\r\n", Postfix's smtp
                     client), which tshark 4.0 counts as message data.
  alerts             TLS alert descriptions seen in cleartext (either
                     direction), e.g. "handshake_failure"

Port 465 is dissected as TLS, except in connections whose first bytes from
port 465 are an SMTP reply (plain SMTP on the implicit-TLS port): those are
read in a second tshark run with 465 dissected as SMTP.

Replies are matched to commands in order (the banner, and replies to
message data or AUTH continuation lines, match no command).  The reply
boundaries come from splitting the cleartext server bytes into lines here:
tshark 4.0 reports one "reply" per TCP segment, which is wrong when a server
(aiosmtpd) writes each line of a multi-line EHLO reply separately.
Frames tshark flags as TCP retransmissions are ignored.

This is deliberately written from scratch on top of tshark (Python stdlib
only) and shares no code with the smtptls analyzer: it is the independent
check of the analyzer's expected outputs.
"""
import json
import re
import subprocess
import sys

SMTP_SERVER_PORTS = {25, 465, 587, 2525}

TLS_VERSIONS = {
    0x0300: "SSLv3",
    0x0301: "TLSv1",
    0x0302: "TLSv1.1",
    0x0303: "TLSv1.2",
    0x0304: "TLSv1.3",
}

ALERT_NAMES = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
    21: "decryption_failed", 22: "record_overflow",
    30: "decompression_failure", 40: "handshake_failure",
    41: "no_certificate", 42: "bad_certificate",
    43: "unsupported_certificate", 44: "certificate_revoked",
    45: "certificate_expired", 46: "certificate_unknown",
    47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
    50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
    70: "protocol_version", 71: "insufficient_security",
    80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
    100: "no_renegotiation", 109: "missing_extension",
    110: "unsupported_extension", 112: "unrecognized_name",
    113: "bad_certificate_status_response", 115: "unknown_psk_identity",
    116: "certificate_required", 120: "no_application_protocol",
}

FIELDS = [
    "frame.number",
    "tcp.stream",
    "ip.src",
    "ipv6.src",
    "tcp.srcport",
    "tcp.flags.syn",
    "tcp.flags.ack",
    "tcp.len",
    "smtp.command_line",
    "tls.handshake.type",
    "tls.handshake.version",
    "tls.handshake.extensions.supported_version",
    "tls.handshake.ciphersuite",
    "tls.alert_message.desc",
    "tls.record.content_type",
    "tcp.payload",
    "tcp.analysis.retransmission",
]
SEP = "\t"
AGG = "\x1f"   # between occurrences of one field within one frame

VERB_RE = re.compile(r"^[A-Z][A-Z0-9-]*$")


def run_tshark(path, port465="tls"):
    cmd = ["tshark", "-n", "-r", path,
           "-o", "tcp.reassemble_out_of_order:TRUE",
           "-d", "tcp.port==2525,smtp",
           "-d", "tcp.port==465," + port465,
           "-T", "fields", "-E", "header=n", "-E", "separator=/t",
           "-E", "occurrence=a", "-E", "aggregator=" + AGG, "-E", "quote=n"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE).stdout
    return out.decode("utf-8", "replace").splitlines()


def values(s):
    return [v for v in s.split(AGG)] if s else []


def to_int(s):
    return int(s, 0)


class Conn:
    def __init__(self, first_frame):
        self.first_frame = first_frame
        self.syn_from = None          # (addr, port) of the SYN sender
        self.first_sender = None      # (addr, port) of the first packet
        self.endpoints = []
        self.payload = False
        self.pending = []             # client commands awaiting a reply
        self.starttls_offered = None
        self.starttls_reply = None
        self.tls_version = None
        self.cipher_id = None
        self.commands = []
        self.alerts = []
        self.frames = []              # deferred: need client/server first
        self.own_parse = False        # BDAT seen: split client lines here
        self.buf = b""                # own_parse: partial client line
        self.chunk_left = 0           # own_parse: BDAT octets still to skip
        self.in_data = False          # own_parse: inside DATA content
        self.sbuf = b""               # partial server reply line
        self.reply_lines = []         # lines of the reply being read


SMTP_REPLY_RE = re.compile(rb"^[2-5][0-9][0-9][ -]")


def plaintext_465_streams(lines):
    """Streams whose first payload from port 465 is an SMTP reply, not TLS:
    plain SMTP on the implicit-TLS port.  tshark, told that 465 is TLS,
    dissects nothing there; these streams are read again with 465 as SMTP."""
    first = {}
    for line in lines:
        cols = line.split(SEP)
        cols += [""] * (len(FIELDS) - len(cols))
        row = dict(zip(FIELDS, cols))
        if not row["tcp.stream"] or values(row["tcp.srcport"])[:1] != ["465"]:
            continue
        p = payload_of(row)
        if p and row["tcp.stream"] not in first:
            first[row["tcp.stream"]] = bool(SMTP_REPLY_RE.match(p))
    return {int(st) for st, plain in first.items() if plain}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tshark_view.py FILE.pcap")
    lines = run_tshark(sys.argv[1])
    plain465 = plaintext_465_streams(lines)
    if plain465:
        # tcp.stream numbers do not depend on the decode-as rules
        lines = [l for l in lines if not l.split(SEP)[1] or int(l.split(SEP)[1]) not in plain465]
        lines += [l for l in run_tshark(sys.argv[1], "smtp")
                  if l.split(SEP)[1] and int(l.split(SEP)[1]) in plain465]
        lines.sort(key=lambda l: int(l.split(SEP)[0]))
    conns = {}
    for line in lines:
        cols = line.split(SEP)
        cols += [""] * (len(FIELDS) - len(cols))
        row = dict(zip(FIELDS, cols))
        if not row["tcp.stream"]:
            continue
        stream = int(row["tcp.stream"])
        # In a tunnel (VXLAN, GRE) the last address is the inner packet's.
        src = values(row["ipv6.src"] or row["ip.src"])[-1]
        sport = int(values(row["tcp.srcport"])[0])
        c = conns.get(stream)
        if c is None:
            c = conns[stream] = Conn(int(row["frame.number"]))
            c.first_sender = (src, sport)
        if (src, sport) not in c.endpoints:
            c.endpoints.append((src, sport))
        syn = row["tcp.flags.syn"] in ("1", "True")
        ack = row["tcp.flags.ack"] in ("1", "True")
        if syn and not ack and c.syn_from is None:
            c.syn_from = (src, sport)
        if int(values(row["tcp.len"])[0] or 0) > 0:
            c.payload = True
        c.frames.append(((src, sport), row))

    results = []
    for stream in sorted(conns, key=lambda s: conns[s].first_frame):
        c = conns[stream]
        if not c.payload:
            continue
        client = c.syn_from
        if client is None:   # SYN not captured: guess by well-known port
            client = c.first_sender
            for ep in c.endpoints:
                if ep[1] in SMTP_SERVER_PORTS:
                    others = [e for e in c.endpoints if e != ep]
                    if others:
                        client = others[0]
                    break
        server = next((e for e in c.endpoints if e != client), (None, None))
        for sender, row in c.frames:
            analyse_frame(c, row, sender == client)
        results.append({
            "client": client[0],
            "client_port": client[1],
            "server": server[0],
            "server_port": server[1],
            "starttls_offered": c.starttls_offered,
            "starttls_reply": c.starttls_reply,
            "tls_version": c.tls_version,
            "cipher_id": c.cipher_id,
            "commands": c.commands,
            "alerts": c.alerts,
        })
    for r in results:
        print(json.dumps(r))


def payload_of(row):
    p = row["tcp.payload"].split(AGG)[0]
    return bytes.fromhex(p) if p else b""


def server_replies(c, data):
    """Yield (code, lines) for each complete reply in the server bytes."""
    data = c.sbuf + data
    while True:
        eol = data.find(b"\n")
        if eol < 0:
            break
        line = data[:eol].rstrip(b"\r").decode("latin-1")
        data = data[eol + 1:]
        c.reply_lines.append(line)
        if len(line) >= 3 and line[:3].isdigit() and line[3:4] != "-":
            lines, c.reply_lines = c.reply_lines, []
            yield int(line[:3]), lines
    c.sbuf = data


def add_command(c, line):
    words = line.strip().split()
    if not words:
        return
    verb = words[0].upper()
    if not VERB_RE.match(verb):
        return
    c.commands.append(verb)
    c.pending.append(verb)
    return words


def own_parse_client(c, data):
    """Split cleartext client bytes into commands, skipping BDAT chunks and
    DATA content (used only after BDAT, where tshark 4.0 goes wrong)."""
    data = c.buf + data
    c.buf = b""
    while data:
        if c.chunk_left:
            n = min(c.chunk_left, len(data))
            c.chunk_left -= n
            data = data[n:]
            continue
        if c.in_data:
            end = data.find(b"\r\n.\r\n")
            if end < 0:
                c.buf = data[-4:]
                return
            c.in_data = False
            data = data[end + 5:]
            continue
        eol = data.find(b"\r\n")
        if eol < 0:
            c.buf = data
            return
        line, data = data[:eol].decode("latin-1"), data[eol + 2:]
        words = add_command(c, line)
        if not words:
            continue
        if words[0].upper() == "BDAT" and len(words) > 1 and words[1].isdigit():
            c.chunk_left = int(words[1])
        elif words[0].upper() == "DATA":
            c.in_data = True
            data = b"\r\n" + data   # so an empty body's ".\r\n" matches too


def analyse_frame(c, row, from_client):
    if row["tcp.analysis.retransmission"]:
        return
    for desc in values(row["tls.alert_message.desc"]):
        n = to_int(desc)
        c.alerts.append(ALERT_NAMES.get(n, "alert_%d" % n))

    if from_client:
        payload = payload_of(row)
        is_tls = bool(row["tls.record.content_type"])
        if not c.own_parse and not is_tls and payload[:5].upper() == b"BDAT ":
            c.own_parse = True
        if c.own_parse:
            if not is_tls:
                own_parse_client(c, payload)
            return
        cls = values(row["smtp.command_line"])
        for cl in cls:
            add_command(c, cl.replace("\\r\\n", ""))
        # tshark 4.0 takes commands pipelined behind the end of the message
        # data in the same segment (Postfix's smtp client: ".\r\nQUIT\r\n")
        # for more message data; split them off here.
        end = payload.find(b"\r\n.\r\n")
        if not cls and not is_tls and end >= 0 and payload[end + 5:]:
            for line in payload[end + 5:].split(b"\r\n"):
                add_command(c, line.decode("latin-1"))
        return

    # Server side.  tshark gives one smtp.response.code per reply only when
    # the whole multi-line reply is in one segment; aiosmtpd writes every
    # EHLO line separately and tshark then reports one "reply" per line.
    # So the reply boundaries are taken from the raw cleartext server bytes
    # here: a reply ends with a line "NNN " (or just "NNN").
    if not row["tls.record.content_type"]:
        for code, lines in server_replies(c, payload_of(row)):
            cmd = c.pending.pop(0) if c.pending else None
            if cmd in ("EHLO", "HELO"):
                # smtptls's rule (README, starttls_offered): a reply to EHLO
                # or HELO seen without STARTTLS is false; HELO's never has it.
                offered = cmd == "EHLO" and code == 250 and any(
                    l[4:].strip().split(" ")[0].upper() == "STARTTLS" for l in lines[1:])
                c.starttls_offered = bool(c.starttls_offered) or offered
            elif cmd == "STARTTLS":
                c.starttls_reply = code   # the last one answered in clear

    types = [to_int(t) for t in values(row["tls.handshake.type"])]
    if 2 in types:   # ServerHello (or HelloRetryRequest) from the server
        sv = values(row["tls.handshake.extensions.supported_version"])
        hv = values(row["tls.handshake.version"])
        ver = to_int(sv[0]) if sv else (to_int(hv[0]) if hv else None)
        if ver is not None:
            c.tls_version = TLS_VERSIONS.get(ver, "0x%04X" % ver)
        cs = values(row["tls.handshake.ciphersuite"])
        if cs:
            c.cipher_id = "0x%04X" % to_int(cs[0])


if __name__ == "__main__":
    main()
