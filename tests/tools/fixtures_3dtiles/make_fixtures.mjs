// Writes the hand-made 3D Tiles fixtures of check_3dtiles.mjs (run from anywhere; the
// outputs are committed, so this only needs rerunning after a change here):
//   good/  a clean tileset: region root, a child with a float GLB carrying EXT_mesh_features
//          and an EXT_structural_metadata property table, an external tileset (box volume,
//          ENU transform) whose GLB is KHR_mesh_quantization + EXT_meshopt_compression,
//          and an empty sphere-bounded tile;
//   bad/   the same kind of tree with deliberate faults, one per tile (see BAD below);
//   http/  a tileset only usable over HTTP: absolute-path URIs and a 204 content.
// All geometry sits near Paris (2.35 E, 48.85 N, 35 m above the ellipsoid).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MeshoptEncoder } from 'meshoptimizer/encoder';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RAD = Math.PI / 180;
const LON0 = 2.35 * RAD, LAT0 = 48.85 * RAD, H0 = 35;

// --- geodesy (WGS84), written independently of the checker's ---------------------------
const A = 6378137, F = 1 / 298.257223563, E2 = F * (2 - F);
function toEcef(lon, lat, h) {
  const n = A / Math.sqrt(1 - E2 * Math.sin(lat) ** 2);
  return [(n + h) * Math.cos(lat) * Math.cos(lon), (n + h) * Math.cos(lat) * Math.sin(lon), (n * (1 - E2) + h) * Math.sin(lat)];
}
// East-north-up frame at a point: columns e, n, u and the origin (a 3D Tiles transform).
function enuFrame(lon, lat, h) {
  const e = [-Math.sin(lon), Math.cos(lon), 0];
  const n = [-Math.sin(lat) * Math.cos(lon), -Math.sin(lat) * Math.sin(lon), Math.cos(lat)];
  const u = [Math.cos(lat) * Math.cos(lon), Math.cos(lat) * Math.sin(lon), Math.sin(lat)];
  const o = toEcef(lon, lat, h);
  return { e, n, u, o, matrix: [...e, 0, ...n, 0, ...u, 0, ...o, 1] };
}
// Metres east/north near the origin as radians (a local approximation, fine for fixtures).
const N0 = A / Math.sqrt(1 - E2 * Math.sin(LAT0) ** 2);
const M0 = A * (1 - E2) / (1 - E2 * Math.sin(LAT0) ** 2) ** 1.5;
const dLon = (m) => m / (N0 * Math.cos(LAT0));
const dLat = (m) => m / M0;
// A region [west, south, east, north, minH, maxH] around (east, north) metres from the origin.
function regionAround(eastM, northM, halfM, minH, maxH) {
  return [LON0 + dLon(eastM - halfM), LAT0 + dLat(northM - halfM), LON0 + dLon(eastM + halfM), LAT0 + dLat(northM + halfM), minH, maxH];
}
const ROOT_REGION = regionAround(0, 0, 500, H0 - 30, H0 + 50);

