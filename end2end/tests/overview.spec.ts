import { test, expect } from '@playwright/test';
import { OverviewPage } from './pages/overview';

// Data: db/tests/fixtures/small.sql, loaded by scripts/test.sh into the e2e database:
// etl.extract (4 runs), etl.load (2), ml.train (1), ml.evaluate (0). The demo workload loaded
// beside it has keys like `etl_orders.extract`, so the searches `etl.` and `ml.` (dot right after
// the prefix) isolate the fixture's tasks.

test('the overview is server-rendered: rows and chart are there before any script runs', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/?q=etl.');
  const overview = new OverviewPage(page);
  await expect(overview.rows).toHaveCount(2);
  await expect(overview.chart).toBeVisible();
  await expect(overview.summary).toHaveText('2 tasks · 6 executions');
  await context.close();
});

test('searching filters through a server function without a page reload and lives in the URL', async ({ page }) => {
  const overview = new OverviewPage(page);
  await overview.open();
  await overview.waitForHydration();
  const everything = await overview.rows.count();
  expect(everything).toBeGreaterThan(4);
  await page.screenshot({ path: '../docs/screenshots/overview.png' });

  // A marker on window survives only if the document is never reloaded.
  await page.evaluate(() => ((window as any).__sameDocument = true));
  const serverFn = page.waitForResponse((r) => r.url().includes('/api/list_tasks') && r.status() === 200);
  await overview.search.fill('etl.');
  await serverFn;

  await expect(overview.rows).toHaveCount(2);
  expect(await overview.taskKeys()).toEqual(['etl.extract', 'etl.load']);
  await expect(page).toHaveURL(/\?q=etl\.$/);
  await expect(overview.summary).toHaveText('2 tasks · 6 executions');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await page.screenshot({ path: '../docs/screenshots/overview-search.png', fullPage: true });

  // Back restores the unfiltered view, still in the same document.
  await page.goBack();
  await expect(overview.rows).toHaveCount(everything);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});

test('a shared search link opens the same filtered view in a fresh browser', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const overview = new OverviewPage(page);
  await overview.open('?q=ml.');
  await expect(overview.rows).toHaveCount(2);
  expect(await overview.taskKeys()).toEqual(['ml.train', 'ml.evaluate']);
  await expect(overview.search).toHaveValue('ml.');
  await overview.waitForHydration();
  await context.close();
});

test('a search without matches says so', async ({ page }) => {
  const overview = new OverviewPage(page);
  await overview.open();
  await overview.waitForHydration();
  await overview.search.fill('no-such-task');
  await expect(page.getByTestId('no-match')).toHaveText('No task matches “no-such-task”.');
  await expect(overview.rows).toHaveCount(0);
});

test('the health endpoint reports the database', async ({ request }) => {
  const resp = await request.get('/healthz');
  expect(resp.status()).toBe(200);
  expect(await resp.json()).toMatchObject({ status: 'ok', database: 'ok' });
});
