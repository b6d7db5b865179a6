#!/usr/bin/env python3
"""The SMTP server of the delivery tests: aiosmtpd (PyPI) with its Mailbox handler, which
writes every message it accepts into a maildir the test reads.

    smtp.py --port PORT --maildir DIR

aiosmtpd comes from AIOSMTPD_PATH (scripts/test installs it there) or the Python path.
Prints "listening on 127.0.0.1:<port>" once it accepts connections.
"""

import argparse
import os
import sys
import time

if os.environ.get("AIOSMTPD_PATH"):
    sys.path.insert(0, os.environ["AIOSMTPD_PATH"])

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.handlers import Mailbox  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--maildir", required=True)
    args = ap.parse_args()
    controller = Controller(Mailbox(args.maildir), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"listening on 127.0.0.1:{args.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
