import { test, expect, plate, register, openLive, signedOutPage, shot } from './support';

// Access control as people meet it: signing in and out, what a viewer sees, and an admin's API
// tokens. Every other test's page is signed in as the administrator (global-setup.ts).

const admin = () => ({ email: process.env.E2E_ADMIN_EMAIL!, password: process.env.E2E_ADMIN_PASSWORD! });

test('a signed-out visitor signs in with the keyboard, is told of a wrong password, and signs out', async ({ browser }) => {
  const { context, page, problems } = await signedOutPage(browser);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.locator('.vehicle-list')).toHaveCount(0);

  await page.getByLabel('Email').focus();
  await page.keyboard.type(admin().email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('not the password');
  await page.keyboard.press('Enter');
  await expect(page.locator('#login-error')).toHaveText('wrong email or password');
  await shot(page, 'login-wrong-password');

  await page.getByLabel('Password').fill(admin().password);
  await page.keyboard.press('Enter');
  await expect(page.locator('.badge')).toHaveAttribute('data-connection', 'live');
  await expect(page.locator('.who')).toHaveText(admin().email);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  // The session is gone on the server too: the API refuses its cookie.
  expect((await page.request.get('/vehicles')).status()).toBe(401);
  await context.close();
  expect(problems).toEqual([]);
});

test('a viewer sees the fleet but no registration form', async ({ browser, request }) => {
  const licensePlate = plate('VIEW');
  await register(request, licensePlate);
  const email = `viewer-${Date.now()}@e2e.example`;
  const added = await request.post('/api/add_user', { form: { email, role: 'viewer', password: 'viewer password' } });
  expect(added.status(), await added.text()).toBe(200);

  const { context, page, problems } = await signedOutPage(browser);
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('viewer password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.badge')).toHaveAttribute('data-connection', 'live');
  await expect(page.locator('.vehicle', { hasText: licensePlate })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Register a vehicle' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Accounts' })).toHaveCount(0);
  // The API agrees: a viewer's session may read, not register.
  const refused = await page.request.post('/register-vehicle', { data: { vehicleLicensePlate: plate('NOPE') } });
  expect(refused.status()).toBe(403);
  await shot(page, 'viewer');
  await context.close();
  expect(problems).toEqual([]);
});

test('an admin issues an API token, which works until it is revoked', async ({ page, playwright, request }) => {
  const licensePlate = plate('TOK');
  const vehicle = await register(request, licensePlate);
  // Hydrated first: a click before the wasm runs selects nothing.
  await openLive(page);
  // The history says who registered it: the tests' API token.
  await page.locator('.vehicle', { hasText: licensePlate }).click();
  await expect(page.locator('.history .event', { hasText: 'Registered as' }).locator('.readings')).toHaveText('by API token “e2e”');
  await page.getByRole('link', { name: 'Accounts' }).click();
  await expect(page.getByRole('heading', { name: 'Issue an API token' })).toBeVisible();
  const name = `gateway ${Date.now()}`;
  await page.getByLabel('Name (what it is for)').fill(name);
  await page.getByLabel('Role', { exact: true }).last().selectOption('ingest');
  await page.getByRole('button', { name: 'Issue token' }).click();
  const token = (await page.locator('#new-token').textContent())!.trim();
  expect(token).toMatch(/^flt_/);
  await expect(page.locator(`tr[data-token="${name}"]`)).toContainText('active');
  await shot(page, 'accounts');

  const gateway = await playwright.request.newContext({
    baseURL: test.info().project.use.baseURL,
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  const fix = { vehicleRegisteredId: vehicle, latitude: 52.5, longitude: 13.4 };
  expect((await gateway.post('/track-location', { data: fix })).status()).toBe(200);
  // An ingest token may only send fixes.
  expect((await gateway.get('/vehicles')).status()).toBe(403);

  await page.locator(`tr[data-token="${name}"]`).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.locator(`tr[data-token="${name}"]`)).toContainText('revoked');
  expect((await gateway.post('/track-location', { data: fix })).status()).toBe(401);
  await expect(page.locator('.audit')).toContainText(`token “${name}” revoked, by ${admin().email}`);
  await gateway.dispose();
});
