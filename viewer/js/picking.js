// Clicking a feature: highlight it and show its attributes.
//
// Contract:
// - A click on a building (a Cesium3DTileFeature: its `id` property is the fid, its collection
//   the content's group metadata `collection`, else its tileset's) or on a draped 2D feature (an
//   entity with `jumeauFeature`) selects it: the building is highlighted by the shader
//   (theme.setSelected), a 2D feature by its entities' colour; its attributes come from
//   /collections/{collection}/items/{fid} (with the session's key: closed attributes for staff).
// - clear() (Escape, the panel's close button, a click on nothing) removes the selection.
// - `selection` is {collection, id, feature} after the item is loaded, null otherwise; listeners
//   of onSelect run with it.
// - While `suspended` (the measuring tool has the clicks), clicks are ignored.

import { getJSON, itemPath } from './api.js';

const Cesium = window.Cesium;
const HIGHLIGHT = Cesium.Color.fromCssColorString('#ffd91a');

export class Picking {
  constructor(viewer, { layers, theme, panel }) {
    this.viewer = viewer;
    this.layers = layers;
    this.theme = theme;
    this.panel = panel; // {root, title, meta, body, close}
    this.selection = null;
    this.pending = null; // {collection, id} being loaded
    this.highlighted = []; // 2D entities with their colours to restore
    this.suspended = false;
    this.listeners = new Set();
    this.handler = new Cesium.ScreenSpaceEventHandler(viewer.scene.canvas);
    this.handler.setInputAction((e) => this.onClick(e.position), Cesium.ScreenSpaceEventType.LEFT_CLICK);
    this.handler.setInputAction((e) => this.onHover(e.endPosition), Cesium.ScreenSpaceEventType.MOUSE_MOVE);
    panel.close.addEventListener('click', () => this.clear());
  }

  onSelect(fn) {
    this.listeners.add(fn);
  }

  /** What is at a window position: {collection, id} of a jumeau feature, or null. */
  featureAt(position) {
    const picked = this.viewer.scene.pick(position);
    if (!Cesium.defined(picked)) return null;
    if (picked instanceof Cesium.Cesium3DTileFeature) {
      const raw = picked.getProperty('id');
      if (raw === undefined || raw === null) return null;
      const collection =
        picked.content?.group?.metadata?.getProperty('collection') || picked.tileset?.jumeauCollection || null;
      return collection ? { collection, id: Number(raw) } : null;
    }
    const ref = picked.id?.jumeauFeature;
    return ref ? { collection: ref.collection, id: ref.fid } : null;
  }

  onHover(position) {
    if (this.suspended || !position) return;
    // The cursor shows what is clickable; picking is costly on software renderers, so at most
    // every 200 ms, once the mouse rests.
    clearTimeout(this.hoverTimer);
    const at = Cesium.Cartesian2.clone(position);
    this.hoverTimer = setTimeout(() => {
      const hit = this.featureAt(at);
      this.viewer.scene.canvas.style.cursor = hit ? 'pointer' : '';
    }, 200);
  }

  onClick(position) {
    if (this.suspended) return;
    const hit = this.featureAt(position);
    if (hit) this.select(hit.collection, hit.id);
    else this.clear();
  }

  /** Selects a feature by collection and fid: highlight, then load and show its attributes. */
  async select(collection, id) {
    this.unhighlight();
    const layer = this.layers.get(collection);
    this.pending = { collection, id };
    if (layer?.is3D) {
      this.theme.setSelected(collection, id);
    } else {
      this.theme.setSelected(null);
      this.highlight2D(layer, id);
    }
    this.showLoading(layer, id);
    let feature;
    try {
      feature = await getJSON(itemPath(collection, id));
    } catch (err) {
      if (this.pending?.collection !== collection || this.pending?.id !== id) return;
      this.showError(layer, id, err);
      return;
    }
    if (this.pending?.collection !== collection || this.pending?.id !== id) return; // superseded
    this.pending = null;
    this.selection = { collection, id, feature };
    this.render(layer, feature);
    for (const fn of this.listeners) fn(this.selection);
  }

