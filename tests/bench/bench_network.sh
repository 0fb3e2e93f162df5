#!/usr/bin/env bash
# Network import speed: `jumeau import network` on the Liechtenstein roads (OSM lines where
# highway IS NOT NULL: 2,751 lines) and on those roads replicated 10x10 times (275,100 lines;
# tests/bench/make_city.sh --roads), both as GeoPackages in EPSG:4326, into a fresh private
# PostGIS cluster.
#
# usage: tests/bench/bench_network.sh [BUILD_DIR] [RUNS]      (defaults: ./build, 3)
#   env: BENCH_CACHE (/tmp/jumeau-bench-cache): where the generated road files are kept;
#        BENCH_PGR=0: skip the pgRouting reference (the slowest part: about 2 minutes);
#        BENCH_RSS=python3: measure memory with python3 even where GNU time exists.
#
# Output, per input: the median wall time of RUNS runs and the peak RSS of jumeau's process
# (when the network importer exists), and of two references in the same cluster, each run
# after an untimed warm-up:
#   load      ogr2ogr -f PostgreSQL (PG_USE_COPY=YES, -nlt MULTILINESTRING, GiST index, the
#             UTM zone jumeau picks): the floor, loading the lines without building a graph;
#   +topology that load followed by pgr_createTopology (tolerance 1 mm, one run): the classic
#             way to make the table routable (source/target nodes joined at line ends only).
# and the ratios jumeau/load and jumeau/(load + topology). Until the network importer exists,
# `jumeau import network` answers "not yet available" with exit status 2: the script says so
# and prints the references alone. Compare ratios, not seconds: the machines are noisy.
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
runs=${2:-3}
bin="$build/jumeau"
script_t0=$(date +%s.%N)
source "$here/tests/bench/bench_lib.sh"

# >>> The network importer's command line, after `jumeau --home H -q` and before FILE. Options
# >>> that come with it (e.g. --where, --report FILE) go in NETWORK_ARGS, after FILE.
NETWORK_CMD=(import network)
NETWORK_ARGS=()

small=$(bench_roads 1)
big=$(bench_roads 100)
bench_cluster

# Is the network importer there? The first import of the small file answers (and warms up).
status=0
"$bin" --home "$home" -q "${NETWORK_CMD[@]}" "$small" --name bench_net_small --replace "${NETWORK_ARGS[@]}" \
    2>"$work/probe.err" || status=$?
if [[ $status == 0 ]]; then
    have_jumeau=yes
elif [[ $status == 2 ]] && grep -q "not yet available" "$work/probe.err"; then
    have_jumeau=no
else
    echo "bench_network.sh: jumeau ${NETWORK_CMD[*]} failed (status $status):" >&2
    cat "$work/probe.err" >&2
    exit 1
fi

jumeau_import() { # FILE NAME
    measure "$bin" --home "$home" -q "${NETWORK_CMD[@]}" "$1" --name "$2" --replace "${NETWORK_ARGS[@]}"
}
ogr_load() { # FILE TABLE
    measure env PG_USE_COPY=YES ogr2ogr -f PostgreSQL "PG:$pg" "$1" roads -nln "data.$2" -t_srs "$epsg" \
        -nlt MULTILINESTRING -lco GEOMETRY_NAME=geom -lco FID=id -lco SPATIAL_INDEX=GIST -overwrite -q
}
topology() { # TABLE: pgr_createTopology on a freshly loaded table; sets $elapsed
    local t0
    t0=$(now)
    psql -X -q -A -t "$pg" -v ON_ERROR_STOP=1 >"$work/pgr.out" <<SQL
SET client_min_messages = warning;
ALTER TABLE data.$1 ADD COLUMN source bigint, ADD COLUMN target bigint;
SELECT pgr_createTopology('data.$1', 0.001, 'geom', 'id');
SQL
    elapsed=$(calc "$(now) - $t0")
    grep -qx OK "$work/pgr.out" || { echo "bench_network.sh: pgr_createTopology on data.$1 failed" >&2; exit 1; }
}

# one input: prints its lines of the report
bench_one() { # FILE LABEL
    local file=$1 label=$2 lines j="" jr="" o orr t="" i
    local -a jt=() jrs=() ot=() ors=()
    lines=$(feature_count "$file" roads)
    if [[ $have_jumeau == yes ]]; then
        jumeau_import "$file" bench_net # warm-up
        epsg=$("$bin" --home "$home" datasets show bench_net | awk '$1 == "storage" && $2 == "crs" {print $3}')
    else
        epsg=$(utm_epsg "$file" roads)
    fi
    ogr_load "$file" bench_net_ogr # warm-up
    for i in $(seq 1 "$runs"); do
        if [[ $have_jumeau == yes ]]; then
            jumeau_import "$file" bench_net; jt+=("$elapsed") jrs+=("$rss")
        fi
        ogr_load "$file" bench_net_ogr; ot+=("$elapsed") ors+=("$rss")
    done
    o=$(printf '%s\n' "${ot[@]}" | median) orr=$(printf '%s\n' "${ors[@]}" | median)
    if [[ ${BENCH_PGR:-1} != 0 ]]; then
        topology bench_net_ogr
        t=$elapsed
    fi

    printf '\n%s: %s lines (%s, %s bytes), stored as %s; median of %d runs\n' "$label" "$lines" "$(basename "$file")" \
        "$(stat -c %s "$file")" "$epsg" "$runs"
    if [[ $have_jumeau == yes ]]; then
        j=$(printf '%s\n' "${jt[@]}" | median) jr=$(printf '%s\n' "${jrs[@]}" | median)
        printf '  jumeau %-18s %8.3f s  %8.0f lines/s  peak RSS %10s\n' "${NETWORK_CMD[*]}" "$j" \
            "$(calc "$lines / $j")" "$(mib "$jr")"
    else
        printf '  jumeau %-18s not yet available in this build (exit status 2): reference only\n' "${NETWORK_CMD[*]}"
    fi
    printf '  %-25s %8.3f s  %8.0f lines/s  peak RSS %10s\n' "ogr2ogr load" "$o" "$(calc "$lines / $o")" "$(mib "$orr")"
    if [[ -n $t ]]; then
        printf '  %-25s %8.3f s  (pgr_createTopology %.3f s, 1 run)\n' "ogr2ogr load + topology" "$(calc "$o + $t")" "$t"
    fi
    if [[ -n $j ]]; then
        printf '  ratio jumeau/load:          %6.2f\n' "$(calc "$j / $o")"
        [[ -z $t ]] || printf '  ratio jumeau/(load+topology): %4.2f\n' "$(calc "$j / ($o + $t)")"
    fi
    # the next input starts from empty tables, as a first import would
    psql -X -q "$pg" -c "SET client_min_messages = warning; DROP TABLE IF EXISTS data.bench_net_ogr, data.bench_net_ogr_vertices_pgr"
    if [[ $have_jumeau == yes ]]; then "$bin" --home "$home" -q datasets drop bench_net; fi
}

[[ $have_jumeau == yes ]] || echo "jumeau ${NETWORK_CMD[*]}: not yet available in this build (exit status 2); timing the references alone"
bench_one "$small" "Liechtenstein roads"
bench_one "$big" "replicated roads (10x10 copies)"
printf '\npeak RSS measured with %s\n' "${rss_tool:-nothing (neither /usr/bin/time nor python3 here): NA}"
printf 'whole script: %.0f s\n' "$(calc "$(now) - $script_t0")"
