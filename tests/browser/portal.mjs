#!/usr/bin/env node
// The reference portal (examples/portal, served by `serve --demo` at /) in a real browser
// (Debian's Chromium, driven by playwright-core), as a reader uses it.
//
//   DOAN_URL=http://127.0.0.1:8080 node portal.mjs
//
// Environment: DOAN_URL (a server with the demo data and the portal, required),
// SCREENSHOT_DIR (default `target`), CHROMIUM (default /usr/bin/chromium).
//
// Checks, each step with its own timeout:
//   a. the list shows the demo's seven items in the page's order (the API's own order for the
//      bloc's subtree, newest publication first), every photo loaded (decoded, not broken);
//   b. a search ("doan thanh nien", no marks) changes the list and the URL, with highlights;
//   c. a filter (a category) changes the list and the URL; the back button restores the
//      search, then the full list;
//   d. a detail page renders its gallery (photos loaded, captions), partners with roles, byline;
//   e. an accessibility scan (axe-core, injected into the page) of the list and the detail
//      reports no serious or critical violation;
//   f. no console error, no uncaught page error, no failed request of the page's own;
//   g. screenshots at desktop and phone widths (portal-desktop.png, portal-phone.png,
//      portal-activity-phone.png), kept as CI artefacts;
//   h. the widget (one <script> tag) renders a unit's latest news into a host page, inheriting
//      its font.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { CHROMIUM_ARGS, currentStep, elapsed, fail, step } from './steps.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const SCOPE = 'doan-khoi-cac-co-quan-tinh-lang-son';
const base = (process.env.DOAN_URL || '').replace(/\/+$/, '');
const screenshotDir = process.env.SCREENSHOT_DIR || 'target';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base) {
  console.error('usage: DOAN_URL=http://host:port node portal.mjs');
  process.exit(2);
}
async function api(pathAndQuery) {
  const res = await fetch(`${base}${pathAndQuery}`, { headers: { Accept: 'application/json' } });
  if (!res.ok) fail(`GET ${pathAndQuery}: ${res.status}`);
  return res.json();
}

const problems = []; // console errors, page errors, failed requests
function watch(page) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    if (req.url().startsWith(base)) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (res.url().startsWith(base) && res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
}

async function titles(page) {
  return page.$$eval('#list li.card h2', (hs) => hs.map((h) => h.textContent.trim()));
}

// Every image in `selector`: loaded and decoded (naturalWidth > 0), after scrolling it in.
async function photosLoaded(page, selector, expected) {
  const count = await page.locator(selector).count();
  if (count !== expected) fail(`${selector}: ${count} images, expected ${expected}`);
  for (let i = 0; i < count; i += 1) {
    const img = page.locator(selector).nth(i);
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction(
      (el) => el.complete && el.naturalWidth > 0,
      await img.elementHandle(),
      { timeout: 10_000 },
    );
  }
}

async function axe(page, where) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of result) console.log(`    axe ${where}: ${v.impact} ${v.id} (${v.nodes}): ${v.help}`);
  if (bad.length) fail(`accessibility (${where}): ${bad.map((v) => `${v.impact} ${v.id}`).join(', ')}`);
  return result.length;
}

