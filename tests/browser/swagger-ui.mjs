#!/usr/bin/env node
// Swagger UI of doan-api in a real browser (Debian's Chromium, driven by playwright-core).
//
//   DOAN_URL=http://127.0.0.1:8080 DOAN_TOKEN=<an admin's bearer token> node swagger-ui.mjs
//
// Environment: DOAN_URL (base URL of a running server, required), DOAN_TOKEN (an admin's bearer
// token, required), SCREENSHOT_DIR (default `target`, relative to the current directory),
// CHROMIUM (default /usr/bin/chromium).
//
// Steps, each with its own timeout (the whole run is bounded to RUN_BUDGET_MS), after a check
// from node that the server answers and that the token is an admin's:
//   a. open /swagger-ui/ and wait until the spec is rendered;
//   b. every tag and every operation of /api-docs/openapi.json is listed in the page;
//   c. the Authorize dialog takes the token and the page shows it as authorized;
//   d. Try it out on GET /api/v1/activities: 200 in the live response table, a body with "data";
//   e. Try it out on POST /api/v1/organizations (needs the admin): 201, and the request carried
//      the token (the curl box, and the request the browser really sent); the new organization
//      is then deleted through the API;
//   f. a full-page screenshot, and a summary.
// Any failure ends the run with exit status 1 and a message naming the step (a screenshot of the
// page as it was is saved as swagger-ui-failed.png). Browser console errors and warnings, uncaught
// page errors and failed requests are printed at the end; an uncaught page error fails the run.

import { chromium } from 'playwright-core';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { CHROMIUM_ARGS, StepError, currentStep, elapsed, endSteps, fail, step } from './steps.mjs';

const RUN_BUDGET_MS = 120_000;

const base = (process.env.DOAN_URL || '').replace(/\/+$/, '');
const token = (process.env.DOAN_TOKEN || '').trim();
const screenshotDir = process.env.SCREENSHOT_DIR || 'target';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base || !token) {
  console.error('usage: DOAN_URL=http://host:port DOAN_TOKEN=<admin bearer token> node swagger-ui.mjs');
  process.exit(2);
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// The operations tried out (method, path), as the spec names them.
const LIST = { method: 'get', path: '/api/v1/activities', operationId: 'list_activities' };
const CREATE = { method: 'post', path: '/api/v1/organizations', operationId: 'create_organization' };

let browser;
let page;
const consoleMessages = []; // console errors and warnings
const pageErrors = []; // uncaught exceptions in the page
const failedRequests = [];
const summary = {};

// The whole run is bounded: past the budget, whatever is pending, close the browser and fail.
let overBudget = false;
const watchdog = setTimeout(async () => {
  overBudget = true;
  console.error(`\nFAILED: the whole run exceeded ${RUN_BUDGET_MS / 1000} s (during step "${currentStep()}")`);
  printBrowserLog();
  await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 5_000))]).catch(() => {});
  process.exit(1);
}, RUN_BUDGET_MS);

async function fetchJson(url, init = {}) {
  let response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    fail(`${init.method || 'GET'} ${url}: ${e.cause?.message || e.message}`);
  }
  if (!response.ok) fail(`${init.method || 'GET'} ${url}: HTTP ${response.status}`);
  return response.json();
}

// Follows a local JSON reference (#/components/...) of the spec.
function deref(spec, node) {
  let seen = 0;
  while (node && typeof node.$ref === 'string' && seen++ < 20) {
    if (!node.$ref.startsWith('#/')) fail(`cannot follow the non-local reference ${node.$ref}`);
    node = node.$ref
      .slice(2)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((n, key) => n?.[key], spec);
  }
  return node;
}

function specOperations(spec) {
  const ops = [];
  for (const [p, item] of Object.entries(spec.paths || {})) {
    for (const method of HTTP_METHODS) {
      const op = item?.[method];
      if (!op) continue;
      // Swagger UI lists an operation without tags under "default".
      const tags = op.tags?.length ? op.tags : ['default'];
      ops.push({ method, path: p, operationId: op.operationId, summary: op.summary, tags, op });
    }
  }
  return ops;
}