// --- a small GLB builder ----------------------------------------------------------------
// Views are appended to one BIN buffer, each on an 8-byte boundary unless `align` says
// otherwise (the misaligned fixture). `binAlign8: false` pads the JSON so that the BIN chunk
// starts 4 bytes off an 8-byte boundary.
class GlbBuilder {
  constructor({ align = 8 } = {}) {
    this.align = align;
    this.json = { asset: { version: '2.0', generator: 'jumeau fixtures' }, bufferViews: [], accessors: [] };
    this.parts = [];
    this.length = 0;
  }
  pad(to) {
    const n = (to - (this.length % to)) % to;
    if (n) { this.parts.push(new Uint8Array(n)); this.length += n; }
  }
  view(bytes, extra = {}) {
    this.pad(this.align);
    const bv = { buffer: 0, byteOffset: this.length, byteLength: bytes.byteLength, ...extra };
    this.parts.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.length += bytes.byteLength;
    this.json.bufferViews.push(bv);
    return this.json.bufferViews.length - 1;
  }
  accessor(acc) {
    this.json.accessors.push(acc);
    return this.json.accessors.length - 1;
  }
  glb({ binAlign8 = true } = {}) {
    this.pad(8);
    const bin = Buffer.concat(this.parts);
    this.json.buffers = [{ byteLength: bin.length }, ...(this.json.buffers ?? [])];
    let text = JSON.stringify(this.json);
    // JSON chunk data starts at byte 20, so the BIN chunk header lands at 20 + jsonLength.
    const want = binAlign8 ? 4 : 0; // jsonLength mod 8
    while (text.length % 4 !== 0 || text.length % 8 !== want) text += ' ';
    const jsonBytes = Buffer.from(text);
    const header = Buffer.alloc(12), jh = Buffer.alloc(8), bh = Buffer.alloc(8);
    const total = 12 + 8 + jsonBytes.length + 8 + bin.length;
    header.writeUInt32LE(0x46546c67, 0); header.writeUInt32LE(2, 4); header.writeUInt32LE(total, 8);
    jh.writeUInt32LE(jsonBytes.length, 0); jh.writeUInt32LE(0x4e4f534a, 4);
    bh.writeUInt32LE(bin.length, 0); bh.writeUInt32LE(0x004e4942, 4);
    return Buffer.concat([header, jh, jsonBytes, bh, bin]);
  }
}

// ENU offsets (metres) to glTF y-up offsets from an ECEF origin: ENU -> ECEF delta -> y-up,
// where a client turns glTF (x, y, z) back into (x, -z, y).
const toYUp = ([x, y, z]) => [x, z, -y];
function enuToYUpDelta(frame, [e, n, u]) {
  return toYUp([0, 1, 2].map((k) => e * frame.e[k] + n * frame.n[k] + u * frame.u[k]));
}

function minMax(values, n) {
  const min = Array(n).fill(Infinity), max = Array(n).fill(-Infinity);
  for (let i = 0; i < values.length; i++) { min[i % n] = Math.min(min[i % n], values[i]); max[i % n] = Math.max(max[i % n], values[i]); }
  return { min, max };
}

// A float-position GLB of triangles (ENU metres around the origin frame), one node whose
// translation is the frame's ECEF origin (y-up), with per-vertex feature ids and, when
// `table` is given, EXT_structural_metadata.
function floatGlb({ frame, triangles, featureIds, featureCount, table, align, binAlign8 }) {
  const g = new GlbBuilder({ align });
  const pos = new Float32Array(triangles.flat().flatMap((v) => enuToYUpDelta(frame, v)));
  const { min, max } = minMax(pos, 3);
  const posView = g.view(pos, { target: 34962 });
  const attributes = { POSITION: g.accessor({ bufferView: posView, componentType: 5126, count: pos.length / 3, type: 'VEC3', min, max }) };
  const primitive = { attributes, mode: 4 };
  if (featureIds) {
    const ids = new Float32Array(featureIds);
    const idView = g.view(ids, { target: 34962 });
    attributes._FEATURE_ID_0 = g.accessor({ bufferView: idView, componentType: 5126, count: ids.length, type: 'SCALAR' });
    primitive.extensions = { EXT_mesh_features: { featureIds: [{ featureCount, attribute: 0, ...(table ? { propertyTable: 0 } : {}) }] } };
  }
  g.json.meshes = [{ primitives: [primitive] }];
  g.json.nodes = [{ mesh: 0, translation: toYUp(frame.o) }];
  g.json.scenes = [{ nodes: [0] }];
  g.json.scene = 0;
  g.json.extensionsUsed = [];
  if (featureIds) g.json.extensionsUsed.push('EXT_mesh_features');
  if (table) {
    g.json.extensionsUsed.push('EXT_structural_metadata');
    g.json.extensions = { EXT_structural_metadata: table(g) };
  }
  if (!g.json.extensionsUsed.length) delete g.json.extensionsUsed;
  return g.glb({ binAlign8 });
}

