# An injection matrix: hostile payloads in every parameter a client controls. None may add
# rows, take time, crash the server or put SQL or internals in a response.
. "$(dirname "$0")/lib.sh"

jumeau datasets drop inj_b >/dev/null 2>&1
jumeau import buildings "$DATA/osm/liechtenstein-2013-08-03.osm.pbf" --name inj_b -q
start_server

payloads=(
    "'" "\"" "';--" "1;DROP TABLE jumeau.datasets" "1 OR 1=1" "' OR '1'='1" "1) UNION SELECT key_hash FROM jumeau.api_keys--"
    "pg_sleep(5)" "1;SELECT pg_sleep(5)" "'||pg_sleep(5)||'" "/**/" "%00" "%27%20OR%201=1" "\\x27" "🙂'" "$(printf 'a%.0s' $(seq 1 5000))"
)
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
checked=0
bad=0
slow=0
for p in "${payloads[@]}"; do
    e=$(enc "$p")
    for url in "/collections/inj_b/items?limit=$e" "/collections/inj_b/items?offset=$e" "/collections/inj_b/items?bbox=$e" \
               "/collections/inj_b/items?crs=$e" "/collections/inj_b/items?bbox-crs=$e&bbox=9,47,10,48" \
               "/collections/inj_b/items?sortby=$e" "/collections/inj_b/items?properties=$e" \
               "/collections/inj_b/items?filter=$e" "/collections/inj_b/items/$e" "/collections/$e" "/collections/$e/items" \
               "/collections/inj_b/items?$e=1" "/tiles/$e/14/8612/5760.mvt" "/tiles/inj_b/$e/1/1.mvt" \
               "/tiles/inj_b/14/$e/5760.mvt" "/tiles/$e.json" "/collections/inj_b/tiles/WebMercatorQuad/14/$e/1"; do
        start=$(date +%s%N)
        code=$(curl -s -o "$SCRATCH/r" -w '%{http_code}' --max-time 10 "$BASE$url")
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        checked=$((checked + 1))
        [ "$ms" -gt 3000 ] && { slow=$((slow + 1)); echo "slow: $ms ms $url"; }
        case "$code" in
            400|404|413|414|501) ;;
            *) bad=$((bad + 1)); echo "unexpected $code for $url" ;;
        esac
        # the client's own text may be quoted back in a message; what must never appear is the
        # database's or the program's own: error texts, relation names, paths, source lines
        if grep -qiE 'syntax error|ERROR: |postgresql|relation "|column "|/tmp/|\.c:[0-9]|data\.inj_b' "$SCRATCH/r"; then
            bad=$((bad + 1)); echo "internals in the answer to $url: $(head -c 200 "$SCRATCH/r")"
        fi
    done
done
check_eq "hostile requests answered 4xx/501 with clean bodies ($checked tried)" 0 "$bad"
check_eq "no hostile request took seconds" 0 "$slow"
check_eq "the registry is intact" "t" "$(sql "SELECT to_regclass('jumeau.datasets') IS NOT NULL AND to_regclass('jumeau.api_keys') IS NOT NULL")"
check_eq "no rows added" "3723" "$(sql "SELECT count(*) FROM data.inj_b")"
check_eq "the server is healthy" "200" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")"
check_eq "and answers as before" "10" "$(curl -s "$BASE/collections/inj_b/items" | jq .numberReturned)"
jumeau datasets drop inj_b -q
finish
