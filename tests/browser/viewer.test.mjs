// Browser test of the jumeau viewer (viewer/index.html) and the 2D map (viewer/map.html),
// in Debian's Chromium driven by playwright-core, against a running `jumeau serve`.
//
//   JUMEAU_BASE    the server, e.g. http://127.0.0.1:18200 (default http://127.0.0.1:8080)
//   ARTIFACTS_DIR  where the screenshots of each step go (default ./artifacts)
//   JUMEAU_KEY     optional: an internal key, to check that a key reloads the layers in place
//
// The server must hold at least one buildings dataset. Exit status 1 when a check fails; the
// last line is "N passed, N failed".

import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ARTIFACTS, BASE, KEY, ensureDir, launch, pictureDiff, pictureStats, shootScene, watch,
} from './lib.mjs';

const VIEWPORT = { width: 1000, height: 700 };
const shots = ensureDir(ARTIFACTS);
const shot = (name) => path.join(shots, name);
const results = [];

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${err.message}`);
  }
}

/** GET JSON of the API, anonymously (what the page sees before a key is given). */
async function api(p) {
  const res = await fetch(`${BASE}${p}`);
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
  return res.json();
}

/** Waits until every visible tileset has loaded the view and a frame is drawn. */
async function idle(page, timeout = 90000) {
  const done = await page.evaluate((t) => window.jumeauViewer.idle(t), timeout);
  assert.ok(done, 'the scene did not settle');
}

// Console messages that are not the page's: Chromium's notes on software WebGL readbacks.
const BENIGN = [/GPU stall due to ReadPixels/i, /GL_CLOSE_PATH_NV/i];
function unexpected(messages) {
  return messages.filter((m) => !BENIGN.some((re) => re.test(m)));
}

const collections = (await api('/collections')).collections;
const buildings = collections.find((c) => c.kind === 'buildings');
if (!buildings) {
  console.log('FAIL the server has no buildings dataset');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const browser = await launch();
const context = await browser.newContext({ viewport: VIEWPORT });
const page = await context.newPage();
const log = watch(page);
let building = null; // the feature clicked
let sceneThemed = null;
let scenePlain = null;

await step('the viewer loads with its datasets and no console error', async () => {
  await page.goto(`${BASE}/viewer/`);
  await page.waitForFunction(() => window.jumeauViewer?.viewer && window.jumeauViewer.layers?.listed, null, { timeout: 120000 });
  await page.evaluate(() => window.jumeauViewer.ready.then(() => true));
  const loadedAt = await page.evaluate(() => performance.now());
  await idle(page);
  const t = await page.evaluate(() => window.jumeauViewer.timings);
  console.log(`     datasets loaded at ${(loadedAt / 1000).toFixed(1)} s, idle at ${(await page.evaluate(() => performance.now()) / 1000).toFixed(1)} s; first frame of the city at ${(t.firstCityFrame / 1000).toFixed(1)} s`);
  const rows = await page.locator('#layer-list li.layer').count();
  assert.equal(rows, collections.length, 'one row per collection in the layers panel');
  const title = await page.locator(`#layer-list li[data-layer="${buildings.id}"] label`).textContent();
  assert.equal(title.trim(), buildings.title);
  assert.deepEqual(unexpected(log.errors), [], 'console errors');
  assert.deepEqual(log.foreign, [], 'requests to other origins (the viewer must work offline)');
});

await step('the tileset is requested and the city is drawn', async () => {
  const glb = log.responses.filter((r) => /\/3dtiles\/.+\.glb$/.test(r.url) && r.status === 200);
  assert.ok(glb.length > 0, 'no 3D Tiles content (.glb) loaded');
  assert.ok(log.responses.some((r) => r.url.endsWith(`/3dtiles/${buildings.id}/tileset.json`) && r.status === 200));
  const png = await shootScene(page, '#scene', shot('01-home.png'));
  const stats = pictureStats(png);
  console.log(`     ${glb.length} .glb loaded; ${(stats.foreground * 100).toFixed(2)} % of pixels off the background, luminance variance ${stats.variance.toFixed(1)}`);
  assert.ok(stats.foreground > 0.001 && stats.variance > 1, 'the scene is blank');
  const t = await page.evaluate(() => window.jumeauViewer.timings);
  assert.ok(t.firstCityFrame > 0, 'the first frame of the city was not recorded');
});

