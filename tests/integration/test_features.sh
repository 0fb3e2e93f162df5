# OGC API – Features through GDAL's client and curl; API keys and access levels, enforced by
# the server and by the database roles; nothing closed leaks.
. "$(dirname "$0")/lib.sh"

PBF="$DATA/osm/liechtenstein-2013-08-03.osm.pbf"
PARCELS="$DATA/cadastre/be_flanders_grb_adp_parcels_31370.geojson"
for n in f_open f_shared f_owners; do jumeau datasets drop "$n" >/dev/null 2>&1; done
for k in partner1 staff1 gone1; do sql "DELETE FROM jumeau.api_keys WHERE name = '$k'"; done

# A marker in a closed attribute and one in a shared dataset: no anonymous or partner
# response may ever carry them.
CLOSED_MARK="closedmark$RANDOM$RANDOM"
SHARED_MARK="sharedmark$RANDOM$RANDOM"
ogr2ogr -f GeoJSON "$SCRATCH/owners.geojson" "$PARCELS" \
    -sql "SELECT *, '$CLOSED_MARK' AS eigenaar FROM reference"
ogr2ogr -f GeoJSON "$SCRATCH/shared.geojson" "$PARCELS" -sql "SELECT *, '$SHARED_MARK' AS note FROM reference"
jumeau import buildings "$PBF" --name f_open -q --title "Open buildings"
jumeau import cadastre "$SCRATCH/owners.geojson" --name f_owners -q
jumeau import cadastre "$SCRATCH/shared.geojson" --name f_shared --access shared -q

PARTNER=$(jumeau keys add partner1 --role partner)
STAFF=$(jumeau keys add staff1 --role internal)
GONE=$(jumeau keys add gone1 --role internal)
check_contains "a key is printed once" "jmk_" "$PARTNER"
check_eq "only the hash is stored" "0" "$(sql "SELECT count(*) FROM jumeau.api_keys WHERE key_hash = '$PARTNER' OR key_hash LIKE 'jmk_%'")"
run_status jumeau keys add partner1 --role partner
check_eq "the same name twice" 1 "$STATUS"
run_status jumeau keys revoke gone1
check_eq "revoke" 0 "$STATUS"
check_contains "keys list" "gone1" "$(jumeau keys list)"

start_server

get() { curl -s "$@"; }
as_partner() { curl -s -H "Authorization: Bearer $PARTNER" "$@"; }
as_staff() { curl -s -H "Authorization: Bearer $STAFF" "$@"; }

# --- GDAL's OGC API – Features client ---
run_status ogrinfo -ro -so "OAPIF:$BASE" f_open
check_contains "ogrinfo sees the open collection with its count" "Feature Count: 3723" "$OUT"
run_status ogrinfo -ro -q "OAPIF:$BASE"
check_not_contains "ogrinfo: no shared collection for anonymous" "f_shared" "$OUT"
ogr2ogr -f GPKG "$SCRATCH/paged.gpkg" "OAPIF:$BASE" f_open 2>/dev/null
check_eq "ogr2ogr pages through every feature exactly once" "3723|3723" \
    "$(ogrinfo -ro -q "$SCRATCH/paged.gpkg" -sql "SELECT count(*) || '|' || count(DISTINCT fid) AS n FROM f_open" | sed -n 's/.*n (String) = //p')"

# --- items ---
check_eq "numberMatched, numberReturned, default limit" "3723 10 10" \
    "$(get "$BASE/collections/f_open/items" | jq -r '"\(.numberMatched) \(.numberReturned) \(.features | length)"')"
check_eq "a limit above the maximum is capped, not refused" "3723" \
    "$(get "$BASE/collections/f_open/items?limit=20000" | jq .numberReturned)"
bbox="9.52,47.13,9.53,47.14"
sql_bbox=$(sql "SELECT count(*) FROM data.f_open WHERE ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(9.52,47.13,9.53,47.14,4326), 32632))")
check_eq "bbox matches SQL" "$sql_bbox" "$(get "$BASE/collections/f_open/items?bbox=$bbox&limit=1" | jq .numberMatched)"
check_eq "bbox in EPSG:4326 (latitude first) matches too" "$sql_bbox" \
    "$(get "$BASE/collections/f_open/items?bbox=47.13,9.52,47.14,9.53&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326&limit=1" | jq .numberMatched)"
first=$(get "$BASE/collections/f_open/items?limit=1" | jq -c '.features[0].geometry.coordinates[0][0][0]')
lat_first=$(get "$BASE/collections/f_open/items?limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/4326" | jq -c '.features[0].geometry.coordinates[0][0][0] | reverse')
check_eq "crs=EPSG:4326 gives latitude first" "$first" "$lat_first"
check_eq "Content-Crs header" "<http://www.opengis.net/def/crs/EPSG/0/31370>" \
    "$(curl -s -D - -o /dev/null "$BASE/collections/f_owners/items?limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/31370" | tr -d '\r' | sed -n 's/^Content-Crs: //p')"
