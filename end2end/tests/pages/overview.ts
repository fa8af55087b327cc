import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for `/`, the task overview. */
export class OverviewPage {
  readonly search: Locator;
  readonly rows: Locator;
  readonly chart: Locator;
  readonly summary: Locator;

  constructor(readonly page: Page) {
    this.search = page.getByRole('searchbox', { name: 'Search tasks' });
    this.rows = page.getByTestId('task-row');
    this.chart = page.locator('figure.chart svg:visible');
    this.summary = page.getByTestId('summary');
  }

  async open(query = '') {
    await this.page.goto('/' + query);
  }

  /** Hydration is done when the app's first effect has run in the browser. */
  async waitForHydration() {
    await expect(this.page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  }

  taskKeys() {
    return this.rows.locator('.task-key').allTextContents();
  }
}
