# jumeau serve: /health, /collections through curl and GDAL's OGC API client, errors as JSON,
# CORS, port in use, graceful stop on SIGTERM.
. "$(dirname "$0")/lib.sh"

PBF="$DATA/osm/liechtenstein-2013-08-03.osm.pbf"
jumeau import buildings "$PBF" --name serve_open --title "Open buildings" -q --replace
jumeau import buildings "$PBF" --name serve_shared --access shared -q --replace
jumeau import buildings "$PBF" --name serve_closed --access closed -q --replace

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
"$JUMEAU_BIN" serve --listen "127.0.0.1:$PORT" > "$SCRATCH/serve.log" 2>&1 &
PID=$!
at_exit "kill $PID 2>/dev/null"
if wait_http "$BASE/health" 30; then ok "server answers"; else fail "server did not start: $(cat "$SCRATCH/serve.log")"; fi

check_eq "/health" '200 {"status":"ok","database":"ok"}' \
    "$(curl -s -w '%{http_code}' -o "$SCRATCH/h.json" "$BASE/health") $(jq -c '{status, database}' "$SCRATCH/h.json")"

curl -s "$BASE/collections" > "$SCRATCH/c.json"
check_eq "/collections lists only open datasets" "serve_open" \
    "$(jq -r '[.collections[].id | select(startswith("serve_"))] | join(",")' "$SCRATCH/c.json")"
check_eq "collection title and extent" "Open buildings 9.47" \
    "$(jq -r '.collections[] | select(.id == "serve_open") | "\(.title) \(.extent.spatial.bbox[0][0] * 100 | floor / 100)"' "$SCRATCH/c.json")"
check_eq "items link" "$BASE/collections/serve_open/items" \
    "$(jq -r '.collections[] | select(.id == "serve_open") | .links[] | select(.rel == "items") | .href' "$SCRATCH/c.json")"

check_eq "/collections/serve_open" "200 serve_open" \
    "$(curl -s -w '%{http_code}' -o "$SCRATCH/one.json" "$BASE/collections/serve_open") $(jq -r .id "$SCRATCH/one.json")"
# a closed or shared dataset is not found for anonymous callers, exactly like a missing one
for id in serve_closed serve_shared no_such_thing; do
    code=$(curl -s -w '%{http_code}' -o "$SCRATCH/e.json" "$BASE/collections/$id")
    check_eq "/collections/$id for anonymous" "404 not-found" "$code $(jq -r .code "$SCRATCH/e.json")"
done
check_not_contains "closed dataset never in /collections" "serve_closed" "$(cat "$SCRATCH/c.json")"

code=$(curl -s -w '%{http_code}' -o "$SCRATCH/e.json" "$BASE/no/such/path")
check_eq "unknown path" "404 not-found" "$code $(jq -r .code "$SCRATCH/e.json")"
code=$(curl -s -w '%{http_code}' -o "$SCRATCH/e.json" -X DELETE "$BASE/collections")
check_eq "wrong method" "405" "$code"

headers=$(curl -s -D - -o /dev/null -X OPTIONS -H 'Origin: https://viewer.example' \
          -H 'Access-Control-Request-Method: GET' "$BASE/collections")
check_contains "CORS preflight status" "204" "$(echo "$headers" | head -1)"
check_contains "CORS preflight origin" "Access-Control-Allow-Origin: *" "$headers"
check_contains "HEAD works" "200" "$(curl -s -I "$BASE/collections" | head -1)"
check_contains "CORS on responses" "Access-Control-Allow-Origin: *" "$(curl -s -D - -o /dev/null "$BASE/health")"

# GDAL's own OGC API – Features client sees the open layer.
run_status ogrinfo -ro -q "OAPIF:$BASE"
check_contains "ogrinfo OAPIF lists the open collection" "serve_open" "$OUT"
check_not_contains "ogrinfo OAPIF hides the closed collection" "serve_closed" "$OUT"

# Limits a client controls: a long URL, a large body, large headers.
check_eq "a 20 KB URL is 414" "414" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/collections?x=$(head -c 20000 /dev/zero | tr '\0' a)")"
head -c 3000000 /dev/zero > "$SCRATCH/big.bin"
check_eq "a 3 MB body is 413" "413" "$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$SCRATCH/big.bin" "$BASE/collections")"
big_header=$(head -c 100000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big_header" "$BASE/collections")
check_eq "a 100 KB header is refused with a 4xx" "4" "${code:0:1}"
check_eq "the server still answers" "200" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")"

# The access log: one line per request.
check_contains "access log line" "GET /collections 200" "$(cat "$SCRATCH/serve.log")"

# A second server on the same port: a one-line message, status 2.
run_status jumeau serve --listen "127.0.0.1:$PORT"
check_eq "port in use status" 2 "$STATUS"
check_contains "port in use message" "already in use" "$OUT"
check_lines "port in use message" 1 "$OUT"

kill -TERM "$PID"
wait "$PID"
check_eq "exit status after SIGTERM" 0 "$?"

finish
