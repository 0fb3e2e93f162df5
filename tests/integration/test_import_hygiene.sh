# Geometry hygiene and bad input: repairs, skips, promotion, Z; broken files, wrong kinds,
# bad filters; every refusal leaves nothing written.
. "$(dirname "$0")/lib.sh"

PARCELS="$DATA/cadastre/be_flanders_grb_adp_parcels_31370.geojson"
for name in hygiene z3d legacy_crs bowtie_only parcels where_test; do jumeau datasets drop "$name" >/dev/null 2>&1; done
tables_before=$(sql "SELECT count(*) FROM pg_tables WHERE schemaname IN ('data', 'closed')")
registry_before=$(sql "SELECT count(*) FROM jumeau.datasets")

# A bow-tie (self-intersecting) polygon, an empty geometry, a null geometry, a single
# Polygon beside a MultiPolygon; EPSG:31370 through the legacy "crs" member.
cat > "$SCRATCH/hygiene.geojson" <<'JSON'
{"type": "FeatureCollection",
 "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}},
 "features": [
  {"type": "Feature", "id": 1, "properties": {"name": "bowtie"},
   "geometry": {"type": "Polygon", "coordinates": [[[0,0],[10,10],[10,0],[0,10],[0,0]]]}},
  {"type": "Feature", "id": 2, "properties": {"name": "square"},
   "geometry": {"type": "Polygon", "coordinates": [[[20,0],[30,0],[30,10],[20,10],[20,0]]]}},
  {"type": "Feature", "id": 3, "properties": {"name": "two squares"},
   "geometry": {"type": "MultiPolygon", "coordinates": [[[[40,0],[50,0],[50,10],[40,10],[40,0]]], [[[60,0],[70,0],[70,10],[60,10],[60,0]]]]}},
  {"type": "Feature", "id": 4, "properties": {"name": "nothing"}, "geometry": null},
  {"type": "Feature", "id": 5, "properties": {"name": "empty"}, "geometry": {"type": "Polygon", "coordinates": []}}
 ]}
JSON
run_status jumeau import buildings "$SCRATCH/hygiene.geojson" --name hygiene --report "$SCRATCH/hygiene.json"
check_eq "hygiene import status" 0 "$STATUS"
check_eq "legacy crs member honoured" "31370" "$(sql "SELECT Find_SRID('data', 'hygiene', 'geom')")"
check_eq "written, skipped, repaired" "3 2 1" "$(jq -r '"\(.features_written) \(.skipped.empty_geometry.count) \(.repaired.count)"' "$SCRATCH/hygiene.json")"
check_eq "skipped ids reported" "4,5" "$(jq -r '.skipped.empty_geometry.first_ids | sort | map(tostring) | join(",")' "$SCRATCH/hygiene.json")"
check_eq "repaired id reported" "1" "$(jq -r '.repaired.first_ids | map(tostring) | join(",")' "$SCRATCH/hygiene.json")"
check_eq "all valid, all multipolygons" "3|3" \
    "$(sql "SELECT count(*) FILTER (WHERE ST_IsValid(geom)), count(*) FILTER (WHERE GeometryType(geom) = 'MULTIPOLYGON') FROM data.hygiene")"
check_eq "the bow-tie keeps its area (two triangles)" "50" "$(sql "SELECT round(ST_Area(geom)) FROM data.hygiene WHERE name = 'bowtie'")"

# Z values are kept.
cat > "$SCRATCH/z3d.geojson" <<'JSON'
{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:31370"}}, "features": [
  {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0,0,12.5],[10,0,12.5],[10,10,13],[0,10,13],[0,0,12.5]]]}}]}
JSON
run_status jumeau import buildings "$SCRATCH/z3d.geojson" --name z3d
check_eq "3D import status" 0 "$STATUS"
check_eq "Z kept" "MultiPolygonZ 13" \
    "$(sql "SELECT type || ' ' || (SELECT round(ST_ZMax(geom)) FROM data.z3d) FROM geometry_columns WHERE f_table_name = 'z3d'" | sed 's/MULTIPOLYGON/MultiPolygonZ/')"