// The property table of a.glb: every decoded kind of column (STRING with UINT32 offsets,
// FLOAT32, INT64 beyond 2^53, UINT8 with noData, BOOLEAN bits, and UINT16 string offsets).
function buildingTable(g) {
  const strings = (list, OffsetArray) => {
    const bytes = list.map((s) => Buffer.from(s));
    const offsets = new OffsetArray(list.length + 1);
    bytes.forEach((b, i) => { offsets[i + 1] = offsets[i] + b.length; });
    return [g.view(Buffer.concat(bytes)), g.view(offsets)];
  };
  const [nameValues, nameOffsets] = strings(['Mairie', 'Tour Saint-Jacques'], Uint32Array);
  const [kindValues, kindOffsets] = strings(['civic', 'n/a'], Uint16Array);
  return {
    schema: {
      id: 'fixture',
      classes: {
        building: {
          properties: {
            name: { type: 'STRING' },
            kind: { type: 'STRING', noData: 'n/a' },
            height: { type: 'SCALAR', componentType: 'FLOAT32' },
            osm_id: { type: 'SCALAR', componentType: 'INT64' },
            floors: { type: 'SCALAR', componentType: 'UINT8', noData: 255 },
            listed: { type: 'BOOLEAN' },
          },
        },
      },
    },
    propertyTables: [{
      class: 'building', count: 2,
      properties: {
        name: { values: nameValues, stringOffsets: nameOffsets },
        kind: { values: kindValues, stringOffsets: kindOffsets, stringOffsetType: 'UINT16' },
        height: { values: g.view(new Float32Array([12.5, 52])) },
        osm_id: { values: g.view(new BigInt64Array([9007199254740993n, -42n])) },
        floors: { values: g.view(new Uint8Array([3, 255])) },
        listed: { values: g.view(new Uint8Array([0b10])) }, // row 0 false, row 1 true
      },
    }],
  };
}

// A quantised (normalised SHORT positions, node scale/translation dequantise) and meshopt
// compressed GLB of triangles in a local ENU frame (the tile's transform places it).
function quantizedMeshoptGlb(triangles) {
  const g = new GlbBuilder();
  const verts = triangles.flat().map(toYUp);
  const flat = verts.flat();
  const { min, max } = minMax(flat, 3);
  const offset = [0, 1, 2].map((k) => (min[k] + max[k]) / 2);
  const scale = [0, 1, 2].map((k) => Math.max((max[k] - min[k]) / 2, 1e-3));
  const count = verts.length;
  const q = new Int16Array(count * 4); // stride 8: meshopt attributes need a multiple of 4
  verts.forEach((v, i) => { for (let k = 0; k < 3; k++) q[i * 4 + k] = Math.round((v[k] - offset[k]) / scale[k] * 32767); });
  const indices = new Uint16Array(count).map((_, i) => i);
  const qBytes = new Uint8Array(q.buffer), iBytes = new Uint8Array(indices.buffer);
  // Compressed views live in the BIN buffer (0); the uncompressed views point into a
  // fallback buffer (1) that holds no data.
  const posData = MeshoptEncoder.encodeGltfBuffer(qBytes, count, 8, 'ATTRIBUTES');
  const idxData = MeshoptEncoder.encodeGltfBuffer(iBytes, count, 2, 'TRIANGLES');
  g.json.buffers = [{ byteLength: qBytes.length + 8, extensions: { EXT_meshopt_compression: { fallback: true } } }];
  const compressed = (data, byteOffset, byteLength, byteStride, mode, target) => {
    const v = g.view(data);
    const inner = g.json.bufferViews[v];
    g.json.bufferViews[v] = {
      buffer: 1, byteOffset, byteLength, ...(mode === 'ATTRIBUTES' ? { byteStride } : {}), target,
      extensions: { EXT_meshopt_compression: { buffer: 0, byteOffset: inner.byteOffset, byteLength: inner.byteLength, byteStride, mode, count } },
    };
    return v;
  };
  const posView = compressed(posData, 0, qBytes.length, 8, 'ATTRIBUTES', 34962);
  const idxView = compressed(idxData, qBytes.length, iBytes.length, 2, 'TRIANGLES', 34963);
  const qmin = [0, 1, 2].map((k) => Math.min(...verts.map((_, i) => q[i * 4 + k])));
  const qmax = [0, 1, 2].map((k) => Math.max(...verts.map((_, i) => q[i * 4 + k])));
  const position = g.accessor({ bufferView: posView, componentType: 5122, normalized: true, count, type: 'VEC3', min: qmin, max: qmax });
  const idx = g.accessor({ bufferView: idxView, componentType: 5123, count, type: 'SCALAR' });
  // Implicit feature ids (no attribute: each vertex is its own feature), so that
  // --list-features shows where each dequantised, decompressed vertex lands.
  const features = { EXT_mesh_features: { featureIds: [{ featureCount: count }] } };
  g.json.meshes = [{ primitives: [{ attributes: { POSITION: position }, indices: idx, mode: 4, extensions: features }] }];
  g.json.nodes = [{ mesh: 0, translation: offset, scale: scale.map((s) => s) }];
  g.json.scenes = [{ nodes: [0] }];
  g.json.scene = 0;
  g.json.extensionsUsed = ['KHR_mesh_quantization', 'EXT_meshopt_compression', 'EXT_mesh_features'];
  g.json.extensionsRequired = ['KHR_mesh_quantization', 'EXT_meshopt_compression'];
  return g.glb();
}

