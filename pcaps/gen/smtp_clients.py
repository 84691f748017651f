#!/usr/bin/python3
"""Small scripted SMTP clients for the cases swaks/openssl cannot produce.

Subcommands (all talk to a real server, Postfix or aiosmtpd):

  refuse-starttls  EHLO, then STARTTLS even though it was not advertised
                   (swaks --tls gives up *before* sending STARTTLS when it
                   is not advertised), expect a non-220 reply, then QUIT.
  two-messages     Python smtplib: two complete MAIL/RCPT/DATA transactions
                   on one connection, then QUIT.
  bdat             raw socket: EHLO, MAIL, RCPT, the message body as two
                   BDAT chunks (RFC 3030 CHUNKING; the second one LAST), QUIT.

Common options: --server ADDR --port N [--bind ADDR] [--tag TEXT]
Only Debian's /usr/bin/python3 standard library is used.
"""
import argparse
import smtplib
import socket
import sys

HELO = "client.example.test"
SENDER = "alice@example.test"
RCPT = "bob@example.test"


def message(tag, n=1):
    return ("Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
            "From: %s\r\nTo: %s\r\n"
            "Subject: smtptls test %s (%d)\r\n"
            "Message-Id: <%s.%d@client.example.test>\r\n"
            "\r\n"
            "Test message %d of capture %s.\r\n"
            "This body is fixed so that reruns are comparable.\r\n"
            % (SENDER, RCPT, tag, n, tag, n, n, tag))


def connect_smtplib(args):
    src = (args.bind, 0) if args.bind else None
    return smtplib.SMTP(args.server, args.port, local_hostname=HELO,
                        source_address=src, timeout=20)


def refuse_starttls(args):
    s = connect_smtplib(args)
    s.ehlo()
    code, text = s.docmd("STARTTLS")
    print("STARTTLS ->", code, text.decode(errors="replace"))
    if code == 220:
        sys.exit("server unexpectedly accepted STARTTLS")
    s.quit()


def two_messages(args):
    s = connect_smtplib(args)
    s.ehlo()
    for n in (1, 2):
        s.sendmail(SENDER, [RCPT], message(args.tag, n))
    s.quit()


class Lines:
    """Minimal SMTP reply reader on a raw socket."""

    def __init__(self, sock):
        self.f = sock.makefile("rb")

    def reply(self):
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("server closed connection")
            lines.append(line.decode().rstrip("\r\n"))
            if len(line) < 4 or line[3:4] != b"-":
                break
        print("S:", " | ".join(lines))
        return int(lines[-1][:3]), lines


def bdat(args):
    family = socket.AF_INET6 if ":" in args.server else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if args.bind:
        sock.bind((args.bind, 0))
    sock.settimeout(20)
    sock.connect((args.server, args.port))
    r = Lines(sock)

    def cmd(line, expect):
        print("C:", line)
        sock.sendall(line.encode() + b"\r\n")
        code, lines = r.reply()
        if code != expect:
            sys.exit("unexpected reply to %s: %s" % (line, lines))
        return lines

    code, _ = r.reply()
    assert code == 220
    ehlo = cmd("EHLO " + HELO, 250)
    if not any(l[4:].upper().startswith("CHUNKING") for l in ehlo):
        sys.exit("server does not advertise CHUNKING")
    cmd("MAIL FROM:<%s>" % SENDER, 250)
    cmd("RCPT TO:<%s>" % RCPT, 250)
    body = message(args.tag).encode()
    half = len(body) // 2
    for chunk, last in ((body[:half], False), (body[half:], True)):
        line = "BDAT %d%s" % (len(chunk), " LAST" if last else "")
        print("C:", line, "+ %d octets" % len(chunk))
        sock.sendall(line.encode() + b"\r\n" + chunk)
        code, lines = r.reply()
        if code != 250:
            sys.exit("unexpected reply to BDAT: %s" % lines)
    cmd("QUIT", 221)
    sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["refuse-starttls", "two-messages", "bdat"])
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--bind")
    ap.add_argument("--tag", default="scripted")
    args = ap.parse_args()
    {"refuse-starttls": refuse_starttls,
     "two-messages": two_messages,
     "bdat": bdat}[args.mode](args)


if __name__ == "__main__":
    main()
