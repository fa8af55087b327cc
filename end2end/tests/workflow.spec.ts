import { test, expect } from '@playwright/test';

// Data: scripts/test.sh loads a 7-day demo (seed 5, 3 workflows, ci_web among them) and a
// hostile-named workflow `xss`.
const WF = '/workflows/ci_web';
const WHAT_IF = '?change=scale&task=ci_web.integration_tests&value=0.7&seed=1';

test('the workflow page shows the DAG, run charts and task lists without JavaScript, and a what-if link renders its answer', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(WF);
  await expect(page.getByTestId('workflow-title')).toHaveText('ci_web');
  for (const panel of ['dag', 'makespan', 'success']) {
    await expect(page.getByTestId(`panel-${panel}`).locator('figure.chart svg:visible')).toBeVisible();
  }
  await expect(page.getByTestId('critical-path')).toContainText('→');
  await expect(page.getByTestId('slowest-row').first()).toBeVisible();
  await expect(page.getByTestId('what-if-empty')).toBeVisible();
  // The form submits as a GET; the server renders the answer.
  await page.getByTestId('what-if-form').locator('select[name=task]').selectOption('ci_web.integration_tests');
  await page.getByRole('button', { name: 'Simulate' }).click();
  await expect(page).toHaveURL(/change=scale&task=ci_web.integration_tests/);
  await expect(page.getByTestId('what-if-makespan-p50')).toContainText('%');
  await expect(page.getByTestId('what-if-headline')).toContainText('ci_web.integration_tests × 0.7');
  await context.close();
});

test('after hydration the what-if runs without a reload and a copied link gives the same answer', async ({ page, browser }) => {
  await page.goto(WF);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.evaluate(() => ((window as any).__sameDocument = true));
  const form = page.getByTestId('what-if-form');
  await form.locator('select[name=change]').selectOption('cache');
  await form.locator('select[name=task]').selectOption('ci_web.build');
  await form.locator('input[name=value]').fill('50');
  await form.locator('input[name=seed]').fill('3');
  await page.getByRole('button', { name: 'Simulate' }).click();
  await expect(page).toHaveURL(/change=cache&task=ci_web.build&value=50&seed=3$/);
  const answer = page.getByTestId('what-if-answer');
  await expect(answer).toContainText('ci_web.build cached, 50 % hits');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  const text = await answer.innerText();
  const fresh = await browser.newContext();
  const again = await fresh.newPage();
  await again.goto(page.url());
  expect(await again.getByTestId('what-if-answer').innerText()).toBe(text);
  await fresh.close();
});

test('the task dashboard and the overview link to the workflow page; hostile keys stay text', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto('/tasks/ci_web.build');
  await page.getByTestId('workflow-link').click();
  await expect(page.getByTestId('workflow-title')).toHaveText('ci_web');
  await page.goto('/workflows/xss?change=scale&task=' + encodeURIComponent('xss.<!--<script>window.__pwned=4;alert(14)</script>-->'));
  await expect(page.getByTestId('what-if-headline')).toContainText('<script>window.__pwned=4');
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(await page.locator('img').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test('screenshots of the workflow page at desktop and phone width', async ({ browser }) => {
  for (const [name, width] of [['workflow-1280', 1280], ['workflow-390', 390]] as const) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(WF + WHAT_IF);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
    await expect(page.getByTestId('what-if-answer')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `../docs/screenshots/${name}.png`, fullPage: true });
    await context.close();
  }
});
