// Figure: how long the viewer takes to show the city, and how many bytes the first view costs.
//
// For each run (RUNS, default 3), a fresh browser context (empty cache) opens JUMEAU_BASE/viewer/
// on its home view and reads the viewer's own timings (window.jumeauViewer.timings, in ms since
// navigation started): the first 3D tile loaded, the main dataset's initialTilesLoaded (every
// tile of the first view) and the first frame drawn after it. Bytes are those on the wire
// (Chrome DevTools protocol, encodedDataLength: headers included, after gzip) of every response
// finished by that first frame, split into the CesiumJS library, the viewer's own files, 3D
// Tiles, and the rest of the API.
//
//   JUMEAU_BASE=http://127.0.0.1:18200 node tests/browser/first_frame.mjs
// Prints one line per run and the median. Exit status 1 when the city is not drawn.

import { BASE, launch } from './lib.mjs';

const RUNS = Number(process.env.RUNS || 3);
const VIEWPORT = { width: 1000, height: 700 };

function category(url) {
  const p = new URL(url).pathname;
  if (p.startsWith('/viewer/cesium/')) return 'cesium';
  if (p.startsWith('/viewer/') || p.startsWith('/shaders/')) return 'viewer';
  if (p.startsWith('/3dtiles/')) return 'tiles3d';
  return 'api';
}

async function run(browser) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map();
  const finished = []; // {t: ms since navigation, bytes, category}
  let navigationStart = null;
  cdp.on('Network.requestWillBeSent', (e) => {
    urls.set(e.requestId, e.request.url);
    if (navigationStart === null && e.type === 'Document') navigationStart = e.timestamp;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId);
    if (!url || !/^https?:/.test(url)) return;
    finished.push({ t: (e.timestamp - navigationStart) * 1000, bytes: e.encodedDataLength, category: category(url), url });
  });
  await page.goto(`${BASE}/viewer/`);
  await page.waitForFunction(() => window.jumeauViewer?.timings?.firstCityFrame > 0, null, { timeout: 180000, polling: 100 });
  const timings = await page.evaluate(() => ({ ...window.jumeauViewer.timings }));
  await page.waitForTimeout(200); // loadingFinished of the last responses
  // Chrome's navigation start and the page's performance.now() origin differ by well under a
  // millisecond; responses are counted when they finished before the first frame was drawn.
  const first = finished.filter((f) => f.t <= timings.firstCityFrame + 1);
  const bytes = { total: 0, cesium: 0, viewer: 0, tiles3d: 0, api: 0 };
  for (const f of first) {
    bytes.total += f.bytes;
    bytes[f.category] += f.bytes;
  }
  const glb = first.filter((f) => f.url.endsWith('.glb')).length;
  await context.close();
  return { timings, bytes, requests: first.length, glb };
}

const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

const browser = await launch();
const runs = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const r = await run(browser);
    runs.push(r);
    const t = r.timings;
    console.log(
      `run ${i + 1}: viewer created ${s(t.viewerCreated)}, first tile ${s(t.firstTileLoaded)}, ` +
        `first view loaded ${s(t.initialTilesLoaded)}, first frame of the city ${s(t.firstCityFrame)}; ` +
        `${r.requests} responses, ${r.glb} .glb, ${kb(r.bytes.total)} (CesiumJS ${kb(r.bytes.cesium)}, ` +
        `viewer ${kb(r.bytes.viewer)}, 3D Tiles ${kb(r.bytes.tiles3d)}, API ${kb(r.bytes.api)})`,
    );
  }
} catch (err) {
  console.error(`first_frame: ${err.message}`);
  await browser.close();
  process.exit(1);
}
await browser.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (f) => median(runs.map(f));
console.log(
  `median of ${runs.length}: first frame of the city ${s(m((r) => r.timings.firstCityFrame))} ` +
    `(first tile ${s(m((r) => r.timings.firstTileLoaded))}), ${kb(m((r) => r.bytes.total))} downloaded ` +
    `(3D Tiles ${kb(m((r) => r.bytes.tiles3d))}, CesiumJS ${kb(m((r) => r.bytes.cesium))}); ` +
    `headless Chromium, SwiftShader, ${VIEWPORT.width}x${VIEWPORT.height}`,
);
