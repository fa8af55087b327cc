import { test, expect, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// scripts/test.sh starts the server with TASKLENS_EMBED_ORIGINS=http://localhost:* . The portal
// below is a real second server on a loopback port (Chromium refuses to let a routed, "public"
// page frame a loopback address), reached as http://localhost:PORT (allowed) and as
// http://127.0.0.1:PORT (another origin, not allowed). Chromium itself enforces the server's
// `Content-Security-Policy: frame-ancestors`.
const TASK = 'ci_web.integration_tests';
const PANEL = `/embed/tasks/${encodeURIComponent(TASK)}/timeline?range=7d`;

let portalServer: Server;
let port = 0;

test.beforeAll(async () => {
  portalServer = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('frame') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>portal</title><h1>Portal</h1>
      <iframe id="panel" src="${target.replace(/"/g, '&quot;')}" width="1000" height="600"></iframe>`);
  });
  await new Promise<void>((ok) => portalServer.listen(0, '127.0.0.1', ok));
  port = (portalServer.address() as AddressInfo).port;
});

test.afterAll(async () => {
  await new Promise((ok) => portalServer.close(ok));
});

/** Opens the portal on `host` framing `target`; returns the frame-ancestors refusals logged. */
async function portal(page: Page, host: string, target: string) {
  const refused: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes('frame-ancestors')) refused.push(m.text());
  });
  await page.goto(`http://${host}:${port}/portal?frame=${encodeURIComponent(target)}`);
  return refused;
}

test('an allowed origin can embed a chromeless panel', async ({ page, baseURL }) => {
  await portal(page, 'localhost', `${baseURL}${PANEL}`);
  const frame = page.frameLocator('#panel');
  await expect(frame.getByTestId('embed-panel').locator('figure.chart svg:visible')).toBeVisible();
  await expect(frame.locator('header.topbar')).toHaveCount(0);
  await page.screenshot({ path: '../docs/screenshots/embed.png' });
});

test('a disallowed origin cannot embed a panel', async ({ page, baseURL }) => {
  const refused = await portal(page, '127.0.0.1', `${baseURL}${PANEL}`);
  await expect.poll(() => refused.length).toBeGreaterThan(0);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  expect(await frame?.locator('[data-testid=embed-panel]').count()).toBe(0);
});

test('ordinary pages refuse to be framed even by the allowed origin', async ({ page, baseURL }) => {
  const refused = await portal(page, 'localhost', `${baseURL}/tasks/${encodeURIComponent(TASK)}`);
  await expect.poll(() => refused.length).toBeGreaterThan(0);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  expect(await frame?.locator('[data-testid=task-title]').count()).toBe(0);
});

/** The `frame-ancestors` directive of a response's policy (which has others too). */
function frameAncestors(csp: string | undefined) {
  return (csp ?? '').split(';').map((d) => d.trim()).find((d) => d.startsWith('frame-ancestors'));
}

test('the embed panel and the pages send the framing policy', async ({ request }) => {
  const embed = await request.get(PANEL);
  expect(frameAncestors(embed.headers()['content-security-policy'])).toBe('frame-ancestors http://localhost:*');
  const page = await request.get('/');
  expect(frameAncestors(page.headers()['content-security-policy'])).toBe("frame-ancestors 'none'");
});