xy=$(get "$BASE/collections/f_owners/items?limit=1&sortby=national_id&crs=http://www.opengis.net/def/crs/EPSG/0/31370" | jq -r '.features[0].geometry.coordinates[0][0][0] | "\(.[0]) \(.[1])"')
db_xy=$(sql "SELECT round(ST_X(p)::numeric, 3) || ' ' || round(ST_Y(p)::numeric, 3) FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1) AS p FROM data.f_owners ORDER BY national_id LIMIT 1) s")
check_eq "Lambert 72 output to the millimetre" "$db_xy" "$(python3 -c "a='$xy'.split(); print(f'{float(a[0]):.3f} {float(a[1]):.3f}')")"
check_eq "properties selects columns" '["national_id"]' \
    "$(get "$BASE/collections/f_owners/items?limit=1&properties=national_id" | jq -c '.features[0].properties | keys')"
check_eq "sortby descending" "$(sql "SELECT national_id FROM data.f_owners ORDER BY national_id DESC LIMIT 1")" \
    "$(get "$BASE/collections/f_owners/items?limit=1&sortby=-national_id" | jq -r '.features[0].properties.national_id')"
next=$(get "$BASE/collections/f_open/items?limit=1000" | jq -r '.links[] | select(.rel == "next") | .href')
check_eq "next link goes on" "1000 1000" "$(get "$next" | jq -r '"\(.numberReturned) \(.features[0].id - 1)"')"
check_eq "one item" "42 Feature" "$(get "$BASE/collections/f_open/items/42" | jq -r '"\(.id) \(.type)"')"
check_eq "queryables list the columns" "string number" \
    "$(get "$BASE/collections/f_open/queryables" | jq -r '"\(.properties.use.type) \(.properties.height.type)"')"

# --- errors: JSON, right status, nothing internal ---
for q in "limit=0" "limit=abc" "offset=-1" "bbox=1,2,3" "bbox=9,47,8,46" "bbox=a,b,c,d" "crs=EPSG:999999" \
         "sortby=nope" "properties=nope" "colour=red" "bbox=0,0,1,1&bbox-crs=urn:nonsense"; do
    code=$(curl -s -o "$SCRATCH/e.json" -w '%{http_code}' "$BASE/collections/f_open/items?$q")
    check_eq "items?$q" "400 invalid-input" "$code $(jq -r .code "$SCRATCH/e.json")"
    check_not_contains "items?$q says nothing of SQL" "SELECT" "$(cat "$SCRATCH/e.json")"
done
for path in "/collections/f_open/items/0" "/collections/f_open/items/abc" "/collections/f_open/items/99999999" \
            "/collections/nope/items" "/collections/f_shared/items" "/collections/f_shared/items/1"; do
    check_eq "$path" "404" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE$path")"
done

# --- keys and levels ---
check_eq "a wrong key is 401" "401" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer jmk_wrong' "$BASE/collections")"
check_eq "a revoked key is 401" "401" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $GONE" "$BASE/collections")"
check_eq "a malformed header is 401" "401" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Basic abc' "$BASE/collections")"
check_eq "the partner sees the shared dataset" "408" "$(as_partner "$BASE/collections/f_shared/items?limit=1" | jq .numberMatched)"
check_eq "the partner does not see closed attributes" "null" \
    "$(as_partner "$BASE/collections/f_owners/items?limit=1" | jq -r '.features[0].properties.eigenaar')"
check_eq "staff see closed attributes" "$CLOSED_MARK" \
    "$(as_staff "$BASE/collections/f_owners/items?limit=1" | jq -r '.features[0].properties.eigenaar')"
check_eq "staff may select a closed attribute" "$CLOSED_MARK" \
    "$(as_staff "$BASE/collections/f_owners/items/1?properties=eigenaar" | jq -r '.properties.eigenaar')"
check_eq "a partner asking for it gets a 400, not the data" "400" \
    "$(as_partner -o /dev/null -w '%{http_code}' "$BASE/collections/f_owners/items?properties=eigenaar")"

