// Prints the scrubbing benchmark's result (end2end/artifacts/scrub-bench.json) as a table.
//   node bench/report.mjs [artifacts/scrub-bench.json]
import { readFileSync } from 'node:fs';

const result = JSON.parse(readFileSync(process.argv[2] ?? 'artifacts/scrub-bench.json', 'utf8'));
const views = result.views;
const label = { fitted: 'fitted view (clusters)', 'zoomed-in': 'zoomed in (every vehicle)' };
const rows = [
  ['map updates painted per second (target >= 30)', (v) => v.mapUpdatesPerSecond],
  ['fleets drawn per second', (v) => v.drawnPerSecond],
  ['slider move -> map at that moment, median', (v) => `${v.latencyMs.median} ms`],
  ['slider move -> map at that moment, p95 / max', (v) => `${v.latencyMs.p95} / ${v.latencyMs.max} ms`],
  ['drag: seconds, mouse moves, slider inputs', (v) => `${v.dragSeconds} s, ${v.mouseMoves}, ${v.sliderInputs}`],
  ['hours of the day covered by the inputs', (v) => `${v.dayCoveredHours} h`],
  ['browser frames per second, longest frame', (v) => `${v.browserFramesPerSecond}, ${v.longestFrameMs} ms`],
  ['fleet-at-T requests: count, median / p95', (v) => `${v.fleetRequests.count}, ${v.fleetRequests.medianMs} / ${v.fleetRequests.p95Ms} ms`],
  ['fleet-at-T answer: body, on the wire', (v) => `${v.fleetRequests.bodyKB} KB, ${v.fleetRequests.transferKB} KB`],
  ['vehicles on the map (cluster markers)', (v) => `${v.vehiclesOnMap} (${v.clusterMarkers})`],
  ['plate labels shown (the rest decluttered)', (v) => `${v.plateLabels}`],
];
const table = [['measure', ...views.map((v) => label[v.view] ?? v.view)], ...rows.map(([name, f]) => [name, ...views.map((v) => String(f(v)))])];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (row) => '| ' + row.map((cell, i) => cell.padEnd(widths[i])).join(' | ') + ' |';
const seed = result.seed;
if (seed) {
  console.log(
    `fleet: ${seed.vehicles} vehicles, ${seed.fixes} fixes from ${seed.from} to ${seed.to} ` +
      `(one every ${seed.intervalSeconds.join('-')} s each; sent at ${seed.fixesPerSecond} fixes/s)`,
  );
}
console.log(
  `Chromium ${result.chromium}, viewport ${result.viewport.width}x${result.viewport.height}, ${result.when}, ` +
    `${result.cpus} cores, load average ${result.loadAverageAtEnd.join(' ')}`,
);
console.log(line(table[0]));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table.slice(1)) console.log(line(row));
