# PostgreSQL stopped and started under load: 503 while it is down, normal answers after,
# without restarting the server; /metrics counts what happened.
. "$(dirname "$0")/lib.sh"

jumeau datasets drop outage_b >/dev/null 2>&1
jumeau import buildings "$DATA/osm/liechtenstein-2013-08-03.osm.pbf" --name outage_b -q
start_server
at_exit "'$JUMEAU_BIN' db start >/dev/null 2>&1"
wait_http "$BASE/health" 30 || fail "server did not start"

# load: four clients asking for pages until told to stop, recording every status
: > "$SCRATCH/codes"
load() {
    while [ ! -e "$SCRATCH/stop" ]; do
        curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 "$BASE/collections/outage_b/items?limit=50&offset=$((RANDOM % 3000))" >> "$SCRATCH/codes"
    done
}
for i in 1 2 3 4; do load & done
sleep 1
jumeau db stop >/dev/null
sleep 2
down=$(curl -s -o "$SCRATCH/down.json" -w '%{http_code}' "$BASE/collections/outage_b/items?limit=1")
check_eq "503 while the database is down" "503 database" "$down $(jq -r .code "$SCRATCH/down.json")"
check_not_contains "the 503 says nothing internal" "postgres" "$(cat "$SCRATCH/down.json")"
check_eq "health says so" "503" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")"
jumeau db start >/dev/null
sleep 1
touch "$SCRATCH/stop"
wait_load=0
for job in $(jobs -p); do [ "$job" != "$PID" ] && wait "$job"; done
check_eq "normal answers after, without a restart" "200 50" \
    "$(curl -s -w ' %{http_code}' "$BASE/collections/outage_b/items?limit=50" | python3 -c 'import sys,json; t=sys.stdin.read(); body,code=t.rsplit(" ",1); print(code, json.loads(body)["numberReturned"])')"
codes=$(sort "$SCRATCH/codes" | uniq -c | awk '{printf "%s:%s ", $2, $1}')
check_eq "only 200s and 503s under load ($codes)" "" "$(grep -vE '^(200|503)$' "$SCRATCH/codes" | sort -u | tr '\n' ' ')"
check_contains "some requests succeeded under load" "200:" "$codes"
check_eq "the server is still the same process" "yes" "$(kill -0 "$PID" 2>/dev/null && echo yes)"
check_contains "metrics count the 5xx" 'route="items",status="5xx"' "$(curl -s "$BASE/metrics")"
check_contains "metrics show the pool" 'jumeau_db_connections{state="open"}' "$(curl -s "$BASE/metrics")"
kill -TERM "$PID"
wait "$PID"
check_eq "clean stop" 0 "$?"
jumeau datasets drop outage_b -q
finish
