// Checks a 3D Tiles 1.1 tileset the way a careful client would, walking the whole tree:
//   node check_3dtiles.mjs TILESET [--validate] [--max-tiles N] [--list-features CONTENT_URI] [--json]
// TILESET is an http(s) URL or a file path of a tileset.json. Every fault is printed as
// "FAULT <tile path>: <message>" (warnings "WARN", notices "NOTE"), then one summary line of
// JSON; with --json everything is one JSON document instead. Exit status 1 when any fault.
//
// What it checks (the reasons are in the comments of each part):
//  - asset.version "1.1" or "1.0"; geometric errors are non-negative numbers, strictly
//    decreasing from parent to child, no children below a 0-error tile, and the tileset's
//    geometricError >= its root's;
//  - refine set on each tileset root (ADD or REPLACE), inherited below (counted);
//  - every URI resolves (HTTP 200 or an existing file; 204 is a fault for content);
//  - bounding volumes (region, box, sphere, with tile.transform chains): each child inside its
//    parent (a fault for region in region, a warning otherwise) and every content vertex
//    inside its tile's volume and content.boundingVolume (0.05 m tolerance);
//  - GLB content: header and chunks, 8-byte alignment of chunks and buffer views, positions
//    through node transforms, the y-up to z-up turn and the tile transforms, with
//    KHR_mesh_quantization and EXT_meshopt_compression;
//  - --validate: the Khronos glTF validator on every GLB (errors and warnings are faults);
//  - --list-features URI: that content's EXT_mesh_features ids and EXT_structural_metadata
//    property table, one JSON line per feature with its vertex count and geodetic bbox.
// External tilesets (content ending .json) are walked in place: their root stands for the
// referencing tile. Implicit tiling is only noticed, not checked.
import fs from 'node:fs/promises';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { MeshoptDecoder } from 'meshoptimizer/decoder';

const USAGE = 'usage: node check_3dtiles.mjs TILESET [--validate] [--max-tiles N] ' +
              '[--list-features CONTENT_URI] [--json]';

// Tolerances. Region-in-region containment is exact data (bounds written by the tiler), so
// its tolerance is tiny; vertices are float32 offsets, hence a few centimetres.
const REGION_TOL_RAD = 1e-9;
const REGION_TOL_M = 0.01;
const CHILD_VOLUME_TOL_M = 0.01;
const VERTEX_TOL_M = 0.05;

// ---------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const opts = { tileset: null, validate: false, maxTiles: 100000, listFeatures: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--validate') opts.validate = true;
    else if (a === '--json') opts.json = true;
    else if (a === '--max-tiles') {
      opts.maxTiles = Number(argv[++i]);
      if (!Number.isInteger(opts.maxTiles) || opts.maxTiles < 1) throw new Error('--max-tiles needs a positive integer');
    } else if (a === '--list-features') {
      opts.listFeatures = argv[++i];
      if (!opts.listFeatures) throw new Error('--list-features needs a content URI');
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (opts.tileset === null) opts.tileset = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (opts.tileset === null) throw new Error('no TILESET given');
  return opts;
}

// A URL for the tileset argument: http(s) URLs as they are, anything else a file path.
function tilesetUrl(arg) {
  if (/^(https?|file):\/\//i.test(arg)) return new URL(arg);
  return pathToFileURL(arg);
}

// ---------------------------------------------------------------------------------------
// Report: faults make the exit status 1; warnings and notices are only printed.

class Report {
  constructor(json) {
    this.json = json; // collect for one document instead of printing lines
    this.faults = [];
    this.warnings = [];
    this.notices = [];
    this.featureList = [];
  }
  #add(list, label, path, message) {
    list.push({ path, message });
    if (!this.json) console.log(`${label} ${path}: ${message}`);
  }
  fault(path, message) { this.#add(this.faults, 'FAULT', path, message); }
  warn(path, message) { this.#add(this.warnings, 'WARN', path, message); }
  note(path, message) { this.#add(this.notices, 'NOTE', path, message); }
  feature(row) {
    this.featureList.push(row);
    if (!this.json) console.log(JSON.stringify(row));
  }
}

// ---------------------------------------------------------------------------------------
// Loading: one function for http(s) and file URLs, returning the status rather than
// throwing so that the caller can word the fault.

async function load(url) {
  if (url.protocol === 'file:') {
    try {
      return { status: 200, bytes: await fs.readFile(fileURLToPath(url)) };
    } catch (e) {
      return { error: e.code === 'ENOENT' ? 'file not found' : e.message };
    }
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(60000) });
      return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
    } catch (e) {
      return { error: `request failed: ${e.cause?.message ?? e.message}` };
    }
  }
  if (url.protocol === 'data:') {
    const m = /^data:[^,]*?(;base64)?,(.*)$/s.exec(url.href);
    if (!m) return { error: 'bad data URI' };
    const bytes = m[1] ? Buffer.from(m[2], 'base64') : Buffer.from(decodeURIComponent(m[2]));
    return { status: 200, bytes };
  }
  return { error: `unsupported URL scheme ${url.protocol}` };
}

// Why a load is not usable, or null. Only 200 counts: a 204 has no body, which for content
// means a tile that promised content and has none.
function loadProblem(res) {
  if (res.error) return res.error;
  if (res.status === 204) return 'HTTP 204 (no content)';
  if (res.status !== 200) return `HTTP ${res.status}`;
  if (res.bytes.length === 0) return 'empty body';
  return null;
}

// ---------------------------------------------------------------------------------------
// Matrices (4x4, column-major as in glTF and 3D Tiles) and vectors.

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
// glTF is y-up, 3D Tiles z-up: a client turns glTF (x, y, z) into (x, -z, y).
const Y_UP_TO_Z_UP = [1, 0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 0, 0, 1];

function mul4(a, b) {
  const out = new Array(16);
  for (let c = 0; c < 4; c++)
    for (let r = 0; r < 4; r++)
      out[c * 4 + r] = a[r] * b[c * 4] + a[4 + r] * b[c * 4 + 1] + a[8 + r] * b[c * 4 + 2] + a[12 + r] * b[c * 4 + 3];
  return out;
}

function applyPoint(m, x, y, z) {
  return [m[0] * x + m[4] * y + m[8] * z + m[12], m[1] * x + m[5] * y + m[9] * z + m[13],
          m[2] * x + m[6] * y + m[10] * z + m[14]];
}

function applyVector(m, [x, y, z]) {
  return [m[0] * x + m[4] * y + m[8] * z, m[1] * x + m[5] * y + m[9] * z, m[2] * x + m[6] * y + m[10] * z];
}

function translation([x, y, z]) { return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1]; }

const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const norm = (a) => Math.sqrt(dot(a, a));
const scaled = (a, s) => [a[0] * s, a[1] * s, a[2] * s];

function isNumberArray(a, n) {
  return Array.isArray(a) && a.length === n && a.every(Number.isFinite);
}

