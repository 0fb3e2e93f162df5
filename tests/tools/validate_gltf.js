// Validates GLB files with the Khronos glTF Validator (npm gltf-validator):
//   node validate_gltf.js FILE.glb...
// Prints one line per file (errors, warnings, infos, hints) followed by every message,
// and exits 1 when any file has an error or a warning (infos and hints are printed only),
// or cannot be read or parsed. External resources are refused: our GLBs are self-contained.
const fs = require('fs');
const path = require('path');
const validator = require('gltf-validator');

const SEVERITY = ['error', 'warning', 'info', 'hint'];

async function validateFile(file) {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const report = await validator.validateBytes(bytes, {
    uri: path.basename(file),
    maxIssues: 0, // no cap: list every message
    externalResourceFunction: (uri) => Promise.reject(new Error(`external resource refused: ${uri}`)),
  });
  const i = report.issues;
  console.log(`${file}: numErrors=${i.numErrors} numWarnings=${i.numWarnings} ` +
              `numInfos=${i.numInfos} numHints=${i.numHints}`);
  for (const m of i.messages)
    console.log(`  ${SEVERITY[m.severity] || m.severity} ${m.code} ${m.pointer || ''}: ${m.message}`);
  return i.numErrors === 0 && i.numWarnings === 0;
}

async function main(files) {
  if (files.length === 0) {
    console.error('usage: node validate_gltf.js FILE.glb...');
    return 2;
  }
  console.log(`gltf-validator ${validator.version()}`);
  let ok = true;
  for (const file of files) {
    try {
      if (!(await validateFile(file)))
        ok = false;
    } catch (err) {
      console.log(`${file}: cannot validate: ${err}`);
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
