# Tile archives: `jumeau tile mvt` writes MBTiles and PMTiles that GDAL, SQLite and the
# `pmtiles` package read, holding the very tiles the server serves.
. "$(dirname "$0")/lib.sh"

PBF="$DATA/osm/liechtenstein-2013-08-03.osm.pbf"
for n in ar_b ar_shared; do jumeau datasets drop "$n" >/dev/null 2>&1; done
jumeau import buildings "$PBF" --name ar_b -q --licence "ODbL-1.0"
jumeau import cadastre "$DATA/cadastre/be_flanders_grb_adp_parcels_31370.geojson" --name ar_shared --access shared -q

run_status jumeau tile mvt ar_b --out "$SCRATCH/city.pmtiles" --maxzoom 15
check_eq "PMTiles build status" 0 "$STATUS"
check_contains "PMTiles summary" "tiles to $SCRATCH/city.pmtiles (z13-z15" "$OUT"
run_status jumeau tile mvt ar_b --out "$SCRATCH/city.mbtiles" --maxzoom 15
check_eq "MBTiles build status" 0 "$STATUS"

start_server
read -r z x y <<<"$(python3 -c "
import math; lon, lat, z = 9.5247, 47.1395, 15; n = 2 ** z
print(z, int((lon + 180) / 360 * n), int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n))")"
curl -s -o "$SCRATCH/served.mvt" "$BASE/tiles/ar_b/$z/$x/$y.mvt"
check_eq "the server's tile is not empty" "t" "$([ -s "$SCRATCH/served.mvt" ] && echo t)"

tools=$(test_tools)
run_status node "$tools/read_pmtiles.mjs" "$SCRATCH/city.pmtiles" "$z" "$x" "$y" "$SCRATCH/from_pmtiles.mvt"
check_contains "the pmtiles package reads the archive" "pmtiles v3 z13-z15 found" "$OUT"
check_eq "PMTiles holds the server's tile" "$(sha256sum < "$SCRATCH/served.mvt")" "$(sha256sum < "$SCRATCH/from_pmtiles.mvt")"

python3 - "$SCRATCH/city.mbtiles" "$z" "$x" "$y" "$SCRATCH/from_mbtiles.mvt" <<'PY'
import gzip, sqlite3, sys
path, z, x, y, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
row = sqlite3.connect(path).execute(
    "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
    (z, x, (1 << z) - 1 - y)).fetchone()
open(out, "wb").write(gzip.decompress(row[0]) if row else b"")
PY
check_eq "MBTiles holds the server's tile (TMS row)" "$(sha256sum < "$SCRATCH/served.mvt")" "$(sha256sum < "$SCRATCH/from_mbtiles.mvt")"
run_status ogrinfo -ro -so "$SCRATCH/city.mbtiles" ar_b
check_eq "GDAL's MBTiles driver opens the archive" 0 "$STATUS"
check_contains "GDAL sees the layer's features" "Feature Count:" "$OUT"
check_contains "the archive's metadata" "ODbL-1.0" "$(ogrinfo -ro -so "$SCRATCH/city.mbtiles" 2>&1)"

# the server answers a pre-built tileset from its archive
kill "$PID"; wait "$PID" 2>/dev/null
start_server --archive "prebuilt=$SCRATCH/city.pmtiles,prebuilt_mb=$SCRATCH/city.mbtiles"
check_eq "a tile from the PMTiles archive is the tile the archive holds" "$(sha256sum < "$SCRATCH/served.mvt")" \
    "$(curl -s "$BASE/tiles/prebuilt/$z/$x/$y.mvt" | sha256sum)"
check_eq "and from the MBTiles archive" "$(sha256sum < "$SCRATCH/served.mvt")" \
    "$(curl -s "$BASE/tiles/prebuilt_mb/$z/$x/$y.mvt" | sha256sum)"
check_eq "X-Cache says it came from the archive" "archive" \
    "$(curl -s -D - -o /dev/null "$BASE/tiles/prebuilt/$z/$x/$y.mvt" | tr -d '\r' | sed -n 's/^X-Cache: //p')"
check_eq "a tile the archive lacks is 204" "204" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/tiles/prebuilt/15/0/0.mvt")"
run_status jumeau serve --listen "127.0.0.1:$(free_port)" --archive "x=$SCRATCH/missing.pmtiles"
check_eq "a missing archive is refused at start" 1 "$STATUS"

# refusals: nothing closed or shared in a public archive, no silent overwrite, clear names
run_status jumeau tile mvt ar_shared --out "$SCRATCH/shared.pmtiles"
check_eq "a shared dataset is refused" 1 "$STATUS"
check_contains "the refusal says why" "only open datasets" "$OUT"
check_eq "and no file is left" "no" "$([ -e "$SCRATCH/shared.pmtiles" ] && echo yes || echo no)"
run_status jumeau tile mvt ar_b --out "$SCRATCH/city.pmtiles" --maxzoom 14
check_eq "an existing archive is not overwritten without --replace" 1 "$STATUS"
run_status jumeau tile mvt ar_b --out "$SCRATCH/city.zip"
check_eq "an unknown archive type is refused" 1 "$STATUS"
run_status jumeau tile mvt nope --out "$SCRATCH/nope.pmtiles"
check_eq "an unknown dataset is refused" 1 "$STATUS"
run_status jumeau tile mvt ar_b --out "$SCRATCH/x.pmtiles" --compression meshopt
check_eq "a 3d option on mvt is refused" 1 "$STATUS"

jumeau datasets drop ar_b -q
jumeau datasets drop ar_shared -q
finish
