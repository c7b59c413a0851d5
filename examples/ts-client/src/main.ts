// A typed client for doan-api, generated from openapi/openapi.json.
//
// Every value is read through the types that `npm run generate` writes to
// src/schema.d.ts: no `as`, no `any`, no `@ts-ignore`. If the spec changes in a
// way that breaks a client, `npm run check` fails on the line that breaks; if the
// server stops doing what the spec says, the run fails with a message.
//
// Env: DOAN_URL (e.g. http://127.0.0.1:8080), DOAN_USER, DOAN_PASSWORD (an admin).

import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
type Category = Schemas["Category"];
type Problem = Schemas["Problem"];

// The media types this client reads. Without this, a 200 that the spec offers both
// as JSON and as CSV (the stats) would be typed `Stats | string`. The problem type
// must be listed too, or the errors would be typed as the whole `content` map.
type Media = "application/json" | "application/feed+json" | "application/problem+json";

const TIMEOUT_MS = 15_000;
const MAX_PAGES = 100;

class Failure extends Error {}

function fail(message: string): never {
  throw new Failure(message);
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    fail(`environment variable ${name} is not set (need DOAN_URL, DOAN_USER, DOAN_PASSWORD)`);
  }
  return value;
}

function step(label: string, line: string): void {
  console.log(`[${label}] ${line}`);
}

