import { Page } from '@playwright/test';
import { test, expect, plate, openLive, filter, seedFleet } from './support';

// Runs after every other test (its own Playwright project): a thousand vehicles make the map
// cluster, which the other tests' single markers must not be part of.
test('a fleet of 1,000: clusters zoom in when clicked, the filter narrows the map, counts and lists hold', async ({ page, request }) => {
  test.setTimeout(120_000);
  const prefix = plate('K').replace('-', '');
  const vehicles = await seedFleet(request, prefix, { vehicles: 1000, hours: 48, everyMinutes: 360, spread: 6, centre: [51.0, 10.0] });
  await openLive(page);
  const map = page.locator('.map');
  await expect.poll(async () => Number(await map.getAttribute('data-clusters'))).toBeGreaterThan(0);
  await filter(page, prefix);
  await expect(page.locator('.count-total')).toHaveText('1000 in all');
  await expect(page.locator('.vehicle').first()).toBeVisible();
  await page.screenshot({ path: 'artifacts/large-fleet-desktop.png' });

  // A click on a cluster zooms in on it.
  const zoom = Number(await map.getAttribute('data-zoom'));
  const [x, y] = await onScreen(page, (await map.getAttribute('data-first-cluster'))!);
  await page.mouse.click(x, y);
  await expect.poll(async () => Number(await map.getAttribute('data-zoom'))).toBeGreaterThan(zoom);

  // The filter narrows the map too: ten vehicles, each on its own marker.
  await filter(page, `${prefix}-00`);
  await expect(page.locator('.vehicle')).toHaveCount(10);
  await page.getByRole('button', { name: 'Fit all' }).click();
  await expect(map).toHaveAttribute('data-vehicles', '10');
  await expect(page.locator('.plate-label')).toHaveCount(10);
  await expect(page.locator(`.plate-label[data-vehicle-id="${vehicles[500].id}"]`)).toHaveCount(0);

  // The whole fleet on a phone: the map and the timeline on the first screen, the list of a
  // thousand in a box that scrolls.
  await filter(page, prefix);
  await page.getByRole('button', { name: 'Fit all' }).click();
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole('slider', { name: 'Time' })).toBeInViewport({ ratio: 1 });
  await page.screenshot({ path: 'artifacts/large-fleet-phone.png' });
  await page.getByRole('button', { name: 'Vehicles' }).click();
  const list = page.locator('.vehicle-list');
  expect((await list.boundingBox())!.height).toBeLessThanOrEqual(844 * 0.4);
  await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(page.locator(`.vehicle[data-vehicle-id="${vehicles[999].id}"]`)).toBeInViewport();
  await page.screenshot({ path: 'artifacts/large-fleet-phone-list.png' });
});

/** The page coordinates of "lat,lng" on the map, from its `data-view` (Web Mercator). */
async function onScreen(page: Page, latLng: string): Promise<[number, number]> {
  const map = page.locator('.map');
  const [lat, lng] = latLng.split(',').map(Number);
  const [south, west, north, east] = (await map.getAttribute('data-view'))!.split(',').map(Number);
  const box = (await map.boundingBox())!;
  const mercator = (degrees: number) => Math.log(Math.tan(Math.PI / 4 + (degrees * Math.PI) / 360));
  const x = ((lng - west) / (east - west)) * box.width;
  const y = ((mercator(north) - mercator(lat)) / (mercator(north) - mercator(south))) * box.height;
  return [box.x + x, box.y + y];
}