function write(rel, data) {
  const file = path.join(HERE, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data, null, 1) + '\n');
}

await MeshoptEncoder.ready;
const origin = enuFrame(LON0, LAT0, H0);
// Two triangles (features 0 and 1) around 20 m east/10 m north of the origin.
const TRIS_A = [[[10, 0, 0], [30, 0, 0], [20, 20, 8]], [[10, 0, 0], [20, 20, 8], [0, 20, 0]]];
const REGION_A = regionAround(15, 10, 20, H0 - 1, H0 + 10);

// --- good/ --------------------------------------------------------------------------------
write('good/a.glb', floatGlb({ frame: origin, triangles: TRIS_A, featureIds: [0, 0, 0, 1, 1, 1], featureCount: 2, table: buildingTable }));
// The external tileset's frame: 200 m east of the origin; its GLB is local ENU.
const frameB = enuFrame(LON0 + dLon(200), LAT0, H0);
write('good/sub/b.glb', quantizedMeshoptGlb([[[-5, -5, 0], [5, -5, 0], [0, 5, 3]]]));
write('good/sub/sub.json', {
  asset: { version: '1.1' }, geometricError: 10,
  root: {
    transform: frameB.matrix, boundingVolume: { box: [0, 0, 1.5, 6, 0, 0, 0, 6, 0, 0, 0, 2] },
    geometricError: 10, refine: 'ADD', content: { uri: 'b.glb' },
  },
});
const sphereCenter = toEcef(LON0 - dLon(100), LAT0 - dLat(100), H0);
write('good/tileset.json', {
  asset: { version: '1.1' }, geometricError: 200,
  root: {
    boundingVolume: { region: ROOT_REGION }, geometricError: 100, refine: 'REPLACE',
    children: [
      { boundingVolume: { region: REGION_A }, geometricError: 10, content: { uri: 'a.glb', boundingVolume: { region: REGION_A } } },
      { boundingVolume: { region: regionAround(200, 0, 10, H0 - 1, H0 + 5) }, geometricError: 10, content: { uri: 'sub/sub.json' } },
      { boundingVolume: { sphere: [...sphereCenter, 20] }, geometricError: 5 },
    ],
  },
});

