import { test, expect, plate, register, track, marker, openLive } from './support';

test('a vehicle registered through the form is listed', async ({ page }) => {
  await openLive(page);
  const licensePlate = plate('FORM');
  await page.getByLabel('Licence plate').fill(licensePlate.toLowerCase());
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.locator('.vehicle .plate', { hasText: licensePlate })).toBeVisible();
  await expect(page.locator('.field-ok')).toHaveText(`Registered ${licensePlate}`);
  await expect(page.getByLabel('Licence plate')).toHaveValue('');
});

test('a duplicate plate shows the error next to the field', async ({ page, request }) => {
  const licensePlate = plate('DUP');
  await register(request, licensePlate);
  await openLive(page);
  await page.getByLabel('Licence plate').fill(licensePlate);
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.locator('#plate-error')).toContainText('already registered');
  await expect(page.getByLabel('Licence plate')).toHaveAttribute('aria-invalid', 'true');
});

test('a tracked position moves the marker within a second, without reload', async ({ page, request }) => {
  const id = await register(request, plate('LIVE'));
  await openLive(page);
  await track(request, id, 48.1374, 11.5755);
  await expect(marker(page, id)).toHaveAttribute('data-lat', '48.1374', { timeout: 1000 });
  await track(request, id, 48.2, 11.6);
  await expect(marker(page, id)).toHaveAttribute('data-lat', '48.2', { timeout: 1000 });
  await expect(marker(page, id)).toHaveAttribute('data-lng', '11.6');
  // The list follows too.
  await expect(page.locator(`.vehicle[data-vehicle-id="${id}"] .coords`)).toHaveText('48.20000, 11.60000');
});

test('the slider replays the past and Live returns to the present', async ({ page, request }, testInfo) => {
  const id = await register(request, plate('TIME'));
  await track(request, id, 40.4168, -3.7038);
  const between = Date.now() + 1000;
  await page.waitForTimeout(2000);
  await track(request, id, 41.3874, 2.1686);

  await openLive(page);
  await expect(marker(page, id)).toHaveAttribute('data-lat', '41.3874');

  // Drag the thumb back to a moment between the two fixes.
  const slider = page.getByRole('slider', { name: 'Time' });
  await slider.fill(String(between));
  await expect(page.locator('.moment .mode')).toHaveText('Replay');
  await expect(marker(page, id)).toHaveAttribute('data-lat', '40.4168');
  await expect(page).toHaveURL(/\?at=/);
  await page.screenshot({ path: testInfo.outputPath('replay-desktop.png') });

  // A bookmarked moment opens where it was left.
  const bookmarked = page.url();
  await page.goto(bookmarked);
  await expect(page.locator('.moment .mode')).toHaveText('Replay');
  await expect(marker(page, id)).toHaveAttribute('data-lat', '40.4168');

  await page.getByRole('button', { name: 'Live', exact: true }).click();
  await expect(page.locator('.moment .mode')).toHaveText('Live');
  await expect(marker(page, id)).toHaveAttribute('data-lat', '41.3874');
  await expect(page).not.toHaveURL(/\?at=/);
});

test('arrow keys step the timeline and play moves it forward', async ({ page, request }) => {
  const id = await register(request, plate('KEYS'));
  // A fix taken two hours ago (a phone's buffer): the timeline now reaches two hours back.
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
  const response = await request.post('/track-location', {
    data: { vehicleRegisteredId: id, latitude: 1, longitude: 1, trackedAt: twoHoursAgo },
  });
  expect(response.status()).toBe(200);
  await openLive(page);
  const slider = page.getByRole('slider', { name: 'Time' });
  await slider.focus();
  const live = Number(await slider.inputValue());
  await page.keyboard.press('Shift+ArrowLeft');
  await expect(page.locator('.moment .mode')).toHaveText('Replay');
  const anHourBack = Number(await slider.inputValue());
  expect(live - anHourBack).toBeGreaterThanOrEqual(3600_000 - 2000);
  await page.keyboard.press('ArrowRight');
  const stepped = Number(await slider.inputValue());
  expect(stepped).toBeGreaterThan(anHourBack);

  await page.getByLabel('Playback speed').selectOption('10');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect.poll(async () => Number(await slider.inputValue())).toBeGreaterThan(stepped);
  await page.getByRole('button', { name: 'Pause' }).click();
});

test('clicking a vehicle shows its history and the filter narrows the list', async ({ page, request }) => {
  const licensePlate = plate('HIST');
  const id = await register(request, licensePlate);
  await track(request, id, 52.52, 13.405);
  await openLive(page);
  await page.getByLabel('Filter vehicles by plate').fill(licensePlate.toLowerCase());
  await expect(page.locator('.vehicle')).toHaveCount(1);
  await page.locator(`.vehicle[data-vehicle-id="${id}"]`).click();
  const history = page.locator('.history');
  await expect(history).toContainText(`History of ${licensePlate}`);
  await expect(history.locator('.event .type')).toHaveText(['LocationTracked', 'VehicleRegistered']);
});

test('the page works at phone width', async ({ page, request }, testInfo) => {
  const id = await register(request, plate('PHONE'));
  await track(request, id, 59.3293, 18.0686);
  await page.setViewportSize({ width: 390, height: 844 });
  await openLive(page);
  await expect(page.locator('.map')).toBeVisible();
  await expect(page.getByRole('slider', { name: 'Time' })).toBeVisible();
  await page.getByRole('button', { name: 'Vehicles' }).click();
  await expect(page.getByLabel('Licence plate')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('phone.png'), fullPage: true });
});

test('a GPS device registered through the form reports over the OsmAnd protocol', async ({ page, request }) => {
  await openLive(page);
  const licensePlate = plate('GPS');
  const device = `dev-${Math.random().toString(36).slice(2, 8)}`;
  await page.getByLabel('Licence plate').fill(licensePlate);
  await page.getByLabel('GPS device identifier (optional)').fill(device);
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.locator('.field-ok')).toHaveText(`Registered ${licensePlate}`);

  // As the old Android Traccar Client sends it: speed in knots, an empty body.
  const response = await request.post(`/?id=${device}&lat=52.5&lon=13.4&speed=10&bearing=90&batt=87`);
  expect(response.status()).toBe(200);
  const row = page.locator('.vehicle', { hasText: licensePlate });
  await expect(row.locator('.coords')).toHaveText('52.50000, 13.40000');
  await row.click();
  await expect(page.locator('.history .readings').first()).toHaveText('19 km/h · 90° · battery 87%');
});

test.describe('before the wasm has loaded', () => {
  test.use({ javaScriptEnabled: false });

  test('the first response already lists the fleet, and the form posts plainly', async ({ page, request }) => {
    const existing = plate('SSR');
    await register(request, existing);
    // The list is a read model: it has the vehicle a moment after the registration.
    await expect(async () => {
      await page.goto('/');
      await expect(page.locator('.vehicle .plate', { hasText: existing })).toBeVisible({ timeout: 200 });
    }).toPass();

    const licensePlate = plate('NOJS');
    await page.getByLabel('Licence plate').fill(licensePlate);
    await page.getByRole('button', { name: 'Register' }).click();
    // The page comes back confirming it.
    await expect(page).toHaveURL(/\?registered=/);
    await expect(page.locator('.field-ok')).toHaveText(`Registered ${licensePlate}`);
    await expect(async () => {
      await page.goto('/');
      await expect(page.locator('.vehicle .plate', { hasText: licensePlate })).toBeVisible({ timeout: 200 });
    }).toPass();
  });
});
