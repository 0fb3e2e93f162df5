// The city's datasets as layers of the scene, and the layers panel.
//
// Contract:
// - The layers are the collections of /collections (what the caller's key may see). A dataset
//   of a 3D kind (buildings, citygml, cityjson, ifc) is its own 3D tileset,
//   /3dtiles/{id}/tileset.json, so each can be shown or hidden alone; every other dataset
//   (cadastre, network, …) is draped on the ground from the features API as GeoJSON: whole
//   when it has at most MAX_LIMIT features, else the features in the view's bbox once the view
//   is small enough.
// - 2D features are drawn with the colours of the MapLibre style /styles/city.json (its line
//   and fill layers of the dataset), so the 3D viewer and the 2D map agree.
// - 2D features lie on the ground: clamped to it when the globe has a terrain; on the plain
//   ellipsoid (the viewer's default, where jumeau's 3D Tiles stand) drawn a few centimetres
//   above it as ordinary primitives, which look the same and cost a fraction of CesiumJS's
//   ground primitives (a software renderer draws thousands of clamped lines at seconds a frame).
// - Every drawn 2D entity carries `jumeauFeature = {collection, fid}` for picking.
// - `onChange` listeners run when the list or a layer's visibility changes.

import { getJSON, itemsPath, resource, MAX_LIMIT } from './api.js';

const Cesium = window.Cesium;

export const KINDS_3D = new Set(['buildings', 'citygml', 'cityjson', 'ifc']);
// Kinds whose 3D contents carry the _SEMANTIC vertex attribute (LoD2 surfaces).
const KINDS_SEMANTIC = new Set(['citygml', 'cityjson', 'ifc']);

const KIND_LABELS = {
  buildings: 'Buildings, 3D',
  citygml: 'CityGML model, 3D',
  cityjson: 'CityJSON model, 3D',
  ifc: 'IFC model, 3D',
  cadastre: 'Cadastre',
  network: 'Network',
};

// A view narrower than this (degrees of longitude) loads the features of large 2D datasets.
const VIEWPORT_MAX_DEGREES = 0.08;

const FALLBACK_COLORS = ['#a0522d', '#3d6fd1', '#2e8b57', '#8b3d8b', '#d13d3d', '#e8a33d'];

export const BUILDING_SWATCH = '#e6ded0';

/** One dataset of the city. */
class Layer {
  constructor(collection, index) {
    this.id = collection.id;
    this.title = collection.title || collection.id;
    this.description = collection.description || '';
    this.kind = collection.kind || 'unknown';
    this.licence = collection.license || collection.licence || '';
    this.access = collection.accessLevel || 'open';
    this.featureCount = collection.featureCount ?? null;
    this.bbox = collection.extent?.spatial?.bbox?.[0] || null; // [w, s, e, n] CRS84
    this.is3D = KINDS_3D.has(this.kind);
    this.hasSemantic = KINDS_SEMANTIC.has(this.kind);
    this.visible = true;
    this.tileset = null; // Cesium3DTileset of a 3D layer
    this.dataSource = null; // CustomDataSource of a 2D layer
    this.status = '';
    this.color = FALLBACK_COLORS[index % FALLBACK_COLORS.length];
    this.colorRule = null; // (properties) => CSS colour, from the style
    this.legend = []; // [{label, color}] of the style's legend for this dataset
    this.entitiesByFid = new Map();
    this.viewportMode = false;
    this.abort = null;
  }

  get kindLabel() {
    return KIND_LABELS[this.kind] || this.kind;
  }
}

export class Layers {
  /**
   * @param {Cesium.Viewer} viewer
   * @param {{listElement: HTMLElement, theme: import('./theme.js').Theme, onTilesetEvent?: Function}} options
   */
  constructor(viewer, { listElement, theme, onTilesetEvent }) {
    this.viewer = viewer;
    this.listElement = listElement;
    this.theme = theme;
    this.onTilesetEvent = onTilesetEvent || (() => {});
    this.layers = [];
    this.listeners = new Set();
    this.generation = 0; // bumped by every reload, so late answers of an old load are dropped
    this.loadedGeneration = 0; // the last generation whose tilesets and features are all added
    this.pendingVisibility = null; // Set of ids to show on the next load (shared link)
    this.listed = false; // whether the list of datasets has been fetched once
    viewer.camera.moveEnd.addEventListener(() => this.refreshViewportLayers());
  }

  onChange(fn) {
    this.listeners.add(fn);
  }

