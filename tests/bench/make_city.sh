#!/usr/bin/env bash
# A synthetic city for the import benchmarks: the real OSM footprints (or roads) of the
# Liechtenstein sample, replicated in a grid of translated copies, written as a GeoPackage in
# EPSG:4326 with every original attribute plus `copy_index` (0, 1, … in grid order).
#
# usage: tests/bench/make_city.sh OUT.gpkg [N]              at least N buildings (default 100000)
#        tests/bench/make_city.sh --roads OUT.gpkg [COPIES]  COPIES copies of the roads (default 100)
#
# Buildings: layer `buildings`, multipolygons where building IS NOT NULL (3,723 per copy), as
# many copies as it takes to reach N (100000 -> 27 copies, 100,521 buildings).
# Roads: layer `roads`, lines where highway IS NOT NULL (2,751 per copy), written to
# OUT_roads.gpkg (OUT.gpkg's name with `_roads` added, unless it already ends in _roads.gpkg).
#
# Layout: copies are laid row by row in a grid of ceil(sqrt(COPIES)) columns, 0.25° apart in
# longitude and latitude (the sample spans 0.17° x 0.22°, so copies never overlap), around the
# original. The grid is kept inside the original's UTM zone (32N, 6°E-12°E: up to 23 columns)
# so that jumeau, which stores geographic data in the UTM zone of the data's centre, stores the
# whole city without leaving its zone; beyond that it warns: the data still imports, in the
# zone of the centre, with scale distortion growing past the zone's edges (at 47°N: 0.02 % at
# the edge, 0.07 % 1° beyond it, 0.14 % 2° beyond). Rows go north and south of 47.1°N, over
# the Alps and southern Germany.
#
# Deterministic: same input, same N -> byte-identical file (GPKG timestamps are pinned).
# Needs only GDAL's ogr2ogr/ogrinfo (with the SQLite dialect and SpatiaLite) and awk.
# Prints one line saying what it wrote.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
src="${CITY_SOURCE:-$here/data/samples/liechtenstein-2013-08-03.osm.pbf}"
step=0.25 # degrees between copies, in longitude and latitude

kind=buildings
if [[ ${1:-} == --roads ]]; then
    kind=roads
    shift
fi
if [[ $# -lt 1 || $# -gt 2 || $1 == -* ]]; then
    sed -n '6,7p' "$0" | sed 's/^# //' >&2
    exit 1
fi
out=$1
if [[ $kind == buildings ]]; then
    want=${2:-100000}
    layer=multipolygons where="building IS NOT NULL" nlt=MULTIPOLYGON
else
    want=${2:-100}
    layer=lines where="highway IS NOT NULL" nlt=LINESTRING
    [[ $out == *_roads.gpkg ]] || out="${out%.gpkg}_roads.gpkg"
fi
[[ $want =~ ^[1-9][0-9]*$ ]] || { echo "make_city.sh: N must be a positive integer, got '$want'" >&2; exit 1; }

tmp=$(mktemp -d /tmp/jumeau-city.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export OGR_CURRENT_DATE=2013-08-03T00:00:00Z # pins gpkg_contents.last_change: byte-identical output

# 1. One copy, as read from the OSM file.
ogr2ogr -f GPKG "$tmp/base.gpkg" "$src" "$layer" -where "$where" -nln base -nlt "$nlt" -a_srs EPSG:4326 -q
info=$(ogrinfo -so -nomd "$tmp/base.gpkg" base)
count=$(awk -F': ' '/^Feature Count:/ {print $2}' <<<"$info")
# "Extent: (9.476659, 47.054701) - (9.622334, 47.264335)" -> "9.476659 47.054701 9.622334 47.264335"
read -r minx miny maxx maxy < <(awk '/^Extent:/ {gsub(/[(),]/, " "); print $2, $3, $5, $6}' <<<"$info")
# the attribute columns, in order, quoted (OSM has keys such as "natural" that SQL reserves)
cols=$(awk '/^Geometry Column/ {on = 1; next} on && /^[A-Za-z_][A-Za-z0-9_]*: / {
            sub(/:.*/, ""); printf "%sb.\"%s\"", (n++ ? ", " : ""), $0 }' <<<"$info")
geom=$(awk -F' = ' '/^Geometry Column/ {print $2}' <<<"$info")

# 2. The grid: how many copies, and the column and row offsets (in steps) of the first copy.
if [[ $kind == buildings ]]; then copies=$(( (want + count - 1) / count )); else copies=$want; fi
read -r ncol nrow col0 row0 warn < <(awk -v n="$copies" -v s="$step" -v minx="$minx" -v maxx="$maxx" \
    -v miny="$miny" -v maxy="$maxy" 'BEGIN {
    ncol = int(sqrt(n)); if (ncol * ncol < n) ncol++
    nrow = int((n + ncol - 1) / ncol)
    zone = int(((minx + maxx) / 2 + 180) / 6)       # 0-based; the zone lies in [west, west + 6)
    west = zone * 6 - 180; east = west + 6
    wmax = int((minx - west) / s); emax = int((east - maxx) / s) # whole steps that stay inside
    col0 = -int((ncol - 1) / 2)
    if (col0 + ncol - 1 > emax) col0 = emax - (ncol - 1)
    row0 = -int((nrow - 1) / 2)
    warn = "none"
    if (col0 < -wmax) warn = "zone"
    if (miny + row0 * s < -80 || maxy + (row0 + nrow - 1) * s > 84) warn = "lat"
    print ncol, nrow, col0, row0, warn
}')
lon_lo=$(awk "BEGIN {printf \"%.3f\", $minx + $col0 * $step}")
lon_hi=$(awk "BEGIN {printf \"%.3f\", $maxx + ($col0 + $ncol - 1) * $step}")
lat_lo=$(awk "BEGIN {printf \"%.3f\", $miny + $row0 * $step}")
lat_hi=$(awk "BEGIN {printf \"%.3f\", $maxy + ($row0 + $nrow - 1) * $step}")
case $warn in
zone) echo "make_city.sh: warning: $ncol columns span lon $lon_lo..$lon_hi, more than the source's UTM zone;" \
           "jumeau will store them all in the zone of the centre, distorted past its edges" >&2 ;;
lat) echo "make_city.sh: warning: $nrow rows span lat $lat_lo..$lat_hi, beyond UTM's 80°S-84°N" >&2 ;;
esac

# 3. Every copy in one pass: the base crossed with a generated list of copy numbers.
sql="WITH RECURSIVE c(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM c WHERE k < $copies - 1)
SELECT $cols,
       ST_Translate(b.\"$geom\", (c.k % $ncol + $col0) * $step, (c.k / $ncol + $row0) * $step, 0) AS geom,
       c.k AS copy_index
FROM base b, c ORDER BY c.k, b.fid"
ogr2ogr -f GPKG "$tmp/out.gpkg" "$tmp/base.gpkg" -dialect sqlite -sql "$sql" -nln "$kind" -nlt "$nlt" \
    -a_srs EPSG:4326 -q
mkdir -p "$(dirname "$out")"
mv -f "$tmp/out.gpkg" "$out"
printf '%s: %d %s (%d × %d, %dx%d grid, lon %s..%s, lat %s..%s)\n' "$out" $((copies * count)) "$kind" \
    "$copies" "$count" "$ncol" "$nrow" "$lon_lo" "$lon_hi" "$lat_lo" "$lat_hi"
