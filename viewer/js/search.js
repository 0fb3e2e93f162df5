// The search box: a parcel number, a building id, an address or a name, across the datasets.
//
// Contract: a query is asked of every visible-to-the-key dataset through the features API:
// - digits only: the feature with that fid (/collections/{id}/items/{fid}) in every dataset;
// - a cadastre: CQL2 `national_id LIKE '%q%'` (and its `number` column when it has one);
// - other datasets: `address LIKE '%q%'` and `name LIKE '%q%'`, where their queryables have them.
// Choosing a result flies to the feature and selects it (attributes panel, highlight).

import { cqlString, getJSON, itemPath, itemsPath } from './api.js';
import { flyToBbox } from './layers.js';

const PER_QUERY = 5;
const MAX_RESULTS = 12;

export class Search {
  constructor(viewer, { layers, picking, form, input, results, status }) {
    this.viewer = viewer;
    this.layers = layers;
    this.picking = picking;
    this.input = input;
    this.results = results;
    this.status = status;
    this.queryables = new Map(); // collection → Set of property names
    this.seq = 0;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.run(input.value);
    });
    layers.onChange(() => this.queryables.clear());
  }

  async columnsOf(layer) {
    if (!this.queryables.has(layer.id)) {
      const doc = await getJSON(`/collections/${encodeURIComponent(layer.id)}/queryables`).catch(() => ({}));
      this.queryables.set(layer.id, new Set(Object.keys(doc.properties || {})));
    }
    return this.queryables.get(layer.id);
  }

  /** The matching features: [{collection, id, label, detail, feature}]. */
  async find(text) {
    const q = text.trim();
    if (!q) return [];
    const tasks = [];
    for (const layer of this.layers.layers) {
      if (/^\d+$/.test(q)) {
        tasks.push(
          getJSON(itemPath(layer.id, q))
            .then((f) => [f])
            .catch(() => [])
            .then((fs) => fs.map((f) => ({ layer, feature: f }))),
        );
      }
      const wanted = layer.kind === 'cadastre' ? ['national_id', 'number'] : ['address', 'name'];
      tasks.push(
        this.columnsOf(layer).then((columns) =>
          Promise.all(
            wanted
              .filter((c) => columns.has(c))
              .map((column) =>
                getJSON(itemsPath(layer.id, { limit: PER_QUERY, filter: `${column} LIKE ${cqlString(`%${q}%`)}` }))
                  .then((doc) => (doc.features || []).map((feature) => ({ layer, feature })))
                  .catch(() => []),
              ),
          ).then((lists) => lists.flat()),
        ),
      );
    }
    const found = (await Promise.all(tasks)).flat();
    const seen = new Set();
    const out = [];
    for (const { layer, feature } of found) {
      const key = `${layer.id}/${feature.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const p = feature.properties || {};
      out.push({
        collection: layer.id,
        id: feature.id,
        label: p.national_id || p.address || p.name || `${layer.is3D ? 'Building' : 'Feature'} ${feature.id}`,
        detail: `${layer.title}${p.name && p.address ? ` · ${p.name}` : ''}`,
        feature,
      });
    }
    return out.slice(0, MAX_RESULTS);
  }

  async run(text) {
    const seq = ++this.seq;
    this.status.textContent = 'searching…';
    this.results.replaceChildren();
    const found = await this.find(text);
    if (seq !== this.seq) return;
    this.status.textContent = found.length === 0 ? `nothing found for “${text.trim()}”` : `${found.length} found`;
    if (found.length === 1) {
      this.go(found[0]);
      return;
    }
    for (const hit of found) {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      const label = document.createElement('span');
      label.className = 'hit-label';
      label.textContent = hit.label;
      const detail = document.createElement('span');
      detail.className = 'hit-detail';
      detail.textContent = hit.detail;
      button.append(label, detail);
      button.addEventListener('click', () => this.go(hit));
      li.append(button);
      this.results.append(li);
    }
    this.results.hidden = found.length === 0;
  }

  /** Flies to a found feature and selects it. */
  go(hit) {
    this.close();
    const bbox = geometryBbox(hit.feature.geometry);
    if (bbox) flyToBbox(this.viewer, bbox, { minRange: 180 });
    const layer = this.layers.get(hit.collection);
    if (layer && !layer.visible) this.layers.setVisible(layer.id, true);
    this.picking.select(hit.collection, hit.id);
  }

  close() {
    this.results.replaceChildren();
    this.results.hidden = true;
  }
}

/** The [w, s, e, n] of a GeoJSON geometry, or null. */
export function geometryBbox(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]);
      box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]);
      box[3] = Math.max(box[3], c[1]);
    } else c.forEach(walk);
  };
  if (!geometry) return null;
  if (geometry.type === 'GeometryCollection') geometry.geometries.forEach((g) => walk(g.coordinates));
  else walk(geometry.coordinates);
  return Number.isFinite(box[0]) ? box : null;
}
