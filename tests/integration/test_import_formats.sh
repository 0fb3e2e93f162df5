# Any OGR source: the same parcels through every common format give the same dataset.
. "$(dirname "$0")/lib.sh"

PARCELS="$DATA/cadastre/be_flanders_grb_adp_parcels_31370.geojson"
area=$(ogrinfo -ro -q "$PARCELS" -dialect sqlite -sql "SELECT round(sum(ST_Area(geometry))) AS a FROM reference" | sed -n 's/.*a (Real) = //p')

convert() { ogr2ogr -f "$1" "$2" "$PARCELS" "${@:3}" 2>/dev/null; }
mkdir -p "$SCRATCH/shp"
convert GPKG "$SCRATCH/parcels.gpkg" -nln parcels
convert FlatGeobuf "$SCRATCH/parcels.fgb"
convert "ESRI Shapefile" "$SCRATCH/shp/parcels.shp"
(cd "$SCRATCH/shp" && zip -q ../parcels_shp.zip parcels.*)
convert GML "$SCRATCH/parcels.gml"
convert KML "$SCRATCH/parcels.kml"
convert CSV "$SCRATCH/parcels.csv" -lco GEOMETRY=AS_WKT

check_import() { # check_import LABEL FILE EXPECTED_SRID [ARGS…]
    local label=$1 file=$2 srid=$3
    shift 3
    local name="fmt_$label"
    jumeau datasets drop "$name" >/dev/null 2>&1
    run_status jumeau import cadastre "$file" --name "$name" "$@"
    check_eq "$label: status" 0 "$STATUS"
    check_eq "$label: parcels with ids, CRS" "408|408|$srid" \
        "$(sql "SELECT count(*), count(national_id), Find_SRID('data', '$name', 'geom') FROM data.$name")"
    check_eq "$label: total area within 0.1 %" "t" \
        "$(sql "SELECT abs(sum(ST_Area(ST_Transform(geom, 31370))) - $area) < 0.001 * $area FROM data.$name")"
    jumeau datasets drop "$name" -q
}

check_import gpkg "$SCRATCH/parcels.gpkg" 31370
check_import flatgeobuf "$SCRATCH/parcels.fgb" 31370
check_import shapefile "$SCRATCH/shp/parcels.shp" 31370
check_import zipped_shapefile "$SCRATCH/parcels_shp.zip" 31370
check_import gml "$SCRATCH/parcels.gml" 31370
# KML is always WGS 84: stored in the UTM zone of Leuven (31N)
check_import kml "$SCRATCH/parcels.kml" 32631
# a CSV with WKT has no CRS of its own: --srs gives it
check_import csv "$SCRATCH/parcels.csv" 31370 --srs EPSG:31370
# --srs overrides a CRS the file states wrongly (here: the right one, stated again)
check_import srs_override "$PARCELS" 31370 --srs EPSG:31370

finish