// A glTF node's local matrix: `matrix`, or translation * rotation * scale.
function nodeMatrix(node) {
  if (node.matrix) return node.matrix.slice();
  const [tx, ty, tz] = node.translation ?? [0, 0, 0];
  const [x, y, z, w] = node.rotation ?? [0, 0, 0, 1];
  const [sx, sy, sz] = node.scale ?? [1, 1, 1];
  return [
    (1 - 2 * (y * y + z * z)) * sx, 2 * (x * y + z * w) * sx, 2 * (x * z - y * w) * sx, 0,
    2 * (x * y - z * w) * sy, (1 - 2 * (x * x + z * z)) * sy, 2 * (y * z + x * w) * sy, 0,
    2 * (x * z + y * w) * sz, 2 * (y * z - x * w) * sz, (1 - 2 * (x * x + y * y)) * sz, 0,
    tx, ty, tz, 1,
  ];
}

// ---------------------------------------------------------------------------------------
// WGS84 ellipsoid: regions are in geodetic radians and metres, content in ECEF (EPSG:4978).

const WGS84_A = 6378137.0;
const WGS84_F = 1 / 298.257223563;
const WGS84_E2 = WGS84_F * (2 - WGS84_F);

function geodeticToEcef(lon, lat, h) {
  const s = Math.sin(lat), c = Math.cos(lat);
  const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * s * s);
  return [(n + h) * c * Math.cos(lon), (n + h) * c * Math.sin(lon), (n * (1 - WGS84_E2) + h) * s];
}

// ECEF to geodetic [lon, lat, h] (radians, metres). Fixed-point iteration on latitude,
// lat = atan2(z + e2 N sin(lat), p), from Bowring's start; it gains about three digits per
// step (e2 ~ 0.0067), so five steps are far below a millimetre from the surface to well
// above any building (checked against PROJ's cs2cs to 1e-10 degree). The height formula
// h = p cos(lat) + z sin(lat) - a sqrt(1 - e2 sin^2(lat)) stays exact at the poles.
function ecefToGeodetic(x, y, z) {
  const p = Math.hypot(x, y);
  const lon = Math.atan2(y, x);
  let lat = Math.atan2(z, p * (1 - WGS84_E2));
  for (let i = 0; i < 5; i++) {
    const s = Math.sin(lat);
    const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * s * s);
    lat = Math.atan2(z + WGS84_E2 * n * s, p);
  }
  const s = Math.sin(lat);
  const h = p * Math.cos(lat) + z * s - WGS84_A * Math.sqrt(1 - WGS84_E2 * s * s);
  return [lon, lat, h];
}

const TWO_PI = 2 * Math.PI;
const mod2pi = (a) => ((a % TWO_PI) + TWO_PI) % TWO_PI;
const deg = (r) => r * 180 / Math.PI;

// ---------------------------------------------------------------------------------------
// Bounding volumes, normalised to
//   {type: 'region', west, south, east, north, minH, maxH, width}   (width: east - west, wrapped)
//   {type: 'box', center, axes, cols, half, inv}                    (ECEF, after transforms)
//   {type: 'sphere', center, radius}                                (ECEF, after transforms)
// Regions ignore transforms (they are geodetic by definition).

function parseBoundingVolume(bv, world) {
  if (!bv || typeof bv !== 'object') return { error: 'missing boundingVolume' };
  const kinds = ['region', 'box', 'sphere'].filter((k) => bv[k] !== undefined);
  if (kinds.length === 0) {
    const ext = Object.keys(bv.extensions ?? {});
    return ext.length ? { unsupported: ext.join(', ') } : { error: 'boundingVolume has no region, box or sphere' };
  }
  const kind = kinds[0];
  const v = bv[kind];
  if (kind === 'region') {
    if (!isNumberArray(v, 6)) return { error: 'region is not 6 numbers' };
    const [west, south, east, north, minH, maxH] = v;
    const e = 1e-12; // radians written from degrees may land a hair outside
    if (west < -Math.PI - e || west > Math.PI + e || east < -Math.PI - e || east > Math.PI + e)
      return { error: `region longitudes [${west}, ${east}] outside [-pi, pi]` };
    if (south < -Math.PI / 2 - e || north > Math.PI / 2 + e || south > north)
      return { error: `region latitudes [${south}, ${north}] not ordered within [-pi/2, pi/2]` };
    if (minH > maxH) return { error: `region heights ${minH} > ${maxH}` };
    // east < west means the region crosses the antimeridian.
    const width = east >= west ? east - west : east - west + TWO_PI;
    return { vol: { type: 'region', west, south, east, north, minH, maxH, width }, extra: kinds.slice(1) };
  }
  if (kind === 'box') {
    if (!isNumberArray(v, 12)) return { error: 'box is not 12 numbers' };
    const center = applyPoint(world, v[0], v[1], v[2]);
    const axes = [0, 1, 2].map((i) => applyVector(world, v.slice(3 + 3 * i, 6 + 3 * i)));
    const box = prepareBox(center, axes);
    return box ? { vol: box, extra: kinds.slice(1) } : { error: 'box half-axes are degenerate (coplanar)' };
  }
  if (!isNumberArray(v, 4) || v[3] < 0) return { error: 'sphere is not 4 numbers with a non-negative radius' };
  const center = applyPoint(world, v[0], v[1], v[2]);
  // A transform may scale: the radius grows by the largest axis scale.
  const s = Math.max(...[0, 1, 2].map((i) => norm(world.slice(4 * i, 4 * i + 3))));
  return { vol: { type: 'sphere', center, radius: v[3] * s }, extra: kinds.slice(1) };
}

// Readies a box for point tests: p = center + cols * t, solved with the inverse of cols.
// Flat boxes (a zero half-axis, common for flat ground tiles) get a unit column in the
// missing direction with half-length 0, so |t| along it is a distance in metres.
function prepareBox(center, axes) {
  const half = axes.map(norm);
  const cols = axes.map((a) => a.slice());
  const zero = half.map((l) => l < 1e-9);
  const live = [0, 1, 2].filter((i) => !zero[i]);
  const unit = (a) => scaled(a, 1 / norm(a));
  if (live.length === 0) { cols[0] = [1, 0, 0]; cols[1] = [0, 1, 0]; cols[2] = [0, 0, 1]; }
  else if (live.length === 1) {
    const u = cols[live[0]];
    const other = Math.abs(u[0]) < 0.9 * norm(u) ? [1, 0, 0] : [0, 1, 0];
    const p1 = unit(cross(u, other)), p2 = unit(cross(u, p1));
    const [i, j] = [0, 1, 2].filter((k) => zero[k]);
    cols[i] = p1; cols[j] = p2;
  } else if (live.length === 2) {
    const c = cross(cols[live[0]], cols[live[1]]);
    if (norm(c) < 1e-12 * half[live[0]] * half[live[1]]) return null;
    cols[[0, 1, 2].find((k) => zero[k])] = unit(c);
  }
  for (let i = 0; i < 3; i++) if (zero[i]) half[i] = 0;
  const r0 = cross(cols[1], cols[2]), r1 = cross(cols[2], cols[0]), r2 = cross(cols[0], cols[1]);
  const det = dot(cols[0], r0);
  if (Math.abs(det) < 1e-12 * norm(cols[0]) * norm(cols[1]) * norm(cols[2])) return null;
  const inv = [scaled(r0, 1 / det), scaled(r1, 1 / det), scaled(r2, 1 / det)];
  return { type: 'box', center, axes, cols, half, inv };
}

