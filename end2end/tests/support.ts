import { test as base, expect, Browser, Page, APIRequestContext } from '@playwright/test';

/**
 * Every end-to-end test's `page`: the test fails if the page throws (a `pageerror`) or the wasm
 * panics (Rust's panic hook writes "panicked at" to the console), whatever the test checked.
 * Failed loads (map tiles with no network, requests to a stopped server) are not page errors.
 */
export const test = base.extend<{ page: Page; request: APIRequestContext }>({
  // The API as an integration calls it: with the admin API token scripts/test.sh issued.
  request: async ({ playwright, baseURL }, use) => {
    expect(process.env.E2E_TOKEN, 'scripts/test.sh sets E2E_TOKEN').toBeTruthy();
    const context = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { authorization: `Bearer ${process.env.E2E_TOKEN}` },
    });
    await use(context);
    await context.dispose();
  },
  page: async ({ page }, use) => {
    const problems = watch(page);
    await use(page);
    expect(problems, 'page errors and browser-side panics').toEqual([]);
  },
});
export { expect };

/** The page errors and browser-side panics of `page`, collected as they happen. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/panicked|RuntimeError|unreachable executed|already borrowed|disposed/i.test(text)) {
      problems.push(`browser-side panic: ${text}`);
    } else if (message.type() === 'error' && !/Failed to load resource|net::ERR_/.test(text)) {
      problems.push(`console error: ${text}`);
    }
  });
  return problems;
}

/** A browser of its own, signed out: a page and the problems seen on it. */
export async function signedOutPage(browser: Browser) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  return { context, page, problems: watch(page) };
}

// Each test registers its own plates, so the tests share one fresh database without clashing.
export const plate = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 7)}`.toUpperCase();

export async function register(request: APIRequestContext, licensePlate: string): Promise<string> {
  const response = await request.post('/register-vehicle', { data: { vehicleLicensePlate: licensePlate } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).vehicleRegisteredId;
}

export async function track(
  request: APIRequestContext,
  vehicleRegisteredId: string,
  latitude: number,
  longitude: number,
  trackedAt?: Date,
) {
  const response = await request.post('/track-location', {
    data: { vehicleRegisteredId, latitude, longitude, trackedAt: trackedAt?.toISOString() },
  });
  expect(response.status(), await response.text()).toBe(200);
}

export interface Vehicle {
  id: string;
  plate: string;
  /** Its fixes, oldest first. */
  fixes: { at: Date; latitude: number; longitude: number }[];
}

/**
 * A fleet driving around a city: `vehicles` vehicles, each reporting every `everyMinutes` for
 * the last `hours` hours along a loop of its own, sent in batches as a phone app's buffer would.
 * `silent` of them stop reporting `silentForMinutes` before now.
 */
export async function seedFleet(
  request: APIRequestContext,
  prefix: string,
  options: {
    vehicles?: number;
    hours?: number;
    everyMinutes?: number;
    silent?: number;
    silentForMinutes?: number;
    centre?: [number, number];
    /** Degrees over which the vehicles' loops are spread (0: all around the centre). */
    spread?: number;
  } = {},
): Promise<Vehicle[]> {
  const { vehicles = 30, hours = 48, everyMinutes = 30, silent = 0, silentForMinutes = 60, centre = [52.52, 13.405], spread = 0 } = options;
  // Whole seconds, so that a moment written without milliseconds names a fix exactly.
  const now = Math.floor(Date.now() / 1000) * 1000;
  const fleet: Vehicle[] = [];
  for (let n = 0; n < vehicles; n++) {
    const licensePlate = `${prefix}-${String(n).padStart(3, '0')}`;
    fleet.push({ id: await register(request, licensePlate), plate: licensePlate, fixes: [] });
  }
  const fixes: object[] = [];
  fleet.forEach((vehicle, n) => {
    const end = n < silent ? now - silentForMinutes * 60_000 : now - 60_000;
    const radius = 0.02 + (n % 7) * 0.01;
    const home = [centre[0] + (((n * 37) % 101) / 101 - 0.5) * spread, centre[1] + (((n * 61) % 103) / 103 - 0.5) * spread * 1.6];
    for (let at = now - hours * 3600_000; at <= end; at += everyMinutes * 60_000) {
      const angle = (at / 3600_000) * 0.7 + n;
      const fix = {
        at: new Date(at),
        latitude: Number((home[0] + radius * Math.sin(angle)).toFixed(5)),
        longitude: Number((home[1] + radius * 1.6 * Math.cos(angle)).toFixed(5)),
      };
      vehicle.fixes.push(fix);
      fixes.push({ vehicleRegisteredId: vehicle.id, latitude: fix.latitude, longitude: fix.longitude, trackedAt: fix.at.toISOString() });
    }
  });
  for (let i = 0; i < fixes.length; i += 5000) {
    const response = await request.post('/track-locations', { data: fixes.slice(i, i + 5000) });
    expect(response.status(), await response.text()).toBe(200);
  }
  return fleet;
}

/** A screenshot in end2end/artifacts/, named for what it shows and the project (desktop, phone). */
export async function shot(page: Page, name: string) {
  const project = base.info().project.name === 'chromium' ? 'desktop' : base.info().project.name;
  await page.screenshot({ path: `artifacts/${name}-${project}.png` });
}

/** The map marker's record of a vehicle: it carries the position the marker is drawn at. */
export const marker = (page: Page, id: string) => page.locator(`.plate-label[data-vehicle-id="${id}"]`);

export async function openLive(page: Page, path = '/') {
  await page.goto(path);
  // Hydrated and following the server's live updates.
  await expect(page.locator('.badge')).toHaveAttribute('data-connection', 'live');
}

/**
 * On a phone the panels (registration, list, history) are a sheet opened from the top bar, and
 * closed again to reach the timeline; on a desktop they are always there. By keyboard, as a
 * keyboard user would.
 */
export async function showPanels(page: Page, shown = true) {
  const toggle = page.locator('.panels-toggle');
  if (!(await toggle.isVisible())) return;
  if ((await toggle.getAttribute('aria-expanded')) !== String(shown)) {
    await toggle.focus();
    await page.keyboard.press('Enter');
    await expect(toggle).toHaveAttribute('aria-expanded', String(shown));
  }
}

/** Shows only this test's vehicles (the database is shared by the tests of a run). */
export async function filter(page: Page, text: string) {
  await showPanels(page);
  await page.getByLabel('Filter vehicles by plate').fill(text);
}
