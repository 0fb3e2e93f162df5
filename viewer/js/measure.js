// Measuring a distance or an area by clicking points in the scene.
//
// Contract: start('distance' | 'area') takes the clicks away from picking until finish()
// (double click, Enter or the Finish button) or cancel() (Escape, which also clears the
// drawing). Points are picked on buildings (depth) or on the ground. A distance is the sum of
// the straight segments between the points, in metres; an area is that of the polygon of the
// points projected on the local horizontal plane of the first point, in square metres. While
// measuring, the line follows the mouse from the last point (the result counts clicked points).

const Cesium = window.Cesium;
const COLOR = Cesium.Color.fromCssColorString('#e8346b');

export class Measure {
  constructor(viewer, { picking, output, onModeChange }) {
    this.viewer = viewer;
    this.picking = picking;
    this.output = output;
    this.onModeChange = onModeChange || (() => {});
    this.mode = null;
    this.kind = null; // what the drawing shows: 'distance' | 'area'
    this.points = [];
    this.hover = null; // the point under the mouse while measuring
    this.lastMove = 0;
    this.entities = [];
    this.handler = new Cesium.ScreenSpaceEventHandler(viewer.scene.canvas);
    this.handler.setInputAction((e) => this.mode && this.follow(e.endPosition), Cesium.ScreenSpaceEventType.MOUSE_MOVE);
    this.handler.setInputAction((e) => this.mode && this.add(e.position), Cesium.ScreenSpaceEventType.LEFT_CLICK);
    this.handler.setInputAction(() => this.mode && this.finish(), Cesium.ScreenSpaceEventType.LEFT_DOUBLE_CLICK);
  }

  get active() {
    return this.mode !== null;
  }

  start(mode) {
    this.clearDrawing();
    this.mode = mode;
    this.kind = mode;
    this.picking.suspended = true;
    this.viewer.scene.canvas.style.cursor = 'crosshair';
    this.output.textContent =
      mode === 'area' ? 'Click the corners of the area; double-click or Enter to finish.' : 'Click points along the way; double-click or Enter to finish.';
    this.draw();
    this.onModeChange(mode);
  }

  /** Moves the free end of the line to the mouse (a pick at most every 50 ms). */
  follow(position) {
    const now = performance.now();
    if (this.points.length === 0 || now - this.lastMove < 50) return;
    this.lastMove = now;
    this.hover = this.pointAt(position);
    this.viewer.scene.requestRender();
  }

  /** The points drawn: the clicked ones, then the mouse's while measuring. */
  drawnPoints() {
    return this.mode && this.hover ? [...this.points, this.hover] : this.points;
  }

  finish() {
    if (!this.mode) return;
    this.mode = null;
    this.hover = null;
    this.picking.suspended = false;
    this.viewer.scene.canvas.style.cursor = '';
    this.report();
    this.onModeChange(null);
  }

  /** Stops measuring and removes the drawing. */
  cancel() {
    const was = this.mode !== null || this.points.length > 0;
    this.mode = null;
    this.hover = null;
    this.picking.suspended = false;
    this.viewer.scene.canvas.style.cursor = '';
    this.clearDrawing();
    this.output.textContent = '';
    this.onModeChange(null);
    return was;
  }

  /** The point of the scene under a window position: a building's surface or the ground. */
  pointAt(position) {
    const { scene, camera } = this.viewer;
    if (scene.pickPositionSupported) {
      const picked = scene.pick(position);
      if (Cesium.defined(picked)) {
        const p = scene.pickPosition(position);
        if (Cesium.defined(p)) return p;
      }
    }
    const ray = camera.getPickRay(position);
    return (ray && scene.globe.pick(ray, scene)) || camera.pickEllipsoid(position) || null;
  }

  add(position) {
    const p = this.pointAt(position);
    if (!p) return;
    const last = this.points[this.points.length - 1];
    if (last && Cesium.Cartesian3.distance(last, p) < 0.01) return; // the second click of a double click
    this.points.push(p);
    this.report();
    this.viewer.scene.requestRender();
  }

