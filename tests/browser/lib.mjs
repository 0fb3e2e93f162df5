// Shared helpers of the browser tests: launching Debian's Chromium with software WebGL, the
// page's console and network, and a small PNG decoder for comparing screenshots.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

export const BASE = (process.env.JUMEAU_BASE || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const ARTIFACTS = process.env.ARTIFACTS_DIR || path.resolve('artifacts');
export const KEY = process.env.JUMEAU_KEY || '';
export const CHROMIUM = process.env.JUMEAU_CHROMIUM || '/usr/bin/chromium';

// Headless Chromium draws WebGL 2 with SwiftShader (ANGLE on its Vulkan device). Asking for
// it by name keeps Chromium from warning in the page's console about an automatic fallback.
export const CHROMIUM_ARGS = ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Records a page's console messages, page errors and responses. */
export function watch(page) {
  const log = { errors: [], warnings: [], responses: [], foreign: [] };
  const origin = new URL(BASE).origin;
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(m.text());
    else if (m.type() === 'warning') log.warnings.push(m.text());
  });
  page.on('pageerror', (e) => log.errors.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) log.foreign.push(url);
  });
  page.on('response', (r) => log.responses.push({ url: r.url(), status: r.status() }));
  return log;
}

export function ensureDir(dir) {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Decodes an 8-bit, non-interlaced PNG (what Chromium's screenshots are) to RGBA. */
export function decodePNG(buffer) {
  if (buffer.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat = [];
  while (pos < buffer.length) {
    const len = buffer.readUInt32BE(pos);
    const type = buffer.toString('ascii', pos + 4, pos + 8);
    const data = buffer.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      colorType = data[9];
      if (depth !== 8 || data[12] !== 0 || (colorType !== 6 && colorType !== 2)) {
        throw new Error(`unsupported PNG (depth ${depth}, colour type ${colorType}, interlace ${data[12]})`);
      }
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = colorType === 6 ? 4 : 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = v & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      pixels[o] = line[x * channels];
      pixels[o + 1] = line[x * channels + 1];
      pixels[o + 2] = line[x * channels + 2];
      pixels[o + 3] = channels === 4 ? line[x * channels + 3] : 255;
    }
    prev = line;
  }
  return { width, height, pixels };
}

/**
 * How much a picture differs from a plain background: the background is its most frequent
 * colour; returns the share of pixels farther than `tolerance` from it (any channel) and the
 * variance of the luminance.
 */
export function pictureStats(png, tolerance = 24) {
  const { pixels } = png;
  const n = pixels.length / 4;
  const counts = new Map();
  for (let i = 0; i < n; i++) {
    const key = ((pixels[i * 4] >> 2) << 12) | ((pixels[i * 4 + 1] >> 2) << 6) | (pixels[i * 4 + 2] >> 2);
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  let bgKey = 0;
  let best = -1;
  for (const [k, c] of counts) if (c > best) [bgKey, best] = [k, c];
  const bg = [((bgKey >> 12) & 63) << 2, ((bgKey >> 6) & 63) << 2, (bgKey & 63) << 2];
  let off = 0;
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < n; i++) {
    const r = pixels[i * 4];
    const g = pixels[i * 4 + 1];
    const b = pixels[i * 4 + 2];
    if (Math.abs(r - bg[0]) > tolerance || Math.abs(g - bg[1]) > tolerance || Math.abs(b - bg[2]) > tolerance) off++;
    const l = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += l;
    sum2 += l * l;
  }
  const mean = sum / n;
  return { background: bg, foreground: off / n, variance: sum2 / n - mean * mean };
}

/** The share of pixels that differ by more than `tolerance` (any channel) between two pictures. */
export function pictureDiff(a, b, tolerance = 24) {
  if (a.width !== b.width || a.height !== b.height) return 1;
  const n = a.pixels.length / 4;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (
      Math.abs(a.pixels[o] - b.pixels[o]) > tolerance ||
      Math.abs(a.pixels[o + 1] - b.pixels[o + 1]) > tolerance ||
      Math.abs(a.pixels[o + 2] - b.pixels[o + 2]) > tolerance
    ) changed++;
  }
  return changed / n;
}

/** A screenshot of the canvas area of an element (the credits strip at its bottom left out). */
export async function shootScene(page, selector, file) {
  const box = await page.locator(selector).boundingBox();
  const clip = { x: box.x, y: box.y, width: box.width, height: Math.floor(box.height * 0.88) };
  const buffer = await page.screenshot({ path: file, clip });
  return decodePNG(buffer);
}
