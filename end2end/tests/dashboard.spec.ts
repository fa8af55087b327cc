import { test, expect } from '@playwright/test';
import { CHART_PANELS, DashboardPage, taskPath } from './pages/dashboard';

// Data: scripts/test.sh loads a 7-day demo workload (seed 5, 3 workflows) ending at load time,
// the small fixture, and one hostile-named task. ci_web.integration_tests runs often and fails
// sometimes, so every chart has something to draw.
const TASK = 'ci_web.integration_tests';
const HOSTILE = 'xss.<img src=x onerror=alert(1)>';

test('the dashboard shows the cards and every chart, server-rendered before any script runs', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const dash = new DashboardPage(page);
  await dash.open(TASK);
  await expect(dash.title).toHaveText(TASK);
  await expect(dash.executions).toHaveText(/^[1-9]\d*$/);
  await expect(dash.successRate).toHaveAttribute('data-status', /good|warning|bad/);
  await expect(dash.duration).toContainText('p95');
  await expect(dash.cost).toContainText('USD');
  for (const panel of CHART_PANELS) {
    await expect(dash.chart(panel), panel).toBeVisible();
  }
  await expect(dash.historyRows).toHaveCount(20);
  await context.close();
});

test('changing the time range updates the URL and the numbers without a reload', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open(TASK);
  await dash.waitForHydration();
  await page.evaluate(() => ((window as any).__sameDocument = true));
  const week = Number(await dash.executions.textContent());

  await dash.range('24h').click();
  await expect(page).toHaveURL(/\?range=24h$/);
  await expect(dash.range('24h')).toHaveAttribute('aria-current', 'page');
  await expect(dash.executions).not.toHaveText(String(week));
  const day = Number(await dash.executions.textContent());
  expect(day).toBeGreaterThan(0);
  expect(day).toBeLessThan(week);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  // Back returns to the week, in the same document.
  await page.goBack();
  await expect(dash.executions).toHaveText(String(week));
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});

test('a copied dashboard URL shows the same view in a fresh browser', async ({ page, browser }) => {
  const dash = new DashboardPage(page);
  await dash.open(TASK);
  await dash.waitForHydration();
  // `all` is stable over time, unlike a window that ends now and slides.
  await dash.range('all').click();
  await dash.statusFilter('failed').click();
  await expect(page).toHaveURL(/\?range=all&status=failed$/);
  await expect(dash.historyRows.first()).toHaveAttribute('data-status', 'failed');
  const cards = await dash.cardTexts();
  const rows = await dash.historyStarts();

  const fresh = await browser.newContext();
  const again = new DashboardPage(await fresh.newPage());
  await again.page.goto(page.url());
  await expect(again.range('all')).toHaveAttribute('aria-current', 'page');
  await expect(again.statusFilter('failed')).toHaveAttribute('aria-current', 'page');
  expect(await again.cardTexts()).toEqual(cards);
  expect(await again.historyStarts()).toEqual(rows);
  await fresh.close();
});

test('the history filters by status and pages with a cursor, newest first', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open(TASK);
  await dash.waitForHydration();
  const first = await dash.historyStarts();
  expect(first).toHaveLength(20);
  expect([...first].sort().reverse()).toEqual(first);

  await dash.olderPage.click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(dash.newestPage).toBeVisible();
  const second = await dash.historyStarts();
  expect(second[0] < first[first.length - 1]).toBe(true);

  await dash.statusFilter('failed').click();
  await expect(page).toHaveURL(/\?status=failed$/, { timeout: 10_000 });
  await expect(dash.historyRows.first()).toHaveAttribute('data-status', 'failed');
  const statuses = await dash.historyRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
  expect(new Set(statuses)).toEqual(new Set(['failed']));
  // Error details open in place.
  const details = dash.historyRows.first().locator('details');
  await details.locator('summary').click();
  await expect(details).toHaveAttribute('open', '');
});

test('the history sorts by duration and start time from the URL and pages without repeats', async ({ page, browser }) => {
  const dash = new DashboardPage(page);
  await dash.open(TASK);
  await dash.waitForHydration();
  await expect(dash.sortBy('newest')).toHaveAttribute('aria-current', 'page');
  const newest = await dash.historyStarts();

  // The links update with the URL; the rows once the new page has loaded.
  await dash.sortBy('longest').click();
  await expect(page).toHaveURL(/\?sort=longest$/);
  await expect(dash.sortBy('longest')).toHaveAttribute('aria-current', 'page');
  await expect.poll(() => dash.historyStarts()).not.toEqual(newest);
  const first = await dash.historyDurations();
  expect(first).toHaveLength(20);
  expect([...first].sort((a, b) => b - a)).toEqual(first);
  const firstStarts = await dash.historyStarts();

  await dash.olderPage.click();
  await expect(page).toHaveURL(/\?sort=longest&cursor=/);
  await expect(dash.newestPage).toBeVisible();
  const second = await dash.historyDurations();
  expect(Math.max(...second)).toBeLessThanOrEqual(Math.min(...first));
  const secondStarts = await dash.historyStarts();
  expect(secondStarts.filter((s) => firstStarts.includes(s))).toEqual([]);

  // Another order starts from its first page; the filter and window stay.
  await dash.statusFilter('completed').click();
  await expect(page).toHaveURL(/\?status=completed&sort=longest$/);
  await dash.sortBy('oldest').click();
  await expect(page).toHaveURL(/\?status=completed&sort=oldest$/);
  const ascending = async () => {
    const starts = await dash.historyStarts();
    return starts.length === 20 && [...starts].sort().join() === starts.join();
  };
  await expect.poll(ascending).toBe(true);
  const oldest = await dash.historyStarts();

  // The same view from a pasted link, before any script runs.
  const fresh = await browser.newContext({ javaScriptEnabled: false });
  const again = new DashboardPage(await fresh.newPage());
  await again.page.goto(page.url());
  expect(await again.historyStarts()).toEqual(oldest);
  await fresh.close();
});

