import { test, expect } from '@playwright/test';

// Data: scripts/test.sh loads a 7-day demo (seed 5, 3 workflows, ml_churn among them, whose
// fetch_features reads one input per day: a cache would hit) and a hostile-named workflow `xss`.
const TASK = 'ml_churn.fetch_features';
const PAGE = `/tasks/${TASK}/optimize`;

test('the optimisation page shows its five parts without JavaScript, and the simulator form re-runs with a new parameter', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(PAGE);
  await expect(page.getByTestId('optimize-title')).toHaveText(TASK);
  for (const part of ['suggestions', 'simulator', 'results', 'resources', 'plan']) {
    await expect(page.getByTestId(`part-${part}`)).toBeVisible();
  }
  const caching = page.locator('[data-testid=opt-item][data-kind=caching]');
  await expect(caching).toBeVisible();
  await caching.getByTestId('opt-link').click();
  await expect(page).toHaveURL(/opt=caching/);
  await expect(page.getByTestId('what-if-headline')).toContainText('cached');
  await expect(page.getByTestId('part-results').locator('figure.chart svg:visible')).toBeVisible();
  await expect(page.getByTestId('part-resources').locator('figure.chart svg:visible')).toBeVisible();
  await expect(page.getByTestId('plan-steps').locator('li').first()).toBeVisible();
  // The form submits as a GET; the server renders the answer for the new hit rate.
  await page.getByTestId('optimize-form').locator('input[name=value]').fill('40');
  await page.getByRole('button', { name: 'Simulate' }).click();
  await expect(page).toHaveURL(/opt=caching&value=40/);
  await expect(page.getByTestId('what-if-headline')).toContainText('cached, 40 % hits');
  await context.close();
});

test('after hydration the simulator runs without a reload and a copied link gives the same answer', async ({ page, browser }) => {
  await page.goto(`${PAGE}?opt=caching`);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.evaluate(() => ((window as any).__sameDocument = true));
  const form = page.getByTestId('optimize-form');
  await form.locator('input[name=value]').fill('60');
  await form.locator('input[name=seed]').fill('2');
  await page.getByRole('button', { name: 'Simulate' }).click();
  await expect(page).toHaveURL(/opt=caching&value=60&seed=2$/);
  const answer = page.getByTestId('what-if-answer');
  await expect(answer).toContainText('cached, 60 % hits');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  const text = await answer.innerText();
  const fresh = await browser.newContext();
  const again = await fresh.newPage();
  await again.goto(page.url());
  expect(await again.getByTestId('what-if-answer').innerText()).toBe(text);
  await fresh.close();
});

test('the dashboard links to the optimisation page, a part embeds alone, bad parameters are 422 and hostile keys stay text', async ({ page, request }) => {
  await page.goto(`/tasks/${TASK}`);
  await page.getByTestId('optimize-link').click();
  await expect(page.getByTestId('optimize-title')).toHaveText(TASK);
  await page.goto(`/embed/tasks/${TASK}/optimize/plan?opt=caching`);
  await expect(page.getByTestId('embed-panel')).toContainText('Implementation plan');
  await expect(page.getByTestId('plan-steps')).toBeVisible();
  await expect(page.locator('.topbar')).toHaveCount(0);
  const bad = await request.get(`${PAGE}?opt=caching&value=lots`);
  expect(bad.status()).toBe(422);
  const unknown = await request.get(`${PAGE}?opt=teleport`);
  expect(unknown.status()).toBe(422);
  const dialogs: string[] = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  const evil = 'xss.<!--<script>window.__pwned=4;alert(14)</script>-->';
  await page.goto(`/tasks/${encodeURIComponent(evil)}/optimize`);
  await expect(page.getByTestId('optimize-title')).toHaveText(evil);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(await page.locator('img').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test('screenshots of the optimisation page at desktop and phone width', async ({ browser }) => {
  for (const [name, width] of [['optimize-1280', 1280], ['optimize-390', 390]] as const) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${PAGE}?opt=caching`);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
    await expect(page.getByTestId('what-if-answer')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `../docs/screenshots/${name}.png`, fullPage: true });
    await context.close();
  }
});
