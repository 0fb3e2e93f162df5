# Vector tiles: OGC API – Tiles and XYZ + TileJSON, decoded by GDAL's MVT driver; counts and
# coordinates against SQL; access levels; errors; ETag across a re-import.
. "$(dirname "$0")/lib.sh"

PBF="$DATA/osm/liechtenstein-2013-08-03.osm.pbf"
for n in tl_b tl_shared; do jumeau datasets drop "$n" >/dev/null 2>&1; done
sql "DELETE FROM jumeau.api_keys WHERE name = 'tile_partner'"
jumeau import buildings "$PBF" --name tl_b -q --licence "ODbL-1.0"
jumeau import cadastre "$DATA/cadastre/be_flanders_grb_adp_parcels_31370.geojson" --name tl_shared --access shared -q
PARTNER=$(jumeau keys add tile_partner --role partner)
start_server

# z/x/y of the tile holding a lon/lat
tile_of() { python3 -c "
import math; lon, lat, z = $1, $2, $3; n = 2 ** z
print(z, int((lon + 180) / 360 * n), int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n))"; }
read -r z x y <<<"$(tile_of 9.5247 47.1395 15)"

tj=$(curl -s "$BASE/tiles/tl_b.json")
check_eq "TileJSON 3.0 with the buildings' zoom range" "3.0.0 13 22 ODbL-1.0" "$(echo "$tj" | jq -r '"\(.tilejson) \(.minzoom) \(.maxzoom) \(.attribution)"')"
check_eq "TileJSON fields with types" "Number String" "$(echo "$tj" | jq -r '.vector_layers[0].fields | "\(.height) \(.use)"')"
check_eq "TileJSON bounds around Liechtenstein" "9 47" "$(echo "$tj" | jq -r '.bounds | "\(.[0] | floor) \(.[1] | floor)"')"

curl -s -o "$SCRATCH/t.mvt" "$BASE/tiles/tl_b/$z/$x/$y.mvt"
decoded=$(ogrinfo -ro -so "$SCRATCH/t.mvt" -oo X="$x" -oo Y="$y" -oo Z="$z" tl_b 2>&1)
n_tile=$(echo "$decoded" | sed -n 's/Feature Count: //p')
n_sql=$(sql "SELECT count(*) FROM data.tl_b WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope($z, $x, $y, margin => 64.0 / 4096))")
check_eq "GDAL decodes the tile: features as SQL counts them" "$n_sql" "$n_tile"
check_eq "tile at z$z is not empty" "t" "$([ "${n_tile:-0}" -gt 0 ] && echo t || echo f)"
ogr2ogr -f GPKG "$SCRATCH/t.gpkg" "$SCRATCH/t.mvt" -oo X="$x" -oo Y="$y" -oo Z="$z" 2>/dev/null
check_eq "decoded polygons are valid" "0" \
    "$(ogrinfo -ro -q "$SCRATCH/t.gpkg" -dialect sqlite -sql "SELECT count(*) AS bad FROM tl_b WHERE ST_IsValid(geom) = 0" | sed -n 's/.*bad (Integer) = //p')"
# a decoded vertex lies within a pixel of the source (z15 pixel: 0.3 m in EPSG:3857)
id=$(ogrinfo -ro -q "$SCRATCH/t.gpkg" -sql "SELECT mvt_id FROM tl_b LIMIT 1" | sed -n 's/.*mvt_id (Integer64) = //p')
dist=$(ogrinfo -ro -q "$SCRATCH/t.gpkg" -dialect sqlite -sql "SELECT AsText(geom) AS g FROM tl_b WHERE mvt_id = $id" | sed -n 's/.*g (String) = //p')
near=$(sql "SELECT ST_Distance(ST_GeomFromText('$dist', 3857), ST_Boundary(ST_Transform(geom, 3857))) < 1 OR ST_HausdorffDistance(ST_Intersection(ST_GeomFromText('$dist', 3857), ST_Transform(geom, 3857)), ST_GeomFromText('$dist', 3857)) < 1 FROM data.tl_b WHERE id = $id")
check_eq "decoded geometry matches the source within the tile's precision" "t" "$near"

# GDAL's MVT driver on a whole zoom level of the tileset (its metadata.json, then every tile)
read -r z2 x2 y2 <<<"$(tile_of 9.5247 47.1395 14)"
level=$(ogrinfo -ro -so -oo TILE_EXTENSION=mvt "MVT:$BASE/tiles/tl_b/14" tl_b 2>&1)
check_contains "GDAL reads zoom 14 of the tileset" "Feature Count:" "$level"
n_level=$(echo "$level" | sed -n 's/Feature Count: //p')
n_sql14=$(sql "SELECT count(*) FROM data.tl_b")
check_eq "every building is in zoom 14 (GDAL counts at least one piece each)" "t" \
    "$([ "${n_level:-0}" -ge "$n_sql14" ] && echo t)"