/** One line saying what a failed call got back: status, and the problem document if any. */
function describe(response: Response, error: Problem | undefined): string {
  const what = `${response.status} ${response.statusText}`.trim();
  if (error === undefined) {
    return `HTTP ${what}`;
  }
  const fields = (error.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ");
  return `HTTP ${what}: ${error.title}${error.detail ? ` — ${error.detail}` : ""}${fields ? ` [${fields}]` : ""}`;
}

/** Fails unless the call got exactly `expected` and a body. */
function expectStatus(what: string, response: Response, expected: number, error: Problem | undefined): void {
  if (response.status !== expected) {
    fail(`${what}: expected HTTP ${expected}, got ${describe(response, error)}`);
  }
}

function queryOf(response: Response): string {
  return new URL(response.url).search;
}

function client(baseUrl: string, token?: string) {
  return createClient<paths, Media>({
    baseUrl,
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    // Never hang a CI run on a stuck server.
    fetch: (request: Request) => fetch(request, { signal: AbortSignal.timeout(TIMEOUT_MS) }),
  });
}

async function main(): Promise<void> {
  const baseUrl = env("DOAN_URL");
  const username = env("DOAN_USER");
  const password = env("DOAN_PASSWORD");
  const api = client(baseUrl);
  console.log(`doan-api typed client example against ${baseUrl}`);

  // ---- a. list with two array filters (sent as repeated parameters) ----------------
  const all = await api.GET("/api/v1/activities", { params: { query: { per_page: 100 } } });
  if (all.data === undefined) {
    fail(`list activities: ${describe(all.response, all.error)}`);
  }
  expectStatus("list activities", all.response, 200, all.error);
  const everything = all.data.data;
  // The activity with the most tags gives two tags that surely match something,
  // and its category plus another one gives the category filter.
  const [anchor] = [...everything].sort((x, y) => y.tags.length - x.tags.length);
  if (anchor === undefined || anchor.tags.length < 2) {
    fail("list activities: need a published activity with at least two tags to filter on");
  }
  const tags = anchor.tags.slice(0, 2).map((t) => t.slug);
  const otherCategory: Category =
    everything.map((x) => x.category).find((c) => c !== anchor.category) ?? "other";
  const categories: Category[] = [anchor.category, otherCategory];

  const filtered = await api.GET("/api/v1/activities", {
    params: { query: { category: categories, tag: tags, per_page: 100 } },
  });
  if (filtered.data === undefined) {
    fail(`list activities filtered: ${describe(filtered.response, filtered.error)}`);
  }
  expectStatus("list activities filtered", filtered.response, 200, filtered.error);
  const list = filtered.data;
  step("a", `GET /api/v1/activities${queryOf(filtered.response)} -> ${filtered.response.status}, total ${list.meta.total}`);
  for (const item of list.data) {
    step("a", `  #${item.id} ${item.category_label} [${item.tags.map((t) => t.slug).join(", ")}] ${item.title}`);
    // What a list links to, and the cluster, as the server says them (nothing re-derived).
    step("a", `    page ${item.url}; api ${item.links.self}; cluster ${item.cluster?.name ?? "-"}`);
    if (!categories.includes(item.category)) {
      fail(`list activities filtered: #${item.id} has category ${item.category}, not one of ${categories.join(", ")}`);
    }
    const slugs = item.tags.map((t) => t.slug);
    const missing = tags.filter((t) => !slugs.includes(t));
    if (missing.length > 0) {
      fail(`list activities filtered: #${item.id} lacks tag(s) ${missing.join(", ")}`);
    }
  }
  if (all.data.meta.total <= everything.length) {
    // The unfiltered list was complete: the server's answer must be exactly what
    // the two filters select from it (categories OR-ed, tags AND-ed).
    const expected = everything
      .filter((x) => categories.includes(x.category) && tags.every((t) => x.tags.some((r) => r.slug === t)))
      .map((x) => x.id)
      .sort((p, q) => p - q);
    const got = list.data.map((x) => x.id).sort((p, q) => p - q);
    if (expected.join(",") !== got.join(",") || list.meta.total !== expected.length) {
      fail(`list activities filtered: expected ids [${expected.join(", ")}], got [${got.join(", ")}] (total ${list.meta.total})`);
    }
  }
  if (list.meta.total < 1) {
    fail("list activities filtered: no activity matched, but the anchor activity should");
  }

  // ---- b. follow the cursor ---------------------------------------------------------
  const perPage = 3;
  const seen = new Set<number>();
  let cursor: string | undefined;
  let pages = 0;
  let expectedTotal: number | undefined;
  do {
    const page = await api.GET("/api/v1/activities", {
      params: { query: cursor === undefined ? { per_page: perPage } : { per_page: perPage, cursor } },
    });
    if (page.data === undefined) {
      fail(`cursor page ${pages + 1}: ${describe(page.response, page.error)}`);
    }
    expectStatus(`cursor page ${pages + 1}`, page.response, 200, page.error);
    pages += 1;
    expectedTotal ??= page.data.meta.total;
    const ids = page.data.data.map((x) => x.id);
    for (const id of ids) {
      if (seen.has(id)) {
        fail(`cursor page ${pages}: activity #${id} was already on an earlier page`);
      }
      seen.add(id);
    }
    cursor = page.data.meta.next_cursor ?? undefined;
    step("b", `page ${pages}: ids [${ids.join(", ")}]${cursor === undefined ? " (last)" : ", next_cursor " + cursor.slice(0, 16) + "…"}`);
    if (pages >= MAX_PAGES) {
      fail(`cursor: still a next_cursor after ${MAX_PAGES} pages`);
    }
  } while (cursor !== undefined);
  if (pages < 2) {
    fail(`cursor: only ${pages} page(s) of ${perPage}; need at least 2 (are there more than ${perPage} published activities?)`);
  }
  if (seen.size !== expectedTotal) {
    fail(`cursor: walked ${seen.size} distinct activities, meta.total said ${expectedTotal}`);
  }
  step("b", `${pages} pages, ${seen.size} activities, no repeats`);

  // ---- c. log in ----------------------------------------------------------------------
  const login = await api.POST("/api/v1/auth/token", { body: { username, password } });
  if (login.data === undefined) {
    fail(`log in as ${username}: ${describe(login.response, login.error)}`);
  }
  expectStatus("log in", login.response, 200, login.error);
  const token = login.data.access_token;
  step("c", `logged in as ${username}: ${login.data.token_type} token, expires in ${login.data.expires_in}s`);
  const admin = client(baseUrl, token);

  // ---- d. create a draft --------------------------------------------------------------
  const orgs = await admin.GET("/api/v1/organizations", {
    params: { query: { kind: ["grassroots_branch", "branch"], active: true, per_page: 1 } },
  });
  if (orgs.data === undefined) {
    fail(`list organizations: ${describe(orgs.response, orgs.error)}`);
  }
  expectStatus("list organizations", orgs.response, 200, orgs.error);
  const organizer = orgs.data.data[0];
  if (organizer === undefined) {
    fail("list organizations: no active branch to organize the new activity");
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const newActivity: Schemas["CreateActivity"] = {
    title: `Ví dụ TypeScript: ra quân tình nguyện ${stamp}`,
    occurred_on: "2023-10-20",
    category: "volunteering",
    organizer_id: organizer.id,
    summary: "Tạo bởi examples/ts-client để kiểm tra client sinh từ OpenAPI.",
    tags: ["Thanh niên tình nguyện"],
  };
  const created = await admin.POST("/api/v1/activities", { body: newActivity });
  if (created.data === undefined) {
    fail(`create activity: ${describe(created.response, created.error)}`);
  }
  expectStatus("create activity", created.response, 201, created.error);
  const draft = created.data;
  const etag = created.response.headers.get("ETag");
  if (etag === null) {
    fail("create activity: the 201 has no ETag header");
  }
  if (draft.status !== "draft") {
    fail(`create activity: expected status draft, got ${draft.status}`);
  }
  step("d", `created #${draft.id} "${draft.slug}" for ${organizer.name} (#${organizer.id}): ${draft.status}, version ${draft.version}, ETag ${etag}`);
  // Derived fields a page shows are always there (required in the spec): no `?.` needed.
  step("d", `  ${draft.status_label} · ${draft.category_label}; page ${draft.url}; api ${draft.links.self}`);

  // ---- e. publish it with If-Match ------------------------------------------------------
  const id = String(draft.id);
  const published = await admin.PATCH("/api/v1/activities/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    headers: { "Content-Type": "application/merge-patch+json" },
    body: { status: "published" },
  });
  if (published.data === undefined) {
    fail(`publish #${id}: ${describe(published.response, published.error)}`);
  }
  expectStatus(`publish #${id}`, published.response, 200, published.error);
  if (published.data.status !== "published") {
    fail(`publish #${id}: expected status published, got ${published.data.status}`);
  }
  const newEtag = published.response.headers.get("ETag");
  step("e", `published #${published.data.id}: ${published.data.status} at ${published.data.published_at ?? "?"}, version ${published.data.version}, ETag ${newEtag ?? "(none)"}`);
  // The old ETag is stale now: the same header must be refused, so it really is sent.
  const stale = await admin.PATCH("/api/v1/activities/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    headers: { "Content-Type": "application/merge-patch+json" },
    body: { title: `${draft.title} (sửa)` },
  });
  expectStatus(`stale If-Match on #${id}`, stale.response, 412, stale.error);
  step("e", `PATCH with the old ETag -> ${stale.response.status} (${stale.error?.title ?? "no problem body"})`);

  // ---- f. stats by month and category ----------------------------------------------------
  const stats = await api.GET("/api/v1/stats/activities", {
    params: { query: { group_by: ["month", "category"] } },
  });
  if (stats.data === undefined) {
    fail(`stats: ${describe(stats.response, stats.error)}`);
  }
  expectStatus("stats", stats.response, 200, stats.error);
  step("f", `GET /api/v1/stats/activities${queryOf(stats.response)} -> total ${stats.data.total}`);
  let sum = 0;
  let ours = 0;
  const perYear = new Map<string, number>();
  for (const row of stats.data.data) {
    const month = row.keys.month ?? "-";
    const year = row.keys.month?.slice(0, 4) ?? "-";
    const category: Category | "-" = row.keys.category ?? "-";
    step("f", `  ${month} ${category}: ${row.count}`);
    sum += row.count;
    perYear.set(year, (perYear.get(year) ?? 0) + row.count);
    if (row.keys.month === draft.occurred_on.slice(0, 7) && row.keys.category === draft.category) {
      ours += row.count;
    }
  }
  step("f", `  per year: ${[...perYear].map(([y, n]) => `${y}: ${n}`).join(", ")}`);
  if (sum !== stats.data.total) {
    fail(`stats: rows add up to ${sum}, total says ${stats.data.total}`);
  }
  if (ours < 1) {
    fail(`stats: no row for ${draft.occurred_on.slice(0, 7)} / ${draft.category}, where #${id} was just published`);
  }

  // ---- g. JSON Feed ---------------------------------------------------------------------
  const feedResult = await api.GET("/feeds/activities.json", {
    params: { query: { limit: 10 } },
    parseAs: "json",
  });
  if (feedResult.data === undefined) {
    fail(`JSON Feed: ${describe(feedResult.response, feedResult.error)}`);
  }
  expectStatus("JSON Feed", feedResult.response, 200, feedResult.error);
  const contentType = feedResult.response.headers.get("Content-Type") ?? "";
  if (!contentType.startsWith("application/feed+json")) {
    fail(`JSON Feed: Content-Type is ${contentType || "(none)"}, not application/feed+json`);
  }
  const feed = feedResult.data;
  step("g", `${feed.title} (${feed.version}), ${feed.items.length} items, feed_url ${feed.feed_url ?? "-"}`);
  for (const item of feed.items) {
    step("g", `  ${item.date_published ?? "(no date)"} ${item.title} <${item.url}>`);
  }
  const publishedTitle = published.data.title;
  if (!feed.items.some((item) => item.title === publishedTitle)) {
    fail(`JSON Feed: the activity just published ("${publishedTitle}") is not among the newest items`);
  }

  // ---- h. a sparse fieldset, its type narrowed to the members asked ---------------
  const fields = ["id", "title", "url", "published_at"] as const satisfies readonly SummaryField[];
  const sparse = await api.GET("/api/v1/activities", {
    params: { query: { fields: [...fields], per_page: 5 } },
  });
  if (sparse.data === undefined) {
    fail(`sparse list: ${describe(sparse.response, sparse.error)}`);
  }
  expectStatus("sparse list", sparse.response, 200, sparse.error);
  const narrowed = sparse.data.data.map((item) => pick(item, fields));
  for (const item of narrowed) {
    const extra = Object.keys(item).filter((k) => !(fields as readonly string[]).includes(k));
    if (extra.length > 0 || typeof item.title !== "string") {
      fail(`sparse list: item ${item.id} has ${Object.keys(item).join(", ")}`);
    }
  }
  step("h", `fields=${fields.join(",")}: ${narrowed.length} items, e.g. ${JSON.stringify(narrowed[0] ?? {})}`);

  console.log("OK: every step passed");
}

/** The members of a list item `fields` may name, as the spec lists them. */
type SummaryField = NonNullable<
  NonNullable<paths["/api/v1/activities"]["get"]["parameters"]["query"]>["fields"]
>[number];

/** An item of a `fields=` response, typed as exactly those members. */
function pick<T extends object, K extends keyof T>(item: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) {
    if (key in item) out[key] = item[key];
  }
  return out;
}

main().catch((err: unknown) => {
  if (err instanceof Failure) {
    console.error(`FAIL: ${err.message}`);
  } else if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
    console.error(`FAIL: ${err.name}: ${err.message}${cause}`);
  } else {
    console.error(`FAIL: ${String(err)}`);
  }
  process.exit(1);
});