let browser;
let page;
const summary = {};
try {
  const expected = await step('the API: the bloc\'s list, newest publication first', 10_000, () => api(
    `/api/v1/activities?organization=${SCOPE}&include_descendants=true&sort=-published_at&per_page=10&fields=title,photo,category,category_label`,
  ));
  const expectedTitles = expected.data.map((a) => a.title);
  if (expectedTitles.length !== 7) fail(`the demo has 7 activities, the API lists ${expectedTitles.length}`);
  const withPhotos = expected.data.filter((a) => a.photo).length;

  browser = await step('start Chromium', 30_000, () => chromium.launch({ executablePath, args: CHROMIUM_ARGS }));
  // bypassCSP: the page's policy allows no inline script, and axe-core is injected as one.
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', bypassCSP: true });
  page = await desktop.newPage();
  watch(page);

  await step('a. the list: seven items in the page\'s order, photos loaded', 30_000, async () => {
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForFunction((n) => document.querySelectorAll('#list li.card').length === n, 7);
    const shown = await titles(page);
    if (JSON.stringify(shown) !== JSON.stringify(expectedTitles)) {
      fail(`order:\n  shown    ${shown.join(' | ')}\n  expected ${expectedTitles.join(' | ')}`);
    }
    await photosLoaded(page, '#list li.card img', withPhotos);
    const status = await page.textContent('#status');
    if (!/7 hoạt động/.test(status ?? '')) fail(`status: ${status}`);
    const requests = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname.startsWith('/api/')).map((e) => new URL(e.name).pathname));
    summary.listApiRequests = requests.length;
    if (requests.length > 2) fail(`the list page made ${requests.length} API requests: ${requests.join(', ')}`);
    summary.photos = withPhotos;
  });
  await step('e. accessibility of the list (axe-core)', 30_000, async () => {
    summary.axeListFindings = await axe(page, 'list');
  });
  await step('g. screenshot (desktop)', 20_000, async () => {
    await mkdir(screenshotDir, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(screenshotDir, 'portal-desktop.png'), fullPage: true });
  });

  await step('b. search without marks: list and URL change, highlights', 20_000, async () => {
    await page.fill('#q', 'doan thanh nien');
    await Promise.all([page.waitForURL(/[?&]q=doan\+thanh\+nien/), page.press('#q', 'Enter')]);
    await page.waitForSelector('#list li.card');
    await page.waitForFunction(() => !/Đang tải/.test(document.getElementById('status')?.textContent ?? ''));
    const shown = await titles(page);
    const found = await api(`/api/v1/activities?organization=${SCOPE}&include_descendants=true&sort=-published_at&q=doan%20thanh%20nien&fields=title`);
    if (JSON.stringify(shown) !== JSON.stringify(found.data.map((a) => a.title))) fail(`search shows ${shown.join(' | ')}`);
    if (shown.length === 0 || shown.length === 7) fail(`the search should narrow the list: ${shown.length}`);
    const marks = await page.locator('#list mark').count();
    if (marks === 0) fail('no highlight (<mark>) in the results');
    if ((await page.inputValue('#q')) !== 'doan thanh nien') fail('the search box lost its text');
    summary.search = { results: shown.length, marks };
  });

  let category;
  await step('c. a filter: list and URL change; back restores the search, then the list', 30_000, async () => {
    category = expected.data[0].category;
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelectorAll('#list li.card').length === 7);
    await page.click('#more-filters summary');
    await page.waitForFunction((c) => [...document.querySelectorAll('#category option')].some((o) => o.value === c), category);
    await Promise.all([
      page.waitForURL(new RegExp(`[?&]category=${category}`)),
      page.selectOption('#category', category),
    ]);
    await page.waitForFunction(() => !/Đang tải/.test(document.getElementById('status')?.textContent ?? ''));
    const filtered = await titles(page);
    const want = expected.data.filter((a) => a.category === category).map((a) => a.title);
    if (JSON.stringify(filtered) !== JSON.stringify(want)) fail(`category ${category}: ${filtered.join(' | ')}`);
    if ((await page.inputValue('#category')) !== category) fail('the filter lost its value');
    await page.goBack({ waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelectorAll('#list li.card').length === 7);
    if (JSON.stringify(await titles(page)) !== JSON.stringify(expectedTitles)) fail('back did not restore the list');
    await page.goBack({ waitUntil: 'load' });
    await page.waitForURL(/[?&]q=doan\+thanh\+nien/);
    await page.waitForFunction(() => document.querySelectorAll('#list mark').length > 0);
    if ((await page.inputValue('#q')) !== 'doan thanh nien') fail('back did not restore the search box');
    summary.filter = { category, results: filtered.length };
  });

  await step('d. a detail page: gallery, captions, partners, byline', 30_000, async () => {
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelectorAll('#list li.card').length === 7);
    const withPhoto = expected.data.findIndex((a) => a.photo);
    const link = page.locator('#list li.card h2 a').nth(withPhoto);
    const title = (await link.textContent()).trim();
    await Promise.all([page.waitForURL(/\/hoat-dong\//), link.click()]);
    await page.waitForSelector('article.activity h1');
    if ((await page.textContent('article.activity h1')).trim() !== title) fail('the detail shows another title');
    const slug = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    const activity = await api(`/api/v1/activities/${slug}`);
    await photosLoaded(page, '.gallery figure img', activity.photos.length);
    const captions = await page.$$eval('.gallery figcaption', (fs) => fs.map((f) => f.textContent.trim()));
    for (const p of activity.photos.filter((p) => p.caption)) {
      if (!captions.some((c) => c.includes(p.caption))) fail(`caption missing: ${p.caption}`);
    }
    for (const p of activity.partners) {
      const text = await page.textContent('dl.facts');
      if (!text.includes(p.organization.name) || !text.includes(p.role_label)) fail(`partner missing: ${p.organization.name}`);
    }
    if (activity.byline && !(await page.textContent('.byline')).includes(activity.byline)) fail('byline missing');
    summary.detail = { photos: activity.photos.length, partners: activity.partners.length };
    summary.axeDetailFindings = await axe(page, 'detail');
  });

  await step('g. screenshots at phone width', 30_000, async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN',
    });
    const p = await phone.newPage();
    watch(p);
    await p.goto(`${base}/`, { waitUntil: 'load' });
    await p.waitForFunction(() => document.querySelectorAll('#list li.card').length === 7);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) fail(`the list is wider than a phone by ${overflow} px`);
    await photosLoaded(p, '#list li.card img', withPhotos);
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.screenshot({ path: path.join(screenshotDir, 'portal-phone.png'), fullPage: true });
    await p.locator('#list li.card h2 a').nth(expected.data.findIndex((a) => a.photo)).click();
    await p.waitForSelector('article.activity h1');
    await photosLoaded(p, '.gallery figure img', await p.locator('.gallery figure img').count());
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.screenshot({ path: path.join(screenshotDir, 'portal-activity-phone.png'), fullPage: true });
  });

  await step('h. the widget: a unit\'s latest news in a host page, in the host\'s font', 20_000, async () => {
    const unit = 'chi-doan-van-phong-ubnd-tinh';
    const news = await api(`/api/v1/activities?organization=${unit}&include_descendants=true&sort=-published_at&per_page=3&fields=title`);
    await page.goto(`${base}/`, { waitUntil: 'load' });
    // A host page of its own (same origin here: another origin needs --cors-origins).
    await page.setContent(`<!doctype html><html lang="vi"><head><title>Cổng thông tin tỉnh</title></head>
      <body style="font-family: Georgia, serif"><main><h1>Cổng thông tin tỉnh</h1>
      <script src="/portal/widget.js" data-organization="${unit}" data-limit="3"></script></main></body></html>`);
    await page.waitForFunction((n) => document.querySelector('.doan-widget')?.shadowRoot?.querySelectorAll('li').length === n, news.data.length);
    const shown = await page.locator('.doan-widget li a').allTextContents();
    if (JSON.stringify(shown) !== JSON.stringify(news.data.map((a) => a.title))) fail(`widget shows ${shown.join(' | ')}`);
    const font = await page.locator('.doan-widget li a').first().evaluate((a) => getComputedStyle(a).fontFamily);
    if (!/Georgia/.test(font)) fail(`the widget does not inherit the host's font: ${font}`);
    summary.widget = { items: shown.length, font };
  });

  await step('f. no console error, page error or failed request', 1_000, async () => {
    if (problems.length) fail(problems.join('\n  '));
  });
  console.log(`portal: ok in ${elapsed()} ${JSON.stringify(summary)}`);
  await browser.close();
} catch (error) {
  console.error(`FAIL at "${currentStep()}": ${error.message}`);
  if (problems.length) console.error(`  also: ${problems.join('\n  ')}`);
  if (page) {
    try {
      await mkdir(screenshotDir, { recursive: true });
      await page.screenshot({ path: path.join(screenshotDir, 'portal-failed.png'), fullPage: true });
    } catch { /* the page is gone */ }
  }
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}
