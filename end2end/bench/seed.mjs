// Seeds a fleet with a day of history through the HTTP API, for the scrubbing benchmark
// (scripts/bench-scrub.sh). Node 20, no dependencies.
//
//   node bench/seed.mjs register --base-url URL [--vehicles 1000]
//       registers BENCH-0001... (POST /register-vehicle, 16 at a time)
//   node bench/seed.mjs track --base-url URL [--hours 24] [--min-interval 60] [--max-interval 120]
//                             [--summary FILE]
//       gives every registered vehicle (GET /vehicles) a day of fixes ending now, one every
//       60-120 s along a plausible path, sent as NDJSON batches of 10,000 (POST /track-locations,
//       4 in flight); then waits until the projections and the fleet index have caught up, and
//       writes what it seeded to FILE as JSON.
//
// The same seed gives the same paths (a small PRNG), so runs are comparable.

import { writeFileSync } from 'node:fs';

const args = parseArgs(process.argv.slice(2));
const baseUrl = required('base-url');
const BATCH = 10_000;
const IN_FLIGHT = 4;
// The fleet drives around one city (Berlin), within about 30 km of its centre.
const CENTRE = { lat: 52.52, lng: 13.405 };
const RADIUS_M = 30_000;
const M_PER_DEG_LAT = 111_320;
const M_PER_DEG_LNG = M_PER_DEG_LAT * Math.cos((CENTRE.lat * Math.PI) / 180);

const log = (message) => console.log(`    seed: ${message}`);

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[++i];
    else out._.push(argv[i]);
  }
  return out;
}

function required(name) {
  if (!args[name]) throw new Error(`--${name} is required`);
  return args[name];
}

function number(name, fallback) {
  return args[name] === undefined ? fallback : Number(args[name]);
}

