# OGC API – Features Part 3: CQL2 filters in text and JSON give the rows SQL gives; hostile
# filters get a 4xx and leave the server healthy; GDAL's client agrees.
. "$(dirname "$0")/lib.sh"

jumeau datasets drop flt_b >/dev/null 2>&1
jumeau import buildings "$DATA/osm/liechtenstein-2013-08-03.osm.pbf" --name flt_b -q
start_server
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
matched() { curl -s "$BASE/collections/flt_b/items?limit=1&$1" | jq -r '.numberMatched // .code'; }

# cql2-text | SQL on the table: the same rows
while IFS='|' read -r cql where; do
    [ -z "$cql" ] && continue
    expected=$(sql "SELECT count(*) FROM data.flt_b WHERE $where")
    check_eq "cql2-text: $cql" "$expected" "$(matched "filter=$(enc "$cql")")"
done <<'CASES'
building = 'house'|building = 'house'
building <> 'house'|building <> 'house'
building IN ('house', 'church', 'school')|building IN ('house', 'church', 'school')
building NOT IN ('house', 'yes')|building NOT IN ('house', 'yes')
name LIKE 'Haus%'|name LIKE 'Haus%'
name NOT LIKE '%a%'|name NOT LIKE '%a%'
height BETWEEN 5 AND 7|height BETWEEN 5 AND 7
height > 6 OR storeys >= 3|height > 6 OR storeys >= 3
NOT (building = 'yes') AND name IS NOT NULL|NOT (building = 'yes') AND name IS NOT NULL
name IS NULL|name IS NULL
storeys = 2 AND height_source = 'storeys'|storeys = 2 AND height_source = 'storeys'
osm_id = osm_way_id|osm_id = osm_way_id
S_INTERSECTS(geom, BBOX(9.52, 47.13, 9.53, 47.14))|ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(9.52, 47.13, 9.53, 47.14, 4326), 32632))
S_INTERSECTS(geom, POINT(9.5247 47.1395))|ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_MakePoint(9.5247, 47.1395), 4326), 32632))
S_INTERSECTS(geom, LINESTRING(9.50 47.10, 9.55 47.15))|ST_Intersects(geom, ST_Transform(ST_GeomFromText('LINESTRING(9.50 47.10, 9.55 47.15)', 4326), 32632))
S_INTERSECTS(geom, POLYGON((9.52 47.13, 9.53 47.13, 9.53 47.14, 9.52 47.14, 9.52 47.13))) AND building = 'house'|ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(9.52, 47.13, 9.53, 47.14, 4326), 32632)) AND building = 'house'
CASES

# cql2-json gives the same as its text twin
json='{"op":"and","args":[{"op":"=","args":[{"property":"building"},"house"]},{"op":"s_intersects","args":[{"property":"geom"},{"bbox":[9.5,47.1,9.6,47.2]}]}]}'
text="building = 'house' AND S_INTERSECTS(geom, BBOX(9.5, 47.1, 9.6, 47.2))"
check_eq "cql2-json equals cql2-text" "$(matched "filter=$(enc "$text")")" "$(matched "filter-lang=cql2-json&filter=$(enc "$json")")"
check_eq "filter with paging and links" "true" \
    "$(curl -s "$BASE/collections/flt_b/items?limit=5&filter=$(enc "building = 'house'")" | jq '[.links[] | select(.rel == "next") | .href | contains("filter=")] | all')"

# errors: 4xx with a message that names the problem; the server stays healthy
bad() { # bad LABEL EXPECTED_STATUS FILTER [EXTRA]
    local code
    code=$(curl -s -o "$SCRATCH/e.json" -w "%{http_code}" "$BASE/collections/flt_b/items?filter=$(enc "$3")${4:-}")
    check_eq "$1: status" "$2" "$code"
}
bad "unknown property" 400 "hieght > 3"
check_contains "unknown property named" "hieght" "$(cat "$SCRATCH/e.json")"
bad "type mismatch" 400 "building > 3"
bad "unbalanced" 400 "(building = 'house'"
bad "trailing garbage" 400 "building = 'house' xyz"
bad "SQL in a property name" 400 "building; DROP TABLE jumeau.datasets"
code=$(curl -s -o "$SCRATCH/e.json" -w '%{http_code}' "$BASE/collections/flt_b/items?filter=$(printf '(%.0s' $(seq 1 3000))building%3D1$(printf ')%.0s' $(seq 1 3000))")
check_eq "3,000-deep nesting is refused with a 4xx" "4" "${code:0:1}"
check_contains "the message names the limit" "nesting deeper than 32" "$(cat "$SCRATCH/e.json")"
bad "unknown filter-lang" 400 "building = 'house'" "&filter-lang=sql"
check_eq "a string with SQL is only a value" "0" "$(matched "filter=$(enc "name = 'x''; DROP TABLE data.flt_b; --'")")"
check_eq "the table is still there" "3723" "$(sql "SELECT count(*) FROM data.flt_b")"
# a 1 MB filter cannot even be sent in a URL that a server accepts: 100 KB shows the refusal
huge=$(head -c 100000 /dev/zero | tr '\0' 'a')
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/collections/flt_b/items?filter=name%3D%27$huge%27")
check_eq "a 100 KB filter is refused" "414" "$code"
check_eq "the server is healthy after all that" "200" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")"

# GDAL's OAPIF client with an attribute filter returns the rows SQL returns
expected=$(sql "SELECT count(*) FROM data.flt_b WHERE building = 'church'")
got=$(ogrinfo -ro -q "OAPIF:$BASE" flt_b -where "building = 'church'" | grep -c '^OGRFeature')
check_eq "ogrinfo -where through OAPIF" "$expected" "$got"
check_contains "conformance declares CQL2" "cql2/1.0/conf/cql2-text" "$(curl -s "$BASE/conformance")"
jumeau datasets drop flt_b -q
finish
