#!/usr/bin/env bash
# Import speed and memory at city scale: `jumeau import buildings` against GDAL's ogr2ogr doing
# the same work, on a synthetic city of 100,000+ buildings (tests/bench/make_city.sh: the
# Liechtenstein OSM footprints replicated 27 times, as a GeoPackage in EPSG:4326).
#
# usage: tests/bench/bench_import_city.sh [BUILD_DIR] [RUNS]      (defaults: ./build, 3)
#   env: CITY_N (100000) and CITY_N_SMALL (10000): the two city sizes;
#        BENCH_CACHE (/tmp/jumeau-bench-cache): where the generated cities are kept between runs
#        (one file per size, named after N and a hash of make_city.sh and its source);
#        BENCH_RSS=python3: measure memory with python3 even where GNU time exists.
#
# Speed: both tools read the same GeoPackage, transform to the UTM zone that jumeau picks
# (read back from `jumeau datasets show`; EPSG:32632 here), COPY into the same fresh private
# PostGIS cluster and build a GiST index: ogr2ogr -f PostgreSQL with PG_USE_COPY=YES,
# -nlt MULTIPOLYGON. One untimed warm-up of each, then RUNS runs of each, alternated; the
# median wall time of each (process start-up included) and the ratio jumeau/ogr2ogr are
# printed. jumeau's time also covers what ogr2ogr does not do: the source's SHA-256, the atomic
# swap of a staging table, ANALYZE, the registry row, the import-run record and the audit log.
#
# Memory: the peak resident set size (max RSS) of the importing process itself — not of the
# PostgreSQL server — for the 10k and the 100k city, median over RUNS, and the ratio 100k/10k.
# An importer that streams keeps that ratio near 1; the target for jumeau is <= 1.5. Much of
# the figure is fixed cost (GDAL, PROJ and their databases), printed for scale. Measured
# with GNU time (/usr/bin/time -f %M) when present, else with python3's
# resource.getrusage(RUSAGE_CHILDREN), which reports the same kernel figure for the child.
#
# Compare ratios, not seconds: the machines are shared and noisy.
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
runs=${2:-3}
bin="$build/jumeau"
script_t0=$(date +%s.%N)
source "$here/tests/bench/bench_lib.sh"

big=$(bench_city "${CITY_N:-100000}")
small=$(bench_city "${CITY_N_SMALL:-10000}")
rows_big=$(feature_count "$big" buildings)
rows_small=$(feature_count "$small" buildings)
bench_cluster

jumeau_import() { # FILE NAME
    measure "$bin" --home "$home" -q import buildings "$1" --name "$2" --replace
}
ogr_import() { # FILE TABLE
    measure env PG_USE_COPY=YES ogr2ogr -f PostgreSQL "PG:$pg" "$1" buildings -nln "data.$2" -t_srs "$epsg" \
        -nlt MULTIPOLYGON -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -overwrite -q
}

# warm-up (untimed): fills the page cache, and tells which CRS jumeau picks for this city
jumeau_import "$big" bench_jumeau
epsg=$("$bin" --home "$home" datasets show bench_jumeau | awk '$1 == "storage" && $2 == "crs" {print $3}')
[[ $epsg == EPSG:* ]] ||
    epsg="EPSG:$(psql -X -A -t "$pg" -c "SELECT storage_srid FROM jumeau.datasets WHERE name = 'bench_jumeau'")"
ogr_import "$big" bench_ogr

j_t=() o_t=() j_rss=() o_rss=() j_rss_small=() o_rss_small=()
for i in $(seq 1 "$runs"); do
    jumeau_import "$big" bench_jumeau;         j_t+=("$elapsed") j_rss+=("$rss")
    ogr_import "$big" bench_ogr;               o_t+=("$elapsed") o_rss+=("$rss")
    jumeau_import "$small" bench_jumeau_small; j_rss_small+=("$rss")
    ogr_import "$small" bench_ogr_small;       o_rss_small+=("$rss")
done

# both tools must have loaded every building
for t in bench_jumeau:$rows_big bench_ogr:$rows_big bench_jumeau_small:$rows_small bench_ogr_small:$rows_small; do
    got=$(psql -X -A -t "$pg" -c "SELECT count(*) FROM data.${t%:*}")
    [[ $got == "${t#*:}" ]] || { echo "bench_import_city.sh: data.${t%:*} has $got rows, expected ${t#*:}" >&2; exit 1; }
done

j=$(printf '%s\n' "${j_t[@]}" | median)
o=$(printf '%s\n' "${o_t[@]}" | median)
printf '\ninput: %s: %s buildings (%s bytes), %d runs, median wall time\n' "$(basename "$big")" "$rows_big" \
    "$(stat -c %s "$big")" "$runs"
printf 'storage CRS: %s (picked by jumeau, given to ogr2ogr as -t_srs)\n' "$epsg"
printf 'jumeau import buildings: %7.3f s (%s rows, %.0f buildings/s)\n' "$j" "$rows_big" "$(calc "$rows_big / $j")"
printf 'ogr2ogr -f PostgreSQL:   %7.3f s (%s rows, %.0f buildings/s)\n' "$o" "$rows_big" "$(calc "$rows_big / $o")"
printf 'ratio jumeau/ogr2ogr:    %7.2f\n\n' "$(calc "$j / $o")"

if [[ -z $rss_tool ]]; then
    echo "peak memory: not measured (neither /usr/bin/time nor python3 here)"
else
    jb=$(printf '%s\n' "${j_rss[@]}" | median) js=$(printf '%s\n' "${j_rss_small[@]}" | median)
    ob=$(printf '%s\n' "${o_rss[@]}" | median) os=$(printf '%s\n' "${o_rss_small[@]}" | median)
    verdict=$(awk -v r="$(calc "$jb / $js")" 'BEGIN {print (r <= 1.5) ? "within the target <= 1.5" : "OVER the target <= 1.5"}')
    printf 'peak memory of the importing process (max RSS, median of %d runs; %s)\n' "$runs" "$rss_tool"
    printf '%-24s %14s %14s %16s\n' "" "$rows_small bldgs" "$rows_big bldgs" "ratio big/small"
    printf '%-24s %14s %14s %16.2f  %s\n' "jumeau import buildings" "$(mib "$js")" "$(mib "$jb")" \
        "$(calc "$jb / $js")" "$verdict"
    printf '%-24s %14s %14s %16.2f\n' "ogr2ogr -f PostgreSQL" "$(mib "$os")" "$(mib "$ob")" \
        "$(calc "$ob / $os")"
    measure "$bin" --version >/dev/null
    printf '(for scale: `jumeau --version` alone peaks at %s, the libraries it maps)\n' "$(mib "$rss")"
fi
printf '\nwhole script: %.0f s\n' "$(calc "$(now) - $script_t0")"
