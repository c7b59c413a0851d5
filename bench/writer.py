#!/usr/bin/env python3
"""A steady writer for `bench/compare.sh --writes R`: an editor at R writes a second.

Usage: bench/writer.py BASE RATE USERNAME PASSWORD FLAG OUT

Logs in (an admin's USERNAME and PASSWORD), then, while the file FLAG exists, writes at RATE a second on a
fixed schedule (a slow write delays the next, never doubles up): in turn a new published
activity of a unit (with a tag, so tag and unit totals move) and a changed summary of an
existing one (its search text moves). Each write is timed from send to answer. When FLAG
goes away the writer ends and writes to OUT one line per write: `status seconds`, which
compare.sh summarises (writes done, failures, p50, p99). Standard library only.
"""

import json
import os
import random
import sys
import time
import urllib.error
import urllib.request

BASE, RATE = sys.argv[1].rstrip("/"), float(sys.argv[2])
USERNAME, PASSWORD, FLAG, OUT = sys.argv[3:7]
CATEGORIES = ["volunteering", "thematic_session", "conference", "culture_sports", "environment"]


def call(method: str, path: str, body=None, token=None, timeout=30.0):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception:  # noqa: BLE001 (a timeout or a refused connection is a failed write)
        return 0, b""


def main() -> None:
    status, body = call("POST", "/api/v1/auth/token", {"username": USERNAME, "password": PASSWORD})
    if status != 200:
        sys.exit(f"writer: login failed ({status}): {body[:200]!r}")
    token = json.loads(body)["access_token"]
    status, body = call("GET", "/api/v1/organizations?per_page=100&kind=grassroots_branch,branch,grassroots_union")
    units = [o["id"] for o in json.loads(body)["data"]] if status == 200 else []
    status, body = call("GET", "/api/v1/activities?per_page=100")
    activities = [a["id"] for a in json.loads(body)["data"]] if status == 200 else []
    if not units or not activities:
        sys.exit("writer: no units or activities to write about")
    rng = random.Random(7)
    done = []
    n = 0
    due = time.monotonic()
    while os.path.exists(FLAG):
        now = time.monotonic()
        if now < due:
            time.sleep(min(due - now, 0.05))
            continue
        due = max(due + 1.0 / RATE, now)
        n += 1
        started = time.monotonic()
        if n % 2:
            status, body = call(
                "POST",
                "/api/v1/activities",
                {
                    "title": f"Chi đoàn ra quân tình nguyện đợt {n}",
                    "summary": "Đoàn viên thanh niên dọn vệ sinh, trồng cây xanh khu dân cư.",
                    "occurred_on": f"2024-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
                    "category": rng.choice(CATEGORIES),
                    "organizer_id": rng.choice(units),
                    "tags": ["Tháng Thanh niên"],
                    "status": "published",
                },
                token,
            )
            if status == 201:
                activities.append(json.loads(body)["id"])
        else:
            status, _ = call(
                "PATCH",
                f"/api/v1/activities/{rng.choice(activities)}",
                {"summary": f"Cập nhật lần {n}: thanh niên tình nguyện giúp đỡ bà con."},
                token,
            )
        done.append((status, time.monotonic() - started))
    with open(OUT, "w") as out:
        for status, seconds in done:
            out.write(f"{status} {seconds:.4f}\n")


if __name__ == "__main__":
    main()