  emit() {
    for (const fn of this.listeners) fn(this);
  }

  get(id) {
    return this.layers.find((l) => l.id === id) || null;
  }

  /** The dataset a city opens on: config.home aside, the first buildings dataset. */
  mainLayer() {
    return (
      this.layers.find((l) => l.kind === 'buildings') || this.layers.find((l) => l.is3D) || this.layers[0] || null
    );
  }

  visibleIds() {
    return this.layers.filter((l) => l.visible).map((l) => l.id);
  }

  /** Sets which layers are visible: those in `ids`, the others hidden (applied now or on load). */
  setVisibleIds(ids) {
    const wanted = new Set(ids);
    if (this.layers.length === 0) {
      this.pendingVisibility = wanted;
      return;
    }
    for (const layer of this.layers) this.setVisible(layer.id, wanted.has(layer.id), { silent: true });
    this.emit();
  }

  /**
   * (Re)loads the list of datasets and everything drawn for them, with the current key. The
   * visibility of layers already known is kept.
   */
  async load() {
    const generation = ++this.generation;
    const previous = new Map(this.layers.map((l) => [l.id, l.visible]));
    this.clear();
    const [collections, style] = await Promise.all([
      getJSON('/collections'),
      getJSON('/styles/city.json').catch(() => null),
    ]);
    if (generation !== this.generation) return;

    const list = (collections.collections || []).map((c, i) => new Layer(c, i));
    list.sort((a, b) => Number(b.is3D) - Number(a.is3D) || a.title.localeCompare(b.title));
    for (const layer of list) {
      if (this.pendingVisibility) layer.visible = this.pendingVisibility.has(layer.id);
      else if (previous.has(layer.id)) layer.visible = previous.get(layer.id);
      applyStyle(layer, style);
    }
    this.pendingVisibility = null;
    this.layers = list;
    this.listed = true;
    this.render();
    this.emit();

    await Promise.all(
      list.map((layer) =>
        (layer.is3D ? this.addTileset(layer, generation) : this.addFeatures(layer, generation)).catch((err) => {
          layer.status = `not loaded: ${err.message}`;
          this.renderStatus(layer);
        }),
      ),
    );
    if (generation === this.generation) this.loadedGeneration = generation;
  }

  /** Removes every tileset and data source of the current list. */
  clear() {
    const { scene } = this.viewer;
    for (const layer of this.layers) {
      layer.abort?.abort();
      if (layer.tileset) {
        this.theme.forget(layer.id);
        scene.primitives.remove(layer.tileset); // destroys it
      }
      if (layer.dataSource) this.viewer.dataSources.remove(layer.dataSource, true);
    }
    this.layers = [];
    scene.requestRender();
  }

  async addTileset(layer, generation) {
    layer.status = 'loading…';
    this.renderStatus(layer);
    const tileset = await Cesium.Cesium3DTileset.fromUrl(resource(`/3dtiles/${encodeURIComponent(layer.id)}/tileset.json`), {
      shadows: Cesium.ShadowMode.ENABLED,
      maximumScreenSpaceError: 16,
    });
    if (generation !== this.generation) {
      tileset.destroy();
      return;
    }
    seatOnGlobe(this.viewer, tileset);
    tileset.customShader = this.theme.shaderFor(layer.id, layer.hasSemantic);
    tileset.show = layer.visible;
    tileset.jumeauCollection = layer.id;
    layer.tileset = tileset;
    this.viewer.scene.primitives.add(tileset);
    this.onTilesetEvent('added', layer, tileset);
    tileset.tileFailed.addEventListener((e) => {
      layer.status = `a tile failed: ${e.message}`;
      this.renderStatus(layer);
    });
    tileset.initialTilesLoaded.addEventListener(() => {
      layer.status = '';
      this.renderStatus(layer);
    });
    layer.status = '';
    this.renderStatus(layer);
    this.viewer.scene.requestRender();
  }

  async addFeatures(layer, generation) {
    const ds = new Cesium.CustomDataSource(layer.id);
    ds.show = layer.visible;
    layer.dataSource = ds;
    await this.viewer.dataSources.add(ds);
    if (generation !== this.generation) return;
    if (layer.featureCount !== null && layer.featureCount > MAX_LIMIT) {
      layer.viewportMode = true;
      await this.loadViewport(layer);
    } else {
      await this.fetchInto(layer, itemsPath(layer.id, { limit: MAX_LIMIT }));
    }
  }

