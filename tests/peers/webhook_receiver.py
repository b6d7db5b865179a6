#!/usr/bin/env python3
"""A webhook receiver for the delivery tests, and an example of how a municipality's backend
checks the portal's signature (docs/webhooks.md).

It verifies `Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
against the raw body (several v1 values are accepted, for a secret being rotated), refuses a
timestamp older than five minutes, and records every case it accepted, by its Idempotency-Key,
in an append-only file (one JSON line each, fsynced), which is the test's truth.

Faults for the fault test: --fail-rate answers 500 without storing; --timeout-rate stores the
case and then answers too late (the sender cannot know it arrived: the case that makes a
repeat with the same key). Only the standard library; Python 3.9 or newer.

    webhook_receiver.py --port 0 --secret-file S --record R [--fail-rate 0.3]
        [--timeout-rate 0.1] [--timeout-seconds 5] [--seed 1]

Prints "listening on 127.0.0.1:<port>" once it accepts connections.
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secret: bytes, header: str, body: bytes, now: float) -> bool:
    """True when one of the header's v1 signatures matches and its timestamp is fresh."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k == "t"]
    signatures = [v for k, v in parts if k == "v1"]
    if len(stamps) != 1 or not signatures or not stamps[0].isdigit():
        return False
    if abs(now - int(stamps[0])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret, stamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in signatures)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--fail-rate", type=float, default=0.0)
    ap.add_argument("--timeout-rate", type=float, default=0.0)
    ap.add_argument("--timeout-seconds", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    with open(args.secret_file, "rb") as f:
        secret = f.read().strip()
    rng = random.Random(args.seed)
    lock = threading.Lock()
    record = open(args.record, "a", encoding="utf-8")

    def store(entry: dict) -> None:
        with lock:
            record.write(json.dumps(entry) + "\n")
            record.flush()
            os.fsync(record.fileno())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # quiet
            pass

        def answer(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            key = self.headers.get("Idempotency-Key", "")
            if not verify(secret, self.headers.get("Portal-Signature", ""), body, time.time()):
                store({"key": key, "valid": False})
                return self.answer(401, "bad signature")
            with lock:
                roll = rng.random()
            if roll < args.fail_rate:
                return self.answer(500, "try again")
            doc = json.loads(body)
            late = roll < args.fail_rate + args.timeout_rate
            store({
                "late": late,
                "key": key,
                "valid": True,
                "reference": doc["case"]["reference"],
                "body_key": doc.get("idempotency_key"),
                "attachments": [a.get("file_name") for a in doc.get("attachments", [])],
                "inline": all("content_base64" in a for a in doc.get("attachments", [])),
                "pdf": doc.get("application_pdf", {}).get("content_base64", "")[:8],
                "at": time.time(),
            })
            if late:
                time.sleep(args.timeout_seconds)
            self.answer(200, "stored")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
