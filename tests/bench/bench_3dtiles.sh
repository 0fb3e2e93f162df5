#!/usr/bin/env bash
# 3D Tiles building speed: `jumeau tile 3d` on one worker and on two, for the Liechtenstein
# buildings (3,723) and for the synthetic city of 100,000+ (tests/bench/make_city.sh), each in
# a fresh private cluster, with and without meshopt compression; bytes per building, largest
# content, tileset.json size. Reference in the same run: psql reading the same footprints
# reprojected to WGS 84 (ST_AsBinary(ST_Transform(geom, 4326)) of every building, to
# /dev/null), the floor that any tiler reading from PostGIS pays; the ratio says how much
# meshing, the LOD selections and writing the GLBs add on top of it. For scale: the best
# open tiler published 1.4k-3.8k features/s; our aim is over 10k/s.
#
# usage: tests/bench/bench_3dtiles.sh [BUILD_DIR] [RUNS]      (defaults: ./build, 3)
#   env: CITY_N (100000), BENCH_CACHE (see bench_lib.sh)
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
runs=${2:-3}
bin="$build/jumeau"
. "$here/tests/bench/bench_lib.sh"
city=$(bench_city "${CITY_N:-100000}")

bench_cluster
"$bin" --home "$home" -q import buildings "$here/data/samples/liechtenstein-2013-08-03.osm.pbf" --name li
"$bin" --home "$home" -q import buildings "$city" --name city100k

# rate NAME THREADS [COMPRESSION] -> median seconds of RUNS runs; keeps the last report
rate() {
    local name=$1 threads=$2 comp=${3:-none} i times=()
    for ((i = 0; i < runs; i++)); do
        measure "$bin" --home "$home" tile 3d "$name" --out "$work/$name-3d" --replace --threads "$threads" \
            --compression "$comp" >"$work/report"
        times+=("$elapsed")
    done
    printf '%s\n' "${times[@]}" | median
}
reference() { # psql reading the footprints as WGS 84 WKB, median of RUNS
    local name=$1 i times=()
    for ((i = 0; i < runs; i++)); do
        measure psql -X -q "$pg" -c "COPY (SELECT id, height, ST_AsBinary(ST_Transform(geom, 4326)) FROM data.$name) TO STDOUT" -o /dev/null
        times+=("$elapsed")
    done
    printf '%s\n' "${times[@]}" | median
}

for name in li city100k; do
    n=$(psql -X -A -t "$pg" -c "SELECT count(*) FROM data.$name")
    ref=$(reference "$name")
    t1=$(rate "$name" 1)
    t2=$(rate "$name" 2)
    plain=$(sed -n 's/^  \([0-9]*\) bytes per building.*largest content \([0-9.]*\) KB.*tileset.json \([0-9]*\) bytes.*/\1 B\/building, largest \2 KB, tileset.json \3 B/p' "$work/report")
    files=$(find "$work/$name-3d" -name '*.json' | wc -l)
    tm=$(rate "$name" 2 meshopt)
    packed=$(sed -n 's/^  \([0-9]*\) bytes per building.*largest content \([0-9.]*\) KB.*/\1 B\/building, largest \2 KB/p' "$work/report")
    echo "$name: $n buildings"
    printf '  one worker:  %.2f s, %.0f buildings/s\n' "$t1" "$(calc "$n / $t1")"
    printf '  two workers: %.2f s, %.0f buildings/s\n' "$t2" "$(calc "$n / $t2")"
    printf '  meshopt, two workers: %.2f s, %.0f buildings/s\n' "$tm" "$(calc "$n / $tm")"
    echo "  uncompressed: $plain ($files tileset files)"
    echo "  meshopt:      $packed"
    printf '  psql reading the footprints (reference): %.2f s; ratio jumeau (two workers)/psql: %.2f\n' "$ref" "$(calc "$t2 / $ref")"
done