// How far (metres) an ECEF point lies outside a volume; 0 or less means inside.
function excess(vol, p) {
  if (vol.type === 'sphere') return norm(sub(p, vol.center)) - vol.radius;
  if (vol.type === 'box') {
    const d = sub(p, vol.center);
    let worst = -Infinity;
    for (let i = 0; i < 3; i++) {
      const t = dot(vol.inv[i], d);
      worst = Math.max(worst, Math.abs(t) * norm(vol.cols[i]) - vol.half[i]);
    }
    return worst;
  }
  return regionExcess(vol, ecefToGeodetic(p[0], p[1], p[2]));
}

// Region excess in metres: the angular overshoot is turned into metres with the ellipsoid's
// radii of curvature at the point (meridian for latitude, the parallel for longitude), which
// converts the metre tolerance correctly at every latitude (the parallel shrinks to 0 at the
// poles, where any longitude is within tolerance).
function regionExcess(r, [lon, lat, h]) {
  const s = Math.sin(lat);
  const w = Math.sqrt(1 - WGS84_E2 * s * s);
  const n = WGS84_A / w;
  const m = WGS84_A * (1 - WGS84_E2) / (w * w * w);
  const dLat = Math.max(r.south - lat, lat - r.north, 0) * (m + h);
  const d = mod2pi(lon - r.west);
  const lonOut = d <= r.width ? 0 : Math.min(d - r.width, TWO_PI - d);
  const dLon = lonOut * Math.max((n + h) * Math.cos(lat), 0);
  const dH = Math.max(r.minH - h, h - r.maxH, 0);
  return Math.max(dLat, dLon, dH);
}

// Points that stand for a volume when testing it inside another: a box's corners, points
// on a sphere, a grid over a region's top and bottom. Exact for boxes in convex parents;
// a sample otherwise, which is why mixed-type containment is only a warning.
function samplePoints(vol) {
  if (vol.type === 'box') {
    const pts = [];
    for (const a of [-1, 1]) for (const b of [-1, 1]) for (const c of [-1, 1])
      pts.push([0, 1, 2].map((k) => vol.center[k] + a * vol.axes[0][k] + b * vol.axes[1][k] + c * vol.axes[2][k]));
    return pts;
  }
  if (vol.type === 'sphere') {
    const dirs = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]];
    for (const a of [-1, 1]) for (const b of [-1, 1]) for (const c of [-1, 1])
      dirs.push(scaled([a, b, c], 1 / Math.sqrt(3)));
    return dirs.map((d) => [0, 1, 2].map((k) => vol.center[k] + d[k] * vol.radius));
  }
  const pts = [];
  for (let i = 0; i <= 4; i++)
    for (let j = 0; j <= 4; j++)
      for (const h of [vol.minH, vol.maxH])
        pts.push(geodeticToEcef(vol.west + vol.width * i / 4, vol.south + (vol.north - vol.south) * j / 4, h));
  return pts;
}

// Region inside region, on the bounds themselves (both geodetic): null or why not.
function regionInRegion(c, p) {
  const why = [];
  if (c.south < p.south - REGION_TOL_RAD) why.push(`south ${c.south} < ${p.south}`);
  if (c.north > p.north + REGION_TOL_RAD) why.push(`north ${c.north} > ${p.north}`);
  if (c.minH < p.minH - REGION_TOL_M) why.push(`minH ${c.minH} < ${p.minH}`);
  if (c.maxH > p.maxH + REGION_TOL_M) why.push(`maxH ${c.maxH} > ${p.maxH}`);
  // Longitudes measured from the parent's west edge, eastwards, so that regions crossing the
  // antimeridian compare like any other; a west edge a hair west of the parent's is kept
  // negative rather than wrapped to almost 2 pi.
  let d = mod2pi(c.west - p.west);
  if (d > TWO_PI - REGION_TOL_RAD) d -= TWO_PI;
  if (d < -REGION_TOL_RAD || d > p.width + REGION_TOL_RAD) why.push(`west ${c.west} outside [${p.west}, ${p.east}]`);
  else if (d + c.width > p.width + REGION_TOL_RAD) why.push(`east ${c.east} outside [${p.west}, ${p.east}]`);
  return why.length ? why.join(', ') : null;
}

// Checks a child volume against its parent's: a fault for region in region, else a warning.
function checkChildVolume(child, parent, path, report) {
  if (!child || !parent) return;
  if (child.type === 'region' && parent.type === 'region') {
    const why = regionInRegion(child, parent);
    if (why) report.fault(path, `region not inside the parent's region: ${why}`);
    return;
  }
  if (child.type === 'sphere' && parent.type === 'sphere') {
    // Exact for spheres: the centre distance plus the child's radius.
    const over = norm(sub(child.center, parent.center)) + child.radius - parent.radius;
    if (over > CHILD_VOLUME_TOL_M) report.warn(path, `sphere not inside the parent's sphere (by ${over.toFixed(3)} m)`);
    return;
  }
  let worst = 0;
  for (const pt of samplePoints(child)) worst = Math.max(worst, excess(parent, pt));
  if (worst > CHILD_VOLUME_TOL_M)
    report.warn(path, `${child.type} not inside the parent's ${parent.type} (by up to ${worst.toFixed(3)} m at sampled points)`);
}

// ---------------------------------------------------------------------------------------
// GLB and glTF reading.

const GLB_MAGIC = 0x46546c67; // 'glTF'
const CHUNK_JSON = 0x4e4f534a;
const CHUNK_BIN = 0x004e4942;

