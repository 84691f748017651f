#!/usr/bin/python3
"""Second, independent SMTP server implementation for the captures: aiosmtpd.

Run with Debian's /usr/bin/python3 (python3-aiosmtpd).  Listens on one
address:port, optionally offers STARTTLS (--cert/--key) and AUTH PLAIN/LOGIN
in cleartext (--auth, accepting only testuser/testpass).  Messages are
accepted and thrown away.  The server is started directly on an asyncio loop
(not via aiosmtpd.controller.Controller) because Controller opens a
self-test connection to the port, which would be a stray session.
Writes "ready" to --ready-file once listening.
"""
import argparse
import asyncio
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

TEST_USER, TEST_PASSWORD = b"testuser", b"testpass"


class DiscardHandler:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: message discarded"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == TEST_USER
          and auth_data.password == TEST_PASSWORD)
    return AuthResult(success=ok)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--hostname", required=True, help="name in banner/EHLO")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--auth", action="store_true")
    ap.add_argument("--ready-file", required=True)
    args = ap.parse_args()

    tls_context = None
    if args.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)

    kwargs = dict(hostname=args.hostname, ident="aiosmtpd ESMTP",
                  tls_context=tls_context, require_starttls=False)
    if args.auth:
        kwargs.update(authenticator=authenticator, auth_require_tls=False,
                      auth_exclude_mechanism=["CRAM-MD5"])
    handler = DiscardHandler()

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, loop=loop, **kwargs), host=args.host, port=args.port))
    with open(args.ready_file, "w") as f:
        f.write("ready\n")
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