check_eq "Z column type" "3" "$(sql "SELECT coord_dimension FROM geometry_columns WHERE f_table_schema = 'data' AND f_table_name = 'z3d'")"

# From here on, every import must fail with status 1 and leave nothing behind.
tables_mid=$(sql "SELECT count(*) FROM pg_tables WHERE schemaname IN ('data', 'closed')")
registry_mid=$(sql "SELECT count(*) FROM jumeau.datasets")

refused() { # refused WHAT EXPECTED_MESSAGE_PART ARGS…
    local what=$1 part=$2
    shift 2
    run_status jumeau import "$@"
    check_eq "$what: status" 1 "$STATUS"
    check_contains "$what: message" "$part" "$OUT"
    check_lines "$what: message" 1 "$OUT"
}

head -c 200000 "$PARCELS" > "$SCRATCH/cut.geojson"
refused "GeoJSON cut in the middle" "cut.geojson" cadastre "$SCRATCH/cut.geojson"

mkdir -p "$SCRATCH/shp"
ogr2ogr -f "ESRI Shapefile" "$SCRATCH/shp/parcels.shp" "$PARCELS" 2>/dev/null
check_eq "the Shapefile was written" "yes" "$([ -f "$SCRATCH/shp/parcels.shp" ] && echo yes)"
rm "$SCRATCH/shp/parcels.dbf"
refused "Shapefile without its .dbf" "parcels.shp" cadastre "$SCRATCH/shp/parcels.shp"

refused "points given as buildings" "no polygons" buildings "$DATA/networks/vt_montpelier_sewer_storm_points.geojson"
refused "lines given as cadastre" "no polygons" cadastre "$DATA/networks/vt_montpelier_sewer_storm_lines.geojson"

ogr2ogr -f GeoJSON "$SCRATCH/empty.geojson" "$PARCELS" -where "ref_identifier = 'none'"
refused "an empty layer" "empty.geojson" cadastre "$SCRATCH/empty.geojson"

refused "an unknown --srs" "--srs" cadastre "$PARCELS" --srs EPSG:123456789
refused "a --where that does not parse" "--where" cadastre "$PARCELS" --where "ref_identifier = = 'x'"
refused "a --where on a missing column" "--where" cadastre "$PARCELS" --where "no_such_column = 1"
refused "an invalid --name" "--name" cadastre "$PARCELS" --name "1-parcels"
refused "an unknown layer" "no layer named" cadastre "$PARCELS" --layer nope

ogr2ogr -f GPKG "$SCRATCH/two.gpkg" "$PARCELS" -nln parcels
ogr2ogr -f GPKG -update "$SCRATCH/two.gpkg" "$DATA/networks/vt_montpelier_sewer_storm_points.geojson" -nln manholes
refused "several layers and no --layer" "parcels, manholes" cadastre "$SCRATCH/two.gpkg"
refused "an unwritable --report" "--report" cadastre "$PARCELS" --report /proc/nope/report.json

printf 'GIF89a\0\0\0garbage' > "$SCRATCH/image.geojson"
refused "not a vector file" "not a vector file" cadastre "$SCRATCH/image.geojson"

check_eq "no table written by the refusals" "$tables_mid" "$(sql "SELECT count(*) FROM pg_tables WHERE schemaname IN ('data', 'closed')")"
check_eq "no dataset registered by the refusals" "$registry_mid" "$(sql "SELECT count(*) FROM jumeau.datasets")"
check_eq "only the two good imports added tables" "$((tables_before + 2))" "$tables_mid"
check_eq "and datasets" "$((registry_before + 2))" "$registry_mid"

# --where keeps what it selects.
run_status jumeau import cadastre "$PARCELS" --name where_test --where "ref_identifier LIKE '24514C%'" --replace
check_eq "--where import status" 0 "$STATUS"
expected=$(ogrinfo -ro -q "$PARCELS" -sql "SELECT count(*) FROM reference WHERE ref_identifier LIKE '24514C%'" | sed -n 's/.*COUNT_\* (Integer) = //p')
check_eq "--where selects as GDAL does" "$expected" "$(sql "SELECT count(*) FROM data.where_test")"
jumeau datasets drop where_test -q

finish