await step('a building near the centre of the view is found and looked at', async () => {
  const c = await page.evaluate(() => window.jumeauViewer.viewCentre());
  assert.ok(c, 'the view has no centre on the ground');
  for (const r of [0.005, 0.02, 0.1, 1]) {
    const bbox = [c.longitude - r, c.latitude - r, c.longitude + r, c.latitude + r].map((v) => v.toFixed(6)).join(',');
    const doc = await api(`/collections/${buildings.id}/items?limit=1&sortby=-height&bbox=${bbox}`);
    if (doc.features.length) {
      building = doc.features[0];
      break;
    }
  }
  if (!building) building = (await api(`/collections/${buildings.id}/items?limit=1`)).features[0];
  assert.ok(building, 'no building');
  const bbox = await page.evaluate((g) => window.jumeauViewer.geometryBbox(g), building.geometry);
  await page.evaluate((b) => window.jumeauViewer.lookAt(b, 120), bbox);
  await idle(page);
  scenePlain = await shootScene(page, '#scene', shot('02-building.png'));
  console.log(`     building ${building.id} of ${buildings.id}, height ${building.properties.height}`);
});

await step('the height theme changes the picture', async () => {
  await page.selectOption('#theme-property', 'height');
  await page.waitForFunction(() => window.jumeauViewer.theme.state.property === 'height');
  await page.waitForTimeout(500); // the data range is asked of the server
  await idle(page);
  sceneThemed = await shootScene(page, '#scene', shot('03-theme-height.png'));
  const changed = pictureDiff(scenePlain, sceneThemed);
  console.log(`     ${(changed * 100).toFixed(2)} % of pixels changed`);
  assert.ok(changed > 0.002, 'the theme did not change the picture');
  const legend = await page.locator('#legend-theme .ramp-bar').count();
  assert.equal(legend, 1, 'the legend shows the ramp');
});

await step('clicking the building shows its id and height', async () => {
  const pos = await page.evaluate(([c, id]) => window.jumeauViewer.screenPositionOf(c, id), [buildings.id, building.id]);
  assert.ok(pos, 'the building is not on screen');
  await page.mouse.click(pos.x, pos.y);
  const panel = page.locator('#feature-panel');
  await panel.waitFor({ state: 'visible', timeout: 30000 });
  await page.waitForFunction((id) => window.jumeauViewer.picking.selection?.id === id, building.id, { timeout: 30000 });
  assert.equal(await panel.getAttribute('data-id'), String(building.id));
  assert.equal(await panel.getAttribute('data-collection'), buildings.id);
  const idText = await page.locator('#feature-body tr[data-key="id"] td').textContent();
  assert.equal(idText, String(building.id));
  const heightText = await page.locator('#feature-body tr[data-key="height"] td').textContent();
  assert.ok(Math.abs(Number(heightText) - Number(building.properties.height)) < 0.01, `height ${heightText}`);
  await idle(page);
  const selected = await shootScene(page, '#scene', shot('04-selected.png'));
  assert.ok(pictureDiff(sceneThemed, selected) > 0, 'the selection is not highlighted');
});

await step('Escape clears the selection', async () => {
  await page.keyboard.press('Escape');
  await page.locator('#feature-panel').waitFor({ state: 'hidden', timeout: 10000 });
  assert.equal(await page.evaluate(() => window.jumeauViewer.picking.selection), null);
  assert.equal(await page.evaluate(() => window.jumeauViewer.theme.selected), null);
});

await step('measuring a distance and an area', async () => {
  const box = await page.locator('#scene canvas').first().boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  await page.click('#measure-distance');
  await page.mouse.click(cx - 120, cy);
  await page.mouse.move(cx, cy + 40);
  await page.waitForFunction(() => window.jumeauViewer.measure.hover !== null, null, { timeout: 10000 });
  await page.mouse.click(cx + 120, cy);
  await page.keyboard.press('Enter');
  const text = await page.textContent('#measure-output');
  const metres = await page.evaluate(() => window.jumeauViewer.measure.distance());
  const shown = Number(/Distance: ([0-9.,]+) m/.exec(text)?.[1].replace(/,/g, ''));
  assert.ok(metres > 1, `no distance measured (${text})`);
  assert.ok(Math.abs(shown - metres) <= Math.max(0.1, metres * 0.01), `shown ${text}, measured ${metres}`);
  await page.click('#measure-area');
  for (const [dx, dy] of [[-100, -60], [100, -60], [0, 80]]) await page.mouse.click(cx + dx, cy + dy);
  await page.keyboard.press('Enter');
  const area = await page.textContent('#measure-output');
  assert.match(area, /Area: [0-9.,]+ m²/);
  await idle(page);
  await shootScene(page, '#scene', shot('04b-measured.png'));
  await page.click('#measure-clear');
  console.log(`     ${text.trim()}; ${area.trim()}`);
});

