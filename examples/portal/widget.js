// The latest news of one unit, for any page (a provincial portal's sidebar):
//
//   <script src="https://API-HOST/portal/widget.js" data-organization="chi-doan-van-phong-ubnd-tinh"
//           data-limit="5" async></script>
//
// Renders where the tag is (or into the element `data-target` names), in a shadow root so the
// host page's rules do not reach inside, while its font and colour are inherited. Reads the
// API of the host the script came from (one request: a sparse list); a page on another origin
// needs that origin in the server's `--cors-origins` (or `*`). `data-title` replaces the
// heading; `data-descendants="false"` leaves out the units below it.
(() => {
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  if (!script) return;
  const api = new URL(script.src, location.href).origin;
  const unit = script.dataset.organization;
  const limit = Math.min(20, Math.max(1, Number(script.dataset.limit) || 5));
  const target = script.dataset.target ? document.getElementById(script.dataset.target) : null;
  const host = target ?? document.createElement('div');
  if (!target) script.after(host);
  host.classList.add('doan-widget');
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = `
    :host { display: block; font: inherit; color: inherit; }
    h2 { font-size: 1.1em; margin: 0 0 .5em; }
    ul { list-style: none; margin: 0; padding: 0; }
    li { display: flex; gap: .6em; padding: .45em 0; border-top: 1px solid rgba(127,127,127,.3); }
    li:first-child { border-top: 0; }
    img { width: 64px; height: 48px; object-fit: cover; flex: none; border-radius: 3px; }
    a { color: inherit; font-weight: 600; text-decoration: none; }
    a:hover, a:focus-visible { text-decoration: underline; }
    time, .more { display: block; font-size: .85em; opacity: .8; }
  `;
  const box = document.createElement('section');
  root.append(style, box);
  /** @param {string} text */
  const say = (text) => { box.textContent = text; };
  if (!unit) {
    say('Thiếu data-organization.');
    return;
  }
  const query = new URLSearchParams({
    organization: unit,
    include_descendants: script.dataset.descendants === 'false' ? 'false' : 'true',
    sort: '-published_at',
    per_page: String(limit),
    fields: 'title,url,occurred_on,organizer,photo',
  });
  say('Đang tải tin…');
  fetch(`${api}/api/v1/activities?${query}`, { headers: { Accept: 'application/json' } })
    .then((res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json();
    })
    .then((/** @type {{ data: Pick<import('../ts-client/src/schema').components['schemas']['ActivitySummary'], 'title' | 'url' | 'occurred_on' | 'organizer' | 'photo'>[] }} */ page) => {
      box.textContent = '';
      const heading = document.createElement('h2');
      heading.textContent = script.dataset.title || (page.data[0] ? `Tin của ${page.data[0].organizer.name}` : 'Tin hoạt động');
      const list = document.createElement('ul');
      for (const item of page.data) {
        const li = document.createElement('li');
        if (item.photo?.thumbnail?.src || item.photo?.src) {
          const img = document.createElement('img');
          img.src = item.photo.thumbnail?.src ?? item.photo.src ?? '';
          img.alt = '';
          img.loading = 'lazy';
          li.append(img);
        }
        const text = document.createElement('div');
        const a = document.createElement('a');
        a.href = item.url;
        a.textContent = item.title;
        const when = document.createElement('time');
        when.dateTime = item.occurred_on;
        const [y, m, d] = item.occurred_on.split('-').map(Number);
        when.textContent = `${d}/${m}/${y}`;
        text.append(a, when);
        li.append(text);
        list.append(li);
      }
      if (!page.data.length) say('Chưa có tin.');
      else box.append(heading, list);
    })
    .catch(() => say('Không tải được tin.'));
})();
