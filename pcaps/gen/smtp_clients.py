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
  inject-starttls  the CVE-2011-0411 pattern: raw socket, EHLO, then
                   "STARTTLS\r\nRSET\r\n" in ONE write (one TCP segment),
                   wait for the 220, TLS handshake on the same socket
                   (Python ssl, no certificate check), then EHLO, MAIL,
                   RCPT, DATA, QUIT inside TLS.  Reports whether the server
                   answered the pipelined RSET (in clear or inside TLS).
  starttls         Python smtplib: EHLO, starttls() (no certificate check),
                   EHLO, one message, QUIT.
  helo-rset        a load balancer's health check (probes.pcap): HELO, RSET,
                   QUIT, and nothing else.

STARTTLS retried or repeated (starttls-retry.pcap), all Python smtplib:

  helo-starttls-retry    HELO, STARTTLS (must be refused: Exim answers 503
                         after HELO), EHLO, starttls() (220), TLS, EHLO,
                         one message, QUIT inside TLS.
  starttls-retry         EHLO, starttls() refused (454) then tried again on
                         the same connection until accepted (at most
                         --attempts times; at least one refusal required),
                         TLS, EHLO, one message, QUIT inside TLS.
  starttls-hsfail-retry  two connections: EHLO, starttls() with a TLS
                         context the server cannot accept (TLS 1.2 only,
                         ECDSA suites only: the server has an RSA key), the
                         handshake fails, the client closes the connection;
                         then a new connection from the same address with
                         the default context: TLS, EHLO, message, QUIT.
  starttls-twice         EHLO, starttls() (220), TLS, EHLO, STARTTLS again
                         inside TLS (must be refused), one message, QUIT.
                         --tls-ciphers picks the TLS 1.2 suites offered
                         (e.g. NULL-SHA256:@SECLEVEL=0: the dialogue inside
                         TLS is readable on the wire).
  starttls-refused-clear EHLO, starttls() refused --attempts times in a row,
                         then the client gives up on TLS and sends its
                         message in cleartext, QUIT.

Common options: --server ADDR --port N [--bind ADDR] [--tag TEXT]
[--attempts N] [--tls-ciphers STRING] [--refusal CODE]
Only Debian's /usr/bin/python3 standard library is used.
"""
import argparse
import smtplib
import socket
import ssl
import sys
import time

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


def client_tls_context(ciphers=None):
    """No certificate check.  With ciphers: TLS 1.2 at most, only those
    (OpenSSL cipher string) offered."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if ciphers:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(ciphers)
    return ctx


def show_tls(s):
    print("TLS:", s.sock.version(), s.sock.cipher()[0])


def send_in_tls(s, tag):
    """After STARTTLS: EHLO, one message, QUIT (all inside TLS)."""
    s.ehlo()
    s.sendmail(SENDER, [RCPT], message(tag))
    s.quit()


REFUSAL = None   # --refusal: the code every refusal must have


def check_refusal(code):
    if code == 220:
        sys.exit("server unexpectedly accepted STARTTLS")
    if REFUSAL is not None and code != REFUSAL:
        sys.exit("STARTTLS refused with %d, expected %d" % (code, REFUSAL))


def refused_docmd(s, cmd):
    code, text = s.docmd(cmd)
    print(cmd, "->", code, text.decode(errors="replace"))
    check_refusal(code)
    return code


def helo_starttls_retry(args):
    s = connect_smtplib(args)
    s.helo()
    refused_docmd(s, "STARTTLS")   # smtplib.starttls() insists on EHLO first
    s.ehlo()
    code, text = s.starttls(context=client_tls_context())
    print("STARTTLS ->", code, text.decode(errors="replace"))
    show_tls(s)
    send_in_tls(s, args.tag)


def try_starttls(s, ctx):
    """smtplib's starttls(): True when accepted, False when refused."""
    try:
        code, text = s.starttls(context=ctx)
    except smtplib.SMTPResponseException as e:
        print("STARTTLS ->", e.smtp_code, e.smtp_error.decode(errors="replace"))
        check_refusal(e.smtp_code)
        return False
    print("STARTTLS ->", code, text.decode(errors="replace"))
    return True


def starttls_retry(args):
    s = connect_smtplib(args)
    s.ehlo()
    for attempt in range(1, args.attempts + 1):
        if try_starttls(s, client_tls_context()):
            break
        time.sleep(0.2)    # a client backing off before it tries again
    else:
        sys.exit("STARTTLS refused %d times" % args.attempts)
    if attempt == 1:
        sys.exit("STARTTLS accepted at once: nothing was retried")
    show_tls(s)
    send_in_tls(s, args.tag)


def starttls_hsfail_retry(args):
    s = connect_smtplib(args)
    s.ehlo()
    try:
        s.starttls(context=client_tls_context("ECDHE-ECDSA-AES128-GCM-SHA256"))
        sys.exit("the handshake unexpectedly succeeded: %s" % (s.sock.cipher(),))
    except ssl.SSLError as e:
        print("handshake failed:", e)
    s.close()              # no QUIT: the stream is neither SMTP nor TLS now
    time.sleep(0.3)
    s = connect_smtplib(args)
    s.ehlo()
    if not try_starttls(s, client_tls_context()):
        sys.exit("STARTTLS refused on the second connection")
    show_tls(s)
    send_in_tls(s, args.tag)