await step('the layer toggle hides the buildings', async () => {
  await idle(page);
  const before = await shootScene(page, '#scene', shot('05a-layer-shown.png'));
  await page.uncheck(`#layer-list input[data-layer="${buildings.id}"]`);
  const shown = await page.evaluate((id) => window.jumeauViewer.layers.get(id).tileset.show, buildings.id);
  assert.equal(shown, false, 'the tileset is still shown');
  await idle(page);
  const after = await shootScene(page, '#scene', shot('05b-layer-hidden.png'));
  const changed = pictureDiff(before, after);
  console.log(`     ${(changed * 100).toFixed(2)} % of pixels changed; foreground ${(pictureStats(before).foreground * 100).toFixed(2)} % → ${(pictureStats(after).foreground * 100).toFixed(2)} %`);
  assert.ok(changed > 0.002, 'hiding the layer did not change the picture');
});

const cadastre = collections.find((c) => c.kind === 'cadastre');
if (cadastre) {
  await step('searching a parcel number flies to the parcel and shows it', async () => {
    const parcel = (await api(`/collections/${cadastre.id}/items?limit=1`)).features[0];
    const number = parcel.properties.national_id;
    assert.ok(number, 'the parcel has no national_id');
    await page.fill('#search-input', number);
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(
      ([c, id]) => window.jumeauViewer.picking.selection?.collection === c && String(window.jumeauViewer.picking.selection.id) === String(id),
      [cadastre.id, parcel.id],
      { timeout: 30000 },
    );
    const shown = await page.locator('#feature-body tr[data-key="national_id"] td').textContent();
    assert.equal(shown, number);
    await page.waitForTimeout(1800); // the flight
    await idle(page);
    await shootScene(page, '#scene', shot('06a-parcel-found.png'));
    await page.keyboard.press('Escape');
    await page.locator('#feature-panel').waitFor({ state: 'hidden', timeout: 10000 });
    // and a click on it selects it again
    const pos = await page.evaluate(([c, id]) => window.jumeauViewer.screenPositionOf(c, id), [cadastre.id, parcel.id]);
    assert.ok(pos, 'the parcel is not on screen');
    await page.mouse.click(pos.x, pos.y);
    await page.waitForFunction((id) => String(window.jumeauViewer.picking.selection?.id) === String(id), parcel.id, { timeout: 30000 });
    await idle(page);
    await shootScene(page, '#scene', shot('06b-parcel-clicked.png'));
    await page.keyboard.press('Escape');
    console.log(`     parcel ${number} (${cadastre.id}/${parcel.id})`);
  });
}

let shareUrl = '';
await step('the share link restores camera, layers and theme', async () => {
  await page.waitForTimeout(400); // the hash is written 250 ms after a change
  shareUrl = await page.evaluate(() => location.href);
  assert.match(shareUrl, /cam=/);
  assert.match(shareUrl, /theme=height,/);
  assert.ok(!new URLSearchParams(shareUrl.split('#')[1]).get('layers').split(',').includes(buildings.id), 'hidden layer in the link');
  const other = await context.newPage();
  const otherLog = watch(other);
  await other.goto(shareUrl);
  await other.waitForFunction(() => window.jumeauViewer?.layers?.listed, null, { timeout: 120000 });
  await other.evaluate(() => window.jumeauViewer.ready.then(() => true));
  assert.equal(await other.inputValue('#theme-property'), 'height');
  assert.equal(await other.isChecked(`#layer-list input[data-layer="${buildings.id}"]`), false);
  const cam = await other.evaluate(() => {
    const c = window.jumeauViewer.viewer.camera.positionCartographic;
    return [c.longitude, c.latitude, c.height];
  });
  const want = new URLSearchParams(shareUrl.split('#')[1]).get('cam').split(',').map(Number);
  assert.ok(Math.abs((cam[0] * 180) / Math.PI - want[0]) < 1e-4 && Math.abs(cam[2] - want[2]) < 1, 'camera not restored');
  await other.close();
  assert.deepEqual(unexpected(otherLog.errors), []);
  await page.check(`#layer-list input[data-layer="${buildings.id}"]`);
});

