import { Page } from '@playwright/test';
import { test, expect, plate, openLive, filter, showPanels, seedFleet, shot } from './support';

// The timeline over long history: a range chosen from a menu or typed, the activity under the
// slider, and bookmarks that still work. At desktop and phone width (`everyday` in the name).

const slider = (page: Page) => page.getByRole('slider', { name: 'Time' });
const ends = (page: Page) => slider(page).evaluate((el: HTMLInputElement) => [Number(el.min), Number(el.max)]);
const activity = (page: Page) => page.getByRole('img', { name: /^Activity: \d/ });
const total = async (page: Page) => Number((await activity(page).getAttribute('aria-label'))!.match(/^Activity: (\d+)/)![1]);

// 30 vehicles over two days, a fix every 30 minutes (2,880 fixes).
const FLEET = plate('SPAN').replace('-', '');
let seeded: ReturnType<typeof seedFleet> | undefined;

test('the slider spans the range chosen, draws where there was activity, and keeps a bookmark on it', async ({ page, request }) => {
  const vehicles = await (seeded ??= seedFleet(request, FLEET, { vehicles: 30, hours: 48, everyMinutes: 30 }));
  await openLive(page);
  await filter(page, FLEET);
  await showPanels(page, false);
  // UTC, so that what is typed does not depend on the machine's zone.
  await page.getByRole('button', { name: /^Times:/ }).click();

  // The last day, chosen by keyboard.
  const range = page.getByLabel('Timeline range');
  await range.focus();
  await range.selectOption('day');
  await expect.poll(async () => (await ends(page))[1] - (await ends(page))[0]).toBe(24 * 3600_000);
  expect(Math.abs((await ends(page))[1] - Date.now())).toBeLessThan(5_000);

  // The bars count what the API counts for the same range (asked again until the strip has
  // caught up with the range), at least this fleet's last day.
  await expect(activity(page)).toBeVisible();
  const svg = page.locator('svg.activity');
  let counted = 0;
  await expect
    .poll(async () => {
      const [from, to] = [await svg.getAttribute('data-from'), await svg.getAttribute('data-to')];
      const drawn = await total(page);
      const answer = await request.get(`/fleet/activity?from=${encodeURIComponent(from!)}&to=${encodeURIComponent(to!)}&buckets=120`);
      expect(answer.status()).toBe(200);
      counted = (await answer.json()).fixes.reduce((sum: number, n: number) => sum + n, 0);
      return Date.parse(to!) - Date.parse(from!) < 25 * 3600_000 && drawn === counted;
    })
    .toBe(true);
  expect(counted).toBeGreaterThanOrEqual(30 * 48);
  expect(await svg.locator('rect').count()).toBeGreaterThan(40);
  await shot(page, 'timeline-last-day');

  // A custom range typed in: the slider is that range, and a range that ends before it starts
  // is refused, said beside the fields.
  await range.selectOption('custom');
  const start = vehicles[0].fixes[4].at;
  const end = vehicles[0].fixes[24].at;
  const field = (time: Date) => time.toISOString().slice(0, time.getUTCSeconds() === 0 ? 16 : 19);
  await page.getByLabel('Range from').fill(field(start));
  await page.getByLabel('Range to').fill(field(end));
  await expect.poll(() => ends(page)).toEqual([start.getTime(), end.getTime()]);
  // Whole minutes from the range's first minute to its last, in at most 120 buckets.
  const minutes = Math.ceil(end.getTime() / 60_000) - Math.floor(start.getTime() / 60_000);
  await expect(activity(page)).toHaveAttribute('aria-label', new RegExp(` in ${Math.ceil(minutes / 120)} minutes$`));
  await page.getByLabel('Range to').fill(field(new Date(start.getTime() - 3600_000)));
  await expect(page.locator('.range-problem')).toHaveText('The range must start before it ends.');
  await expect.poll(() => ends(page)).toEqual([start.getTime(), end.getTime()]);
  // The right end of a range in the past is that moment, not Live.
  await slider(page).focus();
  await page.keyboard.press('End');
  await expect(page.locator('.moment .mode')).toHaveText('Replay');
  await expect(slider(page)).toHaveValue(String(end.getTime()));
  await shot(page, 'timeline-custom-range');

  // A bookmark older than the range chosen: the slider reaches back to it.
  const moment = vehicles[2].fixes[3].at;
  await openLive(page, `/?at=${encodeURIComponent(moment.toISOString())}`);
  await showPanels(page, false);
  await page.getByLabel('Timeline range').selectOption('hour');
  await expect(slider(page)).toHaveValue(String(moment.getTime()));
  expect((await ends(page))[0]).toBe(moment.getTime());
  await expect(page.locator('.moment .mode')).toHaveText('Replay');
});
