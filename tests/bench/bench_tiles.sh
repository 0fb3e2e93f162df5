#!/usr/bin/env bash
# Tile serving. Cached: wrk over a mix of the city's z14-z16 tiles of Vaduz from jumeau's cache,
# beside nginx serving the same tile bytes from disk, in the same run (target >= 0.8 of
# nginx). Uncached: the time to make every z14 tile of Liechtenstein (cache off) beside the
# bare SQL of the same tiles run by psql (target <= 1.15).
# usage: tests/bench/bench_tiles.sh [BUILD_DIR] [SECONDS]      (defaults: ./build, 10)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
seconds=${2:-10}
bin="$build/jumeau"
work=$(mktemp -d /tmp/jumeau-bench.XXXXXX)
chmod 755 "$work"
home="$work/home"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
    wait 2>/dev/null
    "$bin" --home "$home" db stop >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
command -v wrk nginx >/dev/null || { echo "wrk and nginx are needed: make deps"; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

"$bin" --home "$home" -q db init
"$bin" --home "$home" -q import buildings "$here/data/samples/liechtenstein-2013-08-03.osm.pbf" --name buildings
"$bin" --home "$home" -q import network "$here/data/samples/liechtenstein-2013-08-03.osm.pbf" --name roads
port=$(free_port)
"$bin" --home "$home" -q serve --listen "127.0.0.1:$port" --threads "${BENCH_THREADS:-2}" &
pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done

# the tile list: z14-z16 around Vaduz, fetched once (which also fills the cache)
python3 - "$work/list" <<'PY'
import math, sys
out = open(sys.argv[1], "w")
for z in (14, 15, 16):
    n = 2 ** z
    def tile(lon, lat):
        return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    x0, y0 = tile(9.50, 47.16)
    x1, y1 = tile(9.55, 47.12)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            out.write(f"/tiles/city/{z}/{x}/{y}.mvt\n")
PY
mkdir -p "$work/www"
while read -r path; do
    mkdir -p "$work/www$(dirname "$path")"
    curl -s -o "$work/www$path" "http://127.0.0.1:$port$path"
done < "$work/list"
ntiles=$(wc -l < "$work/list")
bytes=$(find "$work/www" -name '*.mvt' -size +0 | xargs cat | wc -c)
echo "tiles: $ntiles (z14-z16 around Vaduz), $bytes bytes"

nport=$(free_port)
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
    access_log off;
    types { application/vnd.mapbox-vector-tile mvt; }
    server { listen 127.0.0.1:$nport; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.3

cat > "$work/mix.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("TILE_LIST")) do paths[#paths + 1] = line end
local i = 0
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
LUA
run_wrk() { TILE_LIST="$work/list" wrk -t 2 -c 16 -d "${seconds}s" --latency -s "$work/mix.lua" "$1"; }
j=$(run_wrk "http://127.0.0.1:$port")
n=$(run_wrk "http://127.0.0.1:$nport")
j_rps=$(echo "$j" | awk '/Requests\/sec/ {print $2}'); j_p99=$(echo "$j" | awk '$1 == "99%" {print $2}')
n_rps=$(echo "$n" | awk '/Requests\/sec/ {print $2}'); n_p99=$(echo "$n" | awk '$1 == "99%" {print $2}')
echo "cached tiles, jumeau: $j_rps req/s, p99 $j_p99"
echo "same bytes, nginx:    $n_rps req/s, p99 $n_p99"
awk -v a="$j_rps" -v b="$n_rps" 'BEGIN {printf "ratio jumeau/nginx: %.2f (target >= 0.8)\n", a / b}'

# uncached: every z14 tile of Liechtenstein, cache off, beside the bare SQL
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
port2=$(free_port)
JUMEAU_TILE_CACHE_MB=0 "$bin" --home "$home" -q serve --listen "127.0.0.1:$port2" &
pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port2/health" && break; sleep 0.1; done
python3 - "$work/z14" <<'PY'
import math, sys
out = open(sys.argv[1], "w"); z = 14; n = 2 ** z
def tile(lon, lat):
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
x0, y0 = tile(9.47, 47.28); x1, y1 = tile(9.64, 47.04)
for x in range(x0, x1 + 1):
    for y in range(y0, y1 + 1):
        out.write(f"{z} {x} {y}\n")
PY
# one curl for all tiles (one connection, kept alive), so process starts do not count
awk -v p="$port2" '{printf "url = \"http://127.0.0.1:%s/tiles/city/%s/%s/%s.mvt\"\noutput = \"/dev/null\"\n", p, $1, $2, $3}' "$work/z14" > "$work/curl.cfg"
t0=$(date +%s.%N)
curl -s -K "$work/curl.cfg"
t1=$(date +%s.%N)
# the bare SQL of the same tiles (the buildings and roads layers, as routes_tiles.c builds them)
columns() { psql -X -A -t "host=$home/run dbname=jumeau user=jumeau" -c "SELECT string_agg('t.' || quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'data.$1'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('id', 'geom')"; }
cols_buildings=$(columns buildings)
cols_roads=$(columns roads)
while read -r z x y; do
    for layer in buildings roads; do
        cols_var="cols_$layer"
        echo "SELECT length(ST_AsMVT(q, '$layer', 4096, 'geom', 'id')) FROM (SELECT t.id, ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology(t.geom, 0.5 * 40075016.68 / (2^$z * 4096)), 3857), ST_TileEnvelope($z, $x, $y), 4096, 64, true) AS geom, ${!cols_var} FROM data.$layer t WHERE t.geom && ST_Transform(ST_Segmentize(ST_TileEnvelope($z, $x, $y, margin => 0.015625), 64), 32632)) q WHERE q.geom IS NOT NULL;"
    done
done < "$work/z14" > "$work/z14.sql"
t2=$(date +%s.%N)
psql -X -q -o /dev/null "host=$home/run dbname=jumeau user=jumeau" -f "$work/z14.sql"
t3=$(date +%s.%N)
count=$(wc -l < "$work/z14")
awk -v n="$count" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
    printf "uncached z14 tiles (%d), jumeau: %.3f s (%.1f ms a tile)\n", n, b - a, (b - a) * 1000 / n
    printf "bare SQL of the same tiles (psql): %.3f s (%.1f ms a tile)\n", d - c, (d - c) * 1000 / n
    printf "ratio jumeau/SQL: %.2f (target <= 1.15; jumeau includes curl and HTTP)\n", (b - a) / (d - c) }'
