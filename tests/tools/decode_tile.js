// Decodes an MVT tile (a file) with @mapbox/vector-tile and prints, per layer, the feature
// count and the first feature's id and first point in lon/lat: "layer count id lon lat".
const fs = require('fs');
const Pbf = require('pbf');
const { VectorTile } = require('@mapbox/vector-tile');
const [file, z, x, y] = process.argv.slice(2);
const tile = new VectorTile(new Pbf(fs.readFileSync(file)));
for (const name of Object.keys(tile.layers)) {
  const layer = tile.layers[name];
  const f = layer.feature(0).toGeoJSON(Number(x), Number(y), Number(z));
  let c = f.geometry.coordinates;
  while (Array.isArray(c[0])) c = c[0];
  console.log(`${name} ${layer.length} ${layer.feature(0).id} ${c[0]} ${c[1]}`);
}