// How many shared collections an anonymous caller is shown (none may be).
async function sharedCollectionsForAnonymous() {
  const res = await fetch(`${BASE}/collections`);
  const body = await res.json();
  return body.collections.filter((c) => c.accessLevel === 'shared').length;
}

if (KEY) {
  await step('an API key reloads the layers in place and stays out of the URL', async () => {
    const before = await page.evaluate(() => window.jumeauViewer.layers.layers.length);
    const generation = await page.evaluate(() => window.jumeauViewer.layers.generation);
    await page.fill('#key-input', KEY);
    await page.press('#key-input', 'Enter');
    await page.waitForFunction((g) => window.jumeauViewer.layers.loadedGeneration > g, generation, { timeout: 60000 });
    const after = await page.evaluate(() => window.jumeauViewer.layers.layers.length);
    const anonymousShared = await sharedCollectionsForAnonymous();
    assert.equal(anonymousShared, 0, 'a shared layer was listed before the key');
    // the demo's sewer network is shared: staff see it once the key is in, without a reload
    assert.ok(after > before, `no more layers with the key (${before} → ${after})`);
    const shared = await page.evaluate(() => window.jumeauViewer.layers.layers.filter((l) => l.access === 'shared').map((l) => l.id));
    assert.ok(shared.length > 0, 'no shared layer with an internal key');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('jumeau.apiKey')), KEY);
    assert.equal(await page.textContent('#key-status'), 'key in use');
    await page.waitForTimeout(400);
    assert.ok(!page.url().includes(KEY) && !(await page.evaluate(() => location.href)).includes(KEY), 'the key is in the URL');
    const authorised = log.responses.filter((r) => r.url.includes('/3dtiles/') && r.status === 200).length;
    assert.ok(authorised > 0);
    await idle(page);
    await shootScene(page, '#scene', shot('08-with-key.png'));
    console.log(`     ${before} layers anonymous, ${after} with the key`);
  });
}

await step('no console error during the session', async () => {
  assert.deepEqual(unexpected(log.errors), []);
  const shaderWarnings = log.warnings.filter((w) => /custom (fragment|vertex) shader|CustomShader/i.test(w));
  assert.deepEqual(shaderWarnings, [], 'CesiumJS switched a custom shader off');
  assert.deepEqual(log.foreign, []);
});

await step('the 2D map renders its vector tiles', async () => {
  const map = await context.newPage();
  const mapLog = watch(map);
  const [lon, lat] = building.geometry.type === 'MultiPolygon' ? building.geometry.coordinates[0][0][0] : building.geometry.coordinates[0][0];
  await map.goto(`${BASE}/viewer/map.html#15/${lat}/${lon}/0/45`);
  await map.waitForFunction(() => window.jumeauMap?.map, null, { timeout: 60000 });
  await map.evaluate(() => window.jumeauMap.ready.then(() => true));
  await map.evaluate(() => new Promise((resolve) => {
    const m = window.jumeauMap.map;
    if (m.loaded() && m.areTilesLoaded()) resolve();
    else m.once('idle', resolve);
  }));
  const mvt = mapLog.responses.filter((r) => /\/tiles\/.+\.mvt$/.test(r.url));
  assert.ok(mvt.some((r) => r.status === 200), `no vector tile loaded (${mvt.length} asked)`);
  const png = await shootScene(map, '#map', shot('09-map.png'));
  const stats = pictureStats(png);
  console.log(`     ${mvt.filter((r) => r.status === 200).length} tiles (200), ${mvt.filter((r) => r.status === 204).length} empty (204); ${(stats.foreground * 100).toFixed(2)} % of pixels off the background`);
  assert.ok(stats.foreground > 0.001, 'the map is blank');
  if (KEY) { /* the map's own key field brings the shared layers into its style in place */
    const layers = () => map.evaluate(() => window.jumeauMap.map.getStyle().layers.length);
    const before = await layers();
    await map.fill('#key-input', KEY);
    await map.press('#key-input', 'Enter');
    await map.waitForFunction((n) => window.jumeauMap.map.getStyle().layers.length > n, before, { timeout: 30000 });
    assert.equal(await map.textContent('#key-status'), 'key in use');
    console.log(`     map style: ${before} layers anonymous, ${await layers()} with the key`);
  }
  assert.deepEqual(unexpected(mapLog.errors), [], 'console errors on the map');
  assert.deepEqual(mapLog.foreign, []);
  await map.close();
});

await browser.close();
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`screenshots in ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
