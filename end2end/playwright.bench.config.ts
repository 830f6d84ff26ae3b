import { defineConfig } from '@playwright/test';
import tests from './playwright.config';

// The scrubbing benchmark (end2end/bench/), run by scripts/bench-scrub.sh, which builds, seeds a
// fresh database and sets BASE_URL and SEED_SUMMARY. Kept apart from the tests: `npx playwright
// test` (playwright.config.ts) only looks in tests/. Same browser and launch options as the tests.
const chromium = tests.projects?.find((project) => project.name === 'chromium');

export default defineConfig({
  testDir: './bench',
  testMatch: '*.bench.ts',
  outputDir: 'artifacts/bench-results',
  timeout: 180_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  globalSetup: './global-setup.ts',
  use: {
    storageState: 'artifacts/admin-session.json',
    baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:3000',
    viewport: { width: 1280, height: 800 },
    trace: 'off',
  },
  projects: [{ name: 'chromium', use: { ...chromium?.use } }],
});
