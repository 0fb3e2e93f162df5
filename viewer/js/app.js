// The jumeau 3D viewer: wires the scene, the layers, the theme, picking, the planner's tools,
// the share link and the API key together. CesiumJS is the global `Cesium` of
// /viewer/cesium/Cesium.js (loaded by index.html before this module); it runs offline: no
// Cesium ion, no imagery unless config.json names a base map, no terrain (the ellipsoid, where
// jumeau's 3D Tiles stand).
//
// config.json (served at /viewer/config.json):
//   basemap             null, or an XYZ URL template of a base map ({z}/{x}/{y})
//   basemapAttribution  its credit text
//   home                null, or [w, s, e, n] in degrees to open on (default: the extent of
//                       the first buildings dataset)
//   msaaSamples         multisample anti-aliasing (1 on weak machines)
//
// Test and scripting hook: window.jumeauViewer (see the end of this file).

import { getJSON, itemPath } from './api.js';
import { getKey, hasKey, onKeyChange, setKey } from './auth.js';
import { BUILDING_SWATCH, flyToBbox, Layers } from './layers.js';
import { Measure } from './measure.js';
import { Picking } from './picking.js';
import { RAMPS } from './ramps.js';
import { Search, geometryBbox } from './search.js';
import { applyCamera, readHash, Share } from './share.js';
import { Sun, viewCentre } from './sun.js';
import { Theme, THEME_PROPERTIES } from './theme.js';

const Cesium = window.Cesium;
const $ = (id) => document.getElementById(id);

const DEFAULT_CONFIG = { basemap: null, basemapAttribution: null, home: null, msaaSamples: 4 };

// Milliseconds since the page's navigation started (performance.now()), for the figures.
const timings = { viewerCreated: null, firstTileLoaded: null, initialTilesLoaded: null, firstCityFrame: null };

async function loadConfig() {
  try {
    const res = await fetch('/viewer/config.json');
    if (res.ok) return { ...DEFAULT_CONFIG, ...(await res.json()) };
  } catch {
    /* no config: the defaults */
  }
  return DEFAULT_CONFIG;
}

/**
 * Whether WebGL runs on a software renderer (SwiftShader, llvmpipe: virtual desktops and
 * machines without a GPU), where every multisample costs CPU time.
 */
function softwareRenderer() {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software/i.test(name);
  } catch {
    return false;
  }
}

function createViewer(config) {
  // ?msaa=N overrides config.msaaSamples; a software renderer gets none.
  const asked = Number(new URLSearchParams(location.search).get('msaa'));
  const msaa = asked || (softwareRenderer() ? 1 : config.msaaSamples || 1);
  const viewer = new Cesium.Viewer('scene', {
    baseLayer: false,
    baseLayerPicker: false,
    geocoder: false,
    timeline: false,
    animation: false,
    homeButton: false,
    sceneModePicker: false,
    navigationHelpButton: false,
    fullscreenButton: false,
    infoBox: false,
    selectionIndicator: false,
    shouldAnimate: false,
    requestRenderMode: true, // draw only when something changes: kind to weak machines
    maximumRenderTimeChange: Infinity,
    msaaSamples: msaa,
    terrainShadows: Cesium.ShadowMode.RECEIVE_ONLY,
  });
  const { scene } = viewer;
  scene.globe.baseColor = Cesium.Color.fromCssColorString('#dde3da');
  scene.globe.showGroundAtmosphere = false;
  scene.fog.enabled = false;
  if (config.basemap) {
    viewer.imageryLayers.addImageryProvider(
      new Cesium.UrlTemplateImageryProvider({
        url: config.basemap,
        credit: config.basemapAttribution || undefined,
        maximumLevel: 19,
      }),
    );
  }
  // Clicks belong to picking and measuring: no entity tracking on double click.
  viewer.screenSpaceEventHandler.removeInputAction(Cesium.ScreenSpaceEventType.LEFT_CLICK);
  viewer.screenSpaceEventHandler.removeInputAction(Cesium.ScreenSpaceEventType.LEFT_DOUBLE_CLICK);
  timings.viewerCreated = performance.now();
  return viewer;
}

