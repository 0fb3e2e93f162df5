# Cadastre: national ids (CaPaKey), section and number derived from them, ellipsoidal areas,
# personal data moved to the closed schema, the JSON report.
. "$(dirname "$0")/lib.sh"

PARCELS="$DATA/cadastre/be_flanders_grb_adp_parcels_31370.geojson"
for name in be_parcels be_owners etalab; do jumeau datasets drop "$name" >/dev/null 2>&1; done

run_status jumeau import cadastre "$PARCELS" --name be_parcels --report "$SCRATCH/parcels.json" \
    --producer "Digitaal Vlaanderen" --frequency monthly --licence "Modellicentie Gratis Hergebruik"
check_eq "import status" 0 "$STATUS"
check_eq "parcels, all with their CaPaKey" "408|408" \
    "$(sql "SELECT count(*), count(national_id) FROM data.be_parcels")"
check_eq "CaPaKey equals the source's ref_identifier" "0" \
    "$(sql "SELECT count(*) FROM data.be_parcels WHERE national_id IS DISTINCT FROM ref_identifier")"
check_eq "section and number derived from the CaPaKey" "24514C|0024/00C005" \
    "$(sql "SELECT section, number FROM data.be_parcels WHERE national_id = '24514C0024/00C005'")"
check_eq "kept in Belgian Lambert 72" "31370" "$(sql "SELECT Find_SRID('data', 'be_parcels', 'geom')")"
# the ellipsoidal area and the Lambert 72 planar area agree within 0.1 % for every parcel
check_eq "areas within 0.1 % of the projected area" "0" \
    "$(sql "SELECT count(*) FROM data.be_parcels WHERE abs(area_m2 - ST_Area(geom)) > 0.001 * area_m2")"
check_eq "areas are geography areas" "0" \
    "$(sql "SELECT count(*) FROM data.be_parcels WHERE abs(area_m2 - ST_Area(ST_Transform(geom, 4326)::geography)) > 0.01")"
check_eq "registry metadata" "cadastre|Digitaal Vlaanderen|monthly|EPSG:31370" \
    "$(sql "SELECT kind, producer, update_frequency, source_srs FROM jumeau.datasets WHERE name = 'be_parcels'")"
check_eq "report: id column and counts" "ref_identifier 408 done" \
    "$(jq -r '"\(.detected.national_id_column) \(.features_written) \(.status)"' "$SCRATCH/parcels.json")"

# A point transformed to the stored CRS and back moves less than 1 cm: the parcels are stored
# in their own CRS, so a vertex must come back exactly as GDAL reads it.
gdal_xy=$(ogrinfo -ro -q "$PARCELS" reference -where "ref_identifier = '24514C0024/00C005'" | grep -o 'MULTIPOLYGON (((.*' \
          | sed 's/MULTIPOLYGON (((//; s/,.*//')
db_xy=$(sql "SELECT ST_X(p) || ' ' || ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1) AS p FROM data.be_parcels WHERE national_id = '24514C0024/00C005') s")
close=$(python3 -c "a=[float(v) for v in '$gdal_xy'.split()]; b=[float(v) for v in '$db_xy'.split()]; print(int(abs(a[0]-b[0])<0.01 and abs(a[1]-b[1])<0.01))")
check_eq "Lambert 72 vertex round trip ($gdal_xy vs $db_xy)" 1 "$close"

# Personal data: a well-known owner column and one named with --closed go to the closed schema.
ogr2ogr -f GeoJSON "$SCRATCH/owners.geojson" "$PARCELS" \
    -sql "SELECT *, 'Jan Peeters' AS eigenaar, 'Kerkstraat 1' AS notes_private, 'public remark' AS remark FROM reference"
run_status jumeau import cadastre "$SCRATCH/owners.geojson" --name be_owners --closed notes_private \
    --report "$SCRATCH/owners.json"
check_eq "import with personal data status" 0 "$STATUS"
check_contains "summary counts closed columns" "2 closed columns" "$OUT"
check_eq "no personal column in the open table" "0" \
    "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'data' AND table_name = 'be_owners' AND column_name IN ('eigenaar', 'notes_private')")"
check_eq "open columns stay" "1" \
    "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'data' AND table_name = 'be_owners' AND column_name = 'remark'")"
check_eq "personal columns in closed.be_owners, keyed by id" "408|Jan Peeters|Kerkstraat 1" \
    "$(sql "SELECT count(*), min(eigenaar), min(notes_private) FROM closed.be_owners")"
check_eq "closed rows join their parcels" "408" \
    "$(sql "SELECT count(*) FROM closed.be_owners c JOIN data.be_owners d USING (id)")"
check_eq "open and shared roles cannot read it" "f|f|t" \
    "$(sql "SELECT has_table_privilege('jumeau_open', 'closed.be_owners', 'SELECT'), has_table_privilege('jumeau_shared', 'closed.be_owners', 'SELECT'), has_table_privilege('jumeau_internal', 'closed.be_owners', 'SELECT')")"
check_eq "attribute levels registered" "eigenaar:closed,notes_private:closed" \
    "$(sql "SELECT string_agg(column_name || ':' || access_level, ',' ORDER BY column_name) FROM jumeau.dataset_attributes WHERE dataset = 'be_owners'")"
check_eq "report lists the closed columns" "eigenaar,notes_private" \
    "$(jq -r '.closed_columns | sort | join(",")' "$SCRATCH/owners.json")"

# A --closed column that does not exist: refused, nothing written (a typo must not leave data open).
run_status jumeau import cadastre "$SCRATCH/owners.geojson" --name be_owners --replace --closed owner_nmae
check_eq "unknown --closed column status" 1 "$STATUS"
check_contains "unknown --closed column message" "owner_nmae" "$OUT"
check_eq "version unchanged" "1" "$(sql "SELECT version FROM jumeau.datasets WHERE name = 'be_owners'")"
run_status jumeau import cadastre "$PARCELS" --name be_parcels --replace --id-column nope
check_eq "unknown --id-column status" 1 "$STATUS"

# The French Etalab layout: an "id" beside section and numero, in Lambert 93.
cat > "$SCRATCH/etalab.csv" <<'CSV'
WKT,id,commune,prefixe,section,numero,contenance
"POLYGON ((652000 6862000,652030 6862000,652030 6862020,652000 6862020,652000 6862000))",75101000AB0012,75101,000,AB,0012,600
"POLYGON ((652040 6862000,652060 6862000,652060 6862020,652040 6862020,652040 6862000))",75101000AB0013,75101,000,AB,0013,400
CSV
run_status jumeau import cadastre "$SCRATCH/etalab.csv" --srs EPSG:2154 --name etalab
check_eq "Etalab import status" 0 "$STATUS"
check_eq "Etalab ids, sections and numbers" "75101000AB0012|AB|0012" \
    "$(sql "SELECT national_id, section, number FROM data.etalab ORDER BY national_id LIMIT 1")"
check_eq "Etalab area close to contenance" "t" \
    "$(sql "SELECT abs(area_m2 - 600) < 1 FROM data.etalab WHERE national_id = '75101000AB0012'")"

finish
