// Validates a MapLibre GL style (a file) with MapLibre's own validator: exit 0 when valid.
const { validateStyleMin } = require('@maplibre/maplibre-gl-style-spec');
const fs = require('fs');
const style = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const errors = validateStyleMin(style);
if (errors.length) {
  for (const e of errors) console.error(`invalid: ${e.message}`);
  process.exit(1);
}
console.log(`valid style: ${style.layers.length} layers`);
