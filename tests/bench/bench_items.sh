#!/usr/bin/env bash
# Server overhead of OGC API – Features: `items?limit=100&bbox=…` over the Liechtenstein
# buildings under wrk (16 connections), beside the same SQL run by pgbench (16 clients) straight
# against the database, in the same run. Prints requests/s and latency of both and the ratio
# of the server's mean latency to the database's own; also the server's RSS after 1,000 and
# after 100,000 requests (it should stay flat).
# usage: tests/bench/bench_items.sh [BUILD_DIR] [SECONDS]      (defaults: ./build, 10)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
seconds=${2:-10}
bin="$build/jumeau"
home=$(mktemp -d /tmp/jumeau-bench.XXXXXX)
chmod 755 "$home"
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; "$bin" --home "$home" db stop >/dev/null 2>&1; rm -rf "$home"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is missing: make deps"; exit 2; }

"$bin" --home "$home" -q db init
"$bin" --home "$home" -q import buildings "$here/data/samples/liechtenstein-2013-08-03.osm.pbf" --name b
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$bin" --home "$home" -q serve --listen "127.0.0.1:$port" --threads 4 &
pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
bbox="9.50,47.12,9.54,47.16"
url="http://127.0.0.1:$port/collections/b/items?limit=100&bbox=$bbox"
echo "features in the bbox: $(curl -s "$url" | jq .numberMatched), 100 per page"

# the same query the server runs, as pgbench sees it (the role, the page, the JSON)
cat > "$home/query.sql" <<SQL
SET ROLE jumeau_open;
WITH page AS (SELECT t.id FROM data.b t WHERE ST_Intersects(t.geom, ST_Transform(ST_MakeEnvelope(9.50, 47.12, 9.54, 47.16, 4326), 32632)) ORDER BY t.id LIMIT 100 OFFSET 0)
SELECT json_build_object('type', 'Feature', 'id', t.id, 'geometry', ST_AsGeoJSON(ST_Transform(t.geom, 4326), 7)::json, 'properties', (to_jsonb(t) - 'geom' - 'id'))::text FROM page JOIN data.b t ON t.id = page.id ORDER BY t.id;
SELECT count(*) FROM data.b t WHERE ST_Intersects(t.geom, ST_Transform(ST_MakeEnvelope(9.50, 47.12, 9.54, 47.16, 4326), 32632));
RESET ROLE;
SQL

for _ in $(seq 1000); do curl -s -o /dev/null "$url"; done
rss_1k=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
wrk_out=$(wrk -t 2 -c 16 -d "${seconds}s" --latency "$url")
pg_out=$(pgbench -n -c 16 -j 2 -T "$seconds" -f "$home/query.sql" "host=$home/run dbname=jumeau user=jumeau" 2>&1)
server_rps=$(echo "$wrk_out" | awk '/Requests\/sec/ {print $2}')
server_p50=$(echo "$wrk_out" | awk '$1 == "50%" {print $2}')
server_p99=$(echo "$wrk_out" | awk '$1 == "99%" {print $2}')
db_tps=$(echo "$pg_out" | awk '/^tps/ {print $3}')
db_lat=$(echo "$pg_out" | awk '/latency average/ {print $4}')
echo "jumeau items (wrk, 16 connections): $server_rps req/s, p50 $server_p50, p99 $server_p99"
echo "same SQL (pgbench, 16 clients):     $db_tps tx/s, mean latency $db_lat ms"
awk -v a="$server_rps" -v b="$db_tps" 'BEGIN {printf "ratio of throughputs db/server: %.2f (target <= 1.2)\n", b / a}'

# memory after many requests: small pages, until 100,000 have been answered
small="http://127.0.0.1:$port/collections/b/items?limit=1"
for _ in $(seq 30); do
    done_so_far=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/jumeau_http_requests_total\{route="items"/ {s += $2} END {print s + 0}')
    [ "$done_so_far" -ge 100000 ] && break
    wrk -t 2 -c 16 -d 5s "$small" >/dev/null
done
n=$(curl -s "http://127.0.0.1:$port/metrics" | awk -F' ' '/jumeau_http_requests_total\{route="items"/ {s += $2} END {print s}')
rss_n=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "server RSS after 1,000 requests: $((rss_1k / 1024)) MiB; after $n requests: $((rss_n / 1024)) MiB"