/** The theme controls: attribute, ramp, range, surface tones. */
function wireThemeControls(theme, layers) {
  const property = $('theme-property');
  const ramp = $('theme-ramp');
  const min = $('theme-min');
  const max = $('theme-max');
  const tones = $('theme-tones');
  const auto = $('theme-auto');
  for (const [key, spec] of Object.entries(THEME_PROPERTIES)) property.add(new Option(spec.label, key));
  for (const name of Object.keys(RAMPS)) ramp.add(new Option(name, name));

  const sync = (state) => {
    property.value = state.property;
    ramp.value = state.ramp;
    min.value = String(state.min);
    max.value = String(state.max);
    tones.checked = state.tones;
    const themed = state.property !== 'none';
    for (const el of [ramp, min, max, auto]) el.disabled = !themed;
  };
  theme.onChange(sync);
  sync(theme.state);

  const autoRange = async () => {
    const ids = layers.layers.filter((l) => l.is3D && l.visible).map((l) => l.id);
    const [lo, hi] = await theme.dataRange(theme.state.property, ids);
    theme.setTheme({ min: lo, max: hi });
  };
  property.addEventListener('change', async () => {
    const spec = THEME_PROPERTIES[property.value];
    theme.setTheme({ property: property.value, ...(spec.defaults ? { min: spec.defaults[0], max: spec.defaults[1] } : {}) });
    if (spec.column) await autoRange().catch(() => {});
  });
  ramp.addEventListener('change', () => theme.setTheme({ ramp: ramp.value }));
  min.addEventListener('change', () => theme.setTheme({ min: min.value }));
  max.addEventListener('change', () => theme.setTheme({ max: max.value }));
  tones.addEventListener('change', () => theme.setTheme({ tones: tones.checked }));
  auto.addEventListener('click', () => autoRange().catch(() => {}));
}

/** The legend of the visible layers (the theme keeps its own part). */
function renderLayerLegend(layers) {
  const el = $('legend-layers');
  el.replaceChildren();
  for (const layer of layers.layers.filter((l) => l.visible)) {
    const entries = !layer.is3D && layer.legend.length > 0 ? layer.legend : [{ label: layer.title, color: layer.is3D ? BUILDING_SWATCH : layer.color }];
    for (const entry of entries) {
      const row = document.createElement('div');
      row.className = 'legend-row';
      const sw = document.createElement('span');
      sw.className = `swatch ${layer.is3D ? 'swatch-3d' : 'swatch-2d'}`;
      sw.style.background = entry.color;
      sw.setAttribute('aria-hidden', 'true');
      const label = document.createElement('span');
      label.textContent = entry.label;
      row.append(sw, label);
      el.append(row);
    }
  }
}

// Set when a refused key is being forgotten, so the key field can say so.
let forgetRefusedKey = false;

/**
 * Loads the datasets with the session's key; a refused key (401: wrong or revoked) is
 * forgotten, and the datasets are loaded again as open data. Resolves to whether it was refused.
 */
async function loadLayers(layers) {
  try {
    await layers.load();
    return false;
  } catch (err) {
    if (err.status !== 401 || !hasKey()) throw err;
    forgetRefusedKey = true;
    setKey(''); // runs the key listener, which loads the open datasets
    return true;
  }
}
/** The API key field: applying a key reloads the datasets with it, without reloading the page. */
function wireKey(layers, picking) {
  const form = $('key-form');
  const input = $('key-input');
  const status = $('key-status');
  const show = (note) => {
    status.textContent = note || (hasKey() ? 'key in use' : 'open data only');
    $('key-clear').disabled = !hasKey();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setKey(input.value);
    input.value = '';
  });
  $('key-clear').addEventListener('click', () => setKey(''));
  onKeyChange(async () => {
    const refusedBefore = forgetRefusedKey;
    forgetRefusedKey = false;
    show(refusedBefore ? 'key refused: open data only' : 'loading…');
    picking.clear();
    try {
      if (await loadLayers(layers)) return;
      show(refusedBefore ? 'key refused: open data only' : '');
    } catch (err) {
      show(`error: ${err.message}`);
    }
  });
  show();
}

function setStatus(text) {
  $('status').textContent = text;
}

