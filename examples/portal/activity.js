// The page of one activity (/hoat-dong/{slug}): one API request. Title, date, unit and
// partners with their roles, place, summary, body, the photo gallery (WebP and sized
// renditions, BlurHash placeholders, captions and credits), documents, tags, byline, and the
// feeds of its unit.

import { ApiError, feedLinks, getActivity } from './api.js';
import { h, picture, say, unitHref, vnDate } from './render.js';

/** @typedef {import('./api.js').Activity} Activity */

/**
 * When it happened, as precisely as known.
 * @param {Activity} a
 */
function when(a) {
  const day = vnDate(a.occurred_on);
  const [y, m] = a.occurred_on.split('-');
  const text = a.date_precision === 'year' ? `Năm ${Number(y)}`
    : a.date_precision === 'month' ? `Tháng ${Number(m)}/${Number(y)}`
      : day;
  const end = a.ends_on ? ` – ${vnDate(a.ends_on)}` : '';
  const part = a.part_of_day_label ? ` (${a.part_of_day_label})` : '';
  return `${text}${end}${part}`;
}

/**
 * The gallery: every photo with its caption and credit.
 * @param {Activity} a
 */
function gallery(a) {
  if (!a.photos.length) return null;
  return h('section', { class: 'gallery', 'aria-label': 'Hình ảnh' }, a.photos.map((photo, i) => h('figure', {}, [
    picture(photo, '(max-width: 760px) 100vw, 720px', { eager: i === 0 }),
    photo.caption || photo.credit
      ? h('figcaption', {}, [
        photo.caption ?? '',
        photo.credit ? h('span', { class: 'credit' }, [` Ảnh: ${photo.credit}`]) : null,
      ])
      : null,
  ])));
}

/** @param {Activity} a */
function render(a) {
  const main = /** @type {HTMLElement} */ (document.getElementById('main'));
  document.title = `${a.title} — Hoạt động`;
  const body = h('div', { class: 'body' });
  // Markdown rendered and sanitised by the API (`body_html`).
  if (a.body_html) body.innerHTML = a.body_html;
  else if (a.body) body.textContent = a.body;
  const feeds = feedLinks({ organization: a.organizer.slug });
  main.replaceChildren(h('article', { class: 'activity' }, [
    h('p', { class: 'crumbs' }, [
      h('a', { href: '/' }, ['Hoạt động']), ' › ',
      h('a', { href: unitHref(a.organizer.slug) }, [a.organizer.name]),
    ]),
    h('h1', {}, [a.title]),
    h('p', { class: 'meta' }, [
      h('time', { datetime: a.occurred_on }, [when(a)]),
      ' · ', h('span', {}, [a.category_label]),
      a.location ? ` · ${a.location}` : null,
    ]),
    a.summary ? h('p', { class: 'lead' }, [a.summary]) : null,
    gallery(a),
    body,
    h('dl', { class: 'facts' }, [
      h('dt', {}, ['Đơn vị tổ chức']),
      h('dd', {}, [h('a', { href: unitHref(a.organizer.slug) }, [a.organizer.name])]),
      ...(a.partners.length ? [
        h('dt', {}, ['Phối hợp']),
        h('dd', {}, [h('ul', {}, a.partners.map((p) => h('li', {}, [
          h('a', { href: unitHref(p.organization.slug) }, [p.organization.name]),
          ` (${p.role_label})`,
        ])))]),
      ] : []),
      ...(a.cluster ? [h('dt', {}, ['Cụm thi đua']), h('dd', {}, [a.cluster.name])] : []),
      ...(a.participants_count ? [h('dt', {}, ['Số người tham gia']), h('dd', {}, [String(a.participants_count)])] : []),
      ...(a.documents.length ? [
        h('dt', {}, ['Văn bản']),
        h('dd', {}, [h('ul', {}, a.documents.map((d) => h('li', {}, [
          d.url ? h('a', { href: d.url }, [d.raw]) : d.raw,
        ])))]),
      ] : []),
      ...(a.tags.length ? [
        h('dt', {}, ['Chiến dịch']),
        h('dd', {}, [h('ul', { class: 'tags' }, a.tags.map((t) => h('li', {}, [
          h('a', { href: `/?tag=${encodeURIComponent(t.slug)}` }, [t.name]),
        ])))]),
      ] : []),
    ]),
    a.byline ? h('p', { class: 'byline' }, [a.byline]) : null,
    h('p', { class: 'feeds' }, [
      `Theo dõi tin của ${a.organizer.name}: `,
      h('a', { href: feeds.rss }, ['RSS']), ' · ',
      h('a', { href: feeds.atom }, ['Atom']), ' · ',
      h('a', { href: feeds.json }, ['JSON Feed']),
    ]),
  ]));
}

async function main() {
  const match = location.pathname.match(/^\/hoat-dong\/([^/]+)\/?$/);
  if (!match) throw new ApiError(404, 'no slug');
  say('Đang tải…');
  render(await getActivity(decodeURIComponent(match[1])));
}

main().catch((error) => {
  say(error instanceof ApiError && error.status === 404
    ? 'Không tìm thấy hoạt động này.'
    : 'Không tải được hoạt động. Vui lòng thử lại.');
  console.warn(error);
});