// --- bad/ ---------------------------------------------------------------------------------
// One deliberate fault (or warning, or notice) per tile, in this order:
//  children[0] geometricError 80 above the root's 50; outside.glb has a vertex 100 m east
//              of the tile's region, and featureCount 2 with only feature 0 used;
//  children[1] error 0 with a child; misaligned.glb has bufferView 1 at byte 36 and a BIN
//              chunk 4 bytes off an 8-byte boundary;
//  children[2] region sticking out east of the root's; content missing.glb does not exist;
//  children[3] external ext.json: asset.version "2.0", tileset geometricError 1 below its
//              root's 5, no refine on its root, and its root refers to ext.json (a cycle);
//  children[4] implicit tiling (a notice, no fault);
//  children[5] sphere whose child box lies outside it (a warning, no fault).
write('bad/outside.glb', floatGlb({ frame: origin, triangles: [[[10, 0, 0], [30, 0, 0], [135, 20, 0]]], featureIds: [0, 0, 0], featureCount: 2 }));
write('bad/misaligned.glb', floatGlb({ frame: origin, triangles: [TRIS_A[0]], featureIds: [0, 0, 0], featureCount: 1, align: 4, binAlign8: false }));
write('bad/ext.json', {
  asset: { version: '2.0' }, geometricError: 1,
  root: { boundingVolume: { region: regionAround(-200, 0, 10, H0 - 1, H0 + 5) }, geometricError: 5, content: { uri: 'ext.json' } },
});
write('bad/tileset.json', {
  asset: { version: '1.1' }, geometricError: 100,
  root: {
    boundingVolume: { region: ROOT_REGION }, geometricError: 50, refine: 'ADD',
    children: [
      { boundingVolume: { region: REGION_A }, geometricError: 80, content: { uri: 'outside.glb' } },
      {
        boundingVolume: { region: REGION_A }, geometricError: 0, content: { uri: 'misaligned.glb' },
        children: [{ boundingVolume: { region: REGION_A }, geometricError: 0 }],
      },
      { boundingVolume: { region: regionAround(450, 0, 100, H0, H0 + 5) }, geometricError: 10, content: { uri: 'missing.glb' } },
      { boundingVolume: { region: regionAround(-200, 0, 10, H0 - 1, H0 + 5) }, geometricError: 5, content: { uri: 'ext.json' } },
      {
        boundingVolume: { region: ROOT_REGION }, geometricError: 20,
        implicitTiling: { subdivisionScheme: 'QUADTREE', subtreeLevels: 2, availableLevels: 4, subtrees: { uri: 'subtrees/{level}/{x}/{y}.subtree' } },
        content: { uri: 'content/{level}/{x}/{y}.glb' },
      },
      {
        boundingVolume: { sphere: [...sphereCenter, 20] }, geometricError: 5,
        children: [{ boundingVolume: { box: [...toEcef(LON0 - dLon(130), LAT0 - dLat(100), H0), 5, 0, 0, 0, 5, 0, 0, 0, 5] }, geometricError: 1 }],
      },
    ],
  },
});

// --- http/ --------------------------------------------------------------------------------
// Served by the self-test: /good/a.glb is an absolute-path URI (resolved against the
// origin), /empty.glb is answered 204 and nothing.glb 404.
write('http/tileset.json', {
  asset: { version: '1.1' }, geometricError: 200,
  root: {
    boundingVolume: { region: ROOT_REGION }, geometricError: 100, refine: 'REPLACE',
    children: [
      { boundingVolume: { region: REGION_A }, geometricError: 10, content: { uri: '/good/a.glb' } },
      { boundingVolume: { region: REGION_A }, geometricError: 10, content: { uri: '/empty.glb' } },
      { boundingVolume: { region: REGION_A }, geometricError: 10, content: { uri: 'nothing.glb' } },
    ],
  },
});
console.log('fixtures written under', HERE);
