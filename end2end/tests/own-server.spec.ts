import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import net from 'node:net';
import { test, expect, filter, marker, plate, register, shot, signedOutPage, track } from './support';

// Tests that need a server of their own: another instance of the built server (scripts/test.sh
// says where the binary, the site and the run's database are), stopped for real when done.

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

async function startServer(databaseUrl: string, port?: number): Promise<{ base: string; server: ChildProcess }> {
  const { E2E_SERVER_BIN: binary, E2E_SITE_ROOT: siteRoot } = process.env;
  expect(binary && siteRoot, 'scripts/test.sh sets E2E_SERVER_BIN and E2E_SITE_ROOT').toBeTruthy();
  port ??= await freePort();
  const server = spawn(binary!, [], {
    env: {
      ...process.env,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_OUTPUT_NAME: 'fleetline',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      FLEETLINE_OSMAND_ADDR: 'off',
    },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  await expect(async () => expect((await fetch(`${base}/health`)).status).toBe(200)).toPass({ timeout: 30_000 });
  return { base, server };
}

const runDatabase = () => {
  expect(process.env.E2E_DATABASE_URL, 'scripts/test.sh sets E2E_DATABASE_URL').toBeTruthy();
  return process.env.E2E_DATABASE_URL!;
};

test('when the server stops, moving the slider says that the fleet could not be loaded', async ({ page, request }) => {
  const id = await register(request, plate('DOWN'));
  await track(request, id, 50.1109, 8.6821, new Date(Date.now() - 2 * 3600_000));
  const { base, server } = await startServer(runDatabase());
  try {
    await page.goto(`${base}/`);
    await expect(page.locator('.badge')).toHaveAttribute('data-connection', 'live');
    server.kill('SIGKILL');
    await new Promise((resolve) => server.once('exit', resolve));

    await page.getByRole('slider', { name: 'Time' }).fill(String(Date.now() - 3600_000));
    await expect(page.locator('.timeline-error')).toContainText('could not be loaded');
    await expect(page.locator('.badge')).not.toHaveAttribute('data-connection', 'live');
  } finally {
    server.kill('SIGKILL');
  }
});

test('a new installation offers only the first administrator, then the empty fleet says how positions arrive', async ({ browser }) => {
  // A database of its own, created by the server (scripts/test.sh drops it with the run's).
  const { base, server } = await startServer(`${runDatabase()}_empty`);
  const { context, page, problems } = await signedOutPage(browser);
  try {
    // Nothing but the first-run page is served.
    expect((await fetch(`${base}/vehicles`)).status).toBe(401);
    await page.goto(`${base}/`);
    await expect(page.getByRole('heading', { name: 'Create the first administrator' })).toBeVisible();
    await page.getByLabel('Email').fill('dana@example.com');
    await page.getByLabel(/Password/).fill('correct horse');
    await page.getByRole('button', { name: 'Create administrator' }).click();

    await expect(page.locator('.badge')).toHaveAttribute('data-connection', 'live');
    await expect(page.locator('.who')).toHaveText('dana@example.com');
    const empty = page.locator('.getting-started');
    await expect(empty).toContainText('No vehicles yet');
    await expect(empty).toContainText('Traccar Client');
    await expect(empty).toContainText('POST /track-location');
    await expect(page.locator('.count-total')).toHaveText('0 in all');

    // Once the administrator exists, the first-run page is gone for everyone else.
    const stranger = await signedOutPage(browser);
    await stranger.page.goto(`${base}/`);
    await expect(stranger.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await stranger.context.close();
    expect([...problems, ...stranger.problems]).toEqual([]);
  } finally {
    await context.close();
    server.kill('SIGKILL');
  }
});

test('a browser whose server restarts resumes its live updates where it was, missing none', async ({ page, request }) => {
  const licensePlate = plate('RESUME');
  const id = await register(request, licensePlate);
  await track(request, id, 50.1, 8.6);
  const port = await freePort();
  let { base, server } = await startServer(runDatabase(), port);
  try {
    await page.goto(`${base}/`);
    await expect(page.locator('.badge')).toHaveAttribute('data-connection', 'live');
    await filter(page, licensePlate);
    // A live update: the browser now knows its place in the log.
    await track(request, id, 50.2, 8.6);
    await expect(marker(page, id)).toHaveAttribute('data-lat', '50.2');

    // Stopped as a service manager stops it: the stream ends, the browser says it reconnects.
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await expect(page.locator('.badge')).not.toHaveAttribute('data-connection', 'live');
    // Tracked through the other server while this one is down: only a resumed stream brings it
    // (the page does not reload the fleet once it has a place in the log).
    await track(request, id, 50.3, 8.6);
    ({ server } = await startServer(runDatabase(), port));
    await expect(page.locator('.badge')).toHaveAttribute('data-connection', 'live', { timeout: 20_000 });
    await expect(marker(page, id)).toHaveAttribute('data-lat', '50.3');
    await track(request, id, 50.4, 8.6);
    await expect(marker(page, id)).toHaveAttribute('data-lat', '50.4');
  } finally {
    server.kill('SIGKILL');
  }
});

test('after old history is purged, a timeline reaching back before it says the fleet there is shown to the minute', async ({ page, request }) => {
  // A fix three weeks old; the purge takes the whole weeks before two weeks ago (no other test's
  // fixes are that old), with the server's own command, on the run's database.
  const id = await register(request, plate('OLD'));
  await track(request, id, 50.1109, 8.6821, new Date(Date.now() - 21 * 86400_000));
  const before = new Date(Date.now() - 14 * 86400_000).toISOString().slice(0, 10);
  const purge = spawnSync(process.env.E2E_SERVER_BIN!, ['history', 'purge', '--before', before], {
    env: { ...process.env, DATABASE_URL: runDatabase() },
    encoding: 'utf8',
  });
  expect(purge.status, `${purge.stdout}${purge.stderr}`).toBe(0);

  await page.goto('/');
  await page.getByLabel('Timeline range').selectOption('month');
  const note = page.locator('.coarse-note');
  await expect(note).toContainText('were purged');
  await expect(note).toContainText('shown to the minute');
  await shot(page, 'timeline-purged-note');
  // A range wholly after the purge has no such note.
  await page.getByLabel('Timeline range').selectOption('day');
  await expect(note).toHaveCount(0);
});
