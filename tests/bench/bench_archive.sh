#!/usr/bin/env bash
# Building a vector tile archive: `jumeau tile mvt` beside GDAL's own MVT writer
# (`ogr2ogr -f MVT`, MBTiles output) on the same layer and zooms, in the same run; tile
# counts, largest and mean tile size of each.
# usage: tests/bench/bench_archive.sh [BUILD_DIR] [MAXZOOM]     (defaults: ./build, 16)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
maxzoom=${2:-16}
bin="$build/jumeau"
work=$(mktemp -d /tmp/jumeau-bench.XXXXXX)
chmod 755 "$work"
home="$work/home"
trap '"$bin" --home "$home" db stop >/dev/null 2>&1; rm -rf "$work"' EXIT

"$bin" --home "$home" -q db init
"$bin" --home "$home" -q import buildings "$here/data/samples/liechtenstein-2013-08-03.osm.pbf" --name buildings
pg="PG:host=$home/run dbname=jumeau user=jumeau"
now() { date +%s.%N; }

t0=$(now)
"$bin" --home "$home" -q tile mvt buildings --out "$work/jumeau.mbtiles" --minzoom 13 --maxzoom "$maxzoom"
t1=$(now)
ogr2ogr -f MVT "$work/gdal.mbtiles" "$pg" data.buildings -dsco FORMAT=MBTILES -dsco MINZOOM=13 \
    -dsco MAXZOOM="$maxzoom" -dsco MAX_SIZE=500000 -nln buildings 2>/dev/null
t2=$(now)
stats() {
    python3 - "$1" <<'PY'
import gzip, sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT tile_data FROM tiles").fetchall()
sizes = [len(gzip.decompress(r[0])) if r[0][:2] == b"\x1f\x8b" else len(r[0]) for r in rows]
print(f"{len(sizes)} tiles, largest {max(sizes) / 1000:.1f} KB, mean {sum(sizes) / len(sizes) / 1000:.1f} KB")
PY
}
awk -v a="$t0" -v b="$t1" 'BEGIN {printf "jumeau tile mvt (z13-z'"$maxzoom"'): %.2f s, ", b - a}'; stats "$work/jumeau.mbtiles"
awk -v a="$t1" -v b="$t2" 'BEGIN {printf "ogr2ogr -f MVT  (z13-z'"$maxzoom"'): %.2f s, ", b - a}'; stats "$work/gdal.mbtiles"
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {printf "ratio jumeau/ogr2ogr: %.2f (aim: 0.5)\n", (b - a) / (c - b)}'
