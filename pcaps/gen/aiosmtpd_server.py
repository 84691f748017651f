#!/usr/bin/python3
"""Second, independent SMTP server implementation for the captures: aiosmtpd.

Run with Debian's /usr/bin/python3 (python3-aiosmtpd).  Listens on one
address:port, optionally offers STARTTLS (--cert/--key) and AUTH PLAIN/LOGIN
in cleartext (--auth, accepting only testuser/testpass), and can refuse the
first N STARTTLS commands of every connection (--refuse-starttls N: "454
4.7.0 TLS not available, try again later", a temporary failure) before
accepting the next one.  Messages are accepted and thrown away.  The server is started directly on an asyncio loop
(not via aiosmtpd.controller.Controller) because Controller opens a
self-test connection to the port, which would be a stray session.
Writes "ready" to --ready-file once listening.
"""
import argparse
import asyncio
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, syntax

TEST_USER, TEST_PASSWORD = b"testuser", b"testpass"


class DiscardHandler:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: message discarded"


class RefusingSMTP(SMTP):
    """aiosmtpd's SMTP with STARTTLS refused (454) the first `refusals` times
    on each connection (one instance per connection), then aiosmtpd's own
    STARTTLS.  STARTTLS stays advertised in the EHLO reply throughout."""

    refusals = 0

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.starttls_seen = 0

    @syntax('STARTTLS', when='tls_context')
    async def smtp_STARTTLS(self, arg):
        self.starttls_seen += 1
        if not arg and self.starttls_seen <= self.refusals:
            await self.push('454 4.7.0 TLS not available, try again later')
            return
        await super().smtp_STARTTLS(arg)


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
    ap.add_argument("--refuse-starttls", type=int, default=0, metavar="N",
                    help="answer the first N STARTTLS of a connection with 454")
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
    smtp_class = SMTP
    if args.refuse_starttls:
        smtp_class = RefusingSMTP
        RefusingSMTP.refusals = args.refuse_starttls

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: smtp_class(handler, loop=loop, **kwargs), host=args.host, port=args.port))
    with open(args.ready_file, "w") as f:
        f.write("ready\n")
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