  clear() {
    this.pending = null;
    const had = this.selection !== null || !this.panel.root.hidden;
    this.selection = null;
    this.unhighlight();
    this.theme.setSelected(null);
    this.panel.root.hidden = true;
    if (had) for (const fn of this.listeners) fn(null);
    this.viewer.scene.requestRender();
  }

  highlight2D(layer, fid) {
    const entities = layer?.entitiesByFid.get(String(fid)) || [];
    for (const entity of entities) {
      if (entity.polygon) {
        this.highlighted.push({ entity, graphics: entity.polygon, material: entity.polygon.material });
        entity.polygon.material = HIGHLIGHT.withAlpha(0.45);
      }
      if (entity.polyline) {
        this.highlighted.push({
          entity,
          graphics: entity.polyline,
          material: entity.polyline.material,
          width: entity.polyline.width,
        });
        entity.polyline.material = HIGHLIGHT;
        entity.polyline.width = 5;
      }
      if (entity.point) {
        this.highlighted.push({ entity, graphics: entity.point, color: entity.point.color });
        entity.point.color = HIGHLIGHT;
      }
    }
    this.viewer.scene.requestRender();
  }

  unhighlight() {
    for (const h of this.highlighted) {
      if (h.material !== undefined) h.graphics.material = h.material;
      if (h.width !== undefined) h.graphics.width = h.width;
      if (h.color !== undefined) h.graphics.color = h.color;
    }
    this.highlighted = [];
  }

  showLoading(layer, id) {
    const { root, title, meta, body } = this.panel;
    root.hidden = false;
    root.dataset.collection = layer?.id || '';
    root.dataset.id = String(id);
    title.textContent = `${layer?.is3D ? 'Building' : 'Feature'} ${id}`;
    meta.textContent = layer ? layer.title : '';
    body.replaceChildren(row('status', 'loading…'));
  }

  showError(layer, id, err) {
    this.panel.body.replaceChildren(row('error', err.status === 404 ? 'not found (or not visible with this key)' : err.message));
  }

  /** The attribute panel: the id first, then every attribute that has a value. */
  render(layer, feature) {
    const { title, meta, body } = this.panel;
    const props = feature.properties || {};
    const name = props.name || props.national_id || props.address || null;
    const what = layer?.is3D ? 'Building' : layer?.kind === 'cadastre' ? 'Parcel' : layer?.kind === 'network' ? 'Network element' : 'Feature';
    title.textContent = name ? `${what}: ${name}` : `${what} ${feature.id}`;
    meta.replaceChildren();
    if (layer) {
      const ds = document.createElement('span');
      ds.textContent = layer.title;
      const access = document.createElement('span');
      access.className = `access access-${layer.access}`;
      access.textContent = layer.access;
      meta.append(ds, access);
      if (layer.licence) {
        const lic = document.createElement('span');
        lic.textContent = `licence: ${layer.licence}`;
        meta.append(lic);
      }
    }
    const rows = [row('id', feature.id)];
    let empty = 0;
    for (const key of Object.keys(props).sort(attributeOrder)) {
      const value = props[key];
      if (value === null || value === '' || value === undefined) {
        empty++;
        continue;
      }
      rows.push(row(key, value));
    }
    if (empty) {
      const note = row('', `${empty} attribute${empty > 1 ? 's' : ''} without a value`);
      note.className = 'note';
      rows.push(note);
    }
    body.replaceChildren(...rows);
  }
}

// The normalised attributes of each kind first, then the others alphabetically.
const FIRST = ['name', 'national_id', 'address', 'height', 'storeys', 'year_built', 'use', 'area_m2', 'type', 'network_type', 'length_m'];
function attributeOrder(a, b) {
  const ia = FIRST.indexOf(a);
  const ib = FIRST.indexOf(b);
  if (ia !== ib) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a.localeCompare(b);
}

function row(key, value) {
  const tr = document.createElement('tr');
  tr.dataset.key = key;
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = key;
  const td = document.createElement('td');
  td.textContent = formatValue(value);
  tr.append(th, td);
  return tr;
}

function formatValue(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