# the same tile through OGC API – Tiles (row before column)
check_eq "OGC API – Tiles gives the same bytes" "$(sha256sum < "$SCRATCH/t.mvt")" \
    "$(curl -s "$BASE/collections/tl_b/tiles/WebMercatorQuad/$z/$y/$x" | sha256sum)"
check_eq "tile content type" "application/vnd.mapbox-vector-tile" \
    "$(curl -s -o /dev/null -w '%{content_type}' "$BASE/tiles/tl_b/$z/$x/$y.mvt")"
check_eq "tile matrix set" "WebMercatorQuad 25 559082264.0287178" \
    "$(curl -s "$BASE/tileMatrixSets/WebMercatorQuad" | jq -r '"\(.id) \(.tileMatrices | length) \(.tileMatrices[0].scaleDenominator)"')"
check_eq "tileset metadata links the templated tiles" "true" \
    "$(curl -s "$BASE/collections/tl_b/tiles/WebMercatorQuad" | jq '[.links[] | select(.rel == "item") | .templated] | all')"
check_contains "conformance lists OGC API – Tiles" "ogcapi-tiles-1/1.0/conf/mvt" "$(curl -s "$BASE/conformance")"

# errors and empty tiles
check_eq "an empty tile is 204" "204" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/tiles/tl_b/15/0/0.mvt")"
check_eq "below the zoom range is 404" "404" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/tiles/tl_b/5/16/11.mvt")"
check_eq "x outside the grid is 404" "404" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/tiles/tl_b/15/40000/1.mvt")"
check_eq "a non-number is 400" "400" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/tiles/tl_b/15/x/1.mvt")"
check_eq "an unknown tileset is 404" "404" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/tiles/nope/15/1/1.mvt")"
check_eq "a shared tileset is 404 for anonymous" "404" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/tiles/tl_shared.json")"

# the composite city tileset: one layer per dataset the caller may see
read -r clon clat <<<"$(sql "SELECT (bbox_4326[1] + bbox_4326[3]) / 2, (bbox_4326[2] + bbox_4326[4]) / 2 FROM jumeau.datasets WHERE name = 'tl_shared'" | tr '|' ' ')"
read -r pz px py <<<"$(tile_of "$clon" "$clat" 16)"
curl -s -o "$SCRATCH/c_anon.mvt" "$BASE/tiles/city/$pz/$px/$py.mvt"
curl -s -H "Authorization: Bearer $PARTNER" -o "$SCRATCH/c_partner.mvt" "$BASE/tiles/city/$pz/$px/$py.mvt"
check_not_contains "anonymous city tile has no shared layer" "tl_shared" \
    "$(ogrinfo -ro -q "$SCRATCH/c_anon.mvt" -oo X="$px" -oo Y="$py" -oo Z="$pz" 2>&1)"
check_contains "partner city tile has the shared layer" "tl_shared" \
    "$(ogrinfo -ro -q "$SCRATCH/c_partner.mvt" -oo X="$px" -oo Y="$py" -oo Z="$pz" 2>&1)"
check_contains "city TileJSON lists the open layers" "tl_b" "$(curl -s "$BASE/tiles/city.json" | jq -r '[.vector_layers[].id] | join(",")')"

# the size cap: a z13 tile of Vaduz under a 4 KB cap keeps the largest buildings only
read -r bz bx by <<<"$(tile_of 9.5247 47.1395 13)"
full=$(curl -s "$BASE/tiles/tl_b/$bz/$bx/$by.mvt" | wc -c)
MAIN_BASE=$BASE
JUMEAU_TILE_MAX_BYTES=4000 start_server
curl -s -o "$SCRATCH/capped.mvt" "$BASE/tiles/tl_b/$bz/$bx/$by.mvt"
capped=$(wc -c < "$SCRATCH/capped.mvt")
check_eq "the uncapped tile is larger than 4 KB ($full bytes)" "t" "$([ "$full" -gt 4000 ] && echo t)"
check_eq "the capped tile fits ($capped bytes)" "t" "$([ "$capped" -le 4000 ] && [ "$capped" -gt 0 ] && echo t)"
ogr2ogr -f GPKG "$SCRATCH/capped.gpkg" "$SCRATCH/capped.mvt" -oo X="$bx" -oo Y="$by" -oo Z="$bz" 2>/dev/null
kept_ids=$(ogrinfo -ro -q "$SCRATCH/capped.gpkg" -sql "SELECT mvt_id FROM tl_b" | sed -n 's/.*mvt_id (Integer64) = //p' | paste -sd, -)
check_eq "what stays is bigger than what goes" "t" \
    "$(sql "SELECT min(ST_Area(geom)) FILTER (WHERE id IN ($kept_ids)) >= max(ST_Area(geom)) FILTER (WHERE id NOT IN ($kept_ids)) FROM data.tl_b WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope($bz, $bx, $by))")"
