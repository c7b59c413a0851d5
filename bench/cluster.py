#!/usr/bin/env python3
"""The cluster rehearsal: three doan-api nodes behind nginx on a PostgreSQL primary and its
streaming replica, media in an S3-compatible bucket; a node killed under load, nothing lost.

Usage: python3 bench/cluster.py [--binary target/release/doan-api] [--seconds 60]
                                [--writers 32] [--readers 32] [--replica-stop 10]
                                [--throughput 10] [--work DIR] [--seed N]

All on loopback, on this machine: a primary and a replica (.ci/pg-cluster, Debian's
postgresql), moto's S3 server (.ci/s3-server), nginx with deploy/cluster/nginx.conf (its ports
swapped for free ones), three nodes (`serve --database-replica … --media-store s3://…`), and a
webhook receiver in this script. Then, for --seconds:

- WRITERS threads through nginx create published activities (201) and change the title of one
  they made (PATCH with If-Match); after each write they read it back anonymously with the
  consistency token (`doan-read-after`): read-your-writes through any node and the replica;
- READERS threads through nginx read lists, a tag, a search, one by id and the feed;
- at 25 % node 2 gets SIGKILL, at 45 % it starts again; at 55 % the replica stops for
  --replica-stop seconds; at 10 % an activity is scheduled 30 % of the run ahead (at least
  10 s); at 65 % a photo is
  uploaded through node 1 and fetched through nodes 2 and 3 and nginx.

Then it checks: every write answered 2xx is there (by id, its slug, its last acknowledged title
or a later attempted one); no title twice (a write applied twice); requests that failed were
in flight on the killed node when it died (started before the kill, answered after it); every
read-your-writes read found its write; the scheduled item published once (one revision, one
event); the webhook receiver got each event once (by `Webhook-Id`) and an event for every
acknowledged write; the photo served by every node. Last, read throughput through nginx with
3 nodes and with 1 (wrk when installed), the replica lag seen, and a summary.

Exit status 1 when a check fails. Standard library only (plus the tools above).
"""

import argparse, http.client, json, os, random, secrets, shutil, signal, socket, subprocess
import sys, tempfile, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
TAG = "Diễn tập cụm"
TAG_SLUG = "dien-tap-cum"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*cmd, env=None):
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    return out.stdout.strip()