# The leak sweep: every route, anonymous and partner, searched for the markers.
read -r tz tx ty <<<"$(sql "SELECT 16, floor((ST_X(c) + 180) / 360 * 65536)::int, floor((1 - ln(tan(radians(ST_Y(c))) + 1 / cos(radians(ST_Y(c)))) / pi()) / 2 * 65536)::int FROM (SELECT ST_Centroid(ST_Transform(ST_Collect(geom), 4326)) AS c FROM data.f_owners) s" | tr '|' ' ')"
routes="/ /conformance /api /collections /collections/f_owners /collections/f_owners/items?limit=1000
/collections/f_owners/items/1 /collections/f_owners/queryables /collections/f_shared /collections/f_shared/items
/collections/f_owners/items?sortby=eigenaar /collections/f_owners/items?properties=eigenaar
/tiles/f_owners/$tz/$tx/$ty.mvt /tiles/city/$tz/$tx/$ty.mvt /tiles/f_owners.json /tiles/city.json
/tiles/f_owners/metadata.json /styles/city.json /collections/f_owners/tiles/WebMercatorQuad/$tz/$ty/$tx
/tiles/f_shared/$tz/$tx/$ty.mvt"
: > "$SCRATCH/anon.txt"
: > "$SCRATCH/partner.txt"
for r in $routes; do
    get -H 'Accept-Encoding: identity' "$BASE$r" >> "$SCRATCH/anon.txt"
    as_partner "$BASE$r" >> "$SCRATCH/partner.txt"
done
check_eq "no closed marker for anonymous callers" "0" "$(grep -ac "$CLOSED_MARK" "$SCRATCH/anon.txt")"
check_eq "no shared marker for anonymous callers" "0" "$(grep -ac "$SHARED_MARK" "$SCRATCH/anon.txt")"
check_eq "no closed marker for partners" "0" "$(grep -ac "$CLOSED_MARK" "$SCRATCH/partner.txt")"
check_eq "the shared marker does reach partners (the sweep can see markers)" "t" \
    "$([ "$(grep -ac "$SHARED_MARK" "$SCRATCH/partner.txt")" -gt 0 ] && echo t)"
check_eq "staff do get the closed marker in a tile" "t" \
    "$(as_staff "$BASE/tiles/f_owners/$tz/$tx/$ty.mvt" | grep -ac "$CLOSED_MARK" | sed 's/^[1-9][0-9]*$/t/')"
check_eq "no closed marker in the server's log" "0" "$(grep -c "$CLOSED_MARK" "$SCRATCH/serve.log")"

# Each layer alone stops the leak. The database: the reader roles cannot read what their
# level may not, whatever SQL runs.
run_status sql "SET ROLE jumeau_shared; SELECT count(*) FROM closed.f_owners"
check_failed "the shared role cannot read closed data"
run_status sql "SET ROLE jumeau_open; SELECT count(*) FROM data.f_shared"
check_failed "the open role cannot read a shared dataset"
# The server: with the database's guard opened up on purpose, it still shows nothing closed.
sql "GRANT SELECT ON closed.f_owners TO jumeau_open; GRANT USAGE ON SCHEMA closed TO jumeau_open"
check_eq "server alone: no closed attribute for anonymous" "0" \
    "$(get "$BASE/collections/f_owners/items?limit=1000" | grep -c "$CLOSED_MARK")"
check_eq "server alone: no closed queryable for anonymous" "null" \
    "$(get "$BASE/collections/f_owners/queryables" | jq -r '.properties.eigenaar')"
sql "REVOKE SELECT ON closed.f_owners FROM jumeau_open; REVOKE USAGE ON SCHEMA closed FROM jumeau_open"

# --- HTTP ---
etag=$(curl -s -D - -o /dev/null "$BASE/collections/f_open/items?limit=5" | tr -d '\r' | sed -n 's/^ETag: //p')
check_eq "If-None-Match gives 304" "304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$BASE/collections/f_open/items?limit=5")"
check_contains "gzip when accepted" "gzip" "$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "$BASE/collections/f_open/items?limit=100" | grep -i content-encoding)"
check_eq "gzip body decodes to the same JSON" "100" "$(curl -s --compressed "$BASE/collections/f_open/items?limit=100" | jq '.features | length')"
check_contains "conformance lists CRS" "ogcapi-features-2/1.0/conf/crs" "$(get "$BASE/conformance")"
check_eq "OpenAPI document" "3.0.3 10000" \
    "$(get "$BASE/api" | jq -r '"\(.openapi) \(.paths["/collections/f_open/items"].get.parameters[] | select(.name == "limit") | .schema.maximum)"')"

# the OpenAPI document passes a validator nobody here wrote
tools=$(test_tools)
curl -s "$BASE/api" > "$SCRATCH/api.json"
run_status node "$tools/validate_openapi.js" "$SCRATCH/api.json"
check_eq "swagger-parser validates /api" 0 "$STATUS"
check_contains "swagger-parser's verdict" "valid OpenAPI 3.0.3" "$OUT"

kill -TERM "$PID"
wait "$PID"
check_eq "clean stop" 0 "$?"
finish