def starttls_twice(args):
    s = connect_smtplib(args)
    s.ehlo()
    code, text = s.starttls(context=client_tls_context(args.tls_ciphers))
    print("STARTTLS ->", code, text.decode(errors="replace"))
    show_tls(s)
    s.ehlo()
    refused_docmd(s, "STARTTLS")   # inside TLS
    s.sendmail(SENDER, [RCPT], message(args.tag))
    s.quit()


def starttls_refused_clear(args):
    s = connect_smtplib(args)
    s.ehlo()
    for attempt in range(args.attempts):
        if try_starttls(s, client_tls_context()):
            sys.exit("STARTTLS unexpectedly accepted")
        time.sleep(0.2)
    print("giving up on TLS: message in cleartext")
    s.sendmail(SENDER, [RCPT], message(args.tag))
    s.quit()


def starttls(args):
    s = connect_smtplib(args)
    s.ehlo()
    code, text = s.starttls(context=client_tls_context())
    print("STARTTLS ->", code, text.decode(errors="replace"))
    print("TLS:", s.sock.version(), s.sock.cipher()[0])
    s.ehlo()
    s.sendmail(SENDER, [RCPT], message(args.tag))
    s.quit()


def helo_rset(args):
    s = connect_smtplib(args)
    code, _ = s.helo()
    if code != 250:
        sys.exit("HELO answered %d" % code)
    code, _ = s.rset()
    if code != 250:
        sys.exit("RSET answered %d" % code)
    s.quit()


def inject_starttls(args):
    family = socket.AF_INET6 if ":" in args.server else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if args.bind:
        sock.bind((args.bind, 0))
    sock.settimeout(20)
    sock.connect((args.server, args.port))

    def readreply(f):
        lines = []
        while True:
            line = f.readline()
            if not line:
                raise EOFError("server closed connection")
            lines.append(line.decode().rstrip("\r\n"))
            if len(line) < 4 or line[3:4] != b"-":
                break
        print("S:", " | ".join(lines))
        return int(lines[-1][:3]), lines

    # Cleartext part: read byte by byte (no read-ahead), so that whatever the
    # server sends after its 220 stays in the socket for the TLS layer.
    f = sock.makefile("rb", buffering=0)
    code, _ = readreply(f)
    assert code == 220
    print("C: EHLO", HELO)
    sock.sendall(("EHLO %s\r\n" % HELO).encode())
    code, ehlo = readreply(f)
    if not any(l[4:].upper().startswith("STARTTLS") for l in ehlo):
        sys.exit("server does not advertise STARTTLS")
    print("C: STARTTLS + RSET in one write")
    sock.sendall(b"STARTTLS\r\nRSET\r\n")
    code, lines = readreply(f)
    if code != 220:
        sys.exit("STARTTLS refused: %s" % lines)
    sock.setblocking(True)
    sock.settimeout(1.0)
    try:
        extra = sock.recv(4096, socket.MSG_PEEK)
        print("bytes in clear after the 220 (before ClientHello):", repr(extra))
    except socket.timeout:
        print("no bytes in clear after the 220")
    sock.settimeout(20)
    tls = client_tls_context().wrap_socket(sock, server_hostname=None)
    print("TLS:", tls.version(), tls.cipher()[0])
    tf = tls.makefile("rb")

    def cmd(line, expect):
        print("C:", line)
        tls.sendall(line.encode() + b"\r\n")
        code, lines = readreply(tf)
        if code == 250 and expect != 250 or (line.startswith("EHLO") and len(lines) == 1):
            # the reply to the injected RSET arriving first
            print("(server answered the injected RSET inside TLS)")
            code, lines = readreply(tf)
        if code != expect:
            sys.exit("unexpected reply to %s: %s" % (line, lines))
        return lines

    cmd("EHLO " + HELO, 250)
    cmd("MAIL FROM:<%s>" % SENDER, 250)
    cmd("RCPT TO:<%s>" % RCPT, 250)
    cmd("DATA", 354)
    print("C: <message>")
    tls.sendall(message(args.tag).encode() + b".\r\n")
    code, lines = readreply(tf)
    if code != 250:
        sys.exit("message not accepted: %s" % lines)
    cmd("QUIT", 221)
    tls.close()


def main():
    ap = argparse.ArgumentParser()
    modes = {"refuse-starttls": refuse_starttls,
             "two-messages": two_messages,
             "bdat": bdat,
             "inject-starttls": inject_starttls,
             "starttls": starttls,
             "helo-rset": helo_rset,
             "helo-starttls-retry": helo_starttls_retry,
             "starttls-retry": starttls_retry,
             "starttls-hsfail-retry": starttls_hsfail_retry,
             "starttls-twice": starttls_twice,
             "starttls-refused-clear": starttls_refused_clear}
    ap.add_argument("mode", choices=list(modes))
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--bind")
    ap.add_argument("--tag", default="scripted")
    ap.add_argument("--attempts", type=int, default=2,
                    help="starttls-retry: at most; starttls-refused-clear: exactly")
    ap.add_argument("--tls-ciphers", help="starttls-twice: TLS 1.2 suites to offer")
    ap.add_argument("--refusal", type=int,
                    help="the reply code every refused STARTTLS must have")
    args = ap.parse_args()
    global REFUSAL
    REFUSAL = args.refusal
    modes[args.mode](args)


if __name__ == "__main__":
    main()
