// The list page: the bloc's units' activities, newest publication first (the seed page,
// "Hoạt động của các tổ chức cơ sở Đoàn"), or one unit's (/to-chuc/{slug}); search, filters by
// unit, category, month and campaign tag; page numbers ("Trang 2/3") and "Xem thêm" (the next
// page by cursor, appended). The filters are a GET form: each change is a new URL, so the back
// button and a shared link restore it.
//
// Requests for the default page: the list and the vocabularies (2). Units and tags are read
// only when the filters are opened or one is in use.

import {
  ApiError, feedLinks, getJson, getTags, getUnits, getVocabularies, listActivities,
} from './api.js';
import { h, picture, say, unitHref, vnDate } from './render.js';

/** @typedef {import('./api.js').ListItem} ListItem */
/** @typedef {import('./api.js').ActivityQuery} ActivityQuery */

const PER_PAGE = 10;
/** The unit whose subtree the front page lists (set on `<html data-scope>`). */
const SCOPE = document.documentElement.dataset.scope || 'doan-khoi-cac-co-quan-tinh-lang-son';

const params = new URLSearchParams(location.search);
const onUnitPage = location.pathname.match(/^\/to-chuc\/([^/]+)\/?$/);
/** @type {Record<string, string>} */
const filters = {
  q: params.get('q') ?? '',
  organization: onUnitPage ? decodeURIComponent(onUnitPage[1]) : params.get('organization') ?? '',
  category: params.get('category') ?? '',
  month: params.get('month') ?? '',
  tag: params.get('tag') ?? '',
};
const page = Math.max(1, Math.trunc(Number(params.get('page'))) || 1);

/**
 * `YYYY-MM` as its first and last day.
 * @param {string} month
 */
function monthRange(month) {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return {};
  const [y, mo] = [Number(m[1]), Number(m[2])];
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return { occurred_from: `${m[1]}-${m[2]}-01`, occurred_to: `${m[1]}-${m[2]}-${String(last).padStart(2, '0')}` };
}

/**
 * The API query of this page.
 * @param {{ cursor?: string }} [at]
 * @returns {ActivityQuery}
 */
function query(at = {}) {
  /** @type {ActivityQuery} */
  const q = {
    per_page: PER_PAGE,
    sort: ['-published_at'],
    organization: filters.organization || SCOPE,
    include_descendants: true,
    ...monthRange(filters.month),
  };
  if (filters.q) q.q = filters.q;
  if (filters.category) q.category = [/** @type {any} */ (filters.category)];
  if (filters.tag) q.tag = [filters.tag];
  if (at.cursor) q.cursor = at.cursor;
  else q.page = page;
  return q;
}

/**
 * One news item.
 * @param {ListItem} item
 * @param {number} index
 */
function card(item, index) {
  const link = new URL(item.url, location.origin);
  const href = link.origin === location.origin ? link.pathname : item.url;
  const summary = h('p', { class: 'summary' });
  if (item.highlight) summary.innerHTML = item.highlight; // escaped by the API, marks in <mark>
  else summary.textContent = item.summary ?? '';
  const photo = item.photo
    ? h('a', { href, class: 'thumb', tabindex: -1, 'aria-hidden': 'true' }, [
      picture(item.photo, '(max-width: 640px) 100vw, 220px', { eager: index < 4 }),
    ])
    : h('div', { class: 'thumb empty', 'aria-hidden': 'true' }, [item.category_label]);
  return h('li', { class: 'card', 'data-id': item.id }, [
    photo,
    h('div', { class: 'text' }, [
      h('h2', {}, [h('a', { href }, [item.title])]),
      h('p', { class: 'meta' }, [
        h('time', { datetime: item.occurred_on }, [vnDate(item.occurred_on)]),
        ' · ',
        h('a', { href: unitHref(item.organizer.slug) }, [item.organizer.name]),
        ' · ',
        h('span', {}, [item.category_label]),
      ]),
      summary,
    ]),
  ]);
}

/**
 * Page numbers around this one, with the first and the last.
 * @param {import('./api.js').ListMeta} meta
 */
function pageNav(meta) {
  const nav = document.getElementById('pages');
  if (!nav) return;
  nav.replaceChildren();
  const total = meta.total_pages ?? 0;
  if (total <= 1) return;
  const more = meta.total_relation === 'gte' ? '+' : '';
  /** @param {number} n */
  const to = (n) => {
    const next = new URLSearchParams(location.search);
    next.set('page', String(n));
    return `${location.pathname}?${next}`;
  };
  nav.append(h('p', { class: 'count' }, [`Trang ${page}/${total}${more}`]));
  const list = h('ul', {});
  /** @param {number} n @param {string} [label] @param {string} [rel] */
  const item = (n, label = String(n), rel) => list.append(h('li', {}, [
    n === page
      ? h('span', { 'aria-current': 'page' }, [label])
      : h('a', { href: to(n), rel: rel ?? null, 'aria-label': `Trang ${n}` }, [label]),
  ]));
  if (page > 1) item(page - 1, '‹ Trước', 'prev');
  for (let n = 1; n <= total; n += 1) {
    if (n === 1 || n === total || Math.abs(n - page) <= 2) item(n);
    else if (Math.abs(n - page) === 3) list.append(h('li', { class: 'gap' }, ['…']));
  }
  if (page < total) item(page + 1, 'Sau ›', 'next');
  nav.append(list);
}

