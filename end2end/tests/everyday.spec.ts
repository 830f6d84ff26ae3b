import { APIRequestContext, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { test, expect, plate, register, track, marker, openLive, filter, showPanels, seedFleet, shot, Vehicle } from './support';

// Every test here runs at desktop and at phone width (the `phone` project), but for those that set
// their own viewport.
const ownViewport = () => test.info().project.name === 'phone';

// A fleet of 30 vehicles driving around Berlin for two days (a fix every 30 minutes), seeded once
// by the first test that needs it; three of them went silent an hour ago. The tests narrow the
// page to it with the plate filter (the database is shared by the whole run).
const FLEET = plate('DAY').replace('-', '');
let seeded: Promise<Vehicle[]> | undefined;
const fleet = (request: APIRequestContext) =>
  (seeded ??= seedFleet(request, FLEET, { vehicles: 30, hours: 48, everyMinutes: 30, silent: 3, silentForMinutes: 60 }));

const row = (page: Page, id: string) => page.locator(`.vehicle[data-vehicle-id="${id}"]`);
const slider = (page: Page) => page.getByRole('slider', { name: 'Time' });
const mode = (page: Page) => page.locator('.moment .mode');

test('typing in the filter hides and shows rows and markers while fixes arrive, without a panic', async ({ page, request }) => {
  const vehicles = await fleet(request);
  await openLive(page);
  await filter(page, FLEET);
  await expect(page.locator('.vehicle')).toHaveCount(30);
  // Neither is one of the three silent vehicles (the next test counts them).
  const [hidden, shown] = [vehicles[25], vehicles[11]];
  for (let round = 0; round < 3; round++) {
    // Rows 010–019 stay, the others go; fixes arrive meanwhile, for rows shown and hidden.
    await Promise.all([
      filter(page, `${FLEET}-01`),
      track(request, hidden.id, 52.4 + round / 100, 13.3),
      track(request, shown.id, 52.6 + round / 100, 13.5),
    ]);
    await expect(page.locator('.vehicle')).toHaveCount(10);
    await expect(row(page, hidden.id)).toHaveCount(0);
    await expect(marker(page, hidden.id)).toHaveCount(0);
    await expect(row(page, shown.id).locator('.coords')).toHaveText(`${(52.6 + round / 100).toFixed(5)}, 13.50000`);
    await expect(marker(page, shown.id)).toHaveAttribute('data-lat', String(52.6 + round / 100));
    await filter(page, FLEET.toLowerCase());
    await expect(page.locator('.vehicle')).toHaveCount(30);
    await expect(row(page, hidden.id).locator('.coords')).toHaveText(`${(52.4 + round / 100).toFixed(5)}, 13.30000`);
    await expect(marker(page, hidden.id)).toHaveAttribute('data-lat', String(52.4 + round / 100));
  }
  // Everything still answers: a new fix moves its marker, a vehicle's history opens, the slider replays.
  await track(request, hidden.id, 52.45, 13.35);
  await expect(marker(page, hidden.id)).toHaveAttribute('data-lat', '52.45');
  await row(page, hidden.id).click();
  await expect(page.locator('.history h2')).toHaveText(`History of ${hidden.plate}`);
  await slider(page).focus();
  await page.keyboard.press('Shift+ArrowLeft');
  await expect(mode(page)).toHaveText('Replay');
  await expect(page.locator('.badge')).toHaveAttribute('data-connection', 'live');
});

test('silent vehicles are marked on the map and in the list, counted, and sorted by last seen', async ({ page, request }) => {
  const vehicles = await fleet(request);
  // The 27 reporting vehicles report now (the fleet may have been seeded minutes ago).
  const now = new Date();
  const response = await request.post('/track-locations', {
    data: vehicles.slice(3).map((v) => ({ vehicleRegisteredId: v.id, latitude: 52.5, longitude: 13.4, trackedAt: now.toISOString() })),
  });
  expect(response.status()).toBe(200);
  await openLive(page);
  await filter(page, FLEET);
  await expect(page.locator('.count-total')).toHaveText('30 in all');
  await expect(page.locator('.count-reporting')).toHaveText('27 reporting');
  await expect(page.locator('.count-silent')).toHaveText('3 silent');
  await expect(page.locator('.vehicle.silent')).toHaveCount(3);
  await expect(row(page, vehicles[0].id).locator('.seen')).toContainText('Silent · 1 h ago');
  await expect(row(page, vehicles[5].id)).not.toHaveClass(/silent/);

  await page.getByLabel('Sort vehicles').selectOption('seen');
  const plates = page.locator('.vehicle .plate');
  // The silent ones, last seen an hour ago, come last.
  await expect(plates.nth(29)).toHaveText(/-00[0-2]$/);
  await expect(plates.nth(0)).not.toHaveText(/-00[0-2]$/);
  await page.getByLabel('Sort vehicles').selectOption('plate');
  await expect(plates.nth(0)).toHaveText(`${FLEET}-000`);
  await shot(page, 'silent-vehicles');
});

test('the history shows the events up to the moment shown, newest first, pages back, and opens a moment', async ({ page, request }) => {
  const vehicles = await fleet(request);
  // One of the silent three: nothing reported since its registration.
  const vehicle = vehicles[1];
  // A moment 18 hours back, between two fixes: 61 fixes up to it.
  const fix = vehicle.fixes[60];
  const moment = new Date(fix.at.getTime() + 10 * 60_000);
  await openLive(page, `/?at=${encodeURIComponent(moment.toISOString())}`);
  await expect(mode(page)).toHaveText('Replay');
  await filter(page, vehicle.plate);
  await row(page, vehicle.id).click();
  const events = page.locator('.history .event');
  await expect(events).toHaveCount(50);
  // The newest event at that moment is that fix, written as people speak.
  await expect(events.first().locator('.detail')).toHaveText(`Position ${fix.latitude.toFixed(5)}, ${fix.longitude.toFixed(5)}`);
  await expect(events.first().locator('.type')).toHaveText('LocationTracked');
  await expect(events.first().locator('.when')).toContainText('10 min ago');
  // Paging back reaches the registration.
  await page.getByRole('button', { name: 'Older events' }).click();
  await expect(events).toHaveCount(61);
  await expect(page.getByRole('button', { name: 'Older events' })).toHaveCount(0);
  const first = vehicle.fixes[0];
  await expect(page.locator('.history .event').last().locator('.detail')).toHaveText(`Position ${first.latitude.toFixed(5)}, ${first.longitude.toFixed(5)}`);
  // Registered after the fixes were taken (they were imported), so it is the newest of all: not shown at this moment.
  await expect(page.locator('.history')).not.toContainText('Registered as');

  // A row opens its moment on the map.
  const older = vehicle.fixes[52];
  await events.nth(8).locator('button').click();
  await expect(page.locator('.replay-banner')).toBeVisible();
  await expect(marker(page, vehicle.id)).toHaveAttribute('data-lat', String(older.latitude));
  await expect(page).toHaveURL(new RegExp(`at=${older.at.toISOString().slice(0, 16)}`));
  // The whole fleet at that moment, the vehicle still selected (the README's screenshot).
  await filter(page, FLEET);
  await page.getByRole('button', { name: 'Fit all' }).click();
  await expect(page.locator('.map')).toHaveAttribute('data-vehicles', '30');
  // The clicked event heads the history, scrolled to the top.
  await expect(events.first().locator('.detail')).toHaveText(`Position ${older.latitude.toFixed(5)}, ${older.longitude.toFixed(5)}`);
  expect(await page.locator('.history .events').evaluate((el) => el.scrollTop)).toBe(0);
  await page.waitForTimeout(800); // the zoom's animation, for the screenshot
  await shot(page, 'overview');
  await filter(page, vehicle.plate);

  // Live: the newest event first (its registration, which came after the imported fixes).
  await page.getByRole('button', { name: 'Back to live' }).click();
  await expect(events.first().locator('.detail')).toHaveText(`Registered as ${vehicle.plate}`);
});

test.describe('in Berlin', () => {
  test.use({ timezoneId: 'Europe/Berlin', locale: 'en-GB' });

  test('a bookmark older than an hour puts the handle at its moment, reads an unescaped offset, and says when it cannot be read', async ({ page, request }) => {
    const vehicles = await fleet(request);
    const vehicle = vehicles[7];
    const fix = vehicle.fixes[10];
    // As typed into the address bar: "+01:00" unescaped (it arrives as a space).
    const berlin = new Date(fix.at.getTime() + 3600_000).toISOString().slice(0, 19) + '+01:00';
    await openLive(page, `/?at=${berlin}`);
    await expect(mode(page)).toHaveText('Replay');
    await expect(slider(page)).toHaveValue(String(fix.at.getTime()));
    const bounds = await slider(page).evaluate((el: HTMLInputElement) => [Number(el.min), Number(el.max)]);
    expect(bounds[0]).toBeLessThanOrEqual(fix.at.getTime());
    await filter(page, vehicle.plate);
    await expect(marker(page, vehicle.id)).toHaveAttribute('data-lat', String(fix.latitude));
    // The labels are in the browser's zone from the start, not UTC until the timeline is touched.
    await expect(page.locator('.moment time')).toContainText(/CET|GMT\+1/);
    await expect(page.locator('.replay-banner')).toContainText(/CET|GMT\+1/);

    await page.goto('/?at=yesterday');
    await expect(page.locator('.bad-moment')).toContainText('“yesterday”');
    await expect(mode(page)).toHaveText('Live');
  });

  test('one time zone everywhere: the browser\'s by default, UTC at a click', async ({ page, request }) => {
    const vehicles = await fleet(request);
    const fix = vehicles[3].fixes[20];
    await openLive(page, `/?at=${encodeURIComponent(fix.at.toISOString())}`);
    await filter(page, vehicles[3].plate);
    await row(page, vehicles[3].id).click();
    const zone = page.getByRole('button', { name: /^Times:/ });
    await expect(zone).toHaveText('Times: Europe/Berlin');
    await expect(page.locator('.moment time')).toContainText(/CET|GMT\+1/);
    await expect(page.locator('.history .event').first().locator('.when')).toContainText(/CET|GMT\+1/);
    await zone.click();
    await expect(zone).toHaveText('Times: UTC');
    await expect(page.locator('.moment time')).toHaveText(fix.at.toISOString().slice(0, 19).replace('T', ' ') + ' UTC');
    await expect(page.locator('.history .event').first().locator('.when')).toContainText('UTC');
    await expect(page.locator('.replay-banner')).toContainText('UTC');
    await expect(slider(page)).toHaveAttribute('aria-valuetext', /UTC/);
    // "x ago" counts from the moment shown.
    await expect(page.locator('.history .event').first().locator('.when')).toContainText('just now');
  });
});

test('a vehicle whose imported fixes are older than its registration shows at those moments', async ({ page, request }) => {
  const licensePlate = plate('IMPORT');
  const id = await register(request, licensePlate);
  const dayAgo = new Date(Date.now() - 24 * 3600_000);
  await track(request, id, 48.8566, 2.3522, dayAgo);
  await openLive(page, `/?at=${encodeURIComponent(new Date(dayAgo.getTime() + 60_000).toISOString())}`);
  await filter(page, licensePlate);
  await expect(row(page, id)).toHaveCount(1);
  await expect(marker(page, id)).toHaveAttribute('data-lat', '48.8566');
  // Before its first fix it did not exist yet.
  await page.goto(`/?at=${encodeURIComponent(new Date(dayAgo.getTime() - 60_000).toISOString())}`);
  await filter(page, licensePlate);
  await expect(page.locator('.vehicles .no-match')).toBeVisible();
});

test('the timeline\'s right end is Live, play starts from a recent moment, and a field jumps to an exact one', async ({ page, request }) => {
  const vehicles = await fleet(request);
  await openLive(page);
  await filter(page, FLEET);
  await showPanels(page, false);
  const time = slider(page);
  // Dragged with the mouse from the right end to the middle: a replay of that moment.
  const bar = (await time.boundingBox())!;
  await page.mouse.move(bar.x + bar.width - 4, bar.y + bar.height / 2);
  await page.mouse.down();
  await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2, { steps: 8 });
  await page.mouse.up();
  await expect(mode(page)).toHaveText('Replay');
  await expect(page.locator('.map')).toHaveAttribute('data-moment', await time.inputValue());
  // Dragged to the right end: Live, not a frozen replay.
  await time.fill(String(Date.now() - 3 * 3600_000));
  await expect(mode(page)).toHaveText('Replay');
  await expect(page.locator('.replay-banner')).toBeVisible();
  // Past the right end: the browser puts the thumb at the end.
  await time.fill(String(Date.now() + 600_000));
  await expect(mode(page)).toHaveText('Live');
  await expect(page.locator('.replay-banner')).toHaveCount(0);
  // End from a replay: Live.
  await time.focus();
  await page.keyboard.press('Shift+ArrowLeft');
  await expect(mode(page)).toHaveText('Replay');
  await page.keyboard.press('End');
  await expect(mode(page)).toHaveText('Live');
  // ▶ while Live plays the last hour, not from the first event two days back.
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(mode(page)).toHaveText('Replay');
  const started = Number(await time.inputValue());
  // An hour back, and a few seconds played at 60× since.
  expect(Date.now() - started).toBeLessThan(3600_000 + 5_000);
  expect(Date.now() - started).toBeGreaterThan(3600_000 - 300_000);
  await page.getByRole('button', { name: 'Pause' }).click();
  // An exact moment typed in (UTC, so that the test does not depend on the machine's zone).
  await page.getByRole('button', { name: /^Times:/ }).click();
  const fix = vehicles[4].fixes[30];
  // The field drops ":00" seconds: say it as the field does.
  const typed = fix.at.toISOString().slice(0, fix.at.getUTCSeconds() === 0 ? 16 : 19);
  await page.getByLabel('Go to date and time').fill(typed);
  await expect(time).toHaveValue(String(fix.at.getTime()));
  await expect(page.locator('.replay-banner')).toContainText(fix.at.toISOString().slice(0, 19).replace('T', ' '));
  await expect(marker(page, vehicles[4].id)).toHaveAttribute('data-lat', String(fix.latitude));
  await shot(page, 'replay-banner');
  await page.getByRole('button', { name: 'Back to live' }).click();
  await expect(mode(page)).toHaveText('Live');
});

