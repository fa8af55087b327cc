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
  // The fixture's runs are from January: none in the default week, all four in `all`.
  await expect(dash.executions).toHaveText('0');
  await expect(page.getByTestId('panel-distribution')).toContainText('No execution ran in this window.');
  await expect(dash.historyRows).toHaveCount(4);
  await dash.range('all').click();
  await expect(dash.executions).toHaveText('4');
  await expect(dash.chart('distribution')).toBeVisible();
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
    // Nothing but the charts' own scroll boxes may be wider than the screen.
    const overflow = await dash.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
    await dash.page.screenshot({ path: `../docs/screenshots/${name}.png`, fullPage: true });
    await context.close();
  }
});
