// Browser tests: Debian's Chromium, driven by playwright-core, against
// `dossier serve` on a copy of the example site. Run by `cargo test --test browser`,
// which sets DOSSIER_BIN, SITE_ROOT and SCREENSHOTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const bin = process.env.DOSSIER_BIN;
const siteRoot = process.env.SITE_ROOT;
const shots = process.env.SCREENSHOTS;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
let server, url, browser;

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = spawn(bin, ['serve', '--port', '0', '--root', siteRoot], { stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dossier serve printed no URL')), 20000);
    server.stdout.on('data', (data) => {
      const match = /http:\/\/[^\s]+/.exec(String(data));
      if (match) { clearTimeout(timer); resolve(match[0]); }
    });
  });
  browser = await chromium.launch({
    executablePath,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const pending = new Set();
  page.on('request', (r) => pending.add(r));
  page.on('requestfinished', (r) => pending.delete(r));
  page.on('requestfailed', (r) => pending.delete(r));
  page.pending = () => [...pending].map((r) => r.url());
  page.errors = errors;
  return page;
}

test('search finds fentanyl and the result opens the note', async () => {
  const page = await newPage();
  try {
    await page.goto(url, { timeout: 10000 });
  } catch (e) {
    throw new Error(`home page did not load; pending requests: ${page.pending().join(', ')}`);
  }
  await page.screenshot({ path: join(shots, 'home.png'), fullPage: true });
  await page.keyboard.press('/');
  await page.keyboard.type('fentanyl');
  const first = page.locator('#search-results li').first();
  await first.waitFor({ timeout: 5000 });
  assert.match(await first.innerText(), /^Fentanyl/);
  assert.match(await page.locator('#search-results').innerHTML(), /<mark>Fentanyl<\/mark>/i);
  await page.screenshot({ path: join(shots, 'search.png') });
  await first.locator('a').click();
  await page.waitForURL(/\/topics\/fentanyl\//);
  assert.equal(await page.locator('main h1').innerText(), 'Fentanyl');
  assert.deepEqual(page.errors, []);
});

test('search tolerates a typo and ignores diacritics', async () => {
  const page = await newPage();
  await page.goto(url);
  await page.fill('#search-input', 'féntanil');
  const first = page.locator('#search-results li').first();
  await first.waitFor({ timeout: 5000 });
  assert.match(await first.innerText(), /^Fentanyl/);
});

test('the local graph on Wang Xiaohong draws his neighbours', async () => {
  const page = await newPage();
  await page.goto(url + 'actors/wang-xiaohong/');
  await page.waitForTimeout(1200);
  const data = JSON.parse(await page.locator('#local-graph-data').textContent());
  const titles = data.nodes.map((n) => n[1]);
  for (const name of ['Wang Xiaohong', 'Ministry of Public Security', 'Fentanyl', 'The Wall Street Journal']) {
    assert.ok(titles.includes(name), `${name} in ${titles}`);
  }
  const painted = await page.evaluate(() => {
    const canvas = document.querySelector('#local-graph canvas');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let coloured = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0) coloured++;
    return coloured;
  });
  assert.ok(painted > 500, `the canvas has drawn nodes (${painted} pixels)`);
  await page.screenshot({ path: join(shots, 'note.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
});

test('the global graph page draws and lists every note', async () => {
  const page = await newPage();
  await page.goto(url + 'graph/');
  await page.waitForTimeout(2000);
  assert.equal(await page.locator('#global-graph').isVisible(), true);
  assert.ok(await page.locator('.graph-list > li').count() >= 18);
  await page.screenshot({ path: join(shots, 'graph.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
});

test('hovering a link shows a preview of the note', async () => {
  const page = await newPage();
  await page.goto(url + 'actors/wang-xiaohong/');
  await page.hover('.content a[href*="ministry-of-public-security"]');
  const popover = page.locator('.preview-popover');
  await popover.waitFor({ timeout: 5000 });
  const text = await popover.innerText();
  assert.match(text, /Ministry of Public Security/);
  assert.match(text, /headed by the Minister of Public Security/);
});

test('saving a note reloads the page with the change', async () => {
  const page = await newPage();
  await page.goto(url + 'topics/tariffs/');
  const file = join(siteRoot, 'content', 'topics', 'Tariffs.md');
  const text = readFileSync(file, 'utf8');
  const reloaded = page.waitForEvent('load', { timeout: 10000 });
  writeFileSync(file + '.tmp', text + '\nA sentence added in the browser test.\n');
  renameSync(file + '.tmp', file);
  await reloaded;
  assert.match(await page.locator('.content').innerText(), /A sentence added in the browser test\./);
  writeFileSync(file, text);
});