async function main() {
  const config = await loadConfig();
  const viewer = createViewer(config);
  const { scene } = viewer;
  const shared = readHash();

  const theme = new Theme(viewer, { legendElement: $('legend-theme') });
  const layers = new Layers(viewer, {
    listElement: $('layer-list'),
    theme,
    onTilesetEvent: (what, layer, tileset) => {
      tileset.tileLoad.addEventListener(() => {
        if (timings.firstTileLoaded === null) timings.firstTileLoaded = performance.now();
      });
      tileset.loadProgress.addEventListener((pending, processing) => {
        setStatus(pending + processing > 0 ? `loading ${pending + processing} tiles…` : '');
      });
      tileset.initialTilesLoaded.addEventListener(() => {
        // The first view of the city is drawn once the main dataset's tileset has loaded the
        // tiles of the view (other datasets may be elsewhere in the world, out of view).
        if (timings.initialTilesLoaded === null && layer === layers.mainLayer()) {
          timings.initialTilesLoaded = performance.now();
          // The event comes at the end of a frame: the next frame drawn is the first one
          // surely made with those tiles.
          setTimeout(() => nextFrame(viewer).then(() => (timings.firstCityFrame = performance.now())), 0);
        }
      });
    },
  });
  const picking = new Picking(viewer, {
    layers,
    theme,
    panel: { root: $('feature-panel'), title: $('feature-title'), meta: $('feature-meta'), body: $('feature-body'), close: $('feature-close') },
  });
  const search = new Search(viewer, {
    layers,
    picking,
    form: $('search-form'),
    input: $('search-input'),
    results: $('search-results'),
    status: $('search-status'),
  });
  const sun = new Sun(viewer, { toggle: $('sun-on'), date: $('sun-date'), hour: $('sun-hour'), output: $('sun-hour-value') });
  const measure = new Measure(viewer, {
    picking,
    output: $('measure-output'),
    onModeChange: (mode) => {
      $('measure-distance').setAttribute('aria-pressed', String(mode === 'distance'));
      $('measure-area').setAttribute('aria-pressed', String(mode === 'area'));
      $('measure-finish').disabled = mode === null;
    },
  });
  $('measure-distance').addEventListener('click', () => measure.start('distance'));
  $('measure-area').addEventListener('click', () => measure.start('area'));
  $('measure-finish').addEventListener('click', () => measure.finish());
  $('measure-clear').addEventListener('click', () => measure.cancel());
  const share = new Share(viewer, { layers, theme, sun, picking, button: $('share-button'), status: $('share-status') });

  wireThemeControls(theme, layers);
  wireKey(layers, picking);
  layers.onChange(() => renderLayerLegend(layers));

  let homed = false;
  const home = () => {
    const bbox = config.home || layers.mainLayer()?.bbox;
    if (bbox) flyToBbox(viewer, bbox, { duration: 0 });
    homed = homed || Boolean(bbox);
  };
  $('home-button').addEventListener('click', home);

  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      if (measure.active || measure.points.length) measure.cancel();
      else picking.clear();
      search.close();
    } else if (e.key === 'Enter' && measure.active && e.target === document.body) {
      measure.finish();
    }
  });

  // A shared link's state first, then the data.
  if (shared.theme) theme.setTheme(shared.theme);
  else theme.setTheme({});
  if (shared.sun) sun.set(shared.sun);
  else sun.apply();
  if (shared.layers) layers.setVisibleIds(shared.layers);
  if (shared.cam) applyCamera(viewer, shared.cam);

  setStatus('loading the city…');
  await theme.load();
  const loading = loadLayers(layers);
  // The list is known before the tilesets are: open on the city unless the link says where.
  await Promise.race([loading, waitFor(() => layers.listed, 30000)]).catch(() => {});
  if (!shared.cam) home();
  if (await loading) await waitFor(() => layers.loadedGeneration > 1, 30000).catch(() => {}); // key refused: reloaded
  if (!shared.cam && !homed) home();
  if (shared.sel) picking.select(shared.sel.collection, shared.sel.id);
  share.start();
  setStatus('');
  scene.requestRender();

  window.jumeauViewer.attach({ viewer, layers, theme, picking, search, sun, measure, share });
}