test('the map fits all, follows the selected vehicle and keeps it in view', async ({ page, request }) => {
  const vehicles = await fleet(request);
  const vehicle = vehicles[9];
  await openLive(page);
  await filter(page, FLEET);
  await row(page, vehicle.id).click();
  await expect(page.getByRole('button', { name: 'Follow selected' })).toHaveAttribute('aria-pressed', 'true');
  // It drives far away (to Hamburg): the map follows.
  await track(request, vehicle.id, 53.5511, 9.9937);
  await expect(marker(page, vehicle.id)).toHaveAttribute('data-lat', '53.5511');
  await expect.poll(() => markerOnScreen(page, vehicle.id)).toBe(true);
  // Fit all: back over the whole fleet shown, Berlin and Hamburg both in view.
  await page.getByRole('button', { name: 'Fit all' }).click();
  await expect(page.getByRole('button', { name: 'Follow selected' })).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => markerOnScreen(page, vehicle.id)).toBe(true);
  await expect.poll(() => markerOnScreen(page, vehicles[1].id)).toBe(true);
  await expect(page.locator('.history .event').first()).toBeVisible();
  await shot(page, 'fleet');
});

/** Whether a vehicle's marker is inside the map's view (`data-view`: south, west, north, east). */
async function markerOnScreen(page: Page, id: string): Promise<boolean> {
  const record = marker(page, id);
  if ((await record.count()) === 0) return false;
  const [lat, lng] = [Number(await record.getAttribute('data-lat')), Number(await record.getAttribute('data-lng'))];
  const view = await page.locator('.map').getAttribute('data-view');
  if (!view) return false;
  const [south, west, north, east] = view.split(',').map(Number);
  return lat >= south && lat <= north && lng >= west && lng <= east;
}

