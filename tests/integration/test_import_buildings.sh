# The buildings import slice: counts agree with GDAL, geometry lands in the right CRS with
# centimetre precision, re-imports are atomic, bad input loses nothing.
. "$(dirname "$0")/lib.sh"

PBF="$DATA/osm/liechtenstein-2013-08-03.osm.pbf"
# the shared cluster may hold these from an earlier run of this test
for name in li_buildings footprints be_parcels_as_buildings x2 heights; do jumeau datasets drop "$name" >/dev/null 2>&1; done

# What GDAL itself counts is the reference.
gdal_count=$(ogrinfo -ro -q "$PBF" -sql "SELECT count(*) FROM multipolygons WHERE building IS NOT NULL" \
             | sed -n 's/.*COUNT_\* (Integer) = //p')
check_eq "GDAL's count of OSM buildings" 3723 "$gdal_count"

run_status jumeau import buildings "$PBF" --name li_buildings --title "Buildings of Liechtenstein" \
    --licence "ODbL-1.0"
check_eq "import status" 0 "$STATUS"
check_contains "import summary" "imported 3723 buildings into data.li_buildings" "$OUT"

check_eq "rows in data.li_buildings" "$gdal_count" "$(sql 'SELECT count(*) FROM data.li_buildings')"
check_eq "registry feature_count" "$gdal_count" "$(sql "SELECT feature_count FROM jumeau.datasets WHERE name = 'li_buildings'")"
check_eq "storage CRS is the UTM zone (32N)" "32632" "$(sql "SELECT Find_SRID('data', 'li_buildings', 'geom')")"
check_eq "geometry type" "MULTIPOLYGON" "$(sql "SELECT DISTINCT GeometryType(geom) FROM data.li_buildings")"
check_eq "registry metadata" "buildings|Buildings of Liechtenstein|ODbL-1.0|open|EPSG:4326|1" \
    "$(sql "SELECT kind, title, licence, access_level, source_srs, version FROM jumeau.datasets WHERE name = 'li_buildings'")"
check_eq "source checksum" "$(sha256sum "$PBF" | cut -d' ' -f1)" \
    "$(sql "SELECT source_sha256 FROM jumeau.datasets WHERE name = 'li_buildings'")"
check_eq "spatial index used by a bbox query" "1" \
    "$(sql "EXPLAIN SELECT id FROM data.li_buildings WHERE geom && ST_MakeEnvelope(758000, 5220000, 759000, 5221000, 32632)" | grep -c 'li_buildings_geom_idx')"
check_eq "the table is readable by the open role" "t" "$(sql "SELECT has_table_privilege('jumeau_open', 'data.li_buildings', 'SELECT')")"
check_eq "source attributes are typed columns" "text" \
    "$(sql "SELECT data_type FROM information_schema.columns WHERE table_schema = 'data' AND table_name = 'li_buildings' AND column_name = 'building'")"
check_eq "every building keeps its OSM id" "0" "$(sql "SELECT count(*) FROM data.li_buildings WHERE osm_id IS NULL AND osm_way_id IS NULL")"
check_eq "an import run is recorded as done" "done|3723|3723" \
    "$(sql "SELECT status, features_read, features_written FROM jumeau.import_runs WHERE dataset = 'li_buildings' ORDER BY id DESC LIMIT 1")"

# Centimetre round trip: the first vertex of one building, as GDAL reads it and as PostGIS
# gives it back in lon/lat, differ by less than 1e-7 degrees (about 1 cm).
way=$(sql "SELECT osm_way_id FROM data.li_buildings WHERE osm_way_id IS NOT NULL ORDER BY id LIMIT 1")
gdal_xy=$(ogrinfo -ro -q "$PBF" multipolygons -where "osm_way_id = '$way'" | grep -o 'MULTIPOLYGON (((.*' \
          | sed 's/MULTIPOLYGON (((//; s/,.*//')
