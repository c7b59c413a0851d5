#!/usr/bin/env python3
"""Write the benchmark's query set for a running doan-api: one file of request paths per query
(bench/rotate.lua sends them in turn). Values come from the API itself (units, tags, clusters,
words of real titles), so the set fits any `seed --synthetic N` database.

    bench/queries.py BASE_URL OUT_DIR

Prints one line per query: name, number of paths, the peer query it matches (or -).
"""
import json
import random
import sys
import unicodedata
import urllib.parse
import urllib.request

BASE, OUT = sys.argv[1].rstrip("/"), sys.argv[2]
rng = random.Random(20231025)


def get(path):
    with urllib.request.urlopen(BASE + path, timeout=600) as r:
        return json.loads(r.read())


def walk(path):
    """Every row of a list, following links.next."""
    url = BASE + path
    while url:
        with urllib.request.urlopen(url, timeout=600) as r:
            body = json.loads(r.read())
        yield from body["data"]
        url = body["links"].get("next")


def fold(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


q = urllib.parse.quote
L = "/api/v1/activities?"
orgs = list(walk("/api/v1/organizations?per_page=100"))
parents = sorted({o["parent_id"] for o in orgs if o["parent_id"]})
tags = get("/api/v1/tags")
tags = tags["data"] if isinstance(tags, dict) else tags
clusters = list(walk("/api/v1/clusters?per_page=100"))
first = get(L + "per_page=100&sort=-occurred_on")
total = first["meta"]["total"]
years = sorted({a["occurred_on"][:4] for a in first["data"]} | {"2020", "2021", "2022", "2023", "2024"})
categories = [c["code"] for c in get("/api/v1/categories")]
months = [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
# Search words: two-syllable runs of real titles (with diacritics), and their folded forms.
titles = [a["title"] for p in range(1, 6) for a in get(L + f"per_page=100&page={p}")["data"]]
pairs = sorted({" ".join(t.split()[i:i + 2]).lower() for t in titles for i in range(0, 3)
                if len(t.split()) > i + 1 and all(w.isalpha() for w in t.split()[i:i + 2])})
words = rng.sample(pairs, min(200, len(pairs))) + ["thanh niên", "tình nguyện", "đoàn viên"]
nonsense = ["".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(7)) for _ in range(200)]


def month_range(m):
    y, mm = int(m[:4]), int(m[5:])
    end = f"{y + (mm == 12)}-{(mm % 12) + 1:02d}-01"
    import datetime
    last = datetime.date.fromisoformat(end) - datetime.timedelta(days=1)
    return f"occurred_from={m}-01&occurred_to={last.isoformat()}"


pages = max(1, min(250, total // 20))

# The cursor walk: the real cursors of pages 2..60, reached as a client does.
cursors, url = [], BASE + L + "sort=-occurred_on&per_page=20"
with urllib.request.urlopen(url) as r:
    body = json.loads(r.read())
nxt = body["meta"].get("next_cursor")
url = BASE + L + "sort=-occurred_on&per_page=20&cursor=" + nxt if nxt else None
while url and len(cursors) < 60:
    cursors.append(url[len(BASE):])
    with urllib.request.urlopen(url) as r:
        url = json.loads(r.read())["links"].get("next")

sets = {
    # name: (paths, the peer query it matches)
    "a_newest": ([L + "sort=-occurred_on&per_page=20"], "a_newest"),
    "b_page_n": ([L + f"sort=-occurred_on&per_page=20&page={p}" for p in range(1, pages + 1)], "b_page50"),
    "b_cursor_walk": (cursors or [L + "per_page=20"], "b_page50"),
    "c_category_year": ([L + f"category={c}&occurred_from={y}-01-01&occurred_to={y}-12-31&sort=-occurred_on&per_page=20"
                         for c in categories for y in years], "c_category_dates"),
    "d_organization": ([L + f"organization={o['id']}&sort=-occurred_on&per_page=20" for o in orgs], "d_organization"),
    "x_organizer": ([L + f"organizer={o['id']}&sort=-occurred_on&per_page=20" for o in orgs], "-"),
    "x_subtree": ([L + f"organization={p}&include_descendants=true&sort=-occurred_on&per_page=20" for p in parents], "-"),
    "x_tag": ([L + f"tag={t['slug']}&sort=-occurred_on&per_page=20" for t in tags], "-"),
    "x_cluster": ([L + f"cluster={c['id']}&sort=-occurred_on&per_page=20" for c in clusters] or [L + "per_page=20"], "-"),
    "x_month": ([L + month_range(m) + "&sort=-occurred_on&per_page=20" for m in months], "-"),
    "e_search": ([L + f"q={q(w)}&sort=-occurred_on&per_page=20" for w in words], "e_fts_thanh_nien_vi"),
    "e_search_folded": ([L + f"q={q(fold(w))}&sort=-occurred_on&per_page=20" for w in words], "e_fts_thanh_nien"),
    "e_search_nomatch": ([L + f"q={w}&sort=-occurred_on&per_page=20" for w in nonsense], "-"),
    "e_relevance": ([L + f"q={q(w)}&sort=relevance&per_page=20" for w in words], "-"),
    "s_month": (["/api/v1/stats/activities?group_by=month"] +
                [f"/api/v1/stats/activities?group_by=month&category={c}" for c in categories], "-"),
    "s_category": (["/api/v1/stats/activities?group_by=category"] +
                   [f"/api/v1/stats/activities?group_by=category&occurred_from={y}-01-01&occurred_to={y}-12-31" for y in years], "-"),
    "s_organization": (["/api/v1/stats/activities?group_by=organization"] +
                       [f"/api/v1/stats/activities?group_by=organization&category={c}" for c in categories], "-"),
    "s_cluster": (["/api/v1/stats/activities?group_by=cluster"] +
                  [f"/api/v1/stats/activities?group_by=cluster&occurred_from={y}-01-01&occurred_to={y}-12-31" for y in years], "-"),
    "f_by_id": ([f"/api/v1/activities/{a['id']}" for p in rng.sample(range(1, pages + 1), min(10, pages))
                 for a in get(L + f"per_page=100&page={p}")["data"]], "f_by_id"),
    "x_feed_rss": (["/feeds/activities.rss"] + [f"/feeds/activities.rss?category={c}" for c in categories], "-"),
    "x_health_live": (["/health/live"], "-"),
}
for name, (paths, peer) in sets.items():
    with open(f"{OUT}/{name}.paths", "w") as f:
        f.write("\n".join(paths) + "\n")
    print(name, len(paths), peer)
