#!/usr/bin/env python3
"""A real SMTP server for Gauntlet's proxy tests and `gauntlet demo downgrade`.

Runs Debian's python3-aiosmtpd (not written by this project) on a loopback
port with STARTTLS enabled, accepting any AUTH PLAIN/LOGIN credentials and
every message. For each message it appends one JSON line to --record:
  {"mail_from": ..., "rcpt_tos": [...], "tls": true|false, "login": ...,
   "subject": ..., "size": N, "tls_version": ..., "cipher": ...}
so a test can tell whether the server received the mail over TLS.

It prints "READY <port>" on stdout once it listens, then nothing else. It
exits when its stdin reaches EOF (the parent went away), on SIGTERM, or
after --lifetime seconds, whichever comes first: it never outlives the run.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
from email.parser import BytesHeaderParser

try:
    from aiosmtpd.smtp import SMTP, AuthResult
except ImportError:
    print("aiosmtpd-missing: install python3-aiosmtpd", file=sys.stderr)
    sys.exit(3)


class RecordingHandler:
    def __init__(self, record_path):
        self.record_path = record_path

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        headers = BytesHeaderParser().parsebytes(content)
        login = session.login_data
        if isinstance(login, bytes):
            login = login.decode("utf-8", "replace")
        tls_version = cipher = None
        if session.ssl is not None:
            ssl_object = session.ssl.get("ssl_object")
            if ssl_object is not None:
                tls_version = ssl_object.version()
                cipher = (ssl_object.cipher() or [None])[0]
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "tls": session.ssl is not None,
            "tls_version": tls_version,
            "cipher": cipher,
            "login": login,
            "subject": str(headers.get("Subject", "")),
            "size": len(content),
        }
        if self.record_path:
            with open(self.record_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
                f.flush()
        return "250 2.0.0 Message accepted for delivery"


def accept_any_credentials(server, session, envelope, mechanism, auth_data):
    # A demo server: the point is where the credentials travel, not them.
    return AuthResult(success=True, auth_data=auth_data)


async def serve(args):
    loop = asyncio.get_running_loop()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)
    handler = RecordingHandler(args.record)

    def factory():
        return SMTP(
            handler,
            hostname=args.hostname,
            tls_context=tls,
            require_starttls=args.require_starttls,
            auth_require_tls=not args.auth_in_plaintext,
            authenticator=accept_any_credentials,
            timeout=args.lifetime,
            loop=loop,
        )

    server = await loop.create_server(factory, host="127.0.0.1", port=args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)

    done = loop.create_future()

    def finish(*_):
        if not done.done():
            done.set_result(None)

    def on_stdin():
        try:
            data = os.read(sys.stdin.fileno(), 4096)
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(sys.stdin.fileno())
            finish()

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    loop.add_signal_handler(signal.SIGTERM, finish)
    loop.add_signal_handler(signal.SIGINT, finish)
    try:
        await asyncio.wait_for(done, timeout=args.lifetime)
    except asyncio.TimeoutError:
        pass
    server.close()
    await server.wait_closed()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cert", required=True, help="server chain (PEM)")
    p.add_argument("--key", required=True, help="server key (PEM)")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--record", default="", help="JSON-lines file of messages")
    p.add_argument("--hostname", default="mx.upstream.test")
    p.add_argument("--lifetime", type=float, default=120.0,
                   help="exit after this many seconds at the latest")
    p.add_argument("--require-starttls", action="store_true",
                   help="refuse mail transactions before STARTTLS")
    p.add_argument("--auth-in-plaintext", action="store_true",
                   help="offer AUTH before STARTTLS too")
    args = p.parse_args()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
