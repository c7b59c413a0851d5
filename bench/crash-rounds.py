#!/usr/bin/env python3
"""Crash rounds: no acknowledged write is lost, and the database stays sound, on a SIGKILL.

Usage: python3 bench/crash-rounds.py [--binary target/release/doan-api] [--rounds 10]
                                     [--writers 8] [--seed N] [--work DIR]

Each round puts the running server (`serve --demo` on one SQLite file) under write load: N
threads, one keep-alive connection each, create draft activities and every 5th write change
the title of one they created (`If-Match` with its ETag). At a random moment (0.5-3.0 s, from
the seeded RNG) the server gets SIGKILL. Then a copy of the files left behind (database and
WAL, so the restart still recovers the original itself) must pass `PRAGMA integrity_check`,
the server must start again, and every write it answered 201/200 must be there: each created
activity by id with its slug, its title the last acknowledged one or a later attempted one.
Any 5xx, unexpected status or dropped connection before the kill is a failure too. At the end
the server gets SIGTERM and the database is checked once more for every round's writes.

Standard library only. Prints the seed: `--seed N` replays the kill moments. Exit status 1
when a round fails (the work directory and the server log's tail are then kept and shown).
"""

import argparse, concurrent.futures, http.client, json, os, random, secrets, shutil
import signal, socket, sqlite3, subprocess, sys, tempfile, threading, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")


class Failure(Exception):
    """The server did not come back: no further round can run."""


def call(conn, method, path, body=None, token=None, headers=None):
    """One request on `conn`; returns (status, response, JSON body or raw bytes)."""
    h = dict(headers or {})
    if body is not None:
        h.setdefault("Content-Type", "application/json")
    if token:
        h["Authorization"] = f"Bearer {token}"
    conn.request(method, path, None if body is None else json.dumps(body).encode(), h)
    res = conn.getresponse()
    raw = res.read()
    try:
        return res.status, res, json.loads(raw) if raw else None
    except ValueError:
        return res.status, res, raw[:300]


class Server:
    def __init__(self, binary, work):
        self.binary, self.db, self.log = binary, work / "doan.db", work / "server.log"
        self.password = "Cr-" + secrets.token_hex(12)  # the demo admin's, new every run
        self.proc = None

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def start(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(self.binary), "serve", "--demo", "--bind", f"127.0.0.1:{self.port}",
                 "--database", str(self.db)], stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "DOAN_ADMIN_PASSWORD": self.password, "NO_COLOR": "1"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"server exited ({self.proc.returncode}) before it was ready")
            try:
                if call(self.conn(2), "GET", "/health/ready")[0] == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        else:
            raise Failure("server not ready within 60 s")
        status, _, doc = call(self.conn(), "POST", "/api/v1/auth/token",
                              {"username": "admin", "password": self.password})
        if status != 200:
            raise Failure(f"login: {status} {doc}")
        self.token = doc["access_token"]

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("server still running 30 s after SIGTERM")


