import { request, FullConfig } from '@playwright/test';

/** Where the administrator's signed-in browser state is kept for the tests' pages. */
export const ADMIN_STATE = 'artifacts/admin-session.json';

/**
 * Signs in as the administrator scripts/test.sh made (`fleetline user add`), through the login
 * server function as the login form posts it, and keeps the session cookie for every page.
 */
export default async function globalSetup(config: FullConfig) {
  const { E2E_ADMIN_EMAIL: email, E2E_ADMIN_PASSWORD: password } = process.env;
  if (!email || !password) throw new Error('scripts/test.sh sets E2E_ADMIN_EMAIL and E2E_ADMIN_PASSWORD');
  const baseURL = config.projects[0].use.baseURL;
  const context = await request.newContext({ baseURL });
  const response = await context.post('/api/log_in', { form: { email, password }, maxRedirects: 0 });
  if (response.status() >= 400) throw new Error(`signing in answered ${response.status()}: ${await response.text()}`);
  await context.storageState({ path: ADMIN_STATE });
  await context.dispose();
}