db_xy=$(sql "SELECT ST_X(p) || ' ' || ST_Y(p) FROM (SELECT ST_Transform(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1), 4326) AS p FROM data.li_buildings WHERE osm_way_id = '$way') s")
close=$(python3 -c "a=[float(v) for v in '$gdal_xy'.split()]; b=[float(v) for v in '$db_xy'.split()]; print(int(abs(a[0]-b[0])<1e-7 and abs(a[1]-b[1])<1e-7))")
check_eq "vertex of way $way round-trips ($gdal_xy vs $db_xy)" 1 "$close"

# The same name again without --replace: refused, nothing changes.
run_status jumeau import buildings "$PBF" --name li_buildings
check_eq "re-import without --replace status" 1 "$STATUS"
check_contains "re-import message" "--replace" "$OUT"
check_eq "version unchanged" 1 "$(sql "SELECT version FROM jumeau.datasets WHERE name = 'li_buildings'")"

# With --replace: a new version swapped in atomically, metadata kept.
run_status jumeau import buildings "$PBF" --name li_buildings --replace
check_eq "re-import with --replace status" 0 "$STATUS"
check_eq "version bumped" "2|Buildings of Liechtenstein" "$(sql "SELECT version, title FROM jumeau.datasets WHERE name = 'li_buildings'")"
check_eq "rows after replace" "$gdal_count" "$(sql 'SELECT count(*) FROM data.li_buildings')"
check_eq "no staging table left" "0" "$(sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'data' AND tablename LIKE '%__import'")"

# A truncated file: a clear error naming the file; the existing dataset is untouched.
head -c 200000 "$PBF" > "$SCRATCH/truncated.osm.pbf"
run_status jumeau import buildings "$SCRATCH/truncated.osm.pbf" --name li_buildings --replace
check_failed "truncated PBF is refused"
check_eq "truncated PBF status" 1 "$STATUS"
check_contains "truncated PBF message names the file" "truncated.osm.pbf" "$OUT"
check_eq "dataset untouched after a failed replace" "2|$gdal_count" \
    "$(sql "SELECT version, (SELECT count(*) FROM data.li_buildings) FROM jumeau.datasets WHERE name = 'li_buildings'")"
check_eq "the failed run is recorded" "failed" \
    "$(sql "SELECT status FROM jumeau.import_runs WHERE dataset = 'li_buildings' ORDER BY id DESC LIMIT 1")"

# Not a geodata file at all.
printf 'this is not { geojson' > "$SCRATCH/broken.geojson"
run_status jumeau import buildings "$SCRATCH/broken.geojson"
check_eq "broken GeoJSON status" 1 "$STATUS"
check_contains "broken GeoJSON message" "broken.geojson" "$OUT"
check_lines "broken GeoJSON message" 1 "$OUT"
check_eq "no table for the broken file" "f" "$(sql "SELECT to_regclass('data.broken') IS NOT NULL")"

# A CSV with WKT and no CRS: refused unless --srs says which.
cat > "$SCRATCH/footprints.csv" <<'CSV'
WKT,name,levels
"POLYGON ((173000 174000,173010 174000,173010 174012,173000 174012,173000 174000))",Town hall,3
"POLYGON ((173020 174000,173030 174000,173030 174008,173020 174000))",Library,2
CSV
run_status jumeau import buildings "$SCRATCH/footprints.csv"
check_eq "no CRS status" 1 "$STATUS"
check_contains "no CRS message" "--srs" "$OUT"
check_eq "nothing registered without a CRS" "0" "$(sql "SELECT count(*) FROM jumeau.datasets WHERE name = 'footprints'")"
run_status jumeau import buildings "$SCRATCH/footprints.csv" --srs EPSG:31370
check_eq "CSV with --srs status" 0 "$STATUS"
check_eq "CSV kept in Belgian Lambert 72" "31370|2" \
    "$(sql "SELECT Find_SRID('data', 'footprints', 'geom'), count(*) FROM data.footprints")"
check_eq "CSV area in square metres" "120" "$(sql "SELECT round(ST_Area(geom)) FROM data.footprints WHERE name = 'Town hall'")"

