#!/usr/bin/env python3
"""A minimal SMTP submission client on Python's smtplib, for Gauntlet's e2e tests.

It takes every setting from the GAUNTLET_* environment variables that
`gauntlet run` exports (GAUNTLET_HOST, GAUNTLET_ADDR, GAUNTLET_PORT,
GAUNTLET_CA_FILE, GAUNTLET_FROM, GAUNTLET_TO, GAUNTLET_MESSAGE_FILE,
GAUNTLET_USER, GAUNTLET_PASSWORD) and one argument:

  verified    starttls(context=ssl.create_default_context(cafile=CA)):
              the certificate chain and the host name are checked.
  unverified  starttls(context=ssl._create_unverified_context()): any
              certificate is accepted (the classic mistake).

Either way it requires TLS: starttls() raises when the server does not
offer STARTTLS or refuses it, and the script then exits 1 without sending
anything else. It connects to GAUNTLET_ADDR while verifying GAUNTLET_HOST.
"""

import os
import smtplib
import ssl
import sys

TIMEOUT_S = 2.5


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in ("verified", "unverified"):
        print("usage: smtplib_client.py verified|unverified", file=sys.stderr)
        return 2
    env = os.environ
    if sys.argv[1] == "verified":
        context = ssl.create_default_context(cafile=env["GAUNTLET_CA_FILE"])
    else:
        context = ssl._create_unverified_context()
    with open(env["GAUNTLET_MESSAGE_FILE"], "rb") as f:
        message = f.read()

    client = smtplib.SMTP(timeout=TIMEOUT_S)
    # starttls() verifies the name in _host; connect to the loopback address.
    client._host = env["GAUNTLET_HOST"]
    try:
        client.connect(env["GAUNTLET_ADDR"], int(env["GAUNTLET_PORT"]))
        client.ehlo("client.gauntlet.test")
        client.starttls(context=context)
        client.ehlo("client.gauntlet.test")
        if client.has_extn("auth"):
            client.login(env["GAUNTLET_USER"], env["GAUNTLET_PASSWORD"])
        client.sendmail(env["GAUNTLET_FROM"], [env["GAUNTLET_TO"]], message)
        client.quit()
    except (smtplib.SMTPException, ssl.SSLError, OSError) as e:
        print(f"smtplib_client: {type(e).__name__}: {e}", file=sys.stderr)
        try:
            client.close()
        except OSError:
            pass
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
