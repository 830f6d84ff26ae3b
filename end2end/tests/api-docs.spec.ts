import { test, expect, signedOutPage, shot } from './support';

// The API page (/api-docs): Swagger UI, served by the app, over the description the server
// generates from its code. Any page error or refused script (the page's own policy) fails it.

test('a signed-in user reads the API page and tries a route from it', async ({ page }) => {
  await page.goto('/api-docs');
  await expect(page.getByRole('heading', { name: /Fleetline HTTP API/ })).toBeVisible();
  // Every route of the API is there, the old system's among them.
  for (const path of ['/track-location', '/track-locations', '/register-vehicle', '/fleet', '/vehicles/{vehicle_id}/events']) {
    await expect(page.locator(`.opblock-summary-path[data-path="${path}"]`).first()).toBeVisible();
  }
  await shot(page, 'api-docs');

  // Tried from the page, with the browser's session: the answer is shown, 200.
  const vehicles = page.locator('.opblock-get:has(.opblock-summary-path[data-path="/vehicles"])').first();
  await vehicles.locator('.opblock-summary').click();
  await vehicles.getByRole('button', { name: 'Try it out' }).click();
  await vehicles.getByRole('button', { name: 'Execute' }).click();
  await expect(vehicles.locator('.live-responses-table tbody .response-col_status').first()).toHaveText('200');

  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'api-docs-phone');
});

test('a signed-out visitor of the API page is told to sign in first', async ({ browser }) => {
  const { context, page, problems } = await signedOutPage(browser);
  await page.goto('/api-docs');
  await expect(page.getByRole('status')).toContainText('first, then come back');
  await page.getByRole('link', { name: 'Sign in to Fleetline' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await context.close();
  // A 401 of the description is the expected answer here, not a problem of the page.
  expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
});
