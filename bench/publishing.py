#!/usr/bin/env python3
"""Publishing figures: webhook delivery latency and import/export speed.

Usage: bench/publishing.py [--binary target/release/doan-api] [--activities 20000] [--events 200]

1. Webhook latency: serves the demo (release build) with a local receiver subscribed to
   `activity.updated`, then changes one activity N times, one after another, and measures the
   time from the end of each PATCH response to the receiver getting its event (median, p95, max).
2. Import speed: seeds a database with N synthetic activities, exports it
   (`doan-api export --revisions`), imports the file into an empty database, and imports it
   again (every line unchanged); prints the time of each and the activities a second.

Standard library only. Prints the machine's core count: compare figures of one run.
"""

import argparse
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(http.server.BaseHTTPRequestHandler):
    arrivals: list = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        with Receiver.lock:
            Receiver.arrivals.append(time.monotonic())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def request(method, url, body=None, token=None, content_type="application/json"):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as res:
        raw = res.read()
        return json.loads(raw) if raw else None


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def webhook_latency(binary: str, events: int, work: str) -> None:
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    password = "Mật khẩu đo 2024 rất dài"
    server = subprocess.Popen(
        [binary, "serve", "--demo", "--database", os.path.join(work, "hooks.db"),
         "--bind", f"127.0.0.1:{port}", "--webhook-allow-private", "true",
         "--admin-password", password],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "RUST_LOG": "warn"},
    )
    try:
        for _ in range(300):
            try:
                request("GET", f"{base}/health/ready")
                break
            except Exception:
                time.sleep(0.1)
        token = request("POST", f"{base}/api/v1/auth/token",
                        {"username": "admin", "password": password})["access_token"]
        hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        request("POST", f"{base}/api/v1/webhooks",
                {"url": hook, "events": ["activity.updated"]}, token)
        slug = request("GET", f"{base}/api/v1/activities?per_page=1")["data"][0]["slug"]
        latencies = []
        for i in range(events):
            before = len(Receiver.arrivals)
            request("PATCH", f"{base}/api/v1/activities/{slug}",
                    {"summary": f"Bản sửa số {i}"}, token, "application/merge-patch+json")
            sent = time.monotonic()
            deadline = sent + 10
            while len(Receiver.arrivals) <= before:
                if time.monotonic() > deadline:
                    sys.exit(f"event {i} never arrived")
                time.sleep(0.0005)
            latencies.append((Receiver.arrivals[before] - sent) * 1000)
        print(f"webhook delivery latency over {events} changes (response end → receiver): "
              f"median {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms, "
              f"max {max(latencies):.1f} ms")
    finally:
        server.terminate()
        server.wait()
        receiver.shutdown()


def run(cmd):
    started = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "RUST_LOG": "warn"})
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {out.stderr}")
    return time.monotonic() - started, out.stdout.strip()


def transfer_speed(binary: str, activities: int, work: str) -> None:
    source = os.path.join(work, "source.db")
    target = os.path.join(work, "target.db")
    archive = os.path.join(work, "archive.ndjson")
    run([binary, "seed", "--synthetic", str(activities), "--database", source])
    seconds, _ = run([binary, "export", "--revisions", "--database", source, archive])
    size = os.path.getsize(archive) / 1e6
    print(f"export of {activities} activities ({size:.0f} MB with revisions): {seconds:.1f} s, "
          f"{activities / seconds:,.0f} activities/s")
    seconds, out = run([binary, "import", "--database", target, archive])
    print(f"import into an empty database: {seconds:.1f} s, {activities / seconds:,.0f} activities/s "
          f"(includes migrating the new file) — {out}")
    seconds, out = run([binary, "import", "--database", target, archive])
    print(f"second import of the same file: {seconds:.1f} s — {out}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/doan-api")
    parser.add_argument("--activities", type=int, default=20000)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; binary {args.binary}")
    with tempfile.TemporaryDirectory() as work:
        webhook_latency(args.binary, args.events, work)
        transfer_speed(args.binary, args.activities, work)


if __name__ == "__main__":
    main()