const opName = (o) => `${o.method.toUpperCase()} ${o.path}${o.operationId ? ` (${o.operationId})` : ''}`;

// The operation block of (method, path), whichever tag section holds it.
function opblock(method, p) {
  return page
    .locator(`.opblock.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary [data-path="${p}"]`) })
    .first();
}

// Expands an operation, clicks Try it out (optionally fills the body), Execute, and reads the
// live response: { status, body, curl, requestUrl }.
async function tryItOut(op, { body } = {}) {
  const block = opblock(op.method, op.path);
  if ((await block.count()) === 0) fail(`${opName(op)} is not in the page`);
  await block.scrollIntoViewIfNeeded();
  if (!(await block.evaluate((el) => el.classList.contains('is-open')))) {
    await block.locator('.opblock-summary-control').click();
  }
  const tryOut = block.locator('button.try-out__btn');
  await tryOut.waitFor({ state: 'visible' });
  if ((await tryOut.innerText()).trim() === 'Try it out') await tryOut.click();
  const execute = block.locator('button.execute');
  await execute.waitFor({ state: 'visible' });
  if (body !== undefined) {
    const textarea = block.locator('textarea.body-param__text');
    await textarea.waitFor({ state: 'visible' });
    await textarea.fill(body);
    // Swagger UI keeps the body in its state on change: read it back before executing.
    const kept = await textarea.inputValue();
    if (kept !== body) fail(`the request body textarea holds ${JSON.stringify(kept)} after filling`);
  }
  await execute.click();
  const statusCell = block.locator('.live-responses-table .response .response-col_status').first();
  await statusCell.waitFor({ state: 'visible', timeout: 20_000 });
  const statusText = (await statusCell.innerText()).trim();
  const details = block.locator('.live-responses-table .response .response-col_description').first();
  const bodyCode = details.locator('.highlight-code pre').first();
  const shownBody = (await bodyCode.count()) ? await bodyCode.innerText() : await details.innerText();
  const curlBox = block.locator('.curl-command').first();
  const curl = (await curlBox.count()) ? await curlBox.innerText() : '';
  const urlBox = block.locator('.request-url pre').first();
  const requestUrl = (await urlBox.count()) ? (await urlBox.innerText()).trim() : '';
  return { status: Number.parseInt(statusText, 10), statusText, body: shownBody, curl, requestUrl };
}

// The page shows the token in the curl boxes: it never goes into a screenshot (a CI artifact).
// Replaced in the page's text; whatever still shows it is masked.
async function screenshotWithoutToken(file, timeout) {
  const stillShown = await page.evaluate((t) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.nodeValue.includes(t)) n.nodeValue = n.nodeValue.replaceAll(t, '<token, redacted by the test>');
    }
    for (const el of document.querySelectorAll('input, textarea')) {
      if (el.value.includes(t)) el.value = el.value.replaceAll(t, '<token, redacted by the test>');
    }
    return document.body.innerText.includes(t);
  }, token);
  const mask = stillShown ? [page.locator('.curl-command, .auth-container')] : [];
  await page.screenshot({ path: file, fullPage: true, mask, timeout });
}

function printBrowserLog() {
  if (!page) return; // the browser never opened the page
  if (consoleMessages.length) {
    console.log(`\nbrowser console errors and warnings (${consoleMessages.length}):`);
    for (const m of consoleMessages) console.log(`  ${m}`);
  } else {
    console.log('\nbrowser console: no errors or warnings');
  }
  if (pageErrors.length) {
    console.log(`uncaught page errors (${pageErrors.length}):`);
    for (const m of pageErrors) console.log(`  ${m}`);
  }
  if (failedRequests.length) {
    console.log(`failed requests (${failedRequests.length}):`);
    for (const m of failedRequests) console.log(`  ${m}`);
  }
}

