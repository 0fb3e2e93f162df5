// Colour ramps for thematic maps: perceptually uniform ramps of matplotlib (viridis, magma,
// plasma, inferno, cividis), each as nine sRGB stops from its start to its end. The same stops
// make the shader's ramp texture and the legend's CSS gradient, so both always agree.

export const RAMPS = {
  viridis: ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'],
  magma: ['#000004', '#1c1044', '#4f127b', '#812581', '#b5367a', '#e55964', '#fb8761', '#fec287', '#fcfdbf'],
  plasma: ['#0d0887', '#4c02a1', '#7e03a8', '#a92395', '#cc4778', '#e56b5d', '#f89441', '#fdc328', '#f0f921'],
  inferno: ['#000004', '#1f0c48', '#550f6d', '#88226a', '#ba3655', '#e35933', '#f98c0a', '#f9c932', '#fcffa4'],
  cividis: ['#00204d', '#00336f', '#39486b', '#575c6d', '#707173', '#8a8779', '#a69d75', '#c4b56c', '#ffea46'],
};

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The ramp's colour at t in [0, 1] as [r, g, b] bytes, linear between its stops. */
export function rampAt(name, t) {
  const stops = RAMPS[name] || RAMPS.viridis;
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  const a = rgb(stops[i]);
  const b = rgb(stops[i + 1]);
  return a.map((v, k) => Math.round(v + (b[k] - v) * f));
}

/** width x 1 RGBA bytes of the ramp, start at the left (the shader's u_ramp). */
export function rampPixels(name, width = 256) {
  const pixels = new Uint8Array(width * 4);
  for (let i = 0; i < width; i++) {
    const [r, g, b] = rampAt(name, i / (width - 1));
    pixels.set([r, g, b, 255], i * 4);
  }
  return pixels;
}

/** A CSS linear-gradient of the ramp, left to right. */
export function rampGradient(name) {
  const stops = RAMPS[name] || RAMPS.viridis;
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
