import { test, expect, plate, register, track, marker, signedOutPage, shot } from './support';

// Vehicle groups as an admin sets them up on the accounts page, and as a depot's manager then sees
// the fleet: only the group's vehicles, on the map, in the list, at a past moment and live.

test('a manager of one group sees only its vehicles: on the map, in the list and at a past moment', async ({ page, browser, request }) => {
  const stamp = Date.now().toString(36);
  const group = `North ${stamp}`;
  const north = await register(request, plate('NOR'));
  const south = await register(request, plate('SOU'));
  const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
  await track(request, north, 53.55, 9.99, tenMinutesAgo);
  await track(request, south, 48.14, 11.58, tenMinutesAgo);
  await track(request, north, 53.56, 10.0);
  await track(request, south, 48.15, 11.59);

  // The admin makes the group, places North's vehicle in it and adds the group's manager.
  await page.goto('/admin');
  // Hydrated first: a form sent before the wasm runs would leave the page.
  await page.waitForLoadState('networkidle');
  await page.getByLabel('New group').fill(group);
  await page.getByRole('button', { name: 'Create group' }).click();
  await expect(page.locator(`tr[data-group="${group}"]`)).toBeVisible();
  const northPlate = (await (await request.get(`/vehicles/${north}`)).json()).vehicleLicensePlate;
  await page.getByLabel('Vehicle (plate)').fill(northPlate);
  await page.getByLabel('Into group (name)').fill(group);
  await page.getByRole('button', { name: 'Place in group' }).click();
  await expect(page.getByText('Placed.')).toBeVisible();
  await expect(page.locator(`tr[data-group="${group}"] td`).nth(1)).toHaveText('1');
  const email = `north-${stamp}@e2e.example`;
  await page.locator('#user-email').fill(email);
  await page.locator('#user-role').selectOption('manager');
  await page.locator('#user-password').fill('north password');
  await page.locator('#user-group').fill(group);
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.locator('.accounts-table tr', { hasText: email })).toContainText(`manager${group}`);
  await shot(page, 'groups-admin');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('#groups-title').scrollIntoViewIfNeeded();
  await shot(page, 'groups-admin-phone');

  const { context, page: manager, problems } = await signedOutPage(browser);
  await manager.goto('/');
  await manager.getByLabel('Email').fill(email);
  await manager.getByLabel('Password').fill('north password');
  await manager.keyboard.press('Enter');
  await expect(manager.locator('.badge')).toHaveAttribute('data-connection', 'live');
  // Every other test's vehicles are in no group: the manager sees this one alone.
  await expect(marker(manager, north)).toHaveAttribute('data-lat', '53.56');
  await expect(manager.locator('.vehicle')).toHaveCount(1);
  await expect(manager.locator('.vehicle')).toContainText(northPlate);
  await expect(marker(manager, south)).toHaveCount(0);
  await shot(manager, 'group-manager');

  // Live: South's new fix never reaches this page; North's moves its marker.
  await track(request, south, 48.2, 11.6);
  await track(request, north, 53.6, 10.1);
  await expect(marker(manager, north)).toHaveAttribute('data-lat', '53.6');
  await expect(marker(manager, south)).toHaveCount(0);

  // A past moment: the group's vehicle where it was, and still nothing else.
  const moment = new Date(tenMinutesAgo.getTime() + 60_000).toISOString();
  await manager.goto(`/?at=${encodeURIComponent(moment)}`);
  await expect(manager.locator('.moment .mode')).toHaveText('Replay');
  await expect(marker(manager, north)).toHaveAttribute('data-lat', '53.55');
  await expect(marker(manager, south)).toHaveCount(0);
  await expect(manager.locator('.vehicle')).toHaveCount(1);
  await shot(manager, 'group-manager-past');
  await manager.setViewportSize({ width: 390, height: 844 });
  await shot(manager, 'group-manager-past-phone');

  // The API agrees: another group's vehicle does not exist for this manager.
  expect((await manager.request.get(`/vehicles/${south}`)).status()).toBe(404);
  expect((await manager.request.get(`/vehicles/${north}`)).status()).toBe(200);
  await context.close();
  expect(problems).toEqual([]);
});
