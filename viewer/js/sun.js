// Sun and shadows for a chosen date and hour.
//
// Contract: the hour is local solar time at the centre of the view (UTC + longitude / 15 h):
// noon is when the sun is highest there, whatever the time zone, so no time-zone table is
// needed offline. The clock is fixed (not animated) at that instant; the sun's light and the
// shadows of the buildings follow it. With shadows off, the same instant still lights the
// scene, so the picture does not depend on when the page was opened.

const Cesium = window.Cesium;

export class Sun {
  constructor(viewer, { toggle, date, hour, output }) {
    this.viewer = viewer;
    this.toggle = toggle;
    this.dateInput = date;
    this.hourInput = hour;
    this.output = output;
    this.listeners = new Set();
    const today = new Date();
    this.state = { on: false, date: isoDate(today), hour: 11 };
    viewer.clock.shouldAnimate = false;
    viewer.shadowMap.softShadows = false;
    viewer.shadowMap.darkness = 0.45;
    viewer.shadowMap.maximumDistance = 3000;
    toggle.addEventListener('change', () => this.set({ on: toggle.checked }));
    date.addEventListener('change', () => this.set({ date: date.value }));
    hour.addEventListener('input', () => this.set({ hour: Number(hour.value) }));
    // The solar hour depends on where the view is.
    viewer.camera.moveEnd.addEventListener(() => this.apply());
    this.syncInputs();
  }

  onChange(fn) {
    this.listeners.add(fn);
  }

  set(partial) {
    const next = { ...this.state, ...partial };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(next.date)) next.date = this.state.date;
    next.hour = Math.min(Math.max(Number(next.hour) || 0, 0), 24);
    this.state = next;
    this.syncInputs();
    this.apply();
    for (const fn of this.listeners) fn(this.state);
  }

  syncInputs() {
    this.toggle.checked = this.state.on;
    this.dateInput.value = this.state.date;
    this.hourInput.value = String(this.state.hour);
    const h = Math.floor(this.state.hour);
    const m = Math.round((this.state.hour - h) * 60);
    this.output.textContent = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
  }

  /** The instant of the chosen date and solar hour at a longitude (degrees). */
  instant(longitude) {
    const [y, mo, d] = this.state.date.split('-').map(Number);
    const utcHours = this.state.hour - longitude / 15;
    return Cesium.JulianDate.fromDate(new Date(Date.UTC(y, mo - 1, d) + utcHours * 3600e3));
  }

  apply() {
    const { viewer } = this;
    const centre = viewCentre(viewer);
    viewer.clock.currentTime = this.instant(centre ? centre.longitude : 0);
    viewer.shadows = this.state.on;
    viewer.scene.globe.enableLighting = this.state.on;
    viewer.scene.requestRender();
  }
}

/** The point of the ground at the centre of the view (degrees), or null when it is the sky. */
export function viewCentre(viewer) {
  const { scene, camera } = viewer;
  const canvas = scene.canvas;
  const centre = new Cesium.Cartesian2(canvas.clientWidth / 2, canvas.clientHeight / 2);
  const ray = camera.getPickRay(centre);
  const hit = ray && (scene.globe.pick(ray, scene) || camera.pickEllipsoid(centre));
  if (!hit) return null;
  const c = Cesium.Cartographic.fromCartesian(hit);
  return { longitude: Cesium.Math.toDegrees(c.longitude), latitude: Cesium.Math.toDegrees(c.latitude) };
}

function isoDate(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}
