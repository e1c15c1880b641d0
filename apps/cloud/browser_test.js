// The analyst's page in a real browser (headless Chromium from Debian, driven by
// playwright-core from npm): load the page, run a group-by, check every number shown against
// the clear computation, save a screenshot. Run by browser_test.sh.
// Usage: node browser_test.js URL EXPECTED.json SCREENSHOT.png
'use strict';
const fs = require('fs');
const path = require('path');

const modules = process.env.HL_NODE_MODULES;
const { chromium } = require(modules ? path.join(modules, 'playwright-core') : 'playwright-core');

async function main() {
  const [url, expectedFile, screenshot] = process.argv.slice(2);
  const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
  const browser = await chromium.launch({
    executablePath: process.env.HL_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('#table option').length > 0);
    await page.selectOption('#table', 'wages');
    await page.selectOption('#column', expected.group_by);
    await page.click('#run');
    await page.waitForFunction(() => /done|error/.test(document.getElementById('status').textContent),
                               null, { timeout: 120000 });
    const status = await page.textContent('#status');
    if (status !== 'done') throw new Error('the page says: ' + status);
    const rows = await page.$$eval('#result tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.children).map((td) => td.textContent)));
    if (rows.length !== expected.levels.length) {
      throw new Error(`${rows.length} rows shown, ${expected.levels.length} expected`);
    }
    expected.levels.forEach((l, i) => {
      const [name, count, average] = rows[i];
      if (name !== l.name || Number(count) !== l.count || average !== l.average.toFixed(4)) {
        throw new Error(`row ${i}: shown ${rows[i].join(' ')}, expected ${l.name} ${l.count} ` +
                        l.average.toFixed(4));
      }
    });
    const bars = await page.$$eval('#chart rect', (r) => r.length);
    if (bars !== expected.levels.length) throw new Error(`${bars} bars drawn`);
    const stats = await page.textContent('#stats');
    if (!/server time [0-9.]+ s/.test(stats) || !/received [0-9]+ bytes/.test(stats)) {
      throw new Error('no server time or bytes shown: ' + stats);
    }
    const seen = await page.textContent('#seen');
    if (!/sha256/.test(seen) || /"sum"|"average"/.test(seen)) {
      throw new Error('the server panel should hold hashes and sizes only');
    }
    if (errors.length) throw new Error('page errors: ' + errors.join('; '));
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`browser: ${rows.length} groups shown as computed in the clear; screenshot ${screenshot}`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error('FAIL: ' + e.message);
  process.exit(1);
});
