import { test, expect, type Page } from '@playwright/test';
import { DashboardPage, taskPath } from './pages/dashboard';

// Keys that break out of the raw-text contexts of HTML (<title>, <script>, <style>, comments).
// scripts/test.sh stores a task under each; a crafted link uses the same markup for a key that
// does not exist. Every payload would set window.__pwned and open a dialog if it ran.
const BREAKOUTS = [
  'xss.</title><script>window.__pwned=1;alert(11)</script>',
  'xss.</script><script>window.__pwned=2;alert(12)</script>',
  'xss.</style><script>window.__pwned=3;alert(13)</script>',
  'xss.<!--<script>window.__pwned=4;alert(14)</script>-->',
];

function watchDialogs(page: Page) {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return dialogs;
}

async function pwned(page: Page) {
  return page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null);
}

test('a crafted link with markup in the key runs nothing, before and after hydration', async ({ page }) => {
  const dialogs = watchDialogs(page);
  for (const key of BREAKOUTS) {
    const crafted = `${key}.nowhere`;
    const resp = await page.goto(taskPath(crafted));
    expect(resp?.status(), crafted).toBe(404);
    const dash = new DashboardPage(page);
    await dash.waitForHydration();
    await expect(dash.title).toHaveText(crafted);
    expect(await page.title()).toBe(`${crafted} · Tasklens`);
    expect(await pwned(page), crafted).toBeNull();
  }
  expect(dialogs).toEqual([]);
});

test('stored keys with markup render as text on the dashboard and in embeds, and run nothing', async ({ page }) => {
  const dialogs = watchDialogs(page);
  for (const key of BREAKOUTS) {
    const resp = await page.goto(`${taskPath(key)}?range=all`);
    expect(resp?.status(), key).toBe(200);
    const dash = new DashboardPage(page);
    await dash.waitForHydration();
    await expect(dash.title).toHaveText(key);
    expect(await page.title()).toBe(`${key} · Tasklens`);
    expect(await pwned(page), key).toBeNull();

    const embed = await page.goto(`/embed/tasks/${encodeURIComponent(key)}/cards?range=all`);
    expect(embed?.status(), key).toBe(200);
    await expect(page.getByTestId('embed-panel')).toContainText(key);
    expect(await page.title()).toBe(`${key} · Tasklens`);
    expect(await pwned(page), key).toBeNull();
  }
  // The overview lists them as text too.
  await page.goto('/?q=xss.');
  await expect(page.getByTestId('task-row')).not.toHaveCount(0);
  expect(await pwned(page)).toBeNull();
  expect(dialogs).toEqual([]);
});

test('an inline script without the response nonce is refused by the page policy', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/.test(m.text())) violations.push(m.text());
  });
  await page.goto('/');
  await new DashboardPage(page).waitForHydration();
  // What an injection that escaped every escaping would look like: the policy must stop it.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__pwned = 99';
    document.body.appendChild(s);
  });
  expect(await pwned(page)).toBeNull();
  expect(violations.length).toBeGreaterThan(0);
});