// Splits a GLB into its JSON and BIN chunk. Layout faults that a loader survives are pushed
// to `faults`; those it cannot survive throw.
function parseGlb(bytes, faults) {
  if (bytes.length < 20) throw new Error(`${bytes.length} bytes: too short for a GLB`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== GLB_MAGIC) throw new Error('not a GLB (bad magic)');
  const version = dv.getUint32(4, true);
  if (version !== 2) throw new Error(`GLB version ${version}, expected 2`);
  const length = dv.getUint32(8, true);
  if (length > bytes.length) throw new Error(`GLB header says ${length} bytes, only ${bytes.length} received`);
  if (length < bytes.length) faults.push(`GLB header says ${length} bytes but ${bytes.length} were received`);
  const chunks = [];
  for (let off = 12; off < length;) {
    if (off + 8 > length) throw new Error(`truncated chunk header at byte ${off}`);
    const clen = dv.getUint32(off, true), ctype = dv.getUint32(off + 4, true);
    if (off + 8 + clen > length) throw new Error(`chunk at byte ${off} runs past the end`);
    // The JSON chunk always starts at byte 12 (the header's size); every later chunk must
    // start on an 8-byte boundary so that its buffer views can be 8-byte aligned in memory
    // (3D Tiles asks for it; float64 and int64 property columns need it). The chunk header
    // is 8 bytes, so its data is aligned exactly when its header is.
    if (chunks.length > 0 && off % 8 !== 0)
      faults.push(`chunk ${chunks.length} (${ctype === CHUNK_BIN ? 'BIN' : '0x' + ctype.toString(16)}) starts at byte ${off}, not on an 8-byte boundary`);
    if (clen % 4 !== 0) faults.push(`chunk ${chunks.length} length ${clen} is not a multiple of 4`);
    chunks.push({ type: ctype, data: bytes.subarray(off + 8, off + 8 + clen) });
    off += 8 + clen;
  }
  if (chunks.length === 0 || chunks[0].type !== CHUNK_JSON) throw new Error('first chunk is not JSON');
  const json = JSON.parse(new TextDecoder().decode(chunks[0].data));
  const bin = chunks.length > 1 && chunks[1].type === CHUNK_BIN ? chunks[1].data : null;
  return { json, bin };
}

// componentType: [bytes, DataView getter, max for normalisation (0: float)]
const COMPONENTS = {
  5120: [1, 'getInt8', 127], 5121: [1, 'getUint8', 255],
  5122: [2, 'getInt16', 32767], 5123: [2, 'getUint16', 65535],
  5125: [4, 'getUint32', 4294967295], 5126: [4, 'getFloat32', 0],
};
const COMPONENT_COUNTS = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4, MAT2: 4, MAT3: 9, MAT4: 16 };
const MESHOPT_EXTENSIONS = ['EXT_meshopt_compression', 'KHR_meshopt_compression'];

// A glTF asset's buffers, buffer views (meshopt-decoded where compressed) and accessors.
class Gltf {
  constructor(json, bin, url) {
    this.json = json;
    this.bin = bin;
    this.url = url;
    this.buffers = [];
    this.views = new Map();
  }

  // Buffer 0 without uri is the BIN chunk; others are data: or relative URIs. A meshopt
  // fallback buffer has no bytes at all (only compressed views point into real buffers).
  async loadBuffers() {
    for (const [i, b] of (this.json.buffers ?? []).entries()) {
      const fallback = MESHOPT_EXTENSIONS.some((e) => b.extensions?.[e]?.fallback);
      if (b.uri === undefined) {
        if (i === 0 && this.bin) this.buffers.push(this.bin);
        else if (fallback) this.buffers.push(null);
        else throw new Error(`buffer ${i} has no uri and no BIN chunk`);
        continue;
      }
      const res = await load(new URL(b.uri, this.url));
      const why = loadProblem(res);
      if (why) throw new Error(`buffer ${i} (${b.uri.slice(0, 60)}): ${why}`);
      this.buffers.push(res.bytes);
    }
  }

  // Layout faults of the buffer views: each must start on an 8-byte boundary (so the
  // accessors in it can be read in place with typed arrays) and end inside its buffer.
  viewFaults() {
    const faults = [];
    for (const [i, bv] of (this.json.bufferViews ?? []).entries()) {
      const off = bv.byteOffset ?? 0;
      if (off % 8 !== 0) faults.push(`bufferView ${i} byteOffset ${off} is not a multiple of 8`);
      const buf = this.json.buffers?.[bv.buffer];
      if (!buf) faults.push(`bufferView ${i} refers to missing buffer ${bv.buffer}`);
      else if (off + bv.byteLength > buf.byteLength)
        faults.push(`bufferView ${i} [${off}, ${off + bv.byteLength}) runs past buffer ${bv.buffer} (${buf.byteLength} bytes)`);
    }
    return faults;
  }

  // {bytes, stride} of a buffer view; EXT_meshopt_compression views are decoded with the
  // meshoptimizer package (the reference decoder) into count * byteStride bytes.
  view(i) {
    if (this.views.has(i)) return this.views.get(i);
    const bv = this.json.bufferViews?.[i];
    if (!bv) throw new Error(`bufferView ${i} does not exist`);
    let out;
    const mo = MESHOPT_EXTENSIONS.map((e) => bv.extensions?.[e]).find(Boolean);
    if (mo) {
      const src = this.buffers[mo.buffer];
      if (!src) throw new Error(`bufferView ${i}: meshopt source buffer ${mo.buffer} has no data`);
      const off = mo.byteOffset ?? 0;
      if (off + mo.byteLength > src.length) throw new Error(`bufferView ${i}: meshopt data runs past buffer ${mo.buffer}`);
      const target = new Uint8Array(mo.count * mo.byteStride);
      MeshoptDecoder.decodeGltfBuffer(target, mo.count, mo.byteStride, src.subarray(off, off + mo.byteLength),
                                      mo.mode, mo.filter ?? 'NONE');
      out = { bytes: target, stride: bv.byteStride ?? mo.byteStride };
    } else {
      const buf = this.buffers[bv.buffer];
      if (!buf) throw new Error(`bufferView ${i}: buffer ${bv.buffer} has no data`);
      const off = bv.byteOffset ?? 0;
      if (off + bv.byteLength > buf.length) throw new Error(`bufferView ${i} runs past its buffer`);
      out = { bytes: buf.subarray(off, off + bv.byteLength), stride: bv.byteStride };
    }
    this.views.set(i, out);
    return out;
  }

  // An accessor's values as a Float64Array of count * components, dequantised when
  // `normalized` (KHR_mesh_quantization's BYTE/SHORT/UNSIGNED_* positions), sparse applied.
  accessor(i) {
    const acc = this.json.accessors?.[i];
    if (!acc) throw new Error(`accessor ${i} does not exist`);
    const comp = COMPONENTS[acc.componentType];
    const n = COMPONENT_COUNTS[acc.type];
    if (!comp || !n) throw new Error(`accessor ${i}: unsupported componentType ${acc.componentType} / type ${acc.type}`);
    const out = new Float64Array(acc.count * n);
    if (acc.bufferView !== undefined) {
      const v = this.view(acc.bufferView);
      readElements(v.bytes, acc.byteOffset ?? 0, v.stride || comp[0] * n, acc.count, n, comp, out, `accessor ${i}`);
    }
    if (acc.sparse) this.#applySparse(acc, n, comp, out, i);
    if (acc.normalized && comp[2]) {
      const signed = acc.componentType === 5120 || acc.componentType === 5122;
      for (let k = 0; k < out.length; k++) out[k] = signed ? Math.max(out[k] / comp[2], -1) : out[k] / comp[2];
    }
    return { values: out, count: acc.count, n };
  }

