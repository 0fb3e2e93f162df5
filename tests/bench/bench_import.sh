#!/usr/bin/env bash
# Import speed: `jumeau import buildings` against GDAL's ogr2ogr doing the same work (read the
# OSM buildings, transform to UTM 32N, COPY into PostGIS, build the GiST index) into the same
# private cluster, in the same run. Prints the median of N runs of each and their ratio.
# usage: tests/bench/bench_import.sh [BUILD_DIR] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
runs=${2:-5}
bin="$build/jumeau"
pbf="${BENCH_FILE:-$here/data/samples/liechtenstein-2013-08-03.osm.pbf}"
home=$(mktemp -d /tmp/jumeau-bench.XXXXXX)
chmod 755 "$home"
trap '"$bin" --home "$home" db stop >/dev/null 2>&1; rm -rf "$home"' EXIT

"$bin" --home "$home" -q db init
pg="host=$home/run port=5432 dbname=jumeau user=jumeau"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
now() { date +%s.%N; }

jumeau_times=() ogr_times=()
for i in $(seq 1 "$runs"); do
    t0=$(now)
    "$bin" --home "$home" -q import buildings "$pbf" --name bench_jumeau --replace
    t1=$(now)
    ogr2ogr -f PostgreSQL "PG:$pg" "$pbf" multipolygons -where "building IS NOT NULL" -nln data.bench_ogr \
        -t_srs EPSG:32632 -nlt MULTIPOLYGON -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -overwrite -q
    t2=$(now)
    jumeau_times+=("$(awk "BEGIN {print $t1 - $t0}")")
    ogr_times+=("$(awk "BEGIN {print $t2 - $t1}")")
done
j=$(printf '%s\n' "${jumeau_times[@]}" | median)
o=$(printf '%s\n' "${ogr_times[@]}" | median)
rows_j=$(psql -X -A -t "$pg" -c "SELECT count(*) FROM data.bench_jumeau")
rows_o=$(psql -X -A -t "$pg" -c "SELECT count(*) FROM data.bench_ogr")
printf 'input: %s (%s bytes), %d runs, median wall time\n' "$(basename "$pbf")" "$(stat -c %s "$pbf")" "$runs"
printf 'jumeau import buildings: %.3f s (%s rows)\n' "$j" "$rows_j"
printf 'ogr2ogr -f PostgreSQL:   %.3f s (%s rows)\n' "$o" "$rows_o"
printf 'ratio jumeau/ogr2ogr:    %.2f\n' "$(awk "BEGIN {print $j / $o}")"