def request(port, method, path, body=None, token=None, headers=None, timeout=30, conn=None):
    """One request; returns (status, headers, parsed JSON or bytes). Status 0: no answer."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    data = body
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    if token:
        h["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, data, h)
        res = conn.getresponse()
        raw = res.read()
        hdrs = {k.lower(): v for k, v in res.getheaders()}
        try:
            parsed = json.loads(raw) if raw and "json" in hdrs.get("content-type", "") else raw
        except ValueError:
            parsed = raw
        return res.status, hdrs, parsed
    except (OSError, http.client.HTTPException) as e:
        conn.close()
        return 0, {}, str(e).encode()
    finally:
        if own:
            conn.close()


class Node:
    def __init__(self, n, binary, work, env, args):
        self.n, self.binary, self.env, self.args = n, binary, env, args
        self.port = free_port()
        self.log = work / f"node{n}.log"
        self.proc = None

    def start(self, demo=False):
        cmd = [self.binary, "serve", "--bind", f"127.0.0.1:{self.port}", *self.args]
        if demo:
            cmd.append("--demo")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(c) for c in cmd], stdout=log, stderr=log,
                                         env=self.env, cwd=self.log.parent)

    def wait_ready(self, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"node {self.n} exited at start:\n{self.log.read_text()[-3000:]}")
            if request(self.port, "GET", "/health/ready", timeout=2)[0] == 200:
                return
            time.sleep(0.1)
        sys.exit(f"node {self.n} not ready after {seconds} s:\n{self.log.read_text()[-3000:]}")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Receiver(BaseHTTPRequestHandler):
    """The webhook subscriber: keeps (Webhook-Id, event, activity id) of every delivery."""
    seen = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            data = json.loads(body)
            item = (self.headers.get("Webhook-Id"), data.get("event"), data.get("data", {}).get("id"),
                    time.monotonic())
        except ValueError:
            item = (self.headers.get("Webhook-Id"), "unreadable", None, time.monotonic())
        with Receiver.lock:
            Receiver.seen.append(item)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_):
        pass


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []  # (kind, started, ended, status)
        self.created = {}  # id -> {"slug", "title", "attempted": [titles]}
        self.ryw_missed = []
        self.unknown_posts = []  # titles of POSTs with no answer (outcome unknown)

    def add(self, kind, started, ended, status):
        with self.lock:
            self.calls.append((kind, started, ended, status))


def writer(i, port, token, units, stop, res, seed):
    rng = random.Random(seed * 1000 + i)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine, n = [], 0
    while time.monotonic() < stop:
        started = time.monotonic()
        if mine and n % 4 == 3:
            aid = rng.choice(mine)
            status, h, body = request(port, "GET", f"/api/v1/activities/{aid}", token=token, conn=conn)
            res.add("read", started, time.monotonic(), status)
            if status != 200:
                n += 1
                continue
            title = f"Diễn tập sửa {i}-{n}"
            with res.lock:
                res.created[aid]["attempted"].append(title)
            started = time.monotonic()
            status, h, body = request(port, "PATCH", f"/api/v1/activities/{aid}", {"title": title}, token,
                                      {"If-Match": h.get("etag", ""),
                                       "Content-Type": "application/merge-patch+json"}, conn=conn)
            res.add("write", started, time.monotonic(), status)
            if status == 200:
                with res.lock:
                    res.created[aid]["title"] = title
        else:
            title = f"Diễn tập cụm {i}-{n}"
            status, h, body = request(port, "POST", "/api/v1/activities", {
                "title": title, "occurred_on": "2024-03-26", "category": "volunteering",
                "organizer_id": rng.choice(units), "status": "published", "tags": [TAG],
                "summary": "Một lượt ghi của buổi diễn tập."}, token, conn=conn)
            res.add("write", started, time.monotonic(), status)
            if status == 201:
                aid = body["id"]
                mine.append(aid)
                with res.lock:
                    res.created[aid] = {"slug": body["slug"], "title": title, "attempted": [],
                                        "writer": i}
                # Read-your-writes, anonymously, through whichever node nginx picks.
                token_after = h.get("doan-read-after")
                got = 0
                for _ in range(3):
                    started = time.monotonic()
                    got, _, _ = request(port, "GET", f"/api/v1/activities/{aid}", conn=conn,
                                        headers={"doan-read-after": token_after} if token_after else {})
                    res.add("read", started, time.monotonic(), got)
                    if got != 0:
                        break
                if got != 200:
                    with res.lock:
                        res.ryw_missed.append((aid, got, token_after))
            elif status == 0 or status >= 500:
                with res.lock:
                    res.unknown_posts.append(title)
        n += 1
    conn.close()


def reader(i, port, ids, stop, res):
    paths = ["/api/v1/activities?per_page=20", f"/api/v1/activities?tag={TAG_SLUG}&per_page=10",
             "/api/v1/activities?q=thanh%20nien&per_page=10", "/feeds/activities.json",
             "/api/v1/organizations?per_page=50"] + [f"/api/v1/activities/{a}" for a in ids[:5]]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    k = i
    while time.monotonic() < stop:
        started = time.monotonic()
        status, _, _ = request(port, "GET", paths[k % len(paths)], conn=conn)
        res.add("read", started, time.monotonic(), status)
        k += 1
    conn.close()


def wrk(port, path, seconds):
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{max(1, round(seconds))}s", "--latency",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True)
    if out.returncode != 0:
        print(f"wrk failed: {out.stderr.strip()}")
        return None
    out = out.stdout
    rps = next((float(l.split()[1]) for l in out.splitlines() if l.startswith("Requests/sec")), 0.0)
    p99 = next((l.split()[1] for l in out.splitlines() if l.strip().startswith("99%")), "?")
    errors = next((l.strip() for l in out.splitlines() if "Non-2xx" in l or "Socket errors" in l), "")
    return rps, p99, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(TARGET / "release" / "doan-api"))
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--writers", type=int, default=32)
    ap.add_argument("--readers", type=int, default=32)
    ap.add_argument("--replica-stop", type=float, default=10)
    ap.add_argument("--throughput", type=float, default=10, help="seconds of wrk per node count (0: none)")
    ap.add_argument("--work", help="folder for the clusters and logs (default: a new one in /tmp, "
                    "removed after a pass; the postgres user must be able to enter it)")
    ap.add_argument("--s3-dir", default=str(TARGET / "s3-server"),
                    help="where .ci/s3-server keeps its venv (shared with the tests' S3 step)")
    ap.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    a = ap.parse_args()
    binary = Path(a.binary).resolve()
    if not binary.is_file():
        sys.exit(f"no binary at {binary} (cargo build --release)")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("nginx is needed (apt-get install nginx-light)")
    fresh = a.work is None
    work = Path(a.work or tempfile.mkdtemp(prefix="doan-cluster-")).resolve()
    for sub in ["pg", "replica", "nginx"]:
        shutil.rmtree(work / sub, ignore_errors=True)
    (work / "nginx" / "logs").mkdir(parents=True, exist_ok=True)
    (work / "nginx" / "tmp").mkdir(parents=True, exist_ok=True)
    for n in range(1, 4):
        (work / f"node{n}.log").unlink(missing_ok=True)
    os.chmod(work, 0o755)  # the clusters belong to the postgres user when this runs as root
    print(f"# cluster rehearsal: seed {a.seed}, {a.seconds:.0f} s, {a.writers} writers, {a.readers} readers, "
          f"{os.cpu_count()} cores; work {work}", flush=True)

    procs = []  # what to stop at the end, last first
    passed = False
    pg_port, replica_port, s3_port, lb_port, hook_port = (free_port() for _ in range(5))
    try:
        t0 = time.monotonic()
        pg_url = run(ROOT / ".ci/pg-cluster", "start", work / "pg", pg_port)
        procs.append(lambda: run(ROOT / ".ci/pg-cluster", "stop", work / "pg"))
        psql = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1]
        run(psql, pg_url, "-qc", "CREATE DATABASE doan")
        run(ROOT / ".ci/pg-cluster", "replica", work / "replica", replica_port, pg_port)
        procs.append(lambda: run(ROOT / ".ci/pg-cluster", "stop", work / "replica"))
        s3 = run(ROOT / ".ci/s3-server", "start", a.s3_dir, s3_port)
        procs.append(lambda: run(ROOT / ".ci/s3-server", "stop", a.s3_dir))
        bucket = "doan-cluster"
        assert request(s3_port, "PUT", f"/{bucket}")[0] == 200, "bucket"
        print(f"primary :{pg_port}, replica :{replica_port}, S3 {s3} (in {time.monotonic() - t0:.1f} s)", flush=True)

        hook = ThreadingHTTPServer(("127.0.0.1", hook_port), Receiver)
        threading.Thread(target=hook.serve_forever, daemon=True).start()
        procs.append(hook.shutdown)

        password = "Cl-" + secrets.token_hex(12)
        env = {**os.environ, "DOAN_ADMIN_PASSWORD": password, "AWS_ENDPOINT_URL": s3,
               "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "doan-rehearsal",
               "AWS_SECRET_ACCESS_KEY": "doan-rehearsal", "NO_COLOR": "1"}
        db = pg_url.rsplit("/", 1)[0] + "/doan"
        replica_db = f"postgres://postgres@127.0.0.1:{replica_port}/doan"
        node_args = ["--database", db, "--database-replica", replica_db, "--media-store", f"s3://{bucket}/media",
                     "--jwt-secret", secrets.token_hex(32), "--public-url", f"http://127.0.0.1:{lb_port}",
                     "--trusted-proxies", "127.0.0.1", "--webhook-allow-private", "true",
                     "--webhook-retry-base-ms", "200", "--webhook-timeout", "5", "--replica-max-lag", "5", "--pool-size", "16"]
        nodes = [Node(n, binary, work, env, node_args) for n in (1, 2, 3)]
        for node in nodes:
            procs.append(node.stop)
        nodes[0].start(demo=True)
        nodes[0].wait_ready()
        for node in nodes[1:]:
            node.start(demo=True)  # the demo is loaded once: the others find it there
        for node in nodes[1:]:
            node.wait_ready()

        conf = (ROOT / "deploy/cluster/nginx.conf").read_text()
        ports = {8080: lb_port, 8081: nodes[0].port, 8082: nodes[1].port, 8083: nodes[2].port}
        for old, new in ports.items():
            conf = conf.replace(f"127.0.0.1:{old}", f"127.0.0.1:{new}")
        (work / "nginx" / "nginx.conf").write_text(conf)
        run(nginx, "-p", work / "nginx", "-c", "nginx.conf")
        procs.append(lambda: subprocess.run([nginx, "-p", str(work / "nginx"), "-c", "nginx.conf", "-s", "quit"]))
        for _ in range(100):
            if request(lb_port, "GET", "/health/ready")[0] == 200:
                break
            time.sleep(0.05)
        print(f"nodes :{nodes[0].port} :{nodes[1].port} :{nodes[2].port} behind nginx :{lb_port} "
              f"(all up {time.monotonic() - t0:.1f} s after the start)", flush=True)

        status, _, body = request(lb_port, "POST", "/api/v1/auth/token", {"username": "admin", "password": password})
        assert status == 200, (status, body)
        token = body["access_token"]
        _, _, body = request(lb_port, "GET", "/api/v1/organizations?per_page=100&kind=grassroots_branch,branch,grassroots_union")
        units = [o["id"] for o in body["data"]]
        _, _, body = request(lb_port, "GET", "/api/v1/activities?per_page=20")
        ids = [x["id"] for x in body["data"]]
        status, _, sub = request(lb_port, "POST", "/api/v1/webhooks", {
            "url": f"http://127.0.0.1:{hook_port}/hook", "events": ["activity.published", "activity.updated"]}, token)
        assert status == 201, (status, sub)

        # The load, and the events on their schedule.
        res = Results()
        D = a.seconds
        start = time.monotonic()
        stop = start + D
        threads = [threading.Thread(target=writer, args=(i, lb_port, token, units, stop, res, a.seed)) for i in range(a.writers)]
        threads += [threading.Thread(target=reader, args=(i, lb_port, ids, stop, res)) for i in range(a.readers)]
        lags, lag_stop = [], threading.Event()

        def watch_lag():
            while not lag_stop.is_set():
                _, _, h = request(nodes[0].port, "GET", "/health/ready", timeout=5)
                if isinstance(h, dict):
                    for r in h.get("replicas") or []:
                        lags.append((time.monotonic() - start, r["state"], r["lag_seconds"]))
                lag_stop.wait(0.5)

        watcher = threading.Thread(target=watch_lag)
        for t in threads + [watcher]:
            t.start()
        log = []

        def at(fraction):
            wait = start + D * fraction - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            return time.monotonic() - start

        t = at(0.10)
        # Far enough ahead that a slow answer cannot reach it first (then it would be published
        # at once): 30 % of the run, at least 10 s; it may fall after the load, and is waited for.
        ahead = max(D * 0.30, 10.0)
        publish_at = time.time() + ahead
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(publish_at)) + f".{int(publish_at % 1 * 1000):03d}Z"
        status, _, scheduled = request(lb_port, "POST", "/api/v1/activities", {
            "title": "Diễn tập: tin hẹn giờ", "occurred_on": "2024-03-26", "category": "conference",
            "organizer_id": units[0], "status": "published", "published_at": when}, token)
        assert status == 201 and scheduled["status"] == "scheduled", (status, scheduled)
        log.append(f"{t:5.1f} s  scheduled activity {scheduled['id']} for {t + ahead:.1f} s")
        t = at(0.25)
        kill_at = time.monotonic()
        nodes[1].kill9()
        log.append(f"{t:5.1f} s  SIGKILL node 2")
        t = at(0.45)
        nodes[1].start()
        restarted = threading.Thread(target=nodes[1].wait_ready)
        restarted.start()
        log.append(f"{t:5.1f} s  node 2 started again")
        t = at(0.55)
        run(ROOT / ".ci/pg-cluster", "stop", work / "replica")
        replica_stopped = time.monotonic() - start
        log.append(f"{t:5.1f} s  replica stopped")
        t = at(0.65)
        restarted.join()
        jpeg = new_jpeg(nodes[0].port, token)
        media_ok, media_note = upload_and_fetch(nodes, lb_port, token, jpeg, units[0])
        log.append(f"{t:5.1f} s  photo uploaded through node 1: {media_note}")
        wait = replica_stopped + a.replica_stop - (time.monotonic() - start)
        if wait > 0:
            time.sleep(wait)
        run(ROOT / ".ci/pg-cluster", "start-replica", work / "replica", replica_port)
        log.append(f"{time.monotonic() - start:5.1f} s  replica started again")
        for t_ in threads:
            t_.join()
        took = time.monotonic() - start
        lag_stop.set()
        watcher.join()
        for line in log:
            print(line)
        checked_from = time.monotonic()

        # The checks.
        failures = []
        writes = [c for c in res.calls if c[0] == "write"]
        reads = [c for c in res.calls if c[0] == "read"]
        failed = [c for c in res.calls if c[3] == 0 or c[3] >= 500]
        # In flight at the kill: sent before it (nginx may take a few ms more to see the node's
        # connections close), answered after it.
        in_flight = [c for c in failed if c[1] <= kill_at + 0.25 and c[2] >= kill_at]
        other = [c for c in failed if c not in in_flight]
        statuses = {}
        for c in res.calls:
            statuses[c[3]] = statuses.get(c[3], 0) + 1
        if other:
            failures.append(f"{len(other)} failed requests not in flight at the kill: "
                            f"{[(k, round(s - start, 2), round(e - start, 2), st) for k, s, e, st in other[:10]]}")
        conflicts = [c for c in writes if c[3] in (409, 412, 428)]

        lost, wrong = [], []
        for aid, w in res.created.items():
            status, _, body = request(nodes[0].port, "GET", f"/api/v1/activities/{aid}", token=token)
            if status != 200:
                lost.append((aid, status))
            elif body["slug"] != w["slug"] or (body["title"] != w["title"] and body["title"] not in w["attempted"]):
                wrong.append((aid, body["title"], w["title"]))
        if lost:
            failures.append(f"acknowledged writes lost: {lost[:10]}")
        if wrong:
            failures.append(f"acknowledged titles not kept: {wrong[:10]}")
        if res.ryw_missed:
            failures.append(f"read-your-writes missed: {res.ryw_missed[:10]}")

        titles, cursor = {}, None
        while True:
            path = f"/api/v1/activities?tag={TAG_SLUG}&per_page=100&status=published"
            if cursor:
                path += f"&cursor={urllib.parse.quote(cursor)}"
            status, _, body = request(nodes[0].port, "GET", path, token=token)
            assert status == 200, (status, body)
            for x in body["data"]:
                titles.setdefault(x["title"], []).append(x["id"])
            cursor = body["meta"].get("next_cursor")
            if not cursor:
                break
        created_titles = {w["title"] for w in res.created.values()}
        duplicates = {t: v for t, v in titles.items() if len(v) > 1}
        if duplicates:
            failures.append(f"written twice: {list(duplicates.items())[:10]}")
        # A POST that got no answer may have been applied (once): those are the only rows
        # that no acknowledgement names.
        unacknowledged = [t for t in titles if t not in created_titles
                          and not any(t in w["attempted"] for w in res.created.values())]
        unexplained = [t for t in unacknowledged if t not in res.unknown_posts]
        if unexplained:
            failures.append(f"rows no write explains: {unexplained[:10]}")

        # The scheduled item: published once, by the clock.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, _, body = request(nodes[2].port, "GET", f"/api/v1/activities/{scheduled['id']}")
            if status == 200:
                break
            time.sleep(0.2)
        _, _, revisions = request(nodes[0].port, "GET", f"/api/v1/activities/{scheduled['id']}/revisions", token=token)
        published_revisions = [r for r in revisions if r.get("note") == "published at its scheduled time"]
        if status != 200 or len(published_revisions) != 1:
            failures.append(f"scheduled item: status {status}, {len(published_revisions)} publications")

        # Webhooks: each event once, and one for every acknowledged write.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            _, _, pending = request(nodes[0].port, "GET", f"/api/v1/webhooks/{sub['id']}/deliveries?status=pending&per_page=5", token=token)
            if isinstance(pending, dict) and pending["meta"]["total"] == 0:
                break
            time.sleep(0.5)
        else:
            failures.append(f"webhook deliveries still pending after 60 s: {pending}")
        with Receiver.lock:
            seen = list(Receiver.seen)
        by_event = {}
        for event_id, event, aid, at_ in seen:
            by_event.setdefault(event_id, []).append((event, aid, at_))
        # Delivery is at least once (receivers deduplicate on Webhook-Id): an event whose first
        # attempt was in flight on the killed node is sent again when its lease ends. Any
        # other repeat is a duplicate.
        repeats = {k: v for k, v in by_event.items() if len(v) > 1}
        hook_dupes = {k: v for k, v in repeats.items() if min(x[2] for x in v) > kill_at}
        published_ids = {aid for _, event, aid, _ in seen if event == "activity.published"}
        missing_events = [aid for aid in res.created if aid not in published_ids]
        scheduled_events = {e for e, event, aid, _ in seen if event == "activity.published" and aid == scheduled["id"]}
        if hook_dupes:
            failures.append(f"webhook events delivered twice: {list(hook_dupes.items())[:10]}")
        if missing_events:
            failures.append(f"acknowledged writes with no activity.published event: {missing_events[:10]}")
        if len(scheduled_events) != 1:
            failures.append(f"the scheduled item's activity.published came {len(scheduled_events)} times")
        if not media_ok:
            failures.append(f"media: {media_note}")

        # nginx's word on the failures: which node each was sent to.
        subprocess.run([nginx, "-p", str(work / "nginx"), "-c", "nginx.conf", "-s", "reopen"])
        time.sleep(1.5)  # the access log's buffer is flushed every second
        names = {f"127.0.0.1:{node.port}": f"node {node.n}" for node in nodes}
        by_upstream = {}
        for line in (work / "nginx" / "logs" / "access.log").read_text(errors="replace").splitlines():
            if '" 502 ' in line or '" 504 ' in line:
                tried = line.split("upstream=", 1)[-1].split(" ", 1)[0].split(",")[-1].strip()
                key = names.get(tried, tried)
                by_upstream[key] = by_upstream.get(key, 0) + 1
        if set(by_upstream) - {"node 2"}:
            failures.append(f"nginx answered 502/504 for nodes that were not killed: {by_upstream}")
        lag_max = max((l for _, _, l in lags), default=0.0)
        states = sorted({s for _, s, _ in lags})
        print(f"requests {len(res.calls)} in {took:.1f} s: writes {len(writes)} ({len(writes) / took:.0f}/s), "
              f"reads {len(reads)} ({len(reads) / took:.0f}/s); statuses {dict(sorted(statuses.items()))}")
        print(f"failed {len(failed)}: in flight on the killed node {len(in_flight)}, other {len(other)}; "
              f"write conflicts (409/412) {len(conflicts)}; POSTs without an answer {len(res.unknown_posts)}")
        print(f"nginx's 502/504 by the node it had sent them to: {by_upstream or 'none'}")
        print(f"acknowledged creates {len(res.created)}: lost {len(lost)}, titles not kept {len(wrong)}, "
              f"duplicated rows {len(duplicates)}, read-your-writes missed {len(res.ryw_missed)}")
        print(f"webhook deliveries {len(seen)} for {len(by_event)} events: duplicated {len(hook_dupes)}, "
              f"sent again after the killed node's attempt (same Webhook-Id) {len(repeats) - len(hook_dupes)}, "
              f"acknowledged creates without their event {len(missing_events)}; scheduled item published "
              f"{len(published_revisions)} time(s), its event {len(scheduled_events)} time(s)")
        print(f"replica: states seen {states}, lag max {lag_max:.2f} s (stopped {a.replica_stop:.0f} s from "
              f"{replica_stopped:.1f} s); media: {media_note}")

        print(f"checks took {time.monotonic() - checked_from:.1f} s")
        if a.throughput > 0:
            # 3 nodes, 1 node, 3 again (what runs after the load — autovacuum, the outbox —
            # weighs on the first measure; the two 3-node figures show how much).
            path = "/api/v1/activities?per_page=20"

            def upstream(config):
                (work / "nginx" / "nginx.conf").write_text(config)
                run(nginx, "-p", work / "nginx", "-c", "nginx.conf", "-s", "reload")
                time.sleep(1)

            conf1 = conf.replace(f"server 127.0.0.1:{nodes[1].port}", f"#server 127.0.0.1:{nodes[1].port}") \
                        .replace(f"server 127.0.0.1:{nodes[2].port}", f"#server 127.0.0.1:{nodes[2].port}")
            three = wrk(lb_port, path, a.throughput)
            upstream(conf1)
            one = wrk(lb_port, path, a.throughput)
            upstream(conf)
            again = wrk(lb_port, path, a.throughput)
            if three and one and again:
                print(f"read throughput through nginx ({path}, wrk -t2 -c32 -d{round(a.throughput)}s): "
                      f"3 nodes {three[0]:.0f} req/s p99 {three[1]}, 1 node {one[0]:.0f} req/s p99 {one[1]}, "
                      f"3 nodes again {again[0]:.0f} req/s p99 {again[1]} {three[2]}{one[2]}{again[2]}")
            else:
                print("read throughput: not measured (wrk is missing or failed)")

        if failures:
            print("FAILED:\n  " + "\n  ".join(failures))
            for node in nodes:
                print(f"--- {node.log} (tail)\n{node.log.read_text(errors='replace')[-2000:]}")
            return 1
        print("rehearsal passed: 0 acknowledged writes lost, 0 duplicates, failures only in flight on the killed node")
        passed = True
        return 0
    finally:
        for stop_ in reversed(procs):
            try:
                stop_()
            except BaseException as e:  # noqa: BLE001 (the rest still stop)
                print(f"stopping: {e}", file=sys.stderr)
        if passed and fresh:
            shutil.rmtree(work, ignore_errors=True)
        elif not passed:
            print(f"# kept for a look: {work}")


def upload_and_fetch(nodes, lb_port, token, jpeg, organization):
    """A photo uploaded through node 1, fetched whole through nodes 2 and 3 and nginx."""
    boundary = "doan" + secrets.token_hex(8)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"anh.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + jpeg + \
           (f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n"
            f"Ảnh diễn tập cụm\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"organization_id\"\r\n\r\n"
            f"{organization}\r\n--{boundary}--\r\n").encode()
    status, _, media = request(nodes[0].port, "POST", "/api/v1/media", body, token,
                               {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    if status != 201:
        return False, f"upload {status} {media!r:.200}"
    # Its files as stored (the original, its renditions): the same bytes from every node.
    paths = [urllib.parse.urlparse(u).path for u in
             [media["src"]] + [r["src"] for r in media.get("renditions") or []]]
    served = []
    for path in paths:
        _, _, first = request(nodes[0].port, "GET", path)
        for port in [nodes[1].port, nodes[2].port, lb_port]:
            status, h, got = request(port, "GET", path)
            served.append(status == 200 and got == first and h.get("content-type", "").startswith("image/"))
    return all(served) and bool(served), f"{len(paths)} files, each served by nodes 2 and 3 and nginx: {sum(served)}/{len(served)}"


def new_jpeg(port, token):
    """A JPEG no one uploaded yet: a demo photo with a comment segment of its own after SOI."""
    _, _, media = request(port, "GET", "/api/v1/media?per_page=1&kind=image", token=token)
    src = urllib.parse.urlparse(media["data"][0]["src"]).path
    status, _, jpeg = request(port, "GET", src)
    assert status == 200 and jpeg[:2] == b"\xff\xd8", (status, jpeg[:20])
    text = f"doan-api cluster rehearsal {secrets.token_hex(8)}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + jpeg[2:]


if __name__ == "__main__":
    sys.exit(main())
