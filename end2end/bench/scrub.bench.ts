import { test, expect, Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cpus, loadavg } from 'node:os';

// The scrubbing benchmark (issue #4: "dragging the slider across a day of 1,000 vehicles renders at
// least 30 map updates per second in Chromium"). scripts/bench-scrub.sh seeds the fleet, serves it and
// runs this with `npx playwright test -c playwright.bench.config.ts`.
//
// The page is opened, and once the map shows the whole fleet the slider's thumb is dragged with real
// mouse events, at an even pace, from the start of the timeline to its end (a few minutes before now),
// once in the view the map fits to the fleet (large fleets clustered) and once zoomed in until every
// vehicle has a marker of its own (labels decluttered). The map's element says which fleet it has drawn
// (`data-moment`, `data-renders`: see `mark_drawn` in src/app/map.rs); a recorder in the page notes
// each slider input, each fleet drawn and, on each animation frame, whether a new fleet reached the
// screen. Map updates per second = fleets (distinct moments) painted during the drag / its duration.
//
// Environment: BASE_URL, SEED_SUMMARY (the seeder's JSON), SCRUB_SECONDS (drag duration, 8),
// SCRUB_RANGE (the timeline's range: day, week or month; day),
// SCRUB_RESULT (end2end/artifacts/scrub-bench.json), SCRUB_TRACE=1 (also a Chromium performance
// trace per view in artifacts/, for finding where the time goes).

const DRAG_SECONDS = Number(process.env.SCRUB_SECONDS ?? 8);
/** The timeline's range: `day` (the page's default), `week` or `month`. */
const RANGE = process.env.SCRUB_RANGE ?? 'day';
const RESULT = process.env.SCRUB_RESULT ?? 'artifacts/scrub-bench.json';

type Recording = {
  pressed: [number, number]; // the drag, from the press to the release of the button
  inputs: [number, number][]; // [time, slider value]
  draws: [number, string][]; // [time, moment drawn]
  painted: [number, string][]; // [frame time, moment]: a frame showing a new fleet
  frames: number[]; // every animation frame
  fleetRequests: { ms: number; transferKB: number; bodyKB: number }[];
};

const map = (page: Page) => page.locator('.map');

