#!/usr/bin/env bash
# Side-by-side benchmark: doan-api against Datasette (and optionally Directus) on the same
# machine, one server at a time, with wrk. Prints one table: query, req/s, p50, p99, one
# request alone, and doan-api's ratio to the best peer on the equivalent query.
#
#   bench/compare.sh [N] [--with-directus] [--no-peers] [--smoke] [--writes R] [--backend B]
#
#   N                 activities to seed (default 100000); the database is kept under
#                     target/bench/ and reused by later runs with the same N
#   --no-peers        doan-api alone (the 1M scaling run, or no peer kit at hand)
#   --with-directus   Directus too (slow to install; its searches take long to drain)
#   --smoke           N defaults to 2000, 1 s a query, no warm-up, no peers: CI runs this so the
#                     script never rots (figures from it mean nothing)
#   --writes R        measure each query twice: read-only, then while an editor writes R times
#                     a second (bench/writer.py: new published activities and changed
#                     summaries, in turn); the table shows both side by side, with the writes
#                     done, failed and their p99
#   --backend postgres  serve the same data from PostgreSQL: `seed --synthetic N` (the same
#                     generator and seed as the SQLite file) into database doan_bench_N of
#                     BENCH_POSTGRES (a role that may create databases), or of a cluster of its
#                     own under target/bench/pg (.ci/pg-cluster, port 55437, durable: fsync
#                     on); kept and reused as the SQLite file is
# Environment: DURATION (10s), CONNS (32), THREADS (2), WARMUP (2s), ONLY (comma-separated
#   query names), PEERS (the peer kit, default ../shared/peers next to the clone),
#   BENCH_NO_WRK=1 (smoke only: fetch every path once with curl, as when wrk cannot be installed),
#   BENCH_BIN (a doan-api binary to run instead of building the release one: CI's smoke).
# The server and wrk share this machine's cores: the figures compare servers measured the
# same way in one run, not absolute capacity.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

N=100000 PEER_RUN=1 DIRECTUS=0 SMOKE=0 WRITES=0 NEXT="" BACKEND=sqlite
for arg in "$@"; do
  if [[ "$NEXT" == writes ]]; then WRITES=$arg NEXT=""; continue; fi
  if [[ "$NEXT" == backend ]]; then BACKEND=$arg NEXT=""; continue; fi
  case "$arg" in
    --writes) NEXT=writes ;;
    --backend) NEXT=backend ;;
    --backend=*) BACKEND=${arg#--backend=} ;;
    --writes=*) WRITES=${arg#--writes=} ;;
    --with-directus) DIRECTUS=1 ;;
    --no-peers) PEER_RUN=0 ;;
    --smoke) SMOKE=1 PEER_RUN=0 N=2000 ;;
    [0-9]*) N=$arg ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
[[ -z "$NEXT" && "$WRITES" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "--writes needs a rate (writes a second)" >&2; exit 2; }
[[ "$BACKEND" == sqlite || "$BACKEND" == postgres ]] || { echo "--backend is sqlite or postgres" >&2; exit 2; }
if (( SMOKE )); then DURATION=${DURATION:-1s} WARMUP=${WARMUP:-0}; fi
DURATION=${DURATION:-10s} WARMUP=${WARMUP:-2s} CONNS=${CONNS:-32} THREADS=${THREADS:-2}
ONLY=${ONLY:-}
PEERS=${PEERS:-$ROOT/../shared/peers}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK="$TARGET/bench"
RUN="$WORK/run-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  SUDO=""; [[ $(id -u) == 0 ]] || SUDO=sudo
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null; } || true
fi
NOWRK=0
if [[ -n "${BENCH_NO_WRK:-}" ]] || ! command -v wrk >/dev/null; then
  if (( SMOKE )); then
    echo "# wrk could not be installed: the smoke run fetches every path once with curl instead" >&2
    NOWRK=1
  else
    echo "wrk is needed (apt-get install wrk)" >&2; exit 1
  fi
fi

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t$THREADS -c$CONNS -d$DURATION (warm-up $WARMUP) on the same cores as the server, over loopback"
if [[ -n "${BENCH_BIN:-}" ]]; then
  BIN=$BENCH_BIN   # a binary already built (CI's smoke uses the test build's)
else
  cargo build --release --locked --quiet
  BIN="$TARGET/release/doan-api"
fi
DB="$WORK/doan-$N.db"
if [[ ! -f "$DB" ]]; then
  started=$(date +%s%N)
  "$BIN" seed --synthetic "$N" --database "$DB.tmp" >"$RUN/seed.log" 2>&1
  mv "$DB.tmp" "$DB"; for ext in -wal -shm; do if [[ -f "$DB.tmp$ext" ]]; then mv "$DB.tmp$ext" "$DB$ext"; fi; done
  echo "# seed --synthetic $N: $(( ($(date +%s%N) - started) / 1000000 )) ms"