function waitFor(test, timeoutMs) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const tick = () => {
      if (test()) resolve();
      else if (performance.now() - start > timeoutMs) reject(new Error('timeout'));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

/** The next rendered frame (asks for one). */
function nextFrame(viewer) {
  return new Promise((resolve) => {
    const remove = viewer.scene.postRender.addEventListener(() => {
      remove();
      resolve();
    });
    viewer.scene.requestRender();
  });
}

/**
 * window.jumeauViewer: a small hook for tests, figures and scripting.
 *   ready                      a promise, resolved once the datasets are loaded
 *   timings                    {viewerCreated, firstTileLoaded, initialTilesLoaded, firstCityFrame} (ms)
 *   idle(timeoutMs)            resolves when every visible tileset has loaded the tiles of the view
 *                              and a frame has been drawn
 *   screenPositionOf(collection, id)   page coordinates {x, y} where a click selects that
 *                              building (checked by picking), or null when it is not on screen
 *   viewCentre()               {longitude, latitude} of the ground at the centre of the view
 *   lookAt(bbox)               puts the camera over a [w, s, e, n] box at once
 *   plus the modules: viewer, layers, theme, picking, search, sun, measure, share, Cesium
 */
function createHook() {
  let resolveReady;
  const hook = {
    Cesium,
    timings,
    ready: new Promise((r) => (resolveReady = r)),
    attach(parts) {
      Object.assign(hook, parts);
      resolveReady(hook);
    },
    async idle(timeoutMs = 60000) {
      const { viewer, layers } = hook;
      const start = performance.now();
      let calm = 0;
      while (performance.now() - start < timeoutMs) {
        await nextFrame(viewer);
        const busy = layers.layers.some((l) => l.visible && l.tileset && !l.tileset.tilesLoaded);
        calm = busy ? 0 : calm + 1;
        if (calm >= 3) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    },
    viewCentre() {
      return viewCentre(hook.viewer);
    },
    /** Puts the camera at once over a [w, s, e, n] box, looking down at 50°. */
    lookAt(bbox, minRange = 150) {
      flyToBbox(hook.viewer, bbox, { duration: 0, minRange });
    },
    async screenPositionOf(collection, id) {
      const { viewer, picking } = hook;
      const feature = await getJSON(itemPath(collection, id));
      const props = feature.properties || {};
      const canvas = viewer.scene.canvas;
      const rect = canvas.getBoundingClientRect();
      // Points inside the footprint (along a line), at heights through the building (the 3D
      // Tiles add the geoid's undulation to a base elevation, which the browser does not know:
      // try a range), or on the ground for a 2D feature.
      const heights = [0.1];
      if (hook.layers.get(collection)?.is3D) {
        const height = Number(props.height) || 6;
        const base = Number(props.base_elevation) || 0;
        heights.splice(0, 1, height * 0.5, height * 0.9, height * 0.2);
        if (base) for (let n = 0; n <= 80; n += 4) heights.push(base + n + height * 0.5);
      }
      for (const [lon, lat] of interiorPoints(feature.geometry)) {
        for (const h of heights) {
          const world = Cesium.Cartesian3.fromDegrees(lon, lat, h);
          const win = Cesium.SceneTransforms.worldToWindowCoordinates(viewer.scene, world);
          if (!win || win.x < 1 || win.y < 1 || win.x > canvas.clientWidth - 1 || win.y > canvas.clientHeight - 1) continue;
          const x = rect.left + win.x;
          const y = rect.top + win.y;
          if (document.elementFromPoint(x, y) !== canvas) continue; // under a panel
          const hit = picking.featureAt(win);
          if (hit && hit.collection === collection && String(hit.id) === String(id)) return { x, y };
        }
      }
      return null;
    },
    geometryBbox,
    getKey,
  };
  return hook;
}

/**
 * Candidate points on a feature: inside a footprint (its centroid, then points between it and
 * each corner), along a line (the middles of its segments), or the points themselves.
 */
function interiorPoints(geometry) {
  const rings = [];
  const out = [];
  const collect = (g) => {
    if (!g) return;
    if (g.type === 'Polygon') rings.push(g.coordinates[0]);
    else if (g.type === 'MultiPolygon') g.coordinates.forEach((p) => rings.push(p[0]));
    else if (g.type === 'LineString' || g.type === 'MultiLineString') {
      for (const line of g.type === 'LineString' ? [g.coordinates] : g.coordinates) {
        for (let i = 1; i < line.length; i++) {
          out.push([(line[i - 1][0] + line[i][0]) / 2, (line[i - 1][1] + line[i][1]) / 2]);
        }
      }
    } else if (g.type === 'Point') out.push(g.coordinates);
    else if (g.type === 'MultiPoint') out.push(...g.coordinates);
    else if (g.type === 'GeometryCollection') g.geometries.forEach(collect);
  };
  collect(geometry);
  for (const ring of rings) {
    const n = ring.length - 1;
    if (n < 3) continue;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < n; i++) {
      cx += ring[i][0];
      cy += ring[i][1];
    }
    cx /= n;
    cy /= n;
    out.push([cx, cy]);
    for (let i = 0; i < n; i++) {
      out.push([cx + (ring[i][0] - cx) * 0.5, cy + (ring[i][1] - cy) * 0.5]);
      out.push([cx + (ring[i][0] - cx) * 0.8, cy + (ring[i][1] - cy) * 0.8]);
    }
  }
  return out.slice(0, 80);
}

window.jumeauViewer = createHook();
main().catch((err) => {
  setStatus(`The viewer could not start: ${err.message}`);
  throw err;
});
