#!/usr/bin/env python3
"""Concurrent writers against one or more doan-api nodes: WRITERS threads, each writing as fast
as its answers come for SECONDS, in turn a new published activity of a unit (with a tag) and
a changed summary of an existing one; the threads go round the given nodes (two nodes on one
PostgreSQL database: writers of both).

Usage: bench/writers.py USERNAME PASSWORD WRITERS SECONDS BASE [BASE…]

PACE=R (environment) has each writer write R times a second instead of as fast as answers
come (editors at work, not a saturating load): the writes are due on a fixed schedule from a
random phase, and a write's time counts from when it was due, so a slow answer that delays
the next write is not hidden (no coordinated omission).

Prints one line: writes done, failed (non-2xx or no answer), write/s, p50 and p99 in ms, and
the statuses seen. Standard library only.
"""

import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request

USERNAME, PASSWORD = sys.argv[1], sys.argv[2]
WRITERS, SECONDS = int(sys.argv[3]), float(sys.argv[4])
BASES = [b.rstrip("/") for b in sys.argv[5:]]
PACE = float(os.environ.get("PACE", "0"))
CATEGORIES = ["volunteering", "thematic_session", "conference", "culture_sports", "environment"]


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json" if method != "PATCH" else "application/merge-patch+json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception:  # noqa: BLE001 (no answer is a failed write)
        return 0, b""


def main():
    status, body = call(BASES[0], "POST", "/api/v1/auth/token", {"username": USERNAME, "password": PASSWORD})
    if status != 200:
        sys.exit(f"writers: login failed ({status}): {body[:200]!r}")
    token = json.loads(body)["access_token"]
    _, body = call(BASES[0], "GET", "/api/v1/organizations?per_page=100&kind=grassroots_branch,branch,grassroots_union")
    units = [o["id"] for o in json.loads(body)["data"]]
    _, body = call(BASES[0], "GET", "/api/v1/activities?per_page=100")
    activities = [a["id"] for a in json.loads(body)["data"]]
    results = []
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def writer(i):
        rng = random.Random(i)
        base = BASES[i % len(BASES)]
        n = 0
        mine = []
        due = time.monotonic() + (rng.random() / PACE if PACE > 0 else 0)
        while time.monotonic() < stop:
            if PACE > 0:
                if due >= stop:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                started = due
                due += 1 / PACE
            else:
                started = time.monotonic()
            if n % 2 == 0:
                status, _ = call(base, "POST", "/api/v1/activities", {
                    "title": f"Hoạt động đồng thời {i}-{n}", "occurred_on": "2024-03-26",
                    "category": rng.choice(CATEGORIES), "organizer_id": rng.choice(units),
                    "status": "published", "tags": ["Viết đồng thời"]}, token)
            else:
                status, _ = call(base, "PATCH", f"/api/v1/activities/{rng.choice(activities)}",
                                 {"summary": f"Tóm tắt sửa lần {i}-{n}"}, token)
            mine.append((status, time.monotonic() - started))
            n += 1
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - began
    ok = sorted(s for c, s in results if 200 <= c < 300)
    failed = len(results) - len(ok)
    statuses = {}
    for c, _ in results:
        statuses[c] = statuses.get(c, 0) + 1
    pct = lambda p: ok[min(len(ok) - 1, int(len(ok) * p))] * 1000 if ok else 0  # noqa: E731
    print(f"writes {len(results)} failed {failed} per_s {len(results) / took:.0f} "
          f"p50_ms {pct(0.5):.1f} p99_ms {pct(0.99):.1f} statuses {statuses}")


main()