class Writer(threading.Thread):
    """Creates activities and changes their titles until `stop`; remembers what was answered."""

    def __init__(self, rnd, w, server, organizer, killed, stop):
        super().__init__(daemon=True)
        self.rnd, self.w, self.server, self.organizer = rnd, w, server, organizer
        self.killed, self.stop = killed, stop
        self.attempted = self.acked = 0
        self.slugs, self.titles, self.etags = {}, {}, {}  # by id; titles: [[title, acked]]
        self.unacked_slugs, self.errors = [], []

    def run(self):
        conn, n = None, 0
        while not self.stop.is_set():
            n += 1
            title = f"crash r{self.rnd} w{self.w} n{n}"
            mine = list(self.etags)
            try:
                if conn is None:
                    conn = self.server.conn(10)
                    conn.connect()
                self.attempted += 1
                if n % 5 == 0 and mine:
                    aid = mine[(n // 5) % len(mine)]
                    entry = [title, False]
                    self.titles[aid].append(entry)
                    etag = self.etags.pop(aid)  # unknown again until this one is answered
                    method, path, want = "PATCH", f"/api/v1/activities/{aid}", 200
                    status, res, doc = call(conn, method, path, {"title": title}, self.server.token,
                                            {"Content-Type": "application/merge-patch+json",
                                             "If-Match": etag})
                    if status == 200:
                        entry[1] = True
                        self.acked += 1
                        self.etags[aid] = res.getheader("ETag")
                else:
                    slug = title.replace(" ", "-")
                    self.unacked_slugs.append(slug)
                    method, path, want = "POST", "/api/v1/activities", 201
                    status, res, doc = call(conn, method, path, {
                        "slug": slug, "title": title, "occurred_on": "2024-03-26",
                        "category": "volunteering", "organizer_id": self.organizer},
                        self.server.token)
                    if status == 201:
                        self.unacked_slugs.pop()
                        self.acked += 1
                        self.slugs[doc["id"]], self.titles[doc["id"]] = slug, [[title, True]]
                        self.etags[doc["id"]] = res.getheader("ETag")
                if status != want:
                    self.errors.append(f"writer {self.w}: {method} {path} answered {status}: {doc}")
            except (OSError, http.client.HTTPException) as e:
                if conn:
                    conn.close()
                conn = None
                if self.killed.is_set():
                    return
                self.errors.append(f"writer {self.w}: connection error before the kill: {e!r}")
                time.sleep(0.05)
            except Exception as e:  # anything else (a missing ETag…) fails the round, loudly
                self.errors.append(f"writer {self.w}: {e!r}")
                return


def integrity(db, work):
    """PRAGMA integrity_check of a copy of the files a crash left (the server recovers its own)."""
    snap = work / "snapshot"
    shutil.rmtree(snap, ignore_errors=True)
    snap.mkdir()
    for suffix in ("", "-wal"):
        if Path(f"{db}{suffix}").exists():
            shutil.copyfile(f"{db}{suffix}", snap / f"doan.db{suffix}")
    conn = sqlite3.connect(snap / "doan.db")
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def round_(rnd, server, rng, writers, survivors):
    """One load-kill-restart-check round: (its line, its failures, (attempted, acked, found))."""
    _, _, orgs = call(server.conn(), "GET", "/api/v1/organizations", token=server.token)
    killed, stop = threading.Event(), threading.Event()
    crew = [Writer(rnd, w, server, orgs["data"][0]["id"], killed, stop) for w in range(writers)]
    delay, t0 = rng.uniform(0.5, 3.0), time.monotonic()
    for w in crew:
        w.start()
    time.sleep(delay)
    killed.set()
    server.proc.kill()  # SIGKILL
    server.proc.wait()
    after = time.monotonic() - t0
    stop.set()
    for w in crew:
        w.join()
    failures = [e for w in crew for e in w.errors]
    check = integrity(server.db, server.db.parent)
    if check != "ok":
        failures.append(f"integrity_check: {check}")
    server.start()

    local = threading.local()

    def get(ref):
        if not hasattr(local, "conn"):
            local.conn = server.conn()
        status, _, doc = call(local.conn, "GET", f"/api/v1/activities/{ref}", token=server.token)
        if status not in (200, 404):
            failures.append(f"GET activity {ref}: {status} {doc}")
        return doc if status == 200 else None

    found = extra = 0
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for w in crew:
            for aid, got in zip(w.titles, pool.map(get, list(w.titles))):
                history, acked = w.titles[aid], [t for t, ok in w.titles[aid] if ok]
                last = max(i for i, (_, ok) in enumerate(history) if ok)
                allowed = [t for t, _ in history[last:]]
                if got is None or got["slug"] != w.slugs[aid]:
                    failures.append(f"activity {aid} ({w.slugs[aid]}) acknowledged, missing")
                elif got["title"] not in allowed:
                    failures.append(f"activity {aid}: title {got['title']!r}, "
                                    f"acknowledged {acked[-1]!r}")
                    found += 1
                else:
                    found += len(acked)
                    extra += got["title"] != allowed[0]  # a later, unanswered change is there
                    survivors[aid] = (got["slug"], got["title"])
            extra += sum(doc is not None for doc in pool.map(get, w.unacked_slugs))
    attempted, acked = sum(w.attempted for w in crew), sum(w.acked for w in crew)
    return (f"round {rnd}: attempted {attempted}, acknowledged {acked}, found {found} "
            f"(+{extra} unacknowledged present), integrity {check}, killed after {after:.2f} s",
            failures, (attempted, acked, found))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=str(TARGET / "release" / "doan-api"))
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--seed", type=int, default=secrets.randbelow(2**32))
    ap.add_argument("--work", help="work directory (default: a new temporary one)")
    args = ap.parse_args()
    binary = Path(args.binary)
    if not binary.is_absolute() and not binary.exists():
        binary = ROOT / binary
    if not os.access(binary, os.X_OK):
        sys.exit(f"no server binary at {binary} (cargo build --release)")
    work = Path(args.work or tempfile.mkdtemp(prefix="doan-crash-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"seed {args.seed} (replay: --seed {args.seed}), {args.writers} writers, {binary}")
    rng, server = random.Random(args.seed), Server(binary, work)
    survivors, totals, failed = {}, [0, 0, 0], []  # survivors: id -> (slug, title) seen
    t0 = time.monotonic()
    try:
        server.start()
        for rnd in range(1, args.rounds + 1):
            line, failures, figures = round_(rnd, server, rng, args.writers, survivors)
            totals = [a + b for a, b in zip(totals, figures)]
            print(line + ("" if not failures else f" - FAILED ({len(failures)})"), flush=True)
            for f in failures[:20]:
                print(f"  {f}")
            failed += [rnd] if failures else []
        server.stop()
        # After a clean stop: the file once more, and every round's writes in it.
        conn = sqlite3.connect(server.db)
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = {i: (s, t) for i, s, t in conn.execute("SELECT id, slug, title FROM activities")}
        conn.close()
        lost = [i for i, v in survivors.items() if rows.get(i) != v]
        if check != "ok" or lost:
            print(f"after SIGTERM: integrity {check}, {len(lost)} activities changed or gone: "
                  f"{lost[:10]}")
            failed.append("final")
    except Failure as e:
        print(f"FAILED: {e}")
        failed.append("server")
    finally:
        if server.proc and server.proc.poll() is None:
            server.proc.kill()
    took = time.monotonic() - t0
    print(f"{args.rounds} rounds in {took:.1f} s: attempted {totals[0]}, acknowledged {totals[1]}, "
          f"found {totals[2]}; " + ("all acknowledged writes survived" if not failed else
                                    f"FAILED rounds {failed} (seed {args.seed})"))
    if failed:
        print(f"work directory kept: {work}\n--- tail of {server.log} ---")
        if server.log.exists():  # without the access log's lines for answered requests
            lines = server.log.read_text(errors="replace").splitlines()
            print("\n".join([l for l in lines if not (" INFO " in l and "middleware" in l)][-30:]))
        sys.exit(1)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