fi
if [[ "$BACKEND" == postgres ]]; then
  # The same rows in PostgreSQL, moved as a deployment moves (export, import).
  SERVER=${BENCH_POSTGRES:-$(.ci/pg-cluster start "$WORK/pg" 55437)}
  BASE=${SERVER%/*}
  PGDB="$BASE/doan_bench_$N"
  if ! psql "$SERVER" -Atc "SELECT 1 FROM pg_database WHERE datname = 'doan_bench_$N'" | grep -q 1; then
    started=$(date +%s%N)
    psql -q "$SERVER" -c "DROP DATABASE IF EXISTS doan_bench_${N}_tmp" -c "CREATE DATABASE doan_bench_${N}_tmp"
    "$BIN" seed --synthetic "$N" --database "$BASE/doan_bench_${N}_tmp" >"$RUN/seed-pg.log" 2>&1
    psql -q "$SERVER" -c "ALTER DATABASE doan_bench_${N}_tmp RENAME TO doan_bench_$N"
    psql -q "$PGDB" -c "VACUUM ANALYZE"
    echo "# seed --synthetic $N into PostgreSQL (the same generator and seed as the SQLite file): $(( ($(date +%s%N) - started) / 1000000 )) ms"
  fi
  DB=$PGDB
  echo "# backend: PostgreSQL $(psql "$SERVER" -Atc 'SHOW server_version'), database doan_bench_$N"
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADMIN_PASSWORD="Bench-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
WRITER="bench-$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
if [[ "$WRITES" != 0 ]]; then  # the editor's account, new each run (the database is reused)
  printf '%s' "$ADMIN_PASSWORD" | "$BIN" create-user --database "$DB" --username "$WRITER" \
    --role admin --password-stdin >"$RUN/writer-user.log" 2>&1
fi
DOAN_ADMIN_PASSWORD="$ADMIN_PASSWORD" DOAN_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  "$BIN" serve --bind "127.0.0.1:$port" --database "$DB" --media-dir "$WORK/media" >"$RUN/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 1200); do  # up to 10 min: a database of an older version rebuilds its search index at start
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { echo "the server exited:"; cat "$RUN/server.log"; exit 1; }
  sleep 0.5
done
python3 bench/queries.py "http://127.0.0.1:$port" "$RUN" >"$RUN/queries.txt"

to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
  if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
  printf "%.1f", n }'; }
drain() { curl -s -o /dev/null -m 600 "$1" || true; }

# wrk over a query's paths; prints "req/s p50 p99 non2xx" (ms), or fails naming the output.
measure() { # name, paths, output
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 30s --latency -s bench/rotate.lua \
    "http://127.0.0.1:$port" -- "$2" >"$3" 2>&1 || true
  local rps p50 p99 bad
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$3")
  p50=$(awk '$1 == "50%" {print $2}' "$3")
  p99=$(awk '$1 == "99%" {print $2}' "$3")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$3")
  if [[ -z "$rps" || -z "$p50" ]]; then echo "wrk failed for $1: $3" >&2; return 1; fi
  printf "%s\t%s\t%s\t%s\n" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" "${bad:-0}"
}

# The editor (bench/writer.py) writes while its flag file exists; writes_done prints "done
# failed p99_ms" of its output.
start_writer() { # output
  touch "$RUN/writing"
  python3 bench/writer.py "http://127.0.0.1:$port" "$WRITES" "$WRITER" "$ADMIN_PASSWORD" "$RUN/writing" "$1" &
  writer=$!
}
stop_writer() {
  rm -f "$RUN/writing"; wait "$writer" || { echo "the writer failed" >&2; exit 1; }
}
writes_done() { # output
  python3 - "$1" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
ok = sorted(float(s) for c, s in rows if c.startswith("2"))
failed = len(rows) - len(ok)
p99 = ok[min(len(ok) - 1, int(len(ok) * 0.99))] * 1000 if ok else 0
print(f"{len(ok)}\t{failed}\t{p99:.1f}", end="")
PY
}

# One line per query: name req/s p50 p99 one_ms non2xx peer count [with writes: req/s p50 p99
# non2xx one_ms writes_ok writes_failed write_p99]
: >"$RUN/doan-api.tsv"
while read -r name count peer; do
  [[ -n "$ONLY" && ",$ONLY," != *",$name,"* ]] && continue
  paths="$RUN/$name.paths"
  first="http://127.0.0.1:$port$(head -n1 "$paths")"
  if (( NOWRK )); then
    while read -r p; do
      code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$p")
      [[ "$code" == 2* ]] || { echo "HTTP $code for $p" >&2; exit 1; }
    done <"$paths"
    printf "%s\t0\t-\t-\t-\t0\t%s\t%s\n" "$name" "$peer" "$count" >>"$RUN/doan-api.tsv"
    continue
  fi
  if [[ "$WARMUP" != 0 ]]; then
    wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" --timeout 30s -s bench/rotate.lua "http://127.0.0.1:$port" -- "$paths" >/dev/null 2>&1 || true
    drain "$first"
  fi
  # One request alone: the median of 5 over the first paths, on the idle server.
  one=$(for p in $(head -n5 "$paths"); do curl -sS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$p"; done |
    sort -n | awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] * 1000}')
  read -r rps p50 p99 bad < <(measure "$name" "$paths" "$RUN/$name.wrk" || echo FAIL)
  [[ "$rps" != FAIL ]] || exit 1
  drain "$first"
  line=$(printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s" "$name" "$rps" "$p50" "$p99" "$one" "$bad" "$peer" "$count")
  if [[ "$WRITES" != 0 ]]; then
    start_writer "$RUN/$name.writes"
    # One request alone right after a write (the writer's first lands within its first second).
    sleep 1.2
    wone=$(curl -sS -o /dev/null -w '%{time_total}' "$first" | awk '{printf "%.1f", $1 * 1000}')
    read -r wrps wp50 wp99 wbad < <(measure "$name" "$paths" "$RUN/$name.writes.wrk" || echo FAIL)
    stop_writer
    written=$(writes_done "$RUN/$name.writes")
    [[ "$wrps" != FAIL ]] || exit 1
    drain "$first"
    line+=$(printf "\t%s\t%s\t%s\t%s\t%s\t%s" "$wrps" "$wp50" "$wp99" "$wbad" "$wone" "$written")
  fi
  printf "%s\n" "$line" >>"$RUN/doan-api.tsv"
done <"$RUN/queries.txt"
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
kill $server; wait $server 2>/dev/null || true
trap - EXIT

: >"$RUN/peers.tsv"
run_peer() { # name, start command, url set
  local peer=$1 start=$2 set=$3
  echo "# $peer: starting (install on first use)" >&2
  if ! "$start" >"$RUN/$peer.start.log" 2>&1; then echo "# $peer: failed to start, see $RUN/$peer.start.log" >&2; return; fi
  OUT="$RUN/$peer" DURATION=$DURATION WARMUP=$WARMUP CONNS=$CONNS THREADS=$THREADS \
    "$PEERS/bench_peer.sh" "$set" >"$RUN/$peer.out" 2>&1 || true
  "$start" stop >/dev/null 2>&1 || true
  awk -v p="$peer" '!/^#/ && $2 ~ /^[0-9.]+$/ {print p "\t" $1 "\t" $2 "\t" $3 "\t" $4 "\t" $9}' "$RUN/$peer.out" >>"$RUN/peers.tsv"
}
if (( PEER_RUN )); then
  if [[ ! -d "$PEERS" ]]; then
    echo "# no peer kit at $PEERS (set PEERS=…): doan-api alone" >&2
  else
    [[ -f /tmp/peers/activities.db ]] || python3 "$PEERS/gen_data.py" >"$RUN/gen_data.log" 2>&1
    run_peer datasette "$PEERS/datasette.sh" "$PEERS/urls/datasette.txt"
    (( DIRECTUS )) && run_peer directus "$PEERS/directus.sh" "$PEERS/urls/directus.txt"
  fi
fi

python3 - "$RUN" "$N" "${rss_kb:-0}" "$WRITES" "$BACKEND" <<'PY'
import sys
run, n, rss, writes, backend = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
ours = [l.rstrip("\n").split("\t") for l in open(f"{run}/doan-api.tsv") if l.strip()]
peers = {}
for l in open(f"{run}/peers.tsv"):
    p, name, rps, p50, p99, one = l.rstrip("\n").split("\t")
    peers.setdefault(name, []).append((p, float(rps), p50, p99, one))
print(f"\n## {n} activities ({backend}) — doan-api peak RSS {rss / 1024:.0f} MiB\n")
print("| query | paths | doan-api req/s | p50 ms | p99 ms | one ms | non-2xx | best peer (query) | peer req/s | peer p99 ms | ratio |")
print("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
for name, rps, p50, p99, one, bad, peer, count, *_ in ours:
    best = max(peers.get(peer, []), key=lambda t: t[1], default=None)
    if best:
        ratio = f"{float(rps) / best[1]:.1f}×" if best[1] > 0 else "∞"
        cells = f"{best[0]} ({peer}) | {best[1]:.1f} | {best[3]} | {ratio}"
    else:
        cells = "– | – | – | –"
    print(f"| {name} | {count} | {float(rps):.0f} | {p50} | {p99} | {one} | {bad} | {cells} |")
if writes != "0":
    print(f"\nWith writes: the same query while an editor writes {writes}/s (bench/writer.py); "
          "`one ms` there is one request right after a write; writes: done / failed, p99 ms.\n")
    print("| query | read-only req/s | p99 ms | with writes req/s | p50 ms | p99 ms | one ms | non-2xx | writes | write p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in ours:
        if len(row) < 16:
            continue
        name, rps, _, p99 = row[:4]
        wrps, wp50, wp99, wbad, wone, wok, wfail, wp99w = row[8:16]
        print(f"| {name} | {float(rps):.0f} | {p99} | {float(wrps):.0f} | {wp50} | {wp99} | {wone} | {wbad} | {wok} / {wfail} | {wp99w} |")
print(f"\nraw output: {run}")
PY