# A projected source stays in its own CRS: the Flemish parcels, imported as footprints.
run_status jumeau import buildings "$DATA/cadastre/be_flanders_grb_adp_parcels_31370.geojson" --name be_parcels_as_buildings
check_eq "Lambert 72 GeoJSON status" 0 "$STATUS"
check_eq "Lambert 72 GeoJSON stored as EPSG:31370 with every feature" "31370|408" \
    "$(sql "SELECT Find_SRID('data', 'be_parcels_as_buildings', 'geom'), count(*) FROM data.be_parcels_as_buildings")"

# An invalid --srs and an invalid name.
run_status jumeau import buildings "$SCRATCH/footprints.csv" --srs EPSG:999999 --name x2
check_eq "unknown --srs status" 1 "$STATUS"
run_status jumeau import buildings "$PBF" --name "Robert'); DROP TABLE jumeau.datasets;--"
check_eq "hostile --name status" 1 "$STATUS"
check_eq "registry still there" "t" "$(sql "SELECT to_regclass('jumeau.datasets') IS NOT NULL")"

# Normalised building columns: height from an attribute, else storeys × storey height, else
# the default, with height_source saying which; storeys, use, year, address.
cat > "$SCRATCH/heights.geojson" <<'JSON'
{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:31370"}}, "features": [
 {"type": "Feature", "properties": {"name": "tower", "height": "45.5 m", "building:levels": "12", "building": "office", "start_date": "1972", "addr:street": "Grote Markt", "addr:housenumber": "1", "addr:city": "Leuven"},
  "geometry": {"type": "Polygon", "coordinates": [[[0,0],[20,0],[20,20],[0,20],[0,0]]]}},
 {"type": "Feature", "properties": {"name": "house", "building:levels": "4", "building": "yes", "start_date": "c. 1890"},
  "geometry": {"type": "Polygon", "coordinates": [[[30,0],[40,0],[40,10],[30,10],[30,0]]]}},
 {"type": "Feature", "properties": {"name": "shed", "building": "shed"},
  "geometry": {"type": "Polygon", "coordinates": [[[50,0],[55,0],[55,5],[50,5],[50,0]]]}}]}
JSON
run_status jumeau import buildings "$SCRATCH/heights.geojson" --name heights --storey-height 3.5 --default-height 4
check_eq "heights import status" 0 "$STATUS"
check_contains "the summary counts where heights came from" "heights: 1 from the source, 1 from storeys, 1 set to the default 4 m" "$OUT"
check_eq "tower: height from the attribute" "45.5|attribute|12|office|1972|Grote Markt 1, Leuven" \
    "$(sql "SELECT height, height_source, storeys, use, year_built, address FROM data.heights WHERE name = 'tower'")"
check_eq "house: height from storeys, use unknown for building=yes" "14|storeys|4||1890" \
    "$(sql "SELECT height, height_source, storeys, use, year_built FROM data.heights WHERE name = 'house'")"
check_eq "shed: the default height" "4|default||shed" \
    "$(sql "SELECT height, height_source, storeys, use FROM data.heights WHERE name = 'shed'")"
check_eq "the source's own height column kept beside the normalised one" "45.5 m" \
    "$(sql "SELECT height_src FROM data.heights WHERE name = 'tower'")"
check_eq "every OSM building has a height and its source" "0" \
    "$(sql "SELECT count(*) FROM data.li_buildings WHERE height IS NULL OR height_source IS NULL")"
osm_with_height=$(ogrinfo -ro -q "$PBF" -sql "SELECT count(*) FROM multipolygons WHERE building IS NOT NULL AND (other_tags LIKE '%\"height\"=>%' OR other_tags LIKE '%\"building:height\"=>%')" | sed -n 's/.*COUNT_\* (Integer) = //p')
check_eq "OSM buildings whose height came from a tag" "$osm_with_height" \
    "$(sql "SELECT count(*) FROM data.li_buildings WHERE height_source = 'attribute'")"
jumeau import buildings "$SCRATCH/heights.geojson" --name heights --replace --report "$SCRATCH/heights.json" -q
check_eq "the JSON report counts the defaulted heights" "1 1 1 6" \
    "$(jq -r '.heights | "\(.from_attribute) \(.from_storeys) \(.default) \(.default_height_m)"' "$SCRATCH/heights.json")"

finish
