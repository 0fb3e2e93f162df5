// Reads tile z/x/y of a PMTiles archive with the `pmtiles` package and writes its bytes
// (decompressed as the package returns them) to a file; prints the header's zoom range.
import fs from "node:fs";
import { PMTiles, FileSource } from "pmtiles";
const [file, z, x, y, out] = process.argv.slice(2);
const blob = await fs.openAsBlob(file);
const archive = new PMTiles(new FileSource(new File([blob], file)));
const header = await archive.getHeader();
const tile = await archive.getZxy(Number(z), Number(x), Number(y));
if (tile) fs.writeFileSync(out, Buffer.from(tile.data));
console.log(`pmtiles v${header.specVersion} z${header.minZoom}-z${header.maxZoom} ${tile ? "found" : "absent"}`);
