#!/usr/bin/env bash
# Median latency of one request per list filter on a seeded database (a quick measurement; the
# load benchmark against the peers is separate).
#
#   cargo build --release
#   ./target/release/doan-api seed --synthetic 1000000 --database /tmp/bench/doan.db
#   bench/list_latency.sh /tmp/bench/doan.db [runs]
#
# Prints one line per query: median and p90 of `runs` sequential requests (default 15) after
# one warm-up request, each on an idle server, with curl's time_total.
set -euo pipefail
db=${1:?usage: list_latency.sh DATABASE [RUNS]}
runs=${2:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${CARGO_TARGET_DIR:-$root/target}/release/doan-api"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --bind "127.0.0.1:$port" --database "$db" --log-format json >/tmp/list_latency.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
base="http://127.0.0.1:$port/api/v1"
# One unit, one cluster and one tag that exist in the synthetic data.
unit=$(curl -fsS "$base/organizations?kind=grassroots_branch&per_page=1&sort=created_at" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')
cursor=$(curl -fsS "$base/activities?per_page=20" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["next_cursor"])')
queries=(
  "newest             /activities?per_page=20"
  "page_50            /activities?per_page=20&page=50"
  "cursor_page_2      /activities?per_page=20&cursor=$cursor"
  "organization       /activities?organization=$unit"
  "organizer          /activities?organizer=$unit"
  "bloc_subtree       /activities?organization=doan-khoi-cac-co-quan-tinh-lang-son&include_descendants=true"
  "cluster            /activities?cluster=cum-thi-dua-so-1"
  "category           /activities?category=volunteering"
  "category_year      /activities?category=volunteering&occurred_from=2023-01-01&occurred_to=2023-12-31"
  "tag                /activities?tag=thang-thanh-nien"
  "date_range         /activities?occurred_from=2023-09-01&occurred_to=2023-09-30"
  "status_archived    /activities?status=archived"
  "q_thanh_nien       /activities?q=thanh%20nien"
  "q_thanh_nien_vi    /activities?q=thanh%20ni%C3%AAn"
  "q_rare             /activities?q=ins%20vi%20pham"
  "q_relevance        /activities?q=mau%20son&sort=relevance"
  "sort_title         /activities?sort=title"
  "by_id              /activities/500000"
  "stats_month        /stats/activities?group_by=month"
  "feed_rss           /../../feeds/activities.rss"
)
printf '%-18s %9s %9s %9s\n' query median_ms p90_ms total
for entry in "${queries[@]}"; do
  name=${entry%% *}
  path=$(echo "${entry#* }" | sed 's/^ *//')
  url="$base$path"
  total=$(curl -fsS "$url" | python3 -c 'import json,sys
try: print(json.load(sys.stdin).get("meta",{}).get("total","-"))
except Exception: print("-")' 2>/dev/null || echo "err")
  times=()
  for _ in $(seq 1 "$runs"); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' "$url")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v total="$total" '
    { t[NR] = $1 * 1000 }
    END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2;
          p = t[int(NR * 0.9 + 0.5)];
          printf "%-18s %9.1f %9.1f %9s\n", name, m, p, total }'
done