test('the history holds only runs of the chosen window', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open(TASK, '?range=24h&sort=oldest');
  const starts = await dash.historyStarts();
  expect(starts.length).toBeGreaterThan(0);
  const dayAgo = Date.now() - 24 * 3_600_000 - 60_000;
  for (const s of starts) {
    expect(Date.parse(s.replace(' ', 'T') + 'Z'), s).toBeGreaterThanOrEqual(dayAgo);
  }
});

test('the duration chart marks level shifts with dashed lines and a legend entry', async ({ page, request }) => {
  // The demo makes every transform shard 40 % slower over the week; PELT finds that as a level
  // shift in some of them (which ones depends on where the week's buckets fall).
  let shifted = '';
  for (let i = 0; i < 12 && !shifted; i++) {
    const key = `etl_orders.transform_shard_${String(i).padStart(2, '0')}`;
    const html = await (await request.get(`/embed/tasks/${encodeURIComponent(key)}/timeline`)).text();
    if (html.includes('level shifts (')) shifted = key;
  }
  expect(shifted, 'a degrading shard with a level shift').not.toBe('');
  const dash = new DashboardPage(page);
  await dash.open(shifted);
  const timeline = dash.chart('timeline');
  await expect(timeline.locator('text', { hasText: /level shifts \(\d+\)/ })).toBeVisible();
  // A dashed line is drawn as short strokes in the marker colour (Okabe-Ito reddish purple).
  expect(await timeline.locator('[stroke="#CC79A7"]').count()).toBeGreaterThan(10);
});

test('the task selector finds another task and opens its dashboard', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open(TASK);
  await dash.waitForHydration();
  await dash.taskSearch.fill('etl.lo');
  await expect(dash.suggestions).toHaveCount(1);
  await dash.suggestions.first().click();
  await expect(page).toHaveURL(/\/tasks\/etl\.load$/);
  await expect(dash.title).toHaveText('etl.load');
});

test('the overview links each task to its dashboard', async ({ page }) => {
  await page.goto('/?q=etl.');
  await page.getByRole('link', { name: 'etl.extract', exact: true }).click();
  await expect(page).toHaveURL(/\/tasks\/etl\.extract$/);
  const dash = new DashboardPage(page);
  // The fixture's runs are from January: none in the default week, all four in `all`; the
  // history follows the window like the cards.
  await expect(dash.executions).toHaveText('0');
  await expect(page.getByTestId('panel-distribution')).toContainText('No execution ran in this window.');
  await expect(page.getByTestId('history-empty')).toBeVisible();
  await dash.range('all').click();
  await expect(dash.executions).toHaveText('4');
  await expect(dash.chart('distribution')).toBeVisible();
  await expect(dash.historyRows).toHaveCount(4);
});

test('a hostile task name renders as text everywhere and runs nothing', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const dash = new DashboardPage(page);
  await dash.open(HOSTILE, '?range=all');
  await dash.waitForHydration();
  await expect(dash.title).toHaveText(HOSTILE);
  await expect(page.getByTestId('window')).toContainText('<img src=x onerror=alert(1)>');
  // The DAG shows the key as SVG text, not markup.
  await expect(dash.chart('dependencies').locator('text', { hasText: '<img src=x' }).first()).toBeVisible();
  await expect(page.getByTestId('history')).toContainText('<script>alert(2)</script>');
  expect(await page.locator('img').count()).toBe(0);
  expect(await page.locator('main script').count()).toBe(0);
  await page.goto('/?q=xss.');
  await expect(page.getByTestId('task-row').filter({ hasText: '<img src=x onerror=alert(1)>' })).toHaveCount(1);
  expect(await page.locator('img').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test('screenshots of the dashboard at desktop and phone width', async ({ browser }) => {
  for (const [name, width] of [['dashboard-1280', 1280], ['dashboard-390', 390]] as const) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const dash = new DashboardPage(await context.newPage());
    await dash.open(TASK);
    await dash.waitForHydration();
    await expect(dash.chart('dependencies')).toBeVisible();
    // Neither the page nor any chart scrolls sideways: charts scale to their box.
    const overflow = await dash.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
    const wideCharts = await dash.page.evaluate(() =>
      [...document.querySelectorAll('figure.chart')]
        .filter((f) => f.scrollWidth > f.clientWidth)
        .map((f) => f.getAttribute('aria-label')),
    );
    expect(wideCharts, `${name}: charts wider than their box`).toEqual([]);
    // The drawing that fits: narrow on the phone, wide on the desktop.
    const drawn = width < 640 ? 'narrow' : 'wide';
    await expect(dash.chart('timeline').locator('xpath=..')).toHaveClass(`chart-${drawn}`);
    await dash.page.screenshot({ path: `../docs/screenshots/${name}.png`, fullPage: true });
    await context.close();
  }
});