  /** Loads a large 2D layer's features in the view, when the view is small enough. */
  async loadViewport(layer) {
    if (!layer.visible || !layer.dataSource) return;
    const rect = this.viewer.camera.computeViewRectangle();
    const deg = Cesium.Math.toDegrees;
    if (!rect || deg(rect.east - rect.west) > VIEWPORT_MAX_DEGREES) {
      layer.abort?.abort();
      layer.dataSource.entities.removeAll();
      layer.entitiesByFid.clear();
      layer.status = `${layer.featureCount} features: zoom in to see them`;
      this.renderStatus(layer);
      this.viewer.scene.requestRender();
      return;
    }
    const bbox = [rect.west, rect.south, rect.east, rect.north].map((v) => deg(v).toFixed(6)).join(',');
    await this.fetchInto(layer, itemsPath(layer.id, { bbox, limit: MAX_LIMIT }));
  }

  refreshViewportLayers() {
    for (const layer of this.layers) {
      if (layer.viewportMode) this.loadViewport(layer).catch(() => {});
    }
  }

  async fetchInto(layer, path) {
    layer.abort?.abort();
    const abort = new AbortController();
    layer.abort = abort;
    layer.status = 'loading…';
    this.renderStatus(layer);
    let collection;
    try {
      collection = await getJSON(path, { signal: abort.signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      throw err;
    }
    if (abort.signal.aborted || !layer.dataSource) return;
    const entities = layer.dataSource.entities;
    entities.suspendEvents();
    entities.removeAll();
    layer.entitiesByFid.clear();
    const onTerrain = !(this.viewer.terrainProvider instanceof Cesium.EllipsoidTerrainProvider);
    for (const feature of collection.features || []) addFeatureEntities(layer, feature, onTerrain);
    entities.resumeEvents();
    const n = (collection.features || []).length;
    const matched = collection.numberMatched;
    layer.status = matched !== undefined && matched > n ? `${n} of ${matched} features in view` : '';
    this.renderStatus(layer);
    this.viewer.scene.requestRender();
  }

  setVisible(id, visible, { silent = false } = {}) {
    const layer = this.get(id);
    if (!layer) return;
    layer.visible = visible;
    if (layer.tileset) layer.tileset.show = visible;
    if (layer.dataSource) layer.dataSource.show = visible;
    if (visible && layer.viewportMode) this.loadViewport(layer).catch(() => {});
    const box = this.listElement.querySelector(`input[data-layer="${CSS.escape(id)}"]`);
    if (box) box.checked = visible;
    this.viewer.scene.requestRender();
    if (!silent) this.emit();
  }

  /** Flies to a layer's extent, looking down at 45°. */
  flyTo(id) {
    const layer = this.get(id);
    if (layer?.bbox) flyToBbox(this.viewer, layer.bbox);
  }

  /** The layers panel: one row per dataset with its checkbox, facts and fly-to button. */
  render() {
    const list = this.listElement;
    list.replaceChildren();
    if (this.layers.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'empty';
      empty.textContent = 'No dataset is visible with this key.';
      list.append(empty);
      return;
    }
    for (const layer of this.layers) {
      const li = document.createElement('li');
      li.className = 'layer';
      li.dataset.layer = layer.id;

      const head = document.createElement('div');
      head.className = 'layer-head';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.id = `layer-${layer.id}`;
      box.dataset.layer = layer.id;
      box.checked = layer.visible;
      box.addEventListener('change', () => this.setVisible(layer.id, box.checked));
      const swatch = document.createElement('span');
      swatch.className = `swatch ${layer.is3D ? 'swatch-3d' : 'swatch-2d'}`;
      swatch.style.background = layer.is3D ? BUILDING_SWATCH : layer.color;
      swatch.setAttribute('aria-hidden', 'true');
      const label = document.createElement('label');
      label.htmlFor = box.id;
      label.textContent = layer.title;
      const fly = document.createElement('button');
      fly.type = 'button';
      fly.className = 'fly';
      fly.textContent = 'Fly to';
      fly.setAttribute('aria-label', `Fly to ${layer.title}`);
      fly.disabled = !layer.bbox;
      fly.addEventListener('click', () => this.flyTo(layer.id));
      head.append(box, swatch, label, fly);

      const facts = document.createElement('div');
      facts.className = 'layer-facts';
      const access = document.createElement('span');
      access.className = `access access-${layer.access}`;
      access.textContent = layer.access;
      access.title = `access level: ${layer.access}`;
      const kind = document.createElement('span');
      kind.textContent = layer.kindLabel;
      const licence = document.createElement('span');
      licence.className = 'licence';
      licence.textContent = layer.licence ? `licence: ${layer.licence}` : 'licence: not given';
      facts.append(kind, access, licence);
      if (layer.featureCount !== null) {
        const count = document.createElement('span');
        count.textContent = `${layer.featureCount.toLocaleString()} features`;
        facts.append(count);
      }

      const status = document.createElement('div');
      status.className = 'layer-status';
      status.setAttribute('aria-live', 'polite');
      status.textContent = layer.status;

      li.append(head, facts, status);
      if (layer.description) li.title = layer.description;
      list.append(li);
    }
  }

  renderStatus(layer) {
    const el = this.listElement.querySelector(`li[data-layer="${CSS.escape(layer.id)}"] .layer-status`);
    if (el) el.textContent = layer.status;
  }
}

/** Flies to a CRS84 bbox [w, s, e, n] with an oblique view of it. */
export function flyToBbox(viewer, bbox, { duration = 1.5, minRange = 250 } = {}) {
  const [w, s, e, n] = bbox;
  const rect = Cesium.Rectangle.fromDegrees(w, s, e, n);
  const corners = [
    Cesium.Cartesian3.fromDegrees(w, s),
    Cesium.Cartesian3.fromDegrees(e, n),
    Cesium.Cartesian3.fromDegrees(w, n),
    Cesium.Cartesian3.fromDegrees(e, s),
    Cesium.Cartesian3.fromRadians(Cesium.Rectangle.center(rect).longitude, Cesium.Rectangle.center(rect).latitude, 30),
  ];
  const sphere = Cesium.BoundingSphere.fromPoints(corners);
  const range = Math.max(sphere.radius * 1.8, minRange);
  viewer.camera.flyToBoundingSphere(sphere, {
    duration,
    offset: new Cesium.HeadingPitchRange(0, Cesium.Math.toRadians(-50), range),
  });
  viewer.scene.requestRender();
}

/** Takes the dataset's colour (and legend) from the MapLibre style's layers of that dataset. */
function applyStyle(layer, style) {
  if (!style || layer.is3D) return;
  const own = (style.layers || []).filter((l) => l['source-layer'] === layer.id && (l.type === 'line' || l.type === 'fill'));
  for (const styleLayer of own) {
    const paint = styleLayer.paint || {};
    const value = paint['line-color'] ?? paint['fill-color'];
    if (typeof value === 'string') {
      layer.color = value;
      layer.colorRule = null;
      break;
    }
    const rule = matchRule(value);
    if (rule) {
      layer.colorRule = rule.fn;
      layer.color = rule.fallback;
      break;
    }
  }
  const legend = style.metadata?.['jumeau:legend'] || [];
  layer.legend = legend.filter((e) => e.dataset === layer.id).map((e) => ({ label: e.label, color: e.color }));
}

/** A MapLibre ["match", ["get", p], v1, c1, …, fallback] expression as a function of properties. */
function matchRule(expr) {
  if (!Array.isArray(expr) || expr[0] !== 'match' || !Array.isArray(expr[1]) || expr[1][0] !== 'get') return null;
  const property = expr[1][1];
  const pairs = new Map();
  for (let i = 2; i + 1 < expr.length; i += 2) {
    const keys = Array.isArray(expr[i]) ? expr[i] : [expr[i]];
    for (const k of keys) pairs.set(String(k), expr[i + 1]);
  }
  const fallback = expr[expr.length - 1];
  if (typeof fallback !== 'string') return null;
  return { fallback, fn: (props) => pairs.get(String(props?.[property])) ?? fallback };
}

const colorCache = new Map();
function cesiumColor(css) {
  let c = colorCache.get(css);
  if (!c) {
    c = Cesium.Color.fromCssColorString(css) || Cesium.Color.GRAY;
    colorCache.set(css, c);
  }
  return c;
}

/** The colour of a 2D feature: the style's rule, else the layer's colour. */
export function featureColor(layer, properties) {
  return cesiumColor(layer.colorRule ? layer.colorRule(properties) : layer.color);
}

// Without a terrain the ground is the bare ellipsoid, while city models stand at their real
// heights (orthometric, raised by the geoid: Den Haag ~43 m, Tokyo ~80 m above it): they would
// float. Lower such a tileset so that its lowest point meets the globe; with a terrain, or when
// the tileset is already within a metre of the ellipsoid (OSM footprints), leave it.
function seatOnGlobe(viewer, tileset) {
  if (!(viewer.terrainProvider instanceof Cesium.EllipsoidTerrainProvider)) return;
  const volume = tileset.root && tileset.root.boundingVolume;
  const lowest = volume ? volume.minimumHeight : undefined;
  if (!Number.isFinite(lowest) || Math.abs(lowest) < 1 || !volume.rectangle) return;
  const centre = Cesium.Rectangle.center(volume.rectangle);
  const up = Cesium.Ellipsoid.WGS84.geodeticSurfaceNormalCartographic(centre, new Cesium.Cartesian3());
  tileset.modelMatrix = Cesium.Matrix4.fromTranslation(Cesium.Cartesian3.multiplyByScalar(up, -lowest, up));
}

// Heights above the ellipsoid of draped fills and lines when there is no terrain (metres).
const FILL_HEIGHT = 0.05;
const LINE_HEIGHT = 0.15;

function lonLatPositions(coords, height, keepClosingPoint = false) {
  const flat = [];
  let n = coords.length;
  if (!keepClosingPoint && n > 1) {
    const [a, b] = [coords[0], coords[n - 1]];
    if (a[0] === b[0] && a[1] === b[1]) n--; // GeoJSON rings repeat their first point
  }
  for (let i = 0; i < n; i++) flat.push(coords[i][0], coords[i][1], height);
  return Cesium.Cartesian3.fromDegreesArrayHeights(flat);
}

/** Adds the entities that draw one GeoJSON feature of a 2D layer on the ground. */
function addFeatureEntities(layer, feature, onTerrain) {
  const entities = layer.dataSource.entities;
  const fillHeight = onTerrain ? 0 : FILL_HEIGHT;
  const lineHeight = onTerrain ? 0 : LINE_HEIGHT;
  const fid = feature.id;
  const ref = { collection: layer.id, fid };
  const color = featureColor(layer, feature.properties);
  const made = [];
  const polygon = (rings) => {
    const [outer, ...holes] = rings;
    if (!outer || outer.length < 4) return;
    made.push(
      entities.add({
        polygon: {
          hierarchy: new Cesium.PolygonHierarchy(
            lonLatPositions(outer, fillHeight),
            holes.filter((h) => h.length >= 4).map((h) => new Cesium.PolygonHierarchy(lonLatPositions(h, fillHeight))),
          ),
          material: color.withAlpha(0.1),
          // on terrain: no height, so CesiumJS clamps it (on the terrain only, not on buildings)
          ...(onTerrain ? { classificationType: Cesium.ClassificationType.TERRAIN } : { height: fillHeight }),
        },
      }),
    );
    for (const ring of rings) line(ring, 2);
  };
  const line = (coords, width = 2) => {
    if (coords.length < 2) return;
    made.push(
      entities.add({
        polyline: {
          positions: lonLatPositions(coords, lineHeight, true),
          width,
          material: color,
          ...(onTerrain ? { clampToGround: true, classificationType: Cesium.ClassificationType.TERRAIN } : {}),
        },
      }),
    );
  };
  const point = (c) => {
    made.push(
      entities.add({
        position: Cesium.Cartesian3.fromDegrees(c[0], c[1], lineHeight),
        point: {
          pixelSize: 7,
          color,
          outlineColor: Cesium.Color.WHITE,
          outlineWidth: 1,
          heightReference: onTerrain ? Cesium.HeightReference.CLAMP_TO_GROUND : Cesium.HeightReference.NONE,
        },
      }),
    );
  };
  const geometry = (g) => {
    if (!g) return;
    switch (g.type) {
      case 'Polygon':
        polygon(g.coordinates);
        break;
      case 'MultiPolygon':
        g.coordinates.forEach(polygon);
        break;
      case 'LineString':
        line(g.coordinates);
        break;
      case 'MultiLineString':
        g.coordinates.forEach((c) => line(c));
        break;
      case 'Point':
        point(g.coordinates);
        break;
      case 'MultiPoint':
        g.coordinates.forEach(point);
        break;
      case 'GeometryCollection':
        g.geometries.forEach(geometry);
        break;
      default:
        break;
    }
  };
  geometry(feature.geometry);
  for (const entity of made) entity.jumeauFeature = ref;
  layer.entitiesByFid.set(String(fid), made);
}
