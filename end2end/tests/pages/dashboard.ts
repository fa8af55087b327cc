import { expect, type Locator, type Page } from '@playwright/test';

/** The chart panels every dashboard shows (each also embeddable alone). */
export const CHART_PANELS = ['distribution', 'timeline', 'resources', 'failures', 'dependencies'] as const;

/** `/tasks/{key}` path with the key percent-encoded as the app does. */
export function taskPath(key: string) {
  return '/tasks/' + encodeURIComponent(key);
}

/** Page object for `/tasks/{key}`, the task performance dashboard. */
export class DashboardPage {
  readonly title: Locator;
  readonly cards: Locator;
  readonly executions: Locator;
  readonly successRate: Locator;
  readonly duration: Locator;
  readonly cost: Locator;
  readonly window: Locator;
  readonly historyRows: Locator;
  readonly olderPage: Locator;
  readonly newestPage: Locator;
  readonly taskSearch: Locator;
  readonly suggestions: Locator;

  constructor(readonly page: Page) {
    this.title = page.getByTestId('task-title');
    this.cards = page.getByTestId('panel-cards');
    this.executions = page.getByTestId('card-executions').locator('.card-value');
    this.successRate = page.getByTestId('card-success');
    this.duration = page.getByTestId('card-duration');
    this.cost = page.getByTestId('card-cost');
    this.window = page.getByTestId('window');
    this.historyRows = page.getByTestId('history-row');
    this.olderPage = page.getByTestId('history-older');
    this.newestPage = page.getByTestId('history-first');
    this.taskSearch = page.getByRole('searchbox', { name: 'Find a task' });
    this.suggestions = page.getByTestId('task-suggestions').getByRole('link');
  }

  async open(key: string, query = '') {
    await this.page.goto(taskPath(key) + query);
  }

  async waitForHydration() {
    await expect(this.page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  }

  /** The drawing of a chart panel that fits the screen (each chart comes wide and narrow). */
  chart(panel: string) {
    return this.page.getByTestId(`panel-${panel}`).locator('figure.chart svg:visible');
  }

  range(r: string) {
    return this.page.getByTestId('range-selector').getByRole('link', { name: r, exact: true });
  }

  statusFilter(s: string) {
    return this.page.getByTestId('status-filter').getByRole('link', { name: s, exact: true });
  }

  sortBy(s: 'newest' | 'oldest' | 'longest' | 'shortest') {
    return this.page.getByTestId('history-sort').getByRole('link', { name: s, exact: true });
  }

  /** The numbers a person reads on the cards, as one comparable value. */
  async cardTexts() {
    return this.cards.locator('.card').allInnerTexts();
  }

  historyStarts() {
    return this.historyRows.locator('td:first-child').allTextContents();
  }

  /** Durations of the history rows in milliseconds, as the table writes them (`5.3 min`, `162 s`). */
  async historyDurations() {
    const texts = await this.historyRows.locator('td:nth-child(4)').allTextContents();
    const unit: Record<string, number> = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000 };
    return texts.map((t) => {
      const [value, u] = t.trim().split(/\s+/);
      return Number(value) * (unit[u] ?? NaN);
    });
  }
}