async function main() {
  const pkg = createRequire(import.meta.url)('playwright-core/package.json').version;
  console.log(`Swagger UI test of ${base} (playwright-core ${pkg}, ${executablePath})`);
  await rm(path.resolve(screenshotDir, 'swagger-ui-failed.png'), { force: true });

  // Before the browser: the server answers and the token is an admin's (a clearer failure than
  // a 401 or 403 in step e).
  await step('the token is an admin\'s (GET /api/v1/auth/me, from node)', 20_000, async () => {
    let response;
    try {
      response = await fetch(`${base}/api/v1/auth/me`, {
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(15_000),
      });
    } catch (e) {
      fail(`the server does not answer at ${base}: ${e.cause?.message || e.message}`);
    }
    if (response.status === 401) fail('the server refuses the token (401): DOAN_TOKEN must be a valid bearer token');
    if (!response.ok) fail(`GET /api/v1/auth/me: HTTP ${response.status}`);
    const me = await response.json();
    if (me.role !== 'admin') fail(`the token is ${me.username}'s, whose role is ${me.role}: the test needs an admin's`);
    console.log(`    ${me.username} (${me.role})`);
  });

  browser = await step('launch Chromium', 30_000, async () => {
    const b = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    console.log(`    Chromium ${b.version()}`);
    return b;
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000); // below every step's own timeout, so that the message names the wait
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') {
      const where = m.location()?.url ? ` (${m.location().url}:${m.location().lineNumber})` : '';
      consoleMessages.push(`${m.type()}: ${m.text().slice(0, 500)}${where}`);
    }
  });
  page.on('pageerror', (e) => pageErrors.push(String(e.stack || e.message).slice(0, 1000)));
  page.on('requestfailed', (r) =>
    failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText ?? 'failed'}`),
  );

  // a. The page, rendered.
  const info = await step('a. open /swagger-ui/ and wait for the spec to render', 60_000, async () => {
    const response = await page.goto(`${base}/swagger-ui/`, { waitUntil: 'domcontentloaded', timeout: 30_000 });
    if (!response) fail('no response for /swagger-ui/');
    if (!response.ok()) fail(`/swagger-ui/ answered HTTP ${response.status()}`);
    // Swagger UI shows either the rendered spec or an error box (e.g. "Failed to load API definition").
    await page
      .locator('.swagger-ui .opblock-tag-section, .swagger-ui .errors-wrapper, .swagger-ui .loading-container .errors')
      .first()
      .waitFor({ state: 'attached', timeout: 55_000 });
    const errors = page.locator('.swagger-ui .errors-wrapper');
    if (await errors.count()) fail(`Swagger UI shows errors: ${(await errors.first().innerText()).replace(/\s+/g, ' ').trim()}`);
    if ((await page.locator('.swagger-ui .opblock-tag-section').count()) === 0) {
      fail(`the spec did not render: ${(await page.locator('.swagger-ui').first().innerText()).replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    const title = (await page.locator('.swagger-ui .info .title').first().innerText()).replace(/\s+/g, ' ').trim();
    console.log(`    title: ${title}`);
    return { title };
  });

  // b. Every tag and every operation listed.
  const spec = await step('b. every tag and operation of the spec is listed', 30_000, async () => {
    const spec = await fetchJson(`${base}/api-docs/openapi.json`);
    const ops = specOperations(spec);
    if (ops.length === 0) fail('the spec has no operations');
    const usedTags = new Set(ops.flatMap((o) => o.tags));
    const declaredTags = (spec.tags || []).map((t) => t.name);
    const unusedTags = declaredTags.filter((t) => !usedTags.has(t));

    // Tag sections may start collapsed (docExpansion "none"): open every closed one.
    const docExpansion = await page.evaluate(() => window.ui?.getConfigs?.().docExpansion ?? null);
    console.log(`    docExpansion: ${docExpansion ?? '(unknown)'}`);
    const closed = page.locator('.opblock-tag-section:not(.is-open) > h3.opblock-tag');
    for (let i = await closed.count(); i > 0; i = await closed.count()) {
      await closed.first().click();
      await page.waitForTimeout(50);
    }

    // What the page lists: the tag sections with their operations, and (OpenAPI 3.1) the
    // webhooks section. An operation's path is its summary's data-path attribute (the class of
    // that element differs for deprecated operations).
    const { dom, domWebhooks } = await page.evaluate(() => {
      const read = (op) => {
        const summary = op.querySelector('.opblock-summary');
        return {
          method: summary?.querySelector('.opblock-summary-method')?.textContent?.trim().toLowerCase() ?? '',
          path: summary?.querySelector('[data-path]')?.getAttribute('data-path') ?? '',
          summary: summary?.querySelector('.opblock-summary-description')?.textContent?.trim() ?? '',
        };
      };
      return {
        dom: [...document.querySelectorAll('.swagger-ui .opblock-tag-section')].map((section) => {
          const h = section.querySelector('h3.opblock-tag');
          return {
            tag: h?.getAttribute('data-tag') ?? h?.querySelector('a span')?.textContent?.trim() ?? '',
            ops: [...section.querySelectorAll('.opblock')].map(read),
          };
        }),
        domWebhooks: [...document.querySelectorAll('.swagger-ui .webhooks .opblock')].map(read),
      };
    });

    const domTags = new Set(dom.map((s) => s.tag));
    const domOps = new Set(dom.flatMap((s) => s.ops.map((o) => `${o.method} ${o.path}`)));
    const domPlaced = new Set(dom.flatMap((s) => s.ops.map((o) => `${s.tag}|${o.method} ${o.path}`)));
    const missingTags = [...usedTags].filter((t) => !domTags.has(t));
    const missingOps = ops.filter((o) => !domOps.has(`${o.method} ${o.path}`));
    const misplaced = ops
      .filter((o) => domOps.has(`${o.method} ${o.path}`))
      .flatMap((o) => o.tags.filter((t) => !domPlaced.has(`${t}|${o.method} ${o.path}`)).map((t) => `${opName(o)} not under "${t}"`));
    const specKeys = new Set(ops.map((o) => `${o.method} ${o.path}`));
    const extraOps = [...domOps].filter((k) => !specKeys.has(k));
    const extraTags = [...domTags].filter((t) => !usedTags.has(t));
    const noSummary = [
      ...new Set(
        [...dom.flatMap((s) => s.ops), ...domWebhooks].filter((o) => !o.summary).map((o) => `${o.method.toUpperCase()} ${o.path}`),
      ),
    ];
    // Webhooks (OpenAPI 3.1): each (method, name) of the spec's webhooks in the Webhooks section.
    const specWebhooks = Object.entries(spec.webhooks || {}).flatMap(([name, item]) =>
      HTTP_METHODS.filter((m) => item?.[m]).map((m) => `${m} ${name}`),
    );
    const shownWebhooks = new Set(domWebhooks.map((o) => `${o.method} ${o.path}`));
    const missingWebhooks = specWebhooks.filter((k) => !shownWebhooks.has(k));

    console.log(
      `    spec: ${usedTags.size} tags, ${ops.length} operations, ${specWebhooks.length} webhooks; ` +
        `page: ${domTags.size} tag sections, ${domOps.size} operations, ${shownWebhooks.size} webhooks`,
    );
    if (unusedTags.length) console.log(`    note: tags declared without operations (Swagger UI may omit them): ${unusedTags.join(', ')}`);
    if (noSummary.length) console.log(`    note: operations shown without a summary: ${noSummary.join(', ')}`);
    if (extraTags.length) console.log(`    note: tag sections not in the spec: ${extraTags.join(', ')}`);

    const problems = [];
    if (missingTags.length) problems.push(`tags missing from the page: ${missingTags.join(', ')}`);
    if (missingOps.length) problems.push(`operations missing from the page: ${missingOps.map(opName).join(', ')}`);
    if (misplaced.length) problems.push(`operations missing from their tag's section: ${misplaced.join(', ')}`);
    if (extraOps.length) problems.push(`operations in the page but not in the spec: ${extraOps.join(', ')}`);
    if (missingWebhooks.length) problems.push(`webhooks missing from the page: ${missingWebhooks.map((k) => k.toUpperCase()).join(', ')}`);
    if (problems.length) fail(problems.join('; '));

    // The operations tried out below must be there as expected.
    for (const target of [LIST, CREATE]) {
      const op = spec.paths?.[target.path]?.[target.method];
      if (!op) fail(`the spec has no ${target.method.toUpperCase()} ${target.path}`);
      if (op.operationId !== target.operationId) {
        console.log(`    note: ${target.method.toUpperCase()} ${target.path} is "${op.operationId}" in the spec (expected "${target.operationId}")`);
      }
    }

    summary.tags = usedTags.size;
    summary.operations = ops.length;
    summary.listed = domOps.size;
    summary.webhooks = `${shownWebhooks.size}/${specWebhooks.length}`;
    summary.noSummary = noSummary.length;
    return spec;
  });

  // c. Authorize with the token.
  await step('c. Authorize with the bearer token', 30_000, async () => {
    const button = page.locator('.swagger-ui .auth-wrapper button.authorize').first();
    await button.click();
    const dialog = page.locator('.swagger-ui .dialog-ux .modal-ux');
    await dialog.waitFor({ state: 'visible' });
    // The HTTP bearer scheme's part of the dialog (Swagger UI: the .auth-container whose label is
    // for #auth-bearer-value; the label stays once authorized, the input becomes "******").
    const container = dialog
      .locator('.auth-container')
      .filter({ has: page.locator('label[for="auth-bearer-value"]') })
      .first();
    if ((await container.count()) === 0) {
      fail(`the Authorize dialog has no bearer field: ${(await dialog.innerText()).replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    await container.locator('input#auth-bearer-value').fill(token);
    await container.locator('.auth-btn-wrapper button.authorize').click();
    // Authorized: the dialog says so and offers Logout instead of Authorize.
    await container.locator('h6', { hasText: 'Authorized' }).waitFor({ state: 'visible' });
    await container.locator('.auth-btn-wrapper button', { hasText: 'Logout' }).waitFor({ state: 'visible' });
    await dialog.locator('.auth-btn-wrapper .btn-done, .close-modal').first().click();
    await dialog.waitFor({ state: 'detached' });
    // The top Authorize button is now locked, and so is the lock of a protected operation.
    if (!(await button.evaluate((el) => el.classList.contains('locked')))) {
      fail('after authorizing, the Authorize button is not shown as locked');
    }
    const lock = opblock(CREATE.method, CREATE.path).locator('.authorization__btn').first();
    const lockLabel = (await lock.count()) ? await lock.getAttribute('aria-label') : null;
    if (lockLabel !== 'authorization button locked') {
      fail(`after authorizing, the lock of ${CREATE.method.toUpperCase()} ${CREATE.path} says "${lockLabel}"`);
    }
    console.log('    the dialog says "Authorized"; the Authorize button and the operations\' locks are locked');
  });

  // d. Try it out: the public list.
  await step(`d. Try it out: ${LIST.method.toUpperCase()} ${LIST.path}`, 40_000, async () => {
    const r = await tryItOut(LIST);
    console.log(`    request URL: ${r.requestUrl}`);
    console.log(`    status shown: ${r.statusText}`);
    if (r.status !== 200) fail(`expected 200, the page shows "${r.statusText}": ${r.body.slice(0, 300)}`);
    if (!r.body.includes('"data"')) fail(`the response body shown has no "data": ${r.body.slice(0, 300)}`);
    summary.list = r.status;
  });

  // e. Try it out: a protected POST, with a small body.
  let created;
  await step(`e. Try it out: ${CREATE.method.toUpperCase()} ${CREATE.path} (as the admin)`, 40_000, async () => {
    const op = spec.paths[CREATE.path][CREATE.method];
    const schema = deref(spec, op.requestBody?.content?.['application/json']?.schema);
    if (!schema?.properties) fail(`${CREATE.method.toUpperCase()} ${CREATE.path} has no JSON request body schema`);
    const stamp = `${Date.now()}`;
    const kinds = deref(spec, schema.properties.kind)?.enum ?? [];
    const body = {
      name: `Swagger UI test ${stamp}`,
      slug: `swagger-ui-test-${stamp}`,
      kind: kinds.includes('partner') ? 'partner' : kinds[0],
    };
    const unknownRequired = (schema.required || []).filter((f) => !(f in body));
    if (unknownRequired.length) fail(`the request body schema now requires ${unknownRequired.join(', ')}: this test must fill them`);
    const unknown = Object.keys(body).filter((f) => !(f in schema.properties));
    if (unknown.length) fail(`the request body schema has no ${unknown.join(', ')}`);

    // The request the browser really sends (not only what the curl box says).
    const sent = page.waitForRequest(
      (req) => req.method() === 'POST' && new URL(req.url()).pathname === CREATE.path,
      { timeout: 20_000 },
    );
    const r = await tryItOut(CREATE, { body: JSON.stringify(body, null, 2) });
    const request = await sent;
    console.log(`    body sent: ${JSON.stringify(body)}`);
    console.log(`    status shown: ${r.statusText}`);
    if (r.status !== 201) fail(`expected 201, the page shows "${r.statusText}": ${r.body.slice(0, 300)}`);
    if (!r.curl.includes(`Authorization: Bearer ${token}`)) {
      fail(`the curl box does not show the "Authorization: Bearer <the token>" header: ${r.curl.replace(token, '<token>').slice(0, 400)}`);
    }
    const authorization = (await request.allHeaders()).authorization;
    if (authorization !== `Bearer ${token}`) {
      fail(`the request the browser sent carried ${authorization ? 'another Authorization header' : 'no Authorization header'}`);
    }
    console.log('    the curl box shows -H \'Authorization: Bearer <the token>\', and the browser sent it');
    try {
      created = JSON.parse(r.body);
    } catch {
      fail(`the response body shown is not JSON: ${r.body.slice(0, 300)}`);
    }
    if (created.name !== body.name) fail(`the response body shown is not the new organization: ${r.body.slice(0, 300)}`);
    console.log(`    created organization ${created.id} (${created.slug})`);
    summary.create = r.status;
  });

  // f. The screenshot.
  await step('f. full-page screenshot', 30_000, async () => {
    await mkdir(screenshotDir, { recursive: true });
    const file = path.resolve(screenshotDir, 'swagger-ui.png');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshotWithoutToken(file, 25_000);
    console.log(`    screenshot: ${file}`);
    summary.screenshot = file;
  });

  // What the test created goes away again (through the API, not the page).
  if (created?.id !== undefined) {
    await step(`clean up: DELETE ${CREATE.path}/${created.id}`, 15_000, async () => {
      const response = await fetch(`${base}${CREATE.path}/${created.id}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status !== 204) fail(`expected 204, got HTTP ${response.status}`);
    });
  }

  endSteps();
  if (pageErrors.length) fail(`${pageErrors.length} uncaught error(s) in the page (listed below)`);
  return info;
}