test('the first screen of an empty filter says so, and the page is reachable by keyboard', async ({ page, request }) => {
  const vehicles = await fleet(request);
  await openLive(page);
  // Keyboard only: the skip link first, then into the list; Enter opens the vehicle's details.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to the map and timeline' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#timeline')).toBeFocused();
  await filter(page, 'NO-SUCH-PLATE-ZZ');
  await expect(page.locator('.vehicles .no-match')).toHaveText('No vehicle matches the filter.');
  await filter(page, vehicles[2].plate);
  await row(page, vehicles[2].id).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.history h2')).toHaveText(`History of ${vehicles[2].plate}`);
  await page.keyboard.press('Tab'); // Close
  await page.keyboard.press('Tab'); // the newest event
  await expect(page.locator('.history .event-open').first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(mode(page)).toHaveText('Replay');
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('the map and the timeline come first, the panels open on demand, long lists scroll in a bounded box', async ({ page, request }) => {
    test.skip(ownViewport(), 'sets its own viewport');
    const vehicles = await fleet(request);
    await openLive(page);
    const time = slider(page);
    // The timeline on the first screen, below a map of a useful size.
    await expect(time).toBeInViewport({ ratio: 1 });
    const mapBox = (await page.locator('.map').boundingBox())!;
    expect(mapBox.height).toBeGreaterThan(300);
    await expect(page.locator('.sidebar')).toBeHidden();
    // By touch: the slider replays, the banner's button brings Live back.
    await time.fill(String(Date.now() - 5 * 3600_000));
    await expect(page.locator('.replay-banner')).toBeInViewport();
    await page.screenshot({ path: 'artifacts/phone-replay.png' });
    await page.getByRole('button', { name: 'Back to live' }).tap();
    await expect(mode(page)).toHaveText('Live');
    await page.screenshot({ path: 'artifacts/phone-map.png' });

    await page.getByRole('button', { name: 'Vehicles' }).tap();
    await filter(page, FLEET);
    const list = page.locator('.vehicle-list');
    await expect(page.locator('.vehicle')).toHaveCount(30);
    const listBox = (await list.boundingBox())!;
    expect(listBox.height).toBeLessThanOrEqual(844 * 0.4);
    expect(await list.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await row(page, vehicles[5].id).tap();
    await expect(page.locator('.history .event').first()).toBeVisible();
    const events = (await page.locator('.history .events').boundingBox())!;
    expect(events.height).toBeLessThanOrEqual(844 * 0.4);
    await page.screenshot({ path: 'artifacts/phone-panels.png' });
    await page.getByRole('button', { name: 'Close panels' }).tap();
    await expect(page.locator('.sidebar')).toBeHidden();
    await expect(time).toBeInViewport({ ratio: 1 });
  });
});

for (const [width, height] of [[1280, 800], [390, 844]]) {
  test(`no serious or critical accessibility violation (axe-core, WCAG 2.1 AA) at ${width}×${height}`, async ({ page, request }) => {
    test.skip(ownViewport(), 'sets its own viewport');
    const vehicles = await fleet(request);
    await page.setViewportSize({ width, height });
    await openLive(page, `/?at=${encodeURIComponent(vehicles[6].fixes[50].at.toISOString())}`);
    await filter(page, FLEET);
    await row(page, vehicles[6].id).click();
    await expect(page.locator('.history .event').first()).toBeVisible();
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const serious = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
    expect(serious).toEqual([]);
  });
}