BASE=$MAIN_BASE

# the tile query uses the spatial index (the shape of routes_tiles.c's query)
plan=$(sql "EXPLAIN SELECT t.id FROM data.tl_b t WHERE t.geom && ST_Transform(ST_Segmentize(ST_TileEnvelope($z, $x, $y, margin => 0.015625), 1), 32632)")
check_contains "the tile query uses the GiST index" "tl_b_geom_idx" "$plan"

# clients nobody here wrote: MapLibre's style validator, Mapbox's vector tile decoder
tools=$(test_tools)
curl -s "$BASE/styles/city.json" > "$SCRATCH/style.json"
run_status node "$tools/validate_style.js" "$SCRATCH/style.json"
check_eq "the MapLibre style validates" 0 "$STATUS"
check_contains "the style's verdict" "valid style" "$OUT"
check_eq "buildings extruded by height" "fill-extrusion" \
    "$(jq -r '.layers[] | select(."source-layer" == "tl_b") | .type' "$SCRATCH/style.json")"
check_eq "a legend in the metadata" "true" "$(jq '.metadata["jumeau:legend"] | length > 0' "$SCRATCH/style.json")"
read -r layer count fid lon lat <<<"$(node "$tools/decode_tile.js" "$SCRATCH/t.mvt" "$z" "$x" "$y")"
check_eq "@mapbox/vector-tile decodes the tile" "tl_b $n_sql" "$layer $count"
near=$(sql "SELECT ST_DWithin(ST_Transform(ST_SetSRID(ST_MakePoint($lon, $lat), 4326), 32632), geom, 1) FROM data.tl_b WHERE id = $fid")
check_eq "its first vertex lies on feature $fid (within 1 m)" "t" "$near"

# the tile cache: the second request is a hit with the same bytes
check_eq "second request from the cache" "hit" \
    "$(curl -s -D - -o "$SCRATCH/again.mvt" "$BASE/tiles/tl_b/$z/$x/$y.mvt" | tr -d '\r' | sed -n 's/^X-Cache: //p')"
check_eq "cached bytes are the same" "same" "$(cmp -s "$SCRATCH/t.mvt" "$SCRATCH/again.mvt" && echo same)"
check_contains "metrics count cache hits" 'jumeau_tile_cache_requests_total{result="hit"}' "$(curl -s "$BASE/metrics")"

# ETag: 304 for an unchanged tile; a re-import with other content changes bytes and ETag
etag=$(curl -s -D - -o /dev/null "$BASE/tiles/tl_b/$z/$x/$y.mvt" | tr -d '\r' | sed -n 's/^ETag: //p')
check_eq "304 for an unchanged tile" "304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$BASE/tiles/tl_b/$z/$x/$y.mvt")"
jumeau import buildings "$PBF" --name tl_b -q --replace --where "building = 'house'"
headers2=$(curl -s -D - -o "$SCRATCH/t2.mvt" "$BASE/tiles/tl_b/$z/$x/$y.mvt" | tr -d '\r')
etag2=$(echo "$headers2" | sed -n 's/^ETag: //p')
check_eq "the first request after a re-import is not answered from the cache" "miss" \
    "$(echo "$headers2" | sed -n 's/^X-Cache: //p')"
check_eq "a re-import changes the tile's ETag" "changed" "$([ "$etag" != "$etag2" ] && echo changed)"
check_eq "and its bytes" "changed" "$(cmp -s "$SCRATCH/t.mvt" "$SCRATCH/t2.mvt" || echo changed)"


# an access level changed by another process reaches the cached views at once (NOTIFY)
check_eq "the tile is served from the cache before" "hit" \
    "$(curl -s -D - -o /dev/null "$BASE/tiles/tl_b/$z/$x/$y.mvt" | tr -d '\r' | sed -n 's/^X-Cache: //p')"
jumeau datasets set tl_b access=shared
sleep 0.3
check_eq "once shared, the tile is gone for anonymous callers" "404" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/tiles/tl_b/$z/$x/$y.mvt")"
check_eq "and the city TileJSON no longer lists it" "false" \
    "$(curl -s "$BASE/tiles/city.json" | jq '[(.vector_layers // [])[].id] | index("tl_b") != null')"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PARTNER" "$BASE/tiles/tl_b/$z/$x/$y.mvt")
check_eq "a partner still gets it (200, or 204 where the houses-only version is empty)" "t" \
    "$([ "$code" = 200 ] || [ "$code" = 204 ] && echo t)"

jumeau datasets drop tl_shared -q
jumeau datasets drop tl_b -q
finish