  #applySparse(acc, n, comp, out, i) {
    const s = acc.sparse;
    const icomp = COMPONENTS[s.indices.componentType];
    const idx = new Float64Array(s.count);
    const iv = this.view(s.indices.bufferView);
    readElements(iv.bytes, s.indices.byteOffset ?? 0, icomp[0], s.count, 1, icomp, idx, `accessor ${i} sparse indices`);
    const vals = new Float64Array(s.count * n);
    const vv = this.view(s.values.bufferView);
    readElements(vv.bytes, s.values.byteOffset ?? 0, comp[0] * n, s.count, n, comp, vals, `accessor ${i} sparse values`);
    for (let k = 0; k < s.count; k++) {
      if (idx[k] >= acc.count) throw new Error(`accessor ${i}: sparse index ${idx[k]} >= count`);
      for (let c = 0; c < n; c++) out[idx[k] * n + c] = vals[k * n + c];
    }
  }
}

// Reads `count` elements of `n` components from a view (little-endian, as glTF mandates).
function readElements(bytes, offset, stride, count, n, [size, getter], out, what) {
  if (count > 0 && offset + stride * (count - 1) + size * n > bytes.length)
    throw new Error(`${what}: ${count} elements from byte ${offset} (stride ${stride}) run past its view (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < count; k++)
    for (let c = 0; c < n; c++) out[k * n + c] = dv[getter](offset + k * stride + c * size, true);
}

// The mesh instances of the default scene with their world matrices (node hierarchy).
function meshInstances(json) {
  const nodes = json.nodes ?? [];
  let roots = json.scenes?.[json.scene ?? 0]?.nodes;
  if (!roots) { // no scene: every node that is nobody's child
    const child = new Set(nodes.flatMap((n) => n.children ?? []));
    roots = nodes.map((_, i) => i).filter((i) => !child.has(i));
  }
  const out = [];
  const visit = (i, parent, seen) => {
    const node = nodes[i];
    if (!node || seen.has(i)) return; // a cycle is invalid glTF; the validator reports it
    const m = mul4(parent, nodeMatrix(node));
    if (node.mesh !== undefined) out.push({ node: i, mesh: node.mesh, matrix: m, instanced: !!node.extensions?.EXT_mesh_gpu_instancing });
    for (const c of node.children ?? []) visit(c, m, new Set([...seen, i]));
  };
  for (const r of roots) visit(r, IDENTITY, new Set());
  return out;
}

// Every primitive instance with its POSITION vertices in ECEF:
// tile transform chain * [CESIUM_RTC centre] * y-up-to-z-up * node world matrix * position.
function primitivesInEcef(gltf, tileWorld, note) {
  const rtc = gltf.json.extensions?.CESIUM_RTC?.center; // legacy, still honoured by clients
  const base = mul4(rtc ? mul4(tileWorld, translation(rtc)) : tileWorld, Y_UP_TO_Z_UP);
  const out = [];
  for (const inst of meshInstances(gltf.json)) {
    if (inst.instanced) { note(`node ${inst.node}: EXT_mesh_gpu_instancing not applied; its vertices are not checked`); continue; }
    const m = mul4(base, inst.matrix);
    for (const [pi, prim] of (gltf.json.meshes?.[inst.mesh]?.primitives ?? []).entries()) {
      if (prim.attributes?.POSITION === undefined) continue;
      const pos = gltf.accessor(prim.attributes.POSITION);
      if (pos.n !== 3) throw new Error(`mesh ${inst.mesh} primitive ${pi}: POSITION is not VEC3`);
      const ecef = new Float64Array(pos.count * 3);
      for (let k = 0; k < pos.count; k++) {
        const p = applyPoint(m, pos.values[3 * k], pos.values[3 * k + 1], pos.values[3 * k + 2]);
        ecef[3 * k] = p[0]; ecef[3 * k + 1] = p[1]; ecef[3 * k + 2] = p[2];
      }
      out.push({ mesh: inst.mesh, index: pi, prim, ecef, count: pos.count });
    }
  }
  return out;
}

// Vertices outside a volume (`what`, for the message): null or a one-line description.
function verticesOutside(prims, vol, what) {
  let total = 0, outside = 0, worst = 0, first = null;
  for (const p of prims) {
    for (let k = 0; k < p.count; k++) {
      total++;
      const v = [p.ecef[3 * k], p.ecef[3 * k + 1], p.ecef[3 * k + 2]];
      const e = excess(vol, v);
      if (e > VERTEX_TOL_M) {
        outside++;
        if (e > worst) { worst = e; first = v; }
      }
    }
  }
  if (!outside) return null;
  const [lon, lat, h] = ecefToGeodetic(...first);
  return `${outside} of ${total} vertices lie outside ${what} ${vol.type} by up to ${worst.toFixed(3)} m ` +
         `(worst at lon ${deg(lon).toFixed(7)}, lat ${deg(lat).toFixed(7)}, h ${h.toFixed(2)})`;
}

// ---------------------------------------------------------------------------------------
// EXT_mesh_features and EXT_structural_metadata (for --list-features and the summary).

// The number of features of a content: the largest featureCount of its primitives' first
// feature id set (the set our tiler writes and clients pick by default).
function contentFeatureCount(json) {
  let count = 0;
  for (const mesh of json.meshes ?? [])
    for (const prim of mesh.primitives ?? [])
      count = Math.max(count, prim.extensions?.EXT_mesh_features?.featureIds?.[0]?.featureCount ?? 0);
  return count;
}

// Feature ids of one primitive per vertex, or null when they are not per vertex.
function featureIdsOf(gltf, prim, set, count) {
  if (set.attribute !== undefined) {
    const a = prim.attributes?.[`_FEATURE_ID_${set.attribute}`];
    if (a === undefined) throw new Error(`attribute _FEATURE_ID_${set.attribute} missing`);
    const ids = gltf.accessor(a);
    if (ids.count !== count) throw new Error(`_FEATURE_ID_${set.attribute} has ${ids.count} values for ${count} vertices`);
    return ids.values;
  }
  if (set.texture !== undefined) return null;
  return Float64Array.from({ length: count }, (_, k) => k); // implicit: the vertex index
}

const SCALAR_TYPES = {
  INT8: [1, 'getInt8'], UINT8: [1, 'getUint8'], INT16: [2, 'getInt16'], UINT16: [2, 'getUint16'],
  INT32: [4, 'getInt32'], UINT32: [4, 'getUint32'], INT64: [8, 'getBigInt64'], UINT64: [8, 'getBigUint64'],
  FLOAT32: [4, 'getFloat32'], FLOAT64: [8, 'getFloat64'],
};
const NORMALIZE_MAX = { INT8: 127, UINT8: 255, INT16: 32767, UINT16: 65535, INT32: 2147483647, UINT32: 4294967295 };

// JSON has no 64-bit integers: a BigInt becomes a number when exact, else a string.
function jsonValue(v) {
  if (typeof v !== 'bigint') return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function viewReader(bytes) {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// One column of a property table as a function row -> value (noData -> default or null).
function columnReader(gltf, schema, def, prop, count) {
  if (def.array) throw new Error('array properties are not decoded');
  const values = gltf.view(prop.values).bytes;
  const dv = viewReader(values);
  if (def.type === 'BOOLEAN') {
    if (values.length * 8 < count) throw new Error(`BOOLEAN values hold ${values.length * 8} bits for ${count} rows`);
    return (i) => ((values[i >> 3] >> (i & 7)) & 1) === 1;
  }
  if (def.type === 'STRING') {
    // stringOffsets: count + 1 offsets of stringOffsetType (UINT32 by default).
    const [osize, oget] = SCALAR_TYPES[prop.stringOffsetType ?? 'UINT32'];
    const offsets = gltf.view(prop.stringOffsets).bytes;
    if (offsets.length < (count + 1) * osize) throw new Error(`stringOffsets hold fewer than ${count + 1} offsets`);
    const odv = viewReader(offsets);
    const text = new TextDecoder();
    return (i) => {
      const a = Number(odv[oget](i * osize, true)), b = Number(odv[oget]((i + 1) * osize, true));
      if (a > b || b > values.length) throw new Error(`string ${i}: offsets [${a}, ${b}) outside the ${values.length} bytes of values`);
      const s = text.decode(values.subarray(a, b));
      return def.noData !== undefined && s === def.noData ? (def.default ?? null) : s;
    };
  }
  if (def.type === 'ENUM') {
    const e = schema.enums?.[def.enumType];
    if (!e) throw new Error(`enum ${def.enumType} not in the schema`);
    const [size, get] = SCALAR_TYPES[e.valueType ?? 'UINT16'];
    if (values.length < count * size) throw new Error(`values hold fewer than ${count} ${e.valueType ?? 'UINT16'}`);
    const names = new Map(e.values.map((v) => [v.value, v.name]));
    return (i) => {
      const name = names.get(Number(dv[get](i * size, true)));
      return def.noData !== undefined && name === def.noData ? (def.default ?? null) : (name ?? null);
    };
  }
  if (def.type !== 'SCALAR') throw new Error(`${def.type} properties are not decoded`);
  const ct = SCALAR_TYPES[def.componentType];
  if (!ct) throw new Error(`componentType ${def.componentType} unknown`);
  const [size, get] = ct;
  if (values.length < count * size) throw new Error(`values hold ${values.length} bytes for ${count} ${def.componentType}`);
  const is64 = size === 8 && get !== 'getFloat64';
  const noData = def.noData === undefined ? undefined : (is64 ? BigInt(def.noData) : def.noData);
  const scale = prop.scale ?? def.scale ?? 1, offset = prop.offset ?? def.offset ?? 0;
  const transformed = def.normalized || scale !== 1 || offset !== 0;
  return (i) => {
    const raw = dv[get](i * size, true);
    if (noData !== undefined && raw === noData) return def.default ?? null;
    if (!transformed) return jsonValue(raw);
    let v = Number(raw);
    if (def.normalized) v = Math.max(v / NORMALIZE_MAX[def.componentType], -1);
    return v * scale + offset;
  };
}

// The property table as {count, read(row) -> object}; columns it cannot decode are left out
// with a warning through `warn`.
async function propertyTable(gltf, index, warn) {
  const meta = gltf.json.extensions?.EXT_structural_metadata;
  if (!meta) throw new Error('no EXT_structural_metadata');
  let schema = meta.schema;
  if (!schema && meta.schemaUri) {
    const res = await load(new URL(meta.schemaUri, gltf.url));
    const why = loadProblem(res);
    if (why) throw new Error(`schemaUri ${meta.schemaUri}: ${why}`);
    schema = JSON.parse(res.bytes.toString('utf8'));
  }
  const table = meta.propertyTables?.[index];
  if (!table) throw new Error(`property table ${index} does not exist`);
  const cls = schema?.classes?.[table.class];
  if (!cls) throw new Error(`class ${table.class} not in the schema`);
  const columns = [];
  for (const [name, prop] of Object.entries(table.properties ?? {})) {
    const def = cls.properties?.[name];
    if (!def) throw new Error(`property ${name} not in class ${table.class}`);
    try {
      columns.push([name, columnReader(gltf, schema, def, prop, table.count)]);
    } catch (e) {
      warn(`property table ${index} column ${name}: ${e.message}`);
    }
  }
  return {
    count: table.count,
    read: (row) => Object.fromEntries(columns.map(([n, f]) => [n, f(row)])),
  };
}

// Lists the features of one content: one row per feature of its first feature id set, with
// the property table row, the number of vertices carrying the id and their geodetic bbox.
async function listFeatures(gltf, prims, path, report) {
  const sets = prims.map((p) => p.prim.extensions?.EXT_mesh_features?.featureIds?.[0]);
  const used = prims.filter((_, k) => sets[k]);
  if (used.length === 0) { report.fault(path, 'no primitive has EXT_mesh_features feature ids'); return; }
  const first = sets.find(Boolean);
  const tableIndex = first.propertyTable;
  let featureCount = 0;
  const stats = new Map(); // id -> {count, bbox}
  let outOfRange = 0;
  for (const [k, p] of prims.entries()) {
    const set = sets[k];
    if (!set) continue;
    if (set.propertyTable !== tableIndex) {
      report.warn(path, `mesh ${p.mesh} primitive ${p.index} uses property table ${set.propertyTable}, not ${tableIndex}: skipped`);
      continue;
    }
    featureCount = Math.max(featureCount, set.featureCount);
    const ids = featureIdsOf(gltf, p.prim, set, p.count);
    if (!ids) { report.warn(path, `mesh ${p.mesh} primitive ${p.index}: texture feature ids are not decoded`); continue; }
    for (let v = 0; v < p.count; v++) {
      const id = ids[v];
      if (set.nullFeatureId !== undefined && id === set.nullFeatureId) continue;
      if (!Number.isInteger(id) || id < 0 || id >= set.featureCount) { outOfRange++; continue; }
      const [lon, lat, h] = ecefToGeodetic(p.ecef[3 * v], p.ecef[3 * v + 1], p.ecef[3 * v + 2]);
      let s = stats.get(id);
      if (!s) stats.set(id, s = { count: 0, west: Infinity, south: Infinity, east: -Infinity, north: -Infinity, minH: Infinity, maxH: -Infinity });
      s.count++;
      s.west = Math.min(s.west, deg(lon)); s.east = Math.max(s.east, deg(lon));
      s.south = Math.min(s.south, deg(lat)); s.north = Math.max(s.north, deg(lat));
      s.minH = Math.min(s.minH, h); s.maxH = Math.max(s.maxH, h);
    }
  }
  if (outOfRange) report.fault(path, `${outOfRange} vertices carry feature ids outside [0, featureCount) and not the nullFeatureId`);
  let table = null;
  if (tableIndex !== undefined) {
    try {
      table = await propertyTable(gltf, tableIndex, (m) => report.warn(path, m));
      if (table.count < featureCount) report.fault(path, `property table ${tableIndex} has ${table.count} rows for featureCount ${featureCount}`);
    } catch (e) {
      report.fault(path, `property table ${tableIndex}: ${e.message}`);
    }
  }
  for (let id = 0; id < featureCount; id++) {
    let props = {};
    if (table && id < table.count) {
      try { props = table.read(id); } catch (e) { report.fault(path, `feature ${id}: ${e.message}`); }
    }
    const s = stats.get(id);
    if (!s) report.fault(path, `feature ${id} has no vertices`);
    const round = (x, d) => Number(x.toFixed(d));
    report.feature({
      feature: id, ...props, vertices: s ? s.count : 0,
      bbox: s ? { west: round(s.west, 8), south: round(s.south, 8), east: round(s.east, 8), north: round(s.north, 8),
                  minH: round(s.minH, 3), maxH: round(s.maxH, 3) } : null,
    });
  }
}

// ---------------------------------------------------------------------------------------
// The Khronos validator, loaded only with --validate.

let validatorModule = null;
async function validateGlb(bytes, url, path, report) {
  validatorModule ??= (await import('gltf-validator')).default;
  const result = await validatorModule.validateBytes(new Uint8Array(bytes), {
    uri: url.href,
    maxIssues: 0, // every message
    externalResourceFunction: (uri) => Promise.reject(new Error(`external resource refused: ${uri}`)),
  });
  const severity = ['error', 'warning', 'info', 'hint'];
  for (const m of result.issues.messages) {
    const text = `validator ${severity[m.severity] ?? m.severity} ${m.code}${m.pointer ? ' ' + m.pointer : ''}: ${m.message}`;
    if (m.severity <= 1) report.fault(path, text);
    else report.note(path, text);
  }
}

// ---------------------------------------------------------------------------------------
// The walk.

class Walker {
  constructor(opts, report) {
    this.opts = opts;
    this.report = report;
    this.rootUrl = tilesetUrl(opts.tileset);
    this.listTarget = opts.listFeatures ? new URL(opts.listFeatures, this.rootUrl).href : null;
    this.listed = false;
    this.stats = {
      tiles: 0, contents: 0, externalTilesets: 0, features: 0, maxDepth: 0,
      glbBytesMax: 0, glbBytesTotal: 0, vertices: 0, refine: { ADD: 0, REPLACE: 0 },
      implicitTiles: 0, validated: 0, truncated: false,
    };
  }

  // A URL as shown in paths: relative to the main tileset's folder when below it.
  label(url) {
    const dir = new URL('.', this.rootUrl).href;
    return url.href.startsWith(dir) ? url.href.slice(dir.length) : url.href;
  }

  async run() {
    await MeshoptDecoder.ready;
    await this.walkTileset(this.rootUrl, null, new Set());
    if (this.listTarget && !this.listed)
      this.report.fault(this.opts.listFeatures, `--list-features: no such content in the walked tree${this.stats.truncated ? ' (the walk was truncated)' : ''}`);
  }

  // Loads a tileset and walks its root. `ref` is the referencing tile for an external
  // tileset (null for the main one): the external root stands in its place, so it is
  // compared with the referencing tile's parent-side values and keeps its depth.
  async walkTileset(url, ref, ancestry) {
    const where = ref ? `${ref.path} > ${this.label(url)}` : this.label(url);
    const res = await load(url);
    const why = loadProblem(res);
    if (why) { this.report.fault(where, `tileset not loadable: ${why}`); return; }
    let ts;
    try { ts = JSON.parse(res.bytes.toString('utf8')); } catch (e) {
      this.report.fault(where, `tileset is not JSON: ${e.message}`); return;
    }
    const version = ts.asset?.version;
    if (version !== '1.1' && version !== '1.0') this.report.fault(where, `asset.version is ${JSON.stringify(version)}, expected "1.1" (or "1.0")`);
    if (!isNonNegative(ts.geometricError)) this.report.fault(where, `tileset geometricError ${JSON.stringify(ts.geometricError)} is not a non-negative number`);
    if (!ts.root || typeof ts.root !== 'object') { this.report.fault(where, 'no root tile'); return; }
    if (isNonNegative(ts.geometricError) && isNonNegative(ts.root.geometricError) && ts.geometricError < ts.root.geometricError)
      this.report.fault(where, `tileset geometricError ${ts.geometricError} is below the root's ${ts.root.geometricError}`);
    const next = new Set(ancestry).add(url.href);
    await this.walkTile(ts.root, {
      path: ref ? `${where}:root` : 'root',
      tilesetUrl: url,
      depth: ref ? ref.depth : 0,
      world: ref ? ref.world : IDENTITY,
      parent: ref ? ref.parent : null, // the referencing tile's values, compared loosely
      tilesetRoot: true,
      externalRoot: !!ref,
      ancestry: next,
    });
  }

  async walkTile(tile, ctx) {
    const { report, stats } = this;
    const path = ctx.path;
    if (stats.tiles >= this.opts.maxTiles) {
      if (!stats.truncated) report.note(path, `--max-tiles ${this.opts.maxTiles} reached: the walk stops here`);
      stats.truncated = true;
      return;
    }
    stats.tiles++;
    stats.maxDepth = Math.max(stats.maxDepth, ctx.depth);

    const error = this.checkGeometricError(tile, ctx);
    const refine = this.checkRefine(tile, ctx);
    const world = this.checkTransform(tile, ctx);
    const volume = this.checkVolume(tile.boundingVolume, world, path, 'boundingVolume');
    if (volume && ctx.parent?.volume) checkChildVolume(volume, ctx.parent.volume, path, report);
    const self = { path, error, refine, world, volume, depth: ctx.depth, ancestry: ctx.ancestry, tilesetUrl: ctx.tilesetUrl };

    // Implicit tiling describes its tree in subtree files with templated content URIs: we
    // only build explicit trees, so it is noticed and not followed.
    if (tile.implicitTiling) {
      stats.implicitTiles++;
      report.note(path, 'implicit tiling not checked');
      return;
    }

    const contents = tile.contents ?? (tile.content ? [tile.content] : []);
    for (const [i, content] of contents.entries())
      await this.visitContent(content, tile, self, contents.length > 1 ? `${path}.contents[${i}]` : path);

    const children = tile.children ?? [];
    if (children.length && error === 0)
      report.fault(path, `${children.length} children below a 0-error tile (a client never refines it)`);
    for (const [i, child] of children.entries()) {
      await this.walkTile(child, {
        path: `${path}.children[${i}]`, tilesetUrl: ctx.tilesetUrl, depth: ctx.depth + 1, world,
        parent: self, tilesetRoot: false, externalRoot: false, ancestry: ctx.ancestry,
      });
    }
  }

  // Geometric errors decrease strictly down the tree so that a client refines at some
  // distance; an external root stands for the referencing tile and may equal its error.
  checkGeometricError(tile, ctx) {
    const e = tile.geometricError;
    if (!isNonNegative(e)) {
      this.report.fault(ctx.path, `geometricError ${JSON.stringify(e)} is not a non-negative number`);
      return null;
    }
    const pe = ctx.parent?.error;
    if (pe === null || pe === undefined || pe === 0) return e; // a 0 parent is reported once, at the parent
    if (ctx.externalRoot) {
      if (e > pe) this.report.fault(ctx.path, `external root geometricError ${e} is above the referencing tile's ${pe}`);
    } else if (e >= pe) {
      this.report.fault(ctx.path, `geometricError ${e} is not below the parent's ${pe}`);
    }
    return e;
  }

  // refine is required on a tileset's root and inherited below.
  checkRefine(tile, ctx) {
    let refine = tile.refine;
    if (refine !== undefined && refine !== 'ADD' && refine !== 'REPLACE') {
      this.report.fault(ctx.path, `refine ${JSON.stringify(refine)} is neither "ADD" nor "REPLACE"`);
      refine = undefined;
    }
    if (refine === undefined && ctx.tilesetRoot) {
      this.report.fault(ctx.path, 'refine is not set on the tileset root');
    }
    refine ??= ctx.parent?.refine;
    if (refine) this.stats.refine[refine]++;
    return refine;
  }

  checkTransform(tile, ctx) {
    if (tile.transform === undefined) return ctx.world;
    if (!isNumberArray(tile.transform, 16)) {
      this.report.fault(ctx.path, 'transform is not 16 numbers');
      return ctx.world;
    }
    return mul4(ctx.world, tile.transform);
  }

  checkVolume(bv, world, path, what) {
    const r = parseBoundingVolume(bv, world);
    if (r.error) { this.report.fault(path, `${what}: ${r.error}`); return null; }
    if (r.unsupported) { this.report.note(path, `${what}: only extension volumes (${r.unsupported}), not checked`); return null; }
    if (r.extra.length) this.report.warn(path, `${what} has several volumes; ${r.vol.type} checked, ${r.extra.join(', ')} ignored`);
    return r.vol;
  }

  async visitContent(content, tile, self, path) {
    const uri = content.uri ?? content.url; // "url" was the pre-1.0 name
    if (typeof uri !== 'string') { this.report.fault(path, 'content has no uri'); return; }
    if (content.uri === undefined) this.report.warn(path, 'content.url is the pre-1.0 name of content.uri');
    let url;
    try { url = new URL(uri, self.tilesetUrl); } catch { this.report.fault(path, `content uri ${uri} is not a URI`); return; }
    if (url.pathname.toLowerCase().endsWith('.json')) {
      await this.visitExternal(url, tile, self, path);
      return;
    }
    const contentVolume = content.boundingVolume ? this.checkVolume(content.boundingVolume, self.world, path, 'content.boundingVolume') : null;
    await this.checkContent(url, uri, self, contentVolume, `${path} (${uri})`);
  }

  async visitExternal(url, tile, self, path) {
    if (tile.children?.length) this.report.fault(path, 'a tile with an external tileset must have no children');
    if (self.ancestry.has(url.href)) { this.report.fault(path, `external tileset ${this.label(url)} refers back to itself (a cycle)`); return; }
    this.stats.externalTilesets++;
    await this.walkTileset(url, { path, depth: self.depth, world: self.world, parent: self }, self.ancestry);
  }

  async checkContent(url, uri, self, contentVolume, path) {
    const { report, stats } = this;
    stats.contents++;
    const res = await load(url);
    const why = loadProblem(res);
    if (why) { report.fault(path, `content not loadable: ${why}`); return; }
    const bytes = res.bytes;
    const magic = bytes.subarray(0, 4).toString('latin1');
    if (magic !== 'glTF') {
      if (['b3dm', 'i3dm', 'pnts', 'cmpt'].includes(magic)) report.warn(path, `legacy ${magic} content is not checked`);
      else report.fault(path, `content is not a GLB (starts with ${JSON.stringify(magic)})`);
      return;
    }
    stats.glbBytesMax = Math.max(stats.glbBytesMax, bytes.length);
    stats.glbBytesTotal += bytes.length;
    if (this.opts.validate) {
      stats.validated++;
      try { await validateGlb(bytes, url, path, report); } catch (e) { report.fault(path, `validator failed: ${e.message ?? e}`); }
    }
    try {
      const layout = [];
      const { json, bin } = parseGlb(bytes, layout);
      const gltf = new Gltf(json, bin, url);
      layout.push(...gltf.viewFaults());
      for (const f of layout) report.fault(path, f);
      await gltf.loadBuffers();
      stats.features += contentFeatureCount(json);
      const prims = primitivesInEcef(gltf, self.world, (m) => report.warn(path, m));
      const nverts = prims.reduce((s, p) => s + p.count, 0);
      stats.vertices += nverts;
      if (nverts === 0) report.warn(path, 'content has no POSITION vertices');
      for (const [vol, what] of [[self.volume, "the tile's"], [contentVolume, 'content.boundingVolume']]) {
        if (!vol) continue;
        const out = verticesOutside(prims, vol, what);
        if (out) report.fault(path, out);
      }
      if (this.listTarget && (url.href === this.listTarget || uri === this.opts.listFeatures)) {
        this.listed = true;
        await listFeatures(gltf, prims, path, report);
      }
    } catch (e) {
      report.fault(path, `GLB: ${e.message}`);
    }
  }
}

function isNonNegative(x) { return typeof x === 'number' && Number.isFinite(x) && x >= 0; }

// ---------------------------------------------------------------------------------------

async function main(argv) {
  let opts;
  try { opts = parseArgs(argv); } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    return 2;
  }
  const report = new Report(opts.json);
  const walker = new Walker(opts, report);
  await walker.run();
  const summary = { ...walker.stats, faults: report.faults.length, warnings: report.warnings.length, notices: report.notices.length };
  if (opts.json) {
    const doc = { tileset: walker.rootUrl.href, summary, faults: report.faults, warnings: report.warnings, notices: report.notices };
    if (opts.listFeatures) doc.featureList = report.featureList;
    console.log(JSON.stringify(doc, null, 1));
  } else {
    console.log(JSON.stringify(summary));
  }
  return report.faults.length ? 1 : 0;
}

// A reader that stops early (| head) is not an error of the tileset.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 1); else throw e; });
process.exitCode = await main(process.argv.slice(2));