let exitCode = 0;
try {
  const info = await main();
  printBrowserLog();
  console.log(
    `\nPASS (${elapsed()}): ${info.title}; ${summary.tags} tags and ${summary.operations} operations in the spec, ` +
      `${summary.listed} operations listed in the page (${summary.noSummary} without a summary), webhooks ${summary.webhooks}; ` +
      `authorized; GET ${LIST.path} -> ${summary.list}, POST ${CREATE.path} -> ${summary.create}; ` +
      `screenshot ${summary.screenshot}`,
  );
} catch (e) {
  exitCode = 1;
  // Over budget, the watchdog has said so and is closing the browser: it ends the process.
  if (overBudget) await new Promise(() => {});
  // Playwright's errors say what was awaited (with a call log): their message is enough.
  const plain = (text) => String(text).replace(/\x1b\[[0-9;]*m/g, '');
  const fromPlaywright = e?.name === 'TimeoutError' || /^(page|locator|frame|browserType|browser|browserContext|elementHandle)\.\w+:/.test(e?.message ?? '');
  const message = plain(e instanceof StepError || fromPlaywright ? e.message : e?.stack || e).trimEnd();
  console.error(`\nFAILED at step "${currentStep()}" (${elapsed()}): ${message.replaceAll(token, '<token>')}`);
  if (page) {
    try {
      await mkdir(screenshotDir, { recursive: true });
      const file = path.resolve(screenshotDir, 'swagger-ui-failed.png');
      await screenshotWithoutToken(file, 10_000);
      console.error(`screenshot of the page as it was: ${file}`);
    } catch (err) {
      console.error(`(no screenshot: ${err.message.split('\n')[0]})`);
    }
  }
  printBrowserLog();
} finally {
  clearTimeout(watchdog);
  await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 10_000))]).catch(() => {});
}
process.exit(exitCode);
