// The shareable link: the camera, the visible layers, the theme, the sun and the selection,
// kept in the URL's hash (history.replaceState, so the back button is not flooded).
//
// Contract (hash parameters, all optional):
//   cam=lon,lat,height,heading,pitch,roll   degrees and metres
//   layers=id1,id2                          the visible layers (every other one hidden)
//   theme=property,ramp,min,max,tones       e.g. height,viridis,0,40,1
//   sun=YYYY-MM-DD,hour                     shadows on at that date and solar hour
//   sel=collection/fid                      the selected feature
// The API key is never part of it: a shared link opens with the receiver's own key.

const Cesium = window.Cesium;

export function readHash(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state = {};
  const nums = (s) => (s ? s.split(',').map(Number) : null);
  const cam = nums(params.get('cam'));
  if (cam && cam.length === 6 && cam.every(Number.isFinite)) {
    const [lon, lat, height, heading, pitch, roll] = cam;
    state.cam = { lon, lat, height, heading, pitch, roll };
  }
  if (params.has('layers')) state.layers = params.get('layers').split(',').filter(Boolean);
  const theme = params.get('theme');
  if (theme) {
    const [property, ramp, min, max, tones] = theme.split(',');
    state.theme = { property, ramp, min: Number(min), max: Number(max), tones: tones !== '0' };
  }
  const sun = params.get('sun');
  if (sun) {
    const [date, hour] = sun.split(',');
    state.sun = { on: true, date, hour: Number(hour) };
  }
  const sel = params.get('sel');
  if (sel && sel.includes('/')) {
    const i = sel.lastIndexOf('/');
    state.sel = { collection: sel.slice(0, i), id: sel.slice(i + 1) };
  }
  return state;
}

/** Puts the camera where a shared link says, at once. */
export function applyCamera(viewer, cam) {
  viewer.camera.setView({
    destination: Cesium.Cartesian3.fromDegrees(cam.lon, cam.lat, cam.height),
    orientation: {
      heading: Cesium.Math.toRadians(cam.heading),
      pitch: Cesium.Math.toRadians(cam.pitch),
      roll: Cesium.Math.toRadians(cam.roll),
    },
  });
}

export class Share {
  constructor(viewer, { layers, theme, sun, picking, button, status }) {
    Object.assign(this, { viewer, layers, theme, sun, picking, status });
    this.enabled = false;
    const later = () => this.schedule();
    viewer.camera.moveEnd.addEventListener(later);
    layers.onChange(later);
    theme.onChange(later);
    sun.onChange(later);
    picking.onSelect(later);
    button.addEventListener('click', () => this.copy());
  }

  /** Starts writing the hash (after a shared state has been applied). */
  start() {
    this.enabled = true;
    this.write();
  }

  schedule() {
    if (!this.enabled) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.write(), 250);
  }

  hash() {
    const { camera } = this.viewer;
    const c = camera.positionCartographic;
    const deg = Cesium.Math.toDegrees;
    const cam = [
      deg(c.longitude).toFixed(6),
      deg(c.latitude).toFixed(6),
      c.height.toFixed(1),
      (((Math.round(deg(camera.heading) * 10) / 10) % 360) + 360) % 360,
      deg(camera.pitch).toFixed(1),
      ((((Math.round(deg(camera.roll) * 10) / 10 + 180) % 360) + 360) % 360) - 180,
    ].join(',');
    const parts = [`cam=${cam}`];
    if (this.layers.layers.length) parts.push(`layers=${this.layers.visibleIds().map(encodeURIComponent).join(',')}`);
    const t = this.theme.state;
    parts.push(`theme=${[t.property, t.ramp, round(t.min), round(t.max), t.tones ? 1 : 0].join(',')}`);
    if (this.sun.state.on) parts.push(`sun=${this.sun.state.date},${this.sun.state.hour}`);
    const sel = this.picking.selection;
    if (sel) parts.push(`sel=${encodeURIComponent(sel.collection)}/${encodeURIComponent(sel.id)}`);
    return `#${parts.join('&')}`;
  }

  write() {
    const hash = this.hash();
    if (hash !== location.hash) history.replaceState(null, '', hash);
  }

  async copy() {
    this.write();
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      this.status.textContent = 'Link copied.';
    } catch {
      // No clipboard (plain http on another host): show the link to copy by hand.
      window.prompt('Copy this link:', url);
      this.status.textContent = '';
    }
    setTimeout(() => (this.status.textContent = ''), 3000);
  }
}

function round(v) {
  return Number(Number(v).toFixed(2));
}