  /** Metres along the points. */
  distance() {
    let sum = 0;
    for (let i = 1; i < this.points.length; i++) sum += Cesium.Cartesian3.distance(this.points[i - 1], this.points[i]);
    return sum;
  }

  /** Square metres of the polygon of the points, on the horizontal plane of the first one. */
  area() {
    if (this.points.length < 3) return 0;
    const toLocal = Cesium.Matrix4.inverseTransformation(
      Cesium.Transforms.eastNorthUpToFixedFrame(this.points[0]),
      new Cesium.Matrix4(),
    );
    const xy = this.points.map((p) => Cesium.Matrix4.multiplyByPoint(toLocal, p, new Cesium.Cartesian3()));
    let twice = 0;
    for (let i = 0; i < xy.length; i++) {
      const a = xy[i];
      const b = xy[(i + 1) % xy.length];
      twice += a.x * b.y - b.x * a.y;
    }
    return Math.abs(twice) / 2;
  }

  /** The result as text ("123.4 m", "5,678 m²"). */
  resultText() {
    if (this.kind === 'area') {
      return this.points.length < 3 ? '' : `${formatNumber(this.area())} m²`;
    }
    return this.points.length < 2 ? '' : `${formatNumber(this.distance())} m`;
  }

  report() {
    const text = this.resultText();
    if (text) this.output.textContent = `${this.kind === 'area' ? 'Area' : 'Distance'}: ${text}`;
  }

  draw() {
    const entities = this.viewer.entities;
    const positions = new Cesium.CallbackProperty(() => {
      const pts = this.drawnPoints();
      return this.kind === 'area' && pts.length > 2 ? [...pts, pts[0]] : pts;
    }, false);
    this.entities.push(
      entities.add({
        polyline: {
          positions,
          width: 3,
          material: COLOR,
          depthFailMaterial: COLOR.withAlpha(0.5),
        },
      }),
    );
    if (this.kind === 'area') {
      this.entities.push(
        entities.add({
          polygon: {
            hierarchy: new Cesium.CallbackProperty(() => new Cesium.PolygonHierarchy(this.drawnPoints()), false),
            perPositionHeight: true,
            material: COLOR.withAlpha(0.25),
          },
        }),
      );
    }
    this.entities.push(
      entities.add({
        position: new Cesium.CallbackProperty(() => this.points[this.points.length - 1], false),
        label: {
          text: new Cesium.CallbackProperty(() => this.resultText(), false),
          font: '14px sans-serif',
          fillColor: Cesium.Color.WHITE,
          showBackground: true,
          backgroundColor: COLOR.withAlpha(0.85),
          pixelOffset: new Cesium.Cartesian2(0, -18),
          disableDepthTestDistance: Number.POSITIVE_INFINITY,
        },
      }),
    );
    this.pointCollection = this.viewer.scene.primitives.add(new Cesium.PointPrimitiveCollection());
    const points = this.pointCollection;
    const sync = () => {
      while (points.length < this.points.length) {
        points.add({
          position: this.points[points.length],
          pixelSize: 8,
          color: COLOR,
          outlineColor: Cesium.Color.WHITE,
          outlineWidth: 2,
          disableDepthTestDistance: Number.POSITIVE_INFINITY,
        });
      }
    };
    this.removeSync = this.viewer.scene.preRender.addEventListener(sync);
  }

  clearDrawing() {
    for (const e of this.entities) this.viewer.entities.remove(e);
    this.entities = [];
    this.removeSync?.();
    this.removeSync = null;
    if (this.pointCollection) this.viewer.scene.primitives.remove(this.pointCollection);
    this.pointCollection = null;
    this.points = [];
    this.hover = null;
    this.viewer.scene.requestRender();
  }
}

function formatNumber(v) {
  return v >= 100 ? Math.round(v).toLocaleString('en') : v.toLocaleString('en', { maximumFractionDigits: 1 });
}