/**
 * The filter form's values and options: categories from the vocabularies, units as a tree,
 * tags; read when needed.
 * @param {boolean} full whether to read the units and tags
 */
async function fillFilters(full) {
  const form = /** @type {HTMLFormElement} */ (document.getElementById('filters'));
  const q = /** @type {HTMLInputElement} */ (form.elements.namedItem('q'));
  q.value = filters.q;
  const month = /** @type {HTMLInputElement} */ (form.elements.namedItem('month'));
  month.value = filters.month;
  const vocab = await getVocabularies();
  const category = /** @type {HTMLSelectElement} */ (form.elements.namedItem('category'));
  if (category.options.length <= 1) {
    for (const term of vocab.categories) category.append(h('option', { value: term.code }, [term.label]));
  }
  category.value = filters.category;
  if (!full) return;
  const [units, tags] = await Promise.all([getUnits(), getTags()]);
  const unit = /** @type {HTMLSelectElement} */ (form.elements.namedItem('organization'));
  if (unit.options.length <= 1) {
    /** @type {Map<number | null, typeof units>} */
    const below = new Map();
    for (const u of units) {
      const key = u.parent_id ?? null;
      below.set(key, [...(below.get(key) ?? []), u]);
    }
    const ids = new Set(units.map((u) => u.id));
    /** @param {number | null} parent @param {number} depth */
    const add = (parent, depth) => {
      for (const u of (below.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name, 'vi'))) {
        unit.append(h('option', { value: u.slug }, [`${'— '.repeat(depth)}${u.name}`]));
        add(u.id, depth + 1);
      }
    };
    add(null, 0);
    // Units whose parent is not listed (inactive), at the top level.
    for (const u of units) if (u.parent_id !== null && u.parent_id !== undefined && !ids.has(u.parent_id)) add(u.parent_id, 0);
  }
  unit.value = filters.organization;
  const tag = /** @type {HTMLSelectElement} */ (form.elements.namedItem('tag'));
  if (tag.options.length <= 1) {
    for (const t of tags) tag.append(h('option', { value: t.slug }, [t.name]));
  }
  tag.value = filters.tag;
}

async function main() {
  const form = /** @type {HTMLFormElement} */ (document.getElementById('filters'));
  const list = /** @type {HTMLOListElement} */ (document.getElementById('list'));
  const more = /** @type {HTMLButtonElement} */ (document.getElementById('more-button'));
  const details = /** @type {HTMLDetailsElement} */ (document.getElementById('more-filters'));
  const filtered = Boolean((filters.organization && !onUnitPage) || filters.tag);
  if (filtered) details.open = true;
  details.addEventListener('toggle', () => { if (details.open) fillFilters(true).catch(() => {}); });
  // A filter changed: a new URL (the search box waits for Enter or the button).
  for (const name of ['organization', 'category', 'month', 'tag']) {
    const field = /** @type {HTMLElement | null} */ (form.elements.namedItem(name));
    field?.addEventListener('change', () => form.requestSubmit());
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(form)) {
      if (typeof value === 'string' && value.trim()) next.set(key, value.trim());
    }
    const base = onUnitPage && !next.has('organization') ? location.pathname : '/';
    location.assign(next.toString() ? `${base}?${next}` : base);
  });
  if (onUnitPage) {
    const unit = await getJson(`/api/v1/organizations/${encodeURIComponent(filters.organization)}`, { fields: 'name,kind_label' });
    const heading = document.getElementById('heading');
    if (heading) heading.textContent = unit.name;
    document.title = `${unit.name} — Hoạt động`;
  }
  const feeds = feedLinks({ ...filters, organization: filters.organization || SCOPE });
  for (const [kind, href] of Object.entries(feeds)) {
    document.getElementById(`feed-${kind}`)?.setAttribute('href', href);
  }
  say('Đang tải…');
  const [result] = await Promise.all([listActivities(query()), fillFilters(filtered)]);
  list.replaceChildren(...result.data.map(card));
  const total = result.meta.total_relation === 'gte' ? `hơn ${result.meta.total}` : String(result.meta.total);
  say(result.data.length
    ? `${total} hoạt động${filters.q ? ` cho “${filters.q}”` : ''}`
    : 'Không có hoạt động nào phù hợp.');
  pageNav(result.meta);
  let cursor = result.meta.next_cursor;
  more.hidden = !cursor;
  more.addEventListener('click', async () => {
    if (!cursor) return;
    more.disabled = true;
    const next = await listActivities(query({ cursor }));
    const from = list.children.length;
    list.append(...next.data.map((item, i) => card(item, from + i)));
    cursor = next.meta.next_cursor;
    more.hidden = !cursor;
    more.disabled = false;
    say(`Đã hiện ${list.children.length} hoạt động`);
  });
}

main().catch((error) => {
  say(error instanceof ApiError && error.status === 404
    ? 'Không tìm thấy đơn vị hoặc bộ lọc này.'
    : 'Không tải được danh sách. Vui lòng thử lại.');
  console.warn(error);
});
