# Helpers shared by tests/bench/bench_import_city.sh and bench_network.sh; sourced, not run.
# Before sourcing, set: here (the repository), bin (the jumeau binary).
# It sets up: $work (a scratch folder), $home (a fresh private cluster's home, once
# bench_cluster has run), a trap that stops that cluster and removes both, and:
#   now, calc EXPR, median (stdin -> stdout)
#   bench_city N | bench_roads COPIES   path of a cached synthetic city (make_city.sh)
#   measure CMD…                         runs CMD; sets $elapsed (s) and $rss (peak RSS in KiB, or NA)
#   bench_cluster                        db init in a fresh home; sets $home and $pg (a libpq conninfo)
#   utm_epsg FILE LAYER                  EPSG:326nn/327nn as jumeau picks it for geographic data

[[ -x $bin ]] || { echo "$(basename "$0"): no jumeau binary at $bin (build it, or give BUILD_DIR)" >&2; exit 1; }
home="" work=$(mktemp -d /tmp/jumeau-bench-work.XXXXXX)
bench_cleanup() {
    if [[ -n $home ]]; then "$bin" --home "$home" db stop >/dev/null 2>&1 || true; fi
    rm -rf "$home" "$work"
}
trap bench_cleanup EXIT

now() { date +%s.%N; }
calc() { awk "BEGIN {print $*}"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# ---- synthetic cities, made once and kept in $BENCH_CACHE ------------------------------------
bench_cache=${BENCH_CACHE:-/tmp/jumeau-bench-cache}
bench_make_city="$here/tests/bench/make_city.sh"
bench_key=$(cat "$bench_make_city" "$here/data/samples/liechtenstein-2013-08-03.osm.pbf" | sha256sum | cut -c1-12)
mkdir -p "$bench_cache"
chmod 755 "$bench_cache"
bench_cached() { # FILE MAKE_CITY_ARGS… -> FILE, made by make_city.sh unless already there
    local f=$1 t0 stale
    shift
    if [[ -s $f ]]; then
        echo "cached: $f" >&2
    else
        # the same size made by an older make_city.sh or from another source is of no more use
        stale=${f/$bench_key/????????????}
        rm -f $stale
        t0=$(now)
        "$bench_make_city" "$@" >&2
        printf '  (made in %.1f s)\n' "$(calc "$(now) - $t0")" >&2
    fi
    echo "$f"
}
bench_city() { bench_cached "$bench_cache/city-$1-$bench_key.gpkg" "$bench_cache/city-$1-$bench_key.gpkg" "$1"; }
bench_roads() {
    bench_cached "$bench_cache/city-$1-${bench_key}_roads.gpkg" --roads "$bench_cache/city-$1-${bench_key}_roads.gpkg" "$1"
}
feature_count() { ogrinfo -so "$1" "$2" | awk -F': ' '/^Feature Count/ {print $2}'; }

# ---- wall time and the child's peak RSS -----------------------------------------------------
# GNU time reports the child's ru_maxrss from wait4(); python3's getrusage(RUSAGE_CHILDREN)
# reports the same kernel figure. Either way it is the importing process's own peak, not the
# PostgreSQL server's.
if [[ ${BENCH_RSS:-} != python3 && -x /usr/bin/time ]] && /usr/bin/time -f %M -o "$work/probe" true 2>/dev/null; then
    rss_tool="GNU time (/usr/bin/time -f %M)"
elif command -v python3 >/dev/null; then
    rss_tool="python3 resource.getrusage(RUSAGE_CHILDREN)"
else
    rss_tool=""
fi
measure() {
    local t0
    case $rss_tool in
    GNU*)
        t0=$(now)
        /usr/bin/time -f %M -o "$work/rss" "$@"
        elapsed=$(calc "$(now) - $t0")
        rss=$(tail -n 1 "$work/rss") ;;
    python3*)
        # python3 times the child itself, so that its own start-up is not counted
        python3 -c '
import resource, subprocess, sys, time
t0 = time.monotonic()
rc = subprocess.run(sys.argv[2:]).returncode
t1 = time.monotonic()
with open(sys.argv[1], "w") as f:
    f.write("%.6f %d\n" % (t1 - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)
' "$work/rss" "$@"
        read -r elapsed rss <"$work/rss" ;;
    *)
        t0=$(now)
        "$@"
        elapsed=$(calc "$(now) - $t0")
        rss=NA ;;
    esac
}
mib() { if [[ $1 == NA ]]; then echo NA; else awk -v k="$1" 'BEGIN {printf "%.1f MiB\n", k / 1024}'; fi; }

# ---- a fresh private cluster ----------------------------------------------------------------
bench_cluster() {
    home=$(mktemp -d /tmp/jumeau-bench.XXXXXX)
    chmod 755 "$home" # as root, the cluster runs as the postgres user, which must reach it
    "$bin" --home "$home" -q db init
    pg="host=$home/run port=5432 dbname=jumeau user=jumeau"
}

# The UTM zone of the layer's centre, as jumeau's importer picks it (imp__utm_epsg, without
# the Norway and Svalbard exceptions); for when no jumeau dataset can tell it.
utm_epsg() {
    ogrinfo -so "$1" "$2" | awk '/^Extent:/ {
        gsub(/[(),]/, " "); lon = ($2 + $5) / 2; lat = ($3 + $6) / 2
        zone = int((lon + 180) / 6) + 1; if (zone > 60) zone = 60
        printf "EPSG:%d\n", (lat >= 0 ? 32600 : 32700) + zone }'
}