/** Starts recording in the page: slider inputs, fleets drawn, frames painted. */
async function record(page: Page) {
  await page.evaluate(() => {
    const mapElement = document.querySelector<HTMLElement>('.map')!;
    const slider = document.querySelector<HTMLInputElement>('input.slider')!;
    const recording = { pressed: [NaN, NaN], inputs: [], draws: [], painted: [], frames: [], on: true } as any;
    slider.addEventListener('pointerdown', () => (recording.pressed[0] = performance.now()), { capture: true });
    slider.addEventListener('pointerup', () => (recording.pressed[1] = performance.now()), { capture: true });
    slider.addEventListener(
      'input',
      () => recording.on && recording.inputs.push([performance.now(), Number(slider.value)]),
      { capture: true },
    );
    new MutationObserver((records) => {
      if (!recording.on) return;
      for (const _ of records) recording.draws.push([performance.now(), mapElement.dataset.moment ?? '']);
    }).observe(mapElement, { attributes: true, attributeFilter: ['data-renders'] });
    let shown = mapElement.dataset.moment;
    const frame = (time: number) => {
      if (!recording.on) return;
      recording.frames.push(time);
      if (mapElement.dataset.moment !== shown) {
        shown = mapElement.dataset.moment;
        recording.painted.push([time, shown]);
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    performance.setResourceTimingBufferSize(100_000);
    performance.clearResourceTimings();
    (window as any).__scrubRecording = recording;
  });
}

async function stopRecording(page: Page): Promise<Recording> {
  return page.evaluate(() => {
    const recording = (window as any).__scrubRecording;
    recording.on = false;
    const fleetRequests = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((entry) => entry.name.includes('get_fleet_at'))
      .map((entry) => ({
        ms: entry.responseEnd - entry.startTime,
        transferKB: entry.transferSize / 1024,
        bodyKB: entry.decodedBodySize / 1024,
      }));
    const { pressed, inputs, draws, painted, frames } = recording;
    return { pressed, inputs, draws, painted, frames, fleetRequests };
  });
}

const quantile = (values: number[], q: number) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const momentValue = (moment: string) => (moment === 'live' ? Infinity : Number(moment));

/** Drags the slider's thumb from the start of the timeline to (nearly) its end, at an even pace. */
async function scrub(page: Page, name: string) {
  const slider = page.getByRole('slider', { name: 'Time' });
  const box = (await slider.boundingBox())!;
  const y = box.y + box.height / 2;
  // Pressing at the track's left end puts the thumb at the start; the drag ends ~10 px before the
  // right end, a few minutes before now, so the last moment is still a replayed one.
  const [from, to] = [box.x + 1, box.x + box.width - 10];
  await record(page);
  if (process.env.SCRUB_TRACE === '1') {
    await page.context().browser()!.startTracing(page, { path: `artifacts/scrub-trace-${name}.json`, screenshots: false });
  }
  await page.mouse.move(from, y);
  await page.mouse.down();
  const started = Date.now();
  // Like a real mouse, the moves come at their own pace (about 60 a second here), whether the
  // page keeps up or not: they are sent without waiting for the browser to take each one, and the
  // browser coalesces those that pile up while the page is busy (one input per frame at most).
  const sent: Promise<void>[] = [];
  for (;;) {
    const done = Math.min(1, (Date.now() - started) / (DRAG_SECONDS * 1000));
    sent.push(page.mouse.move(from + (to - from) * done, y));
    if (done >= 1) break;
    await new Promise((resolve) => setTimeout(resolve, 16));
  }
  await Promise.all(sent);
  const moves = sent.length;
  await page.mouse.up();
  const mouse = { moves, seconds: (Date.now() - started) / 1000 };
  // The map catches up with the thumb's last moment.
  const last = await slider.inputValue();
  await expect(map(page)).toHaveAttribute('data-moment', last, { timeout: 30_000 });
  if (process.env.SCRUB_TRACE === '1') await page.context().browser()!.stopTracing();
  const recording = await stopRecording(page);
  return summarise(page, name, recording, mouse);
}

async function summarise(page: Page, name: string, recording: Recording, mouse: { moves: number; seconds: number }) {
  const { pressed, inputs, draws, painted, frames, fleetRequests } = recording;
  expect(inputs.length, 'slider inputs during the drag').toBeGreaterThan(0);
  // The drag as the page saw it: from the press to the release of the mouse button.
  const [start, end] = pressed;
  const seconds = (end - start) / 1000;
  const within = <T extends [number, unknown]>(list: T[]) => list.filter(([t]) => t >= start && t <= end);
  const distinct = (list: [number, string][]) => new Set(list.map(([, moment]) => moment)).size;
  // From a slider input to the first fleet drawn for that moment or a later one.
  const latencies = inputs.map(([time, value]) => {
    const draw = draws.find(([drawn, moment]) => drawn >= time && momentValue(moment) >= value);
    return draw ? draw[0] - time : NaN;
  }).filter(Number.isFinite);
  const frameGaps = frames.slice(1).map((time, i) => time - frames[i]);
  const vehicles = Number(await map(page).getAttribute('data-vehicles'));
  const clusters = Number(await map(page).getAttribute('data-clusters'));
  const labels = Number(await map(page).getAttribute('data-labels'));
  const timeline = inputs.map(([, value]) => value);
  return {
    view: name,
    dragSeconds: round(seconds, 2),
    mouseMoves: mouse.moves,
    mouseSeconds: round(mouse.seconds, 2),
    dayCoveredHours: round((timeline[timeline.length - 1] - timeline[0]) / 3600_000, 2),
    sliderInputs: inputs.length,
    fleetsDrawn: distinct(within(draws)),
    fleetsPainted: distinct(within(painted)),
    mapUpdatesPerSecond: round(distinct(within(painted)) / seconds),
    drawnPerSecond: round(distinct(within(draws)) / seconds),
    latencyMs: {
      median: round(quantile(latencies, 0.5)),
      p95: round(quantile(latencies, 0.95)),
      max: round(Math.max(...latencies)),
    },
    browserFramesPerSecond: round(within(frames.map((t) => [t, null] as [number, null])).length / seconds),
    longestFrameMs: round(Math.max(...frameGaps)),
    fleetRequests: {
      count: fleetRequests.length,
      medianMs: round(quantile(fleetRequests.map((r) => r.ms), 0.5)),
      p95Ms: round(quantile(fleetRequests.map((r) => r.ms), 0.95)),
      bodyKB: round(quantile(fleetRequests.map((r) => r.bodyKB), 0.5)),
      transferKB: round(quantile(fleetRequests.map((r) => r.transferKB), 0.5)),
    },
    vehiclesOnMap: vehicles,
    clusterMarkers: clusters,
    plateLabels: labels,
  };
}

test(`scrubbing the fleet's last ${RANGE}`, async ({ page, browser }) => {
  const seed = process.env.SEED_SUMMARY ? JSON.parse(readFileSync(process.env.SEED_SUMMARY, 'utf8')) : null;
  // The page's warnings and errors (e.g. Chromium throttling history changes) go in the result.
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') warnings.push(`${message.type()}: ${message.text()}`);
  });
  await page.goto('/');
  await expect(page.locator('.badge')).toHaveAttribute('data-connection', 'live', { timeout: 60_000 });
  // The map shows the fleet: every seeded vehicle placed.
  const expected = String(seed?.vehicles ?? (await (await page.request.get('/vehicles')).json()).length);
  await expect(map(page)).toHaveAttribute('data-vehicles', expected, { timeout: 30_000 });
  await page.getByLabel('Timeline range').selectOption(RANGE);
  const views = [await scrub(page, 'fitted')];

  // Zoomed in until clusters part: every vehicle on its own marker, labels decluttered.
  for (let i = 0; i < 8 && (await map(page).getAttribute('data-clusters')) !== '0'; i++) {
    const renders = await map(page).getAttribute('data-renders');
    await page.locator('.leaflet-control-zoom-in').click();
    await expect(map(page)).not.toHaveAttribute('data-renders', renders!);
    await page.waitForTimeout(400);
  }
  await expect(map(page)).toHaveAttribute('data-clusters', '0');
  views.push(await scrub(page, 'zoomed-in'));

  const result = {
    when: new Date().toISOString(),
    chromium: browser.version(),
    cpus: cpus().length,
    // Other work on the machine shares its cores with the browser, the server and PostgreSQL.
    loadAverageAtEnd: loadavg().map((load) => round(load, 2)),
    viewport: page.viewportSize(),
    range: RANGE,
    seed,
    views,
    pageWarnings: { count: warnings.length, first: [...new Set(warnings)].slice(0, 5) },
  };
  mkdirSync(dirname(RESULT), { recursive: true });
  writeFileSync(RESULT, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(views)}\n`);
});
