// The 2D map: the city's vector tiles with MapLibre GL JS and the server's own style
// (/styles/city.json: parcels, networks, buildings extruded by height), for machines too weak
// for the 3D viewer. MapLibre is the global `maplibregl` of /viewer/maplibre/maplibre-gl.js.
//
// The session's API key (given here or in the 3D viewer: the same tab storage) goes with every
// request to this server, so shared and closed layers appear as they do in 3D; a new key
// reloads the style in place.
// Test hook: window.jumeauMap = {map, ready: Promise}.

import { getJSON } from './api.js';
import { authHeaders, hasKey, isOwnOrigin, onKeyChange, setKey } from './auth.js';

const maplibregl = window.maplibregl;
const $ = (id) => document.getElementById(id);

let resolveReady;
window.jumeauMap = { map: null, ready: new Promise((r) => (resolveReady = r)) };

/** The style of the city as the server makes it for the caller's key. */
async function loadStyle() {
  // The style draws no text: the server ships no glyphs, and the map must work offline.
  return getJSON('/styles/city.json');
}

function renderLegend(style) {
  const el = $('map-legend');
  el.replaceChildren();
  for (const entry of style.metadata?.['jumeau:legend'] || []) {
    const row = document.createElement('div');
    row.className = 'legend-row';
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = entry.color;
    sw.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.textContent = entry.label;
    row.append(sw, label);
    el.append(row);
  }
}

function popupHTML(feature) {
  const table = document.createElement('table');
  const add = (k, v) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.textContent = k;
    const td = document.createElement('td');
    td.textContent = typeof v === 'object' ? JSON.stringify(v) : String(v);
    tr.append(th, td);
    table.append(tr);
  };
  add('dataset', feature.sourceLayer);
  if (feature.id !== undefined) add('id', feature.id);
  for (const [k, v] of Object.entries(feature.properties || {})) if (v !== null && v !== '') add(k, v);
  return table;
}

async function main() {
  $('key-status').textContent = hasKey() ? 'key in use' : 'open data only';
  const [style, collections] = await Promise.all([loadStyle(), getJSON('/collections')]);
  const list = collections.collections || [];
  const main = list.find((c) => c.kind === 'buildings') || list[0];
  const bbox = main?.extent?.spatial?.bbox?.[0];
  renderLegend(style);

  const map = new maplibregl.Map({
    container: 'map',
    style,
    bounds: bbox ? [[bbox[0], bbox[1]], [bbox[2], bbox[3]]] : undefined,
    fitBoundsOptions: { padding: 20 },
    pitch: 45,
    maxPitch: 70,
    hash: true,
    attributionControl: { compact: true },
    transformRequest: (url) => (isOwnOrigin(url) ? { url, headers: authHeaders() } : { url }),
  });
  window.jumeauMap.map = map;
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  $('home-button').addEventListener('click', () => {
    if (bbox) map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: 20, pitch: 45 });
  });

  const queryable = (s) => s.layers.filter((l) => l.source).map((l) => l.id);
  let layerIds = queryable(style);
  map.on('click', (e) => {
    const [feature] = map.queryRenderedFeatures(e.point, { layers: layerIds });
    if (!feature) return;
    new maplibregl.Popup({ maxWidth: '320px' }).setLngLat(e.lngLat).setDOMContent(popupHTML(feature)).addTo(map);
  });
  map.on('mousemove', (e) => {
    map.getCanvas().style.cursor = map.queryRenderedFeatures(e.point, { layers: layerIds }).length ? 'pointer' : '';
  });
  map.on('error', (e) => {
    $('status').textContent = `map error: ${e.error?.message || e.error || 'unknown'}`;
  });
  map.once('load', () => resolveReady(window.jumeauMap));

  // a key given (or forgotten) here: the style and the tiles again, as the key may see them
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setKey($('key-input').value);
    $('key-input').value = '';
  });
  $('key-forget').addEventListener('click', () => setKey(''));
  onKeyChange(async () => {
    $('key-status').textContent = hasKey() ? 'key in use' : 'open data only';
    const next = await loadStyle();
    renderLegend(next);
    layerIds = queryable(next);
    map.setStyle(next);
  });
}

main().catch((err) => {
  $('status').textContent = `The map could not start: ${err.message}`;
  throw err;
});
