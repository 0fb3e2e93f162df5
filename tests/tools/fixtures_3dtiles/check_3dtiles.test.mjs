// Self-test of check_3dtiles.mjs on the hand-made fixtures (see make_fixtures.mjs):
//   node --test tests/tools/fixtures_3dtiles/
// The clean tileset must pass (also through the Khronos validator), each deliberate fault of
// bad/ must be reported on its tile, and over HTTP absolute-path URIs, 204 and 404 behave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOOL = path.join(HERE, '..', 'check_3dtiles.mjs');

// Runs the checker (asynchronously: the HTTP test serves from this same process).
function check(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [TOOL, ...args], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const lines = stdout.trim().split('\n');
      // The summary is the last line, or a member of the one document with --json.
      const summary = args.includes('--json') ? JSON.parse(stdout).summary : JSON.parse(lines.at(-1));
      resolve({ code: err ? err.code : 0, stdout, stderr, lines, summary });
    });
  });
}

const faultLines = (r) => r.lines.filter((l) => l.startsWith('FAULT '));

test('good tileset: no fault, the tree and its contents counted', async () => {
  const r = await check(path.join(HERE, 'good', 'tileset.json'));
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(faultLines(r), []);
  const s = r.summary;
  assert.equal(s.tiles, 5);
  assert.equal(s.contents, 2);
  assert.equal(s.externalTilesets, 1);
  assert.equal(s.vertices, 9);
  assert.equal(s.maxDepth, 1);
  assert.deepEqual(s.refine, { ADD: 1, REPLACE: 4 });
  assert.equal(s.glbBytesMax, fs.statSync(path.join(HERE, 'good', 'a.glb')).size);
});

test('good tileset passes the Khronos validator (infos only)', async () => {
  const r = await check(path.join(HERE, 'good', 'tileset.json'), '--validate');
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.summary.validated, 2);
  assert.ok(r.lines.some((l) => l.includes('validator info')));
});

test('--list-features decodes the property table and places each feature', async () => {
  const r = await check(path.join(HERE, 'good', 'tileset.json'), '--list-features', 'a.glb', '--json');
  assert.equal(r.code, 0, r.stdout);
  const doc = JSON.parse(r.stdout);
  const [f0, f1] = doc.featureList;
  assert.deepEqual({ ...f0, bbox: undefined }, {
    feature: 0, name: 'Mairie', kind: 'civic', height: 12.5, osm_id: '9007199254740993', floors: 3, listed: false,
    vertices: 3, bbox: undefined,
  });
  assert.equal(f1.kind, null); // noData string
  assert.equal(f1.floors, null); // noData 255
  assert.equal(f1.osm_id, -42);
  assert.equal(f1.listed, true);
  // Independently: 10 m and 30 m east of 2.35 E at 48.85 N, 0 to 20 m north, 35 to 43 m.
  assert.ok(Math.abs(f0.bbox.west - 2.3501362560) < 1e-8 && Math.abs(f0.bbox.east - 2.3504087680) < 1e-8);
  assert.ok(Math.abs(f0.bbox.south - 48.85) < 1e-8 && Math.abs(f0.bbox.north - 48.8501798451) < 1e-8);
  assert.ok(Math.abs(f0.bbox.minH - 35) < 0.01 && Math.abs(f0.bbox.maxH - 43) < 0.01);
});

test('--list-features on quantised meshopt content: vertices land where written', async () => {
  const r = await check(path.join(HERE, 'good', 'tileset.json'), '--list-features', 'sub/b.glb');
  assert.equal(r.code, 0, r.stdout);
  const rows = r.lines.filter((l) => l.startsWith('{"feature"')).map((l) => JSON.parse(l));
  assert.equal(rows.length, 3);
  // Vertex 2 is (0 E, 5 N, 3 U) in the ENU frame 200 m east of the origin.
  const b = rows[2].bbox;
  assert.ok(Math.abs(b.west - 2.3527251197) < 1e-7 && Math.abs(b.south - 48.8500449613) < 1e-7, JSON.stringify(b));
  assert.ok(Math.abs(b.minH - 38) < 0.01);
});

test('--max-tiles truncates without a fault', async () => {
  const r = await check(path.join(HERE, 'good', 'tileset.json'), '--max-tiles', '2');
  assert.equal(r.code, 0);
  assert.equal(r.summary.tiles, 2);
  assert.equal(r.summary.truncated, true);
  assert.ok(r.lines.some((l) => l.startsWith('NOTE') && l.includes('--max-tiles 2')));
});

test('bad tileset: every deliberate fault reported on its tile', async () => {
  const r = await check(path.join(HERE, 'bad', 'tileset.json'));
  assert.equal(r.code, 1);
  const faults = faultLines(r);
  const expect = [
    ['root.children[0]:', 'geometricError 80 is not below the parent\'s 50'],
    ['root.children[0] (outside.glb):', '1 of 3 vertices lie outside the tile\'s region by up to 100.0'],
    ['root.children[1] (misaligned.glb):', 'chunk 1 (BIN) starts at byte'],
    ['root.children[1] (misaligned.glb):', 'bufferView 1 byteOffset 36 is not a multiple of 8'],
    ['root.children[1]:', 'children below a 0-error tile'],
    ['root.children[2]:', 'region not inside the parent\'s region: east'],
    ['root.children[2] (missing.glb):', 'file not found'],
    ['root.children[3] > ext.json:', 'asset.version is "2.0"'],
    ['root.children[3] > ext.json:', 'tileset geometricError 1 is below the root\'s 5'],
    ['root.children[3] > ext.json:root:', 'refine is not set on the tileset root'],
    ['root.children[3] > ext.json:root:', 'refers back to itself'],
  ];
  for (const [where, what] of expect)
    assert.ok(faults.some((l) => l.startsWith(`FAULT ${where}`) && l.includes(what)), `missing: ${where} ${what}\n${r.stdout}`);
  assert.equal(faults.length, expect.length, r.stdout);
  assert.ok(r.lines.includes('NOTE root.children[4]: implicit tiling not checked'));
  assert.ok(r.lines.some((l) => l.startsWith('WARN root.children[5].children[0]: box not inside the parent\'s sphere')));
  assert.equal(r.summary.faults, expect.length);
});

test('bad content: a feature without vertices is a fault', async () => {
  const r = await check(path.join(HERE, 'bad', 'tileset.json'), '--list-features', 'outside.glb');
  assert.ok(faultLines(r).some((l) => l.includes('(outside.glb): feature 1 has no vertices')));
});

test('over HTTP: absolute-path URIs resolve against the origin; 204 and 404 are faults', async (t) => {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/empty.glb') { res.writeHead(204); res.end(); return; }
    const file = path.join(HERE, path.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(HERE + path.sep) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200);
    res.end(fs.readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  const r = await check(`${base}/http/tileset.json`);
  assert.equal(r.code, 1);
  const faults = faultLines(r);
  assert.deepEqual(faults, [
    'FAULT root.children[1] (/empty.glb): content not loadable: HTTP 204 (no content)',
    'FAULT root.children[2] (nothing.glb): content not loadable: HTTP 404',
  ]);
  assert.equal(r.summary.contents, 3);
  assert.equal(r.summary.vertices, 6); // /good/a.glb was found and read
  // The good tileset over HTTP, external tileset and all.
  const g = await check(`${base}/good/tileset.json`, '--validate');
  assert.equal(g.code, 0, g.stdout);
  assert.equal(g.summary.externalTilesets, 1);
});
