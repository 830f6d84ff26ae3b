import { defineConfig } from '@playwright/test';

// Run by scripts/test.sh, which starts the built server on a free port and sets BASE_URL.
// By hand: BASE_URL=http://127.0.0.1:3000 npx playwright test (with scripts/run.sh serving).
// The browser is Debian's chromium (apt-get install chromium): Playwright downloads none here.
const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
};

export default defineConfig({
  testDir: './tests',
  outputDir: 'artifacts/test-results',
  timeout: 30_000,
  globalTimeout: 15 * 60_000,
  retries: 0,
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { outputFolder: 'artifacts/report', open: 'never' }]],
  // Every page is signed in as the administrator unless a test says otherwise.
  globalSetup: './global-setup.ts',
  use: {
    storageState: 'artifacts/admin-session.json',
    baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:3000',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'chromium', testIgnore: /large-fleet/, use: chromium },
    // The everyday tests again on a phone, by touch.
    {
      name: 'phone',
      testMatch: /everyday/,
      use: { ...chromium, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
    },
    // A thousand vehicles make the map cluster: that test runs last, in a project of its own.
    { name: 'large-fleet', testMatch: /large-fleet/, dependencies: ['chromium', 'phone'], use: chromium },
  ],
});