// mulberry32: small, fast, good enough for made-up paths.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function request(method, path, body, headers = {}) {
  for (let attempt = 1; ; attempt++) {
    let response;
    try {
      // scripts/bench-scrub.sh issues an API token (fleetline token create) for the seeding.
      const authorization = process.env.E2E_TOKEN ? { authorization: `Bearer ${process.env.E2E_TOKEN}` } : {};
      response = await fetch(baseUrl + path, { method, body, headers: { ...headers, ...authorization } });
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      continue;
    }
    const text = await response.text();
    // A 5xx stored nothing ("try again"): e.g. PostgreSQL out of lock memory while another
    // benchmark shares the server.
    if (response.status >= 500 && attempt < 5) {
      log(`${method} ${path}: ${response.status}, trying again: ${text.slice(0, 200)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      continue;
    }
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : null;
  }
}

/** Runs `work(item)` for every item of an (async) iterable, `limit` at a time. */
async function pool(items, limit, work) {
  const iterator = items[Symbol.asyncIterator] ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const workers = Array.from({ length: limit }, async () => {
    for (;;) {
      const { value, done } = await iterator.next();
      if (done) return;
      await work(value);
    }
  });
  await Promise.all(workers);
}

async function register() {
  const vehicles = number('vehicles', 1000);
  const started = Date.now();
  const plates = Array.from({ length: vehicles }, (_, i) => `BENCH-${String(i + 1).padStart(4, '0')}`);
  await pool(plates, 16, (vehicleLicensePlate) =>
    request('POST', '/register-vehicle', JSON.stringify({ vehicleLicensePlate }), {
      'Content-Type': 'application/json',
    }),
  );
  log(`registered ${vehicles} vehicles in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * One vehicle's day: it alternates between driving (10-45 min at 6-20 m/s, its heading drifting,
 * turning back towards the centre when it strays too far) and standing (5-90 min, the GPS
 * jittering a few metres), reporting a fix every minInterval-maxInterval seconds.
 */
function* day(vehicleIndex, from, to, minInterval, maxInterval) {
  const random = prng(0x5eed + vehicleIndex * 7919);
  const r = RADIUS_M * Math.sqrt(random());
  const angle = random() * 2 * Math.PI;
  let x = r * Math.cos(angle); // metres east of the centre
  let y = r * Math.sin(angle); // metres north
  let heading = random() * 2 * Math.PI;
  let driving = random() < 0.5;
  let phaseEnds = from + (driving ? 600 + random() * 2100 : 300 + random() * 5100) * 1000 * random();
  let speed = 6 + random() * 14;
  let t = from + random() * maxInterval * 1000;
  let last = t;
  while (t <= to) {
    const dt = (t - last) / 1000;
    last = t;
    if (driving) {
      heading += (random() - 0.5) * 0.6;
      // Far out: steer back towards the centre.
      if (Math.hypot(x, y) > RADIUS_M) heading = Math.atan2(-y, -x) + (random() - 0.5) * 0.5;
      speed = Math.min(20, Math.max(6, speed + (random() - 0.5) * 3));
      x += Math.cos(heading) * speed * dt;
      y += Math.sin(heading) * speed * dt;
    }
    const jitter = () => (random() - 0.5) * 8;
    yield {
      latitude: CENTRE.lat + (y + jitter()) / M_PER_DEG_LAT,
      longitude: CENTRE.lng + (x + jitter()) / M_PER_DEG_LNG,
      at: Math.floor(t), // whole milliseconds, as sent
    };
    if (t >= phaseEnds) {
      driving = !driving;
      phaseEnds = t + (driving ? 600 + random() * 2100 : 300 + random() * 5100) * 1000;
    }
    t += (minInterval + random() * (maxInterval - minInterval)) * 1000;
  }
}

async function track() {
  const hours = number('hours', 24);
  const minInterval = number('min-interval', 60);
  const maxInterval = number('max-interval', 120);
  const to = Date.now() - 5_000;
  const from = to - hours * 3600_000;
  const vehicles = await request('GET', '/vehicles');
  if (!vehicles.length) throw new Error('no vehicles registered: run `register` first');
  log(
    `${vehicles.length} vehicles: a fix every ${minInterval}-${maxInterval} s each from ` +
      `${new Date(from).toISOString()} to ${new Date(to).toISOString()}, NDJSON batches of ${BATCH}, ${IN_FLIGHT} in flight`,
  );

  let sent = 0;
  let lastFix = 0;
  const started = Date.now();
  let reported = started;
  async function* batches() {
    let lines = [];
    for (const [index, vehicle] of vehicles.entries()) {
      for (const fix of day(index, from, to, minInterval, maxInterval)) {
        lines.push(
          `{"vehicleRegisteredId":"${vehicle.vehicleRegisteredId}","latitude":${fix.latitude.toFixed(6)},` +
            `"longitude":${fix.longitude.toFixed(6)},"trackedAt":"${new Date(fix.at).toISOString()}"}`,
        );
        lastFix = Math.max(lastFix, fix.at);
        if (lines.length === BATCH) {
          yield lines;
          lines = [];
        }
      }
    }
    if (lines.length) yield lines;
  }
  await pool(batches(), IN_FLIGHT, async (lines) => {
    const answer = await request('POST', '/track-locations', lines.join('\n'), {
      'Content-Type': 'application/x-ndjson',
    });
    if (answer.stored + answer.alreadyStored !== lines.length) {
      throw new Error(`a batch of ${lines.length} stored ${JSON.stringify(answer)}`);
    }
    sent += lines.length;
    if (Date.now() - reported > 10_000) {
      reported = Date.now();
      log(`${sent} fixes sent (${Math.round(sent / ((reported - started) / 1000))} fixes/s)`);
    }
  });
  const sendSeconds = (Date.now() - started) / 1000;
  log(`${sent} fixes sent in ${sendSeconds.toFixed(1)} s (${Math.round(sent / sendSeconds)} fixes/s)`);

  // The page reads the read models and the fleet index: wait until both have every fix. Every
  // batch was acknowledged, so it is in the log: a lag of 0 means the projections applied it, and
  // the fleet showing every vehicle at its last fix means the index did. (`/health` no longer
  // counts the log's events: it must stay cheap, issue #14.)
  // At least 10,000 fixes a second, and 3 minutes: a week of 1,000 vehicles (6.7 M fixes) takes
  // its projections minutes on two cores.
  const deadline = Date.now() + Math.max(180_000, sent / 10);
  for (;;) {
    const health = await request('GET', '/health');
    const lag = Math.max(0, ...health.projections.map((p) => p.lag));
    const fleet = lag === 0 ? await request('GET', '/fleet') : [];
    const placed = fleet.filter((v) => v.latitude !== null).length;
    const latest = Math.max(0, ...fleet.map((v) => (v.trackedAt ? Date.parse(v.trackedAt) : 0)));
    if (fleet.length === vehicles.length && placed === fleet.length && latest >= lastFix) break;
    if (Date.now() > deadline) {
      throw new Error(
        `not caught up in time: ${JSON.stringify(health)}; ${sent} fixes sent; GET /fleet: ` +
          `${fleet.length} vehicles, ${placed} placed, latest fix ${new Date(latest).toISOString()} (sent ${new Date(lastFix).toISOString()})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const seconds = (Date.now() - started) / 1000;
  log(`projections and fleet index caught up after ${seconds.toFixed(1)} s`);

  const summary = {
    vehicles: vehicles.length,
    fixes: sent,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    intervalSeconds: [minInterval, maxInterval],
    sendSeconds: Number(sendSeconds.toFixed(1)),
    fixesPerSecond: Math.round(sent / sendSeconds),
    caughtUpSeconds: Number(seconds.toFixed(1)),
  };
  if (args.summary) writeFileSync(args.summary, JSON.stringify(summary, null, 2) + '\n');
}

const commands = { register, track };
const command = commands[args._[0]];
if (!command) {
  console.error('usage: node bench/seed.mjs register|track --base-url URL [options]');
  process.exit(2);
}
command().catch((error) => {
  console.error(`seed: ${error.stack ?? error}`);
  process.exit(1);
});
