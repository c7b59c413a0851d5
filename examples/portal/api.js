// The API as the portal uses it: same origin, typed by the types generated from the spec
// (examples/ts-client/src/schema.d.ts; CI checks these files with `tsc --checkJs`, so a spec
// change that breaks the page fails the build).

/** @typedef {import('../ts-client/src/schema').components['schemas']} Schemas */
/** @typedef {Schemas['ActivitySummary']} ActivitySummary */
/** @typedef {Schemas['Activity']} Activity */
/** @typedef {Schemas['Photo']} Photo */
/** @typedef {Schemas['Vocabularies']} Vocabularies */
/** @typedef {Schemas['Organization']} Organization */
/** @typedef {Schemas['TagCount']} TagCount */
/** @typedef {Schemas['ListMeta']} ListMeta */
/** @typedef {Schemas['ListLinks']} ListLinks */
/** @typedef {import('../ts-client/src/schema').paths} Paths */
/** @typedef {NonNullable<Paths['/api/v1/activities']['get']['parameters']['query']>} ActivityQuery */
/** @typedef {NonNullable<ActivityQuery['fields']>[number]} SummaryField */

/**
 * A list page whose items have only the members named in `fields`.
 * @template T
 * @template {keyof T} K
 * @typedef {{ data: Pick<T, K>[], meta: ListMeta, links: ListLinks }} Page
 */

/** The members a list item of the portal shows (a sparse fieldset: a third of the bytes). */
export const SUMMARY_FIELDS = /** @type {const} */ ([
  'id', 'slug', 'url', 'title', 'summary', 'occurred_on', 'organizer', 'category',
  'category_label', 'photo', 'tags', 'highlight',
]);

/** @type {readonly SummaryField[]} */
const checkedFields = SUMMARY_FIELDS; // each name must be one the spec lists
void checkedFields;

/** @typedef {Pick<ActivitySummary, typeof SUMMARY_FIELDS[number]>} ListItem */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * GET a JSON document of the API (the browser's cache revalidates it with its ETag).
 * @param {string} path
 * @param {Record<string, string | number | undefined | null>} [query]
 * @returns {Promise<any>}
 */
export async function getJson(path, query = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!res.ok) {
    /** @type {{ detail?: string, title?: string }} */
    let problem = {};
    try { problem = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, problem.detail || problem.title || `HTTP ${res.status}`);
  }
  return res.json();
}

/**
 * One page of activities, as the list shows them.
 * @param {ActivityQuery} query
 * @returns {Promise<Page<ActivitySummary, typeof SUMMARY_FIELDS[number]>>}
 */
export function listActivities(query) {
  const { fields, ...rest } = query;
  return getJson('/api/v1/activities', {
    ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])),
    fields: (fields ?? SUMMARY_FIELDS).join(','),
  });
}

/**
 * One activity with everything its page shows.
 * @param {string} slug
 * @returns {Promise<Activity>}
 */
export function getActivity(slug) {
  return getJson(`/api/v1/activities/${encodeURIComponent(slug)}`);
}

/** @type {Promise<Vocabularies> | undefined} */
let vocabularies;

/** The code lists with their Vietnamese labels (one request, then kept). */
export function getVocabularies() {
  vocabularies ??= getJson('/api/v1/vocabularies');
  return vocabularies;
}

/**
 * Every unit, to build the tree (asked for only when the filters are opened or used).
 * @returns {Promise<Pick<Organization, 'id' | 'slug' | 'name' | 'parent_id' | 'kind'>[]>}
 */
export async function getUnits() {
  /** @type {Pick<Organization, 'id' | 'slug' | 'name' | 'parent_id' | 'kind'>[]} */
  const all = [];
  /** @type {string | undefined} */
  let cursor;
  for (let i = 0; i < 50; i += 1) {
    const page = await getJson('/api/v1/organizations', {
      per_page: 100, fields: 'id,slug,name,parent_id,kind', cursor, active: 'true',
    });
    all.push(...page.data);
    cursor = page.meta.next_cursor;
    if (!cursor) break;
  }
  return all;
}

/**
 * The campaign tags in use.
 * @returns {Promise<TagCount[]>}
 */
export function getTags() {
  return getJson('/api/v1/tags');
}

/**
 * The feeds of what a list shows (the feeds take the same filters).
 * @param {Record<string, string>} filters
 */
export function feedLinks(filters) {
  const query = new URLSearchParams();
  for (const key of ['q', 'organization', 'category', 'tag', 'cluster']) {
    if (filters[key]) query.set(key, filters[key]);
  }
  const suffix = query.toString() ? `?${query}` : '';
  return {
    rss: `/feeds/activities.rss${suffix}`,
    atom: `/feeds/activities.atom${suffix}`,
    json: `/feeds/activities.json${suffix}`,
  };
}
