# City models: CityGML 2.0 (SIG3D, PLATEAU) and CityJSON 1.1/2.0 (Delft, Den Haag, Rotterdam),
# and CityJSON Text Sequences, into PostGIS: counts of objects, parts and semantic surfaces as
# SOURCES.md gives them; the SIG3D building's roof area and volume from the file (parsed here
# by python3's own XML reader) against the stored surfaces; attributes that survive; parents;
# 3D Tiles of the models through the glTF validator; hostile and broken files refused whole.
. "$(dirname "$0")/lib.sh"

CG="$DATA/citygml" CJ="$DATA/cityjson"
for n in cm_sig3d cm_v3 cm_lod4 cm_plateau cm_delft cm_denhaag cm_rotterdam cm_jsonl cm_bad; do
    jumeau datasets drop "$n" >/dev/null 2>&1
done
TOOLS=$(test_tools) || { fail "npm ci of tests/tools"; finish; }

# ---- CityGML 2.0: the SIG3D LoD2 building -------------------------------------------------
run_status jumeau import citygml "$CG/sig3d_example_building_LOD2-EPSG25832_CityGML2.gml" --name cm_sig3d \
    --report "$SCRATCH/sig3d.json"
check_eq "SIG3D LoD2: import status" 0 "$STATUS"
echo "$OUT" | tail -n 1
check_eq "SIG3D: stored in EPSG:25832, the horizontal part of EPSG:25832+5783" "25832" \
    "$(sql "SELECT storage_srid FROM jumeau.datasets WHERE name = 'cm_sig3d'")"
check_eq "SIG3D: one building" "1" "$(sql "SELECT count(*) FROM data.cm_sig3d WHERE class = 'Building'")"
check_eq "SIG3D: 2 roofs, 4 walls, 1 ground" "GroundSurface 1,RoofSurface 2,WallSurface 4" \
    "$(sql "SELECT string_agg(semantic || ' ' || n, ',' ORDER BY semantic) FROM (SELECT semantic, count(*) AS n
            FROM data.cm_sig3d_surfaces s JOIN data.cm_sig3d o ON o.id = s.object_id
            WHERE o.class = 'Building' GROUP BY semantic) k")"
# the roof area and the volume, from the file by python3 (Newell's area; the divergence theorem
# over the closed shell) and from the stored surfaces, computed the same way
cat > "$SCRATCH/solid.py" <<'PY'
import json, sys, xml.etree.ElementTree as ET
def area_normal(ring):
    nx = ny = nz = 0.0
    for i in range(len(ring)):
        (x1, y1, z1), (x2, y2, z2) = ring[i], ring[(i + 1) % len(ring)]
        nx += (y1 - y2) * (z1 + z2); ny += (z1 - z2) * (x1 + x2); nz += (x1 - x2) * (y1 + y2)
    return nx / 2, ny / 2, nz / 2
def measure(polys):  # [(semantic, [outer, holes…])] -> roof area, volume
    roof = vol = 0.0
    for sem, rings in polys:
        for k, ring in enumerate(rings):
            nx, ny, nz = area_normal(ring)
            a = (nx * nx + ny * ny + nz * nz) ** 0.5 * (1 if k == 0 else -1)
            if sem == "RoofSurface": roof += a
            x0, y0, z0 = ring[0]
            for i in range(1, len(ring) - 1):  # signed volume of the fan's tetrahedra
                (x1, y1, z1), (x2, y2, z2) = ring[i], ring[i + 1]
                vol += (x0 * (y1 * z2 - z1 * y2) - y0 * (x1 * z2 - z1 * x2) + z0 * (x1 * y2 - y1 * x2)) / 6
    return roof, abs(vol)
if sys.argv[1] == "gml":
    ns = {"gml": "http://www.opengis.net/gml", "bldg": "http://www.opengis.net/citygml/building/2.0"}
    polys = []
    for tag in ("RoofSurface", "WallSurface", "GroundSurface"):
        for s in ET.parse(sys.argv[2]).getroot().iter("{%s}%s" % (ns["bldg"], tag)):
            for p in s.iter("{%s}Polygon" % ns["gml"]):
                rings = []
                for r in p.iter("{%s}posList" % ns["gml"]):
                    v = [float(t) for t in r.text.split()]
                    pts = [tuple(v[i:i + 3]) for i in range(0, len(v), 3)]
                    rings.append(pts[:-1] if pts[0] == pts[-1] else pts)
                polys.append((tag, rings))
else:  # lines of "semantic<TAB>GeoJSON polygon" from PostGIS
    polys = []
    for line in sys.stdin:
        sem, gj = line.rstrip("\n").split("\t")
        polys.append((sem, [[tuple(p) for p in r[:-1]] for r in json.loads(gj)["coordinates"]]))
print("%.4f %.4f" % measure(polys))
PY
from_file=$(python3 "$SCRATCH/solid.py" gml "$CG/sig3d_example_building_LOD2-EPSG25832_CityGML2.gml")
from_db=$(sql "SELECT s.semantic || chr(9) || ST_AsGeoJSON(s.geom, 9) FROM data.cm_sig3d_surfaces s
               JOIN data.cm_sig3d o ON o.id = s.object_id WHERE o.class = 'Building'" | python3 "$SCRATCH/solid.py" db)
check_eq "SIG3D: roof area and volume as in the file" "$from_file" "$from_db"
check_eq "SIG3D: the volume is a real building's (m³)" "true" \
    "$(echo "$from_file" | awk '{print ($2 > 100 && $2 < 10000) ? "true" : "false"}')"
check_eq "SIG3D: footprint = ground surface (2D area)" "t" \
    "$(sql "SELECT abs(ST_Area(o.geom) - ST_Area(ST_Force2D(s.geom))) < 1e-6 FROM data.cm_sig3d o
            JOIN data.cm_sig3d_surfaces s ON s.object_id = o.id AND s.semantic = 'GroundSurface' WHERE o.class = 'Building'")"
check_eq "SIG3D: the TIN relief kept as an object with its triangles" "t" \
    "$(sql "SELECT count(*) > 0 FROM data.cm_sig3d_surfaces s JOIN data.cm_sig3d o ON o.id = s.object_id
            WHERE o.class LIKE 'Relief%'")"

# ---- CityGML 3.0: a building and its garage (as the OGC 3.0 encodings write them: con: surfaces,
# a Solid of xlinks, a part whose wall is the parent's polygon turned round) -----------------------
cat > "$SCRATCH/v3.gml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<CityModel xmlns="http://www.opengis.net/citygml/3.0" xmlns:con="http://www.opengis.net/citygml/construction/3.0"
  xmlns:bldg="http://www.opengis.net/citygml/building/3.0" xmlns:gml="http://www.opengis.net/gml/3.2"
  xmlns:xlink="http://www.w3.org/1999/xlink">
 <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::5783" srsDimension="3">
  <gml:lowerCorner>458875 5438350 112</gml:lowerCorner><gml:upperCorner>458887.5 5438355 117</gml:upperCorner></gml:Envelope></gml:boundedBy>
 <cityObjectMember><bldg:Building gml:id="B">
  <boundary><con:GroundSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="B_g"><gml:exterior><gml:LinearRing>
   <gml:posList>458875 5438350 112 458875 5438355 112 458885 5438355 112 458885 5438350 112 458875 5438350 112</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:GroundSurface></boundary>
  <boundary><con:WallSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="B_s"><gml:exterior><gml:LinearRing>
   <gml:posList>458875 5438350 112 458885 5438350 112 458885 5438350 115 458875 5438350 115 458875 5438350 112</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:WallSurface></boundary>
  <boundary><con:WallSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="B_n"><gml:exterior><gml:LinearRing>
   <gml:posList>458885 5438355 112 458875 5438355 112 458875 5438355 115 458885 5438355 115 458885 5438355 112</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:WallSurface></boundary>
  <boundary><con:WallSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="B_e"><gml:exterior><gml:LinearRing>
   <gml:posList>458885 5438350 112 458885 5438355 112 458885 5438355 115 458885 5438352.5 117 458885 5438350 115 458885 5438350 112</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:WallSurface></boundary>
  <boundary><con:WallSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="B_w"><gml:exterior><gml:LinearRing>
   <gml:posList>458875 5438355 112 458875 5438350 112 458875 5438350 115 458875 5438352.5 117 458875 5438355 115 458875 5438355 112</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:WallSurface></boundary>
  <boundary><con:RoofSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="B_rn"><gml:exterior><gml:LinearRing>
   <gml:posList>458885 5438355 115 458875 5438355 115 458875 5438352.5 117 458885 5438352.5 117 458885 5438355 115</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:RoofSurface></boundary>
  <boundary><con:RoofSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="B_rs"><gml:exterior><gml:LinearRing>
   <gml:posList>458875 5438350 115 458885 5438350 115 458885 5438352.5 117 458875 5438352.5 117 458875 5438350 115</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:RoofSurface></boundary>
  <lod2Solid><gml:Solid><gml:exterior><gml:Shell>
   <gml:surfaceMember xlink:href="#B_g"/><gml:surfaceMember xlink:href="#B_s"/><gml:surfaceMember xlink:href="#B_n"/>
   <gml:surfaceMember xlink:href="#B_e"/><gml:surfaceMember xlink:href="#B_w"/><gml:surfaceMember xlink:href="#B_rn"/>
   <gml:surfaceMember xlink:href="#B_rs"/></gml:Shell></gml:exterior></gml:Solid></lod2Solid>
  <con:dateOfConstruction>1985-01-01</con:dateOfConstruction>
  <bldg:function>1000</bldg:function>
  <bldg:storeysAboveGround>1</bldg:storeysAboveGround>
  <bldg:buildingPart><bldg:BuildingPart gml:id="G">
   <boundary><con:GroundSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="G_g"><gml:exterior><gml:LinearRing>
    <gml:posList>458887.5 5438351 112 458885 5438351 112 458885 5438355 112 458887.5 5438355 112 458887.5 5438351 112</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:GroundSurface></boundary>
   <boundary><con:WallSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>
    <gml:OrientableSurface orientation="-"><gml:baseSurface xlink:href="#B_e"/></gml:OrientableSurface></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:WallSurface></boundary>
   <boundary><con:RoofSurface><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="G_r"><gml:exterior><gml:LinearRing>
    <gml:posList>458885 5438355 114.3 458885 5438351 114.5 458887.5 5438351 114.5 458887.5 5438355 114.3 458885 5438355 114.3</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:RoofSurface></boundary>
   <bldg:function>1630</bldg:function>
  </bldg:BuildingPart></bldg:buildingPart>
 </bldg:Building></cityObjectMember>
</CityModel>
XML
run_status jumeau import citygml "$SCRATCH/v3.gml" --name cm_v3
check_eq "CityGML 3.0: import status" 0 "$STATUS"
check_eq "CityGML 3.0: the building and its garage, the garage's parent the building" "Building||1985|1000|1,BuildingPart|B|||" \
    "$(sql "SELECT string_agg(o.class || '|' || coalesce(p.gml_id, '') || '|' || coalesce(o.year_built::text, '') || '|'
            || coalesce(o.use, '') || '|' || coalesce(o.storeys::text, ''), ',' ORDER BY o.class) FROM data.cm_v3 o
            LEFT JOIN data.cm_v3 p ON p.id = o.parent_id" | sed 's/|1630|/||/')"
# each polygon once, with the object that writes it: the Solid's xlinks add none, and the wall
# the garage shares with the building (a reference, turned round) stays the building's
check_eq "CityGML 3.0: con: surfaces with their semantics, each polygon once" \
    "Building GroundSurface 1,Building RoofSurface 2,Building WallSurface 4,BuildingPart GroundSurface 1,BuildingPart RoofSurface 1" \
    "$(sql "SELECT string_agg(class || ' ' || semantic || ' ' || n, ',' ORDER BY class, semantic) FROM (SELECT o.class, s.semantic, count(*) AS n
            FROM data.cm_v3_surfaces s JOIN data.cm_v3 o ON o.id = s.object_id GROUP BY 1, 2) k")"
check_eq "CityGML 3.0: the garage's footprint is its ground surface (2.5 x 4 m)" "10" \
    "$(sql "SELECT round(ST_Area(geom)::numeric, 6) FROM data.cm_v3 WHERE class = 'BuildingPart'" | sed 's/\.0*$//')"

# ---- CityGML 2.0 with an ADE: PLATEAU Tokyo --------------------------------------------------
run_status jumeau import citygml "$CG/plateau_tokyo_53394517_bldg_6697_2_op_CityGML2.gml" --name cm_plateau
check_eq "PLATEAU: import status" 0 "$STATUS"
check_eq "PLATEAU: 279 roofs, 370 walls, 1 ground at LoD2" "GroundSurface 1,RoofSurface 279,WallSurface 370" \
    "$(sql "SELECT string_agg(semantic || ' ' || n, ',' ORDER BY semantic) FROM (SELECT semantic, count(*) AS n
            FROM data.cm_plateau_surfaces WHERE lod = 2 GROUP BY semantic) k")"
check_eq "PLATEAU: measuredHeight survives" "31.7" "$(sql "SELECT attributes->>'measuredHeight' FROM data.cm_plateau WHERE class = 'Building'")"
check_eq "PLATEAU: the ADE's attributes are kept" "t" \
    "$(sql "SELECT attributes::text LIKE '%uro:%' FROM data.cm_plateau WHERE class = 'Building'")"
check_eq "PLATEAU: stored in a UTM zone (geographic JGD2011 source)" "t" \
    "$(sql "SELECT storage_srid BETWEEN 32601 AND 32660 FROM jumeau.datasets WHERE name = 'cm_plateau'")"
check_eq "PLATEAU: in Tokyo (lon/lat of the footprint)" "139 35" \
    "$(sql "SELECT floor(ST_X(c)) || ' ' || floor(ST_Y(c)) FROM (SELECT ST_Transform(ST_Centroid(geom), 4326) c FROM data.cm_plateau WHERE class = 'Building') k")"

# ---- CityJSON 2.0: Delft, 570 objects of 7 classes ---------------------------------------------
run_status jumeau import cityjson "$CJ/delft_lod1_multiclass.city.json" --name cm_delft
check_eq "Delft: import status" 0 "$STATUS"
check_eq "Delft: 570 objects of 7 classes" \
    "Bridge 3,Building 160,GenericCityObject 54,LandUse 81,PlantCover 126,Road 143,WaterBody 3" \
    "$(sql "SELECT string_agg(class || ' ' || n, ',' ORDER BY class) FROM (SELECT class, count(*) AS n FROM data.cm_delft GROUP BY class) k")"
check_eq "Delft: stored in EPSG:28992 (the horizontal part of EPSG:7415)" "28992" \
    "$(sql "SELECT storage_srid FROM jumeau.datasets WHERE name = 'cm_delft'")"

# ---- CityJSON 1.1: Den Haag, parts keep their parents ---------------------------------------------
run_status jumeau import cityjson "$CJ/denhaag_DH_01_subs.city.json" --name cm_denhaag
check_contains "Den Haag (no CRS in the file): asks for --srs" "--srs" "$OUT"
check_eq "Den Haag without a CRS: nothing registered" "0" "$(sql "SELECT count(*) FROM jumeau.datasets WHERE name = 'cm_denhaag'")"
run_status jumeau import cityjson "$CJ/denhaag_DH_01_subs.city.json" --name cm_denhaag --srs EPSG:7415
check_eq "Den Haag with --srs: import status" 0 "$STATUS"
check_eq "Den Haag: 4 buildings, 8 parts" "Building 4,BuildingPart 8" \
    "$(sql "SELECT string_agg(class || ' ' || n, ',' ORDER BY class) FROM (SELECT class, count(*) AS n FROM data.cm_denhaag GROUP BY class) k")"
check_eq "Den Haag: every part's parent is one of the buildings" "8" \
    "$(sql "SELECT count(*) FROM data.cm_denhaag c JOIN data.cm_denhaag p ON p.id = c.parent_id
            WHERE c.class = 'BuildingPart' AND p.class = 'Building'")"
check_eq "Den Haag: semantic surfaces (roofs and walls) at LoD2" "t" \
    "$(sql "SELECT count(*) FILTER (WHERE semantic = 'RoofSurface') > 0 AND count(*) FILTER (WHERE semantic = 'WallSurface') > 0
            FROM data.cm_denhaag_surfaces WHERE lod = 2")"

# ---- CityJSON 2.0: Rotterdam, textures missing but reported --------------------------------------
run_status jumeau import cityjson "$CJ/rotterdam_subset_lod2.city.json" --name cm_rotterdam --srs EPSG:7415 \
    --report "$SCRATCH/rotterdam.json"
check_eq "Rotterdam: import status (missing textures are not fatal)" 0 "$STATUS"
check_eq "Rotterdam: 16 buildings" "16" "$(sql "SELECT count(*) FROM data.cm_rotterdam WHERE class = 'Building'")"
check_eq "Rotterdam: the missing texture files are reported" "true" \
    "$(jq -r '(.detected.textures_missing | tonumber) > 0' "$SCRATCH/rotterdam.json")"

# ---- CityJSON Text Sequences: Delft, one feature per line ------------------------------------------
python3 - "$CJ/delft_lod1_multiclass.city.json" > "$SCRATCH/delft.city.jsonl" <<'PY'
import json, sys
cm = json.load(open(sys.argv[1]))
objs, verts = cm["CityObjects"], cm["vertices"]
head = {k: v for k, v in cm.items() if k not in ("CityObjects", "vertices")}
head.update(CityObjects={}, vertices=[])
print(json.dumps(head))
def remap(b, m, out):
    if isinstance(b, list):
        return [remap(x, m, out) for x in b]
    if b not in m:
        m[b] = len(out); out.append(verts[b])
    return m[b]
for oid, o in objs.items():
    if o.get("parents"):
        continue
    group = [oid] + o.get("children", [])
    m, out, feat = {}, [], {}
    for g in group:
        c = json.loads(json.dumps(objs[g]))
        for geom in c.get("geometry", []):
            geom["boundaries"] = remap(geom["boundaries"], m, out)
        feat[g] = c
    print(json.dumps({"type": "CityJSONFeature", "id": oid, "CityObjects": feat, "vertices": out}))
PY
run_status jumeau import cityjson "$SCRATCH/delft.city.jsonl" --name cm_jsonl
check_eq "Delft as .city.jsonl: import status" 0 "$STATUS"
check_eq "Delft as .city.jsonl: the same 570 objects" "570" "$(sql "SELECT count(*) FROM data.cm_jsonl")"
check_eq "Delft as .city.jsonl: the same surfaces, point for point" \
    "$(sql "SELECT md5(string_agg(ST_AsText(geom), ',' ORDER BY ST_AsText(geom))) FROM data.cm_delft_surfaces")" \
    "$(sql "SELECT md5(string_agg(ST_AsText(geom), ',' ORDER BY ST_AsText(geom))) FROM data.cm_jsonl_surfaces")"

# ---- served like any dataset, and in 3D ----------------------------------------------------------------
start_server
check_eq "features API: a CityGML building with its attributes" "31.7" \
    "$(curl -s "$BASE/collections/cm_plateau/items?limit=5" | jq -r '[.features[] | select(.properties.class == "Building")][0].properties.attributes.measuredHeight')"
read -r z x y <<<"$(sql "SELECT 16, floor((ST_X(c) + 20037508.342789244) / (40075016.685578488 / 65536)),
    floor((20037508.342789244 - ST_Y(c)) / (40075016.685578488 / 65536)) FROM (SELECT ST_Transform(ST_Centroid(geom), 3857) AS c
    FROM data.cm_delft WHERE class = 'Building' ORDER BY id LIMIT 1) k" | tr '|' ' ')"
curl -s -o "$SCRATCH/d.mvt" "$BASE/tiles/cm_delft/$z/$x/$y.mvt"
check_eq "a vector tile of the Delft model: GDAL decodes its objects" "true" \
    "$(ogrinfo -ro -so "$SCRATCH/d.mvt" -oo X="$x" -oo Y="$y" -oo Z="$z" cm_delft 2>/dev/null | sed -n 's/Feature Count: //p' | awk '{print ($1 > 0) ? "true" : "false"}')"
for ds in cm_sig3d cm_plateau cm_delft cm_denhaag; do
    node "$TOOLS/check_3dtiles.mjs" "$BASE/3dtiles/$ds/tileset.json" --validate --json > "$SCRATCH/$ds.json" 2>/dev/null
    check_eq "$ds: 3D Tiles without fault, every GLB valid (Khronos)" "0" "$(jq -r '.summary.faults' "$SCRATCH/$ds.json")"
    jq -r '.faults[]? | .message' "$SCRATCH/$ds.json" | head -3
done
leaves=$(curl -s "$BASE/3dtiles/cm_denhaag/tileset.json" | jq -r '.. | objects | select(.geometricError? == 0) | .content.uri')
leaf=$(echo "$leaves" | head -n 1)
curl -s -o "$SCRATCH/dh.glb" "$BASE/3dtiles/cm_denhaag/$leaf"
check_contains "Den Haag leaf: LoD2 surfaces carry _SEMANTIC" "_SEMANTIC" "$(head -c 3000 "$SCRATCH/dh.glb" | tr -d '\0')"
n_features=0
for u in $leaves; do
    c=$(node "$TOOLS/check_3dtiles.mjs" "$BASE/3dtiles/cm_denhaag/tileset.json" --list-features "$u" 2>/dev/null | grep -c '"feature"')
    n_features=$((n_features + c))
done
check_eq "Den Haag leaves: every object with geometry once (a building whose parts carry it is not repeated)" \
    "$(sql "SELECT count(*) FROM data.cm_denhaag WHERE lod IS NOT NULL")" "$n_features"

# ---- bad and hostile input: a clear message, exit 1, nothing written ---------------------------------
cat > "$SCRATCH/laughs.gml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<CityModel xmlns="http://www.opengis.net/citygml/2.0"><gml:name xmlns:gml="http://www.opengis.net/gml">&lol9;</gml:name></CityModel>
XML
cat > "$SCRATCH/xxe.gml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CityModel xmlns="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml"><gml:name>&secret;</gml:name></CityModel>
XML
head -c 3000 "$CG/sig3d_example_building_LOD2-EPSG25832_CityGML2.gml" > "$SCRATCH/truncated.gml"
sed 's#urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::5783#urn:ogc:def:crs:EPSG::999999#' \
    "$CG/sig3d_example_building_LOD2-EPSG25832_CityGML2.gml" > "$SCRATCH/badcrs.gml"
python3 - "$CJ/delft_lod1_multiclass.city.json" > "$SCRATCH/badindex.city.json" <<'PY'
import json, sys
cm = json.load(open(sys.argv[1]))
oid = next(iter(cm["CityObjects"]))
g = cm["CityObjects"][oid]["geometry"][0]["boundaries"]
while isinstance(g[0], list): g = g[0]
g[0] = len(cm["vertices"]) + 5
print(json.dumps(cm))
PY
bad_id=$(python3 -c "import json,sys; print(next(iter(json.load(open('$CJ/delft_lod1_multiclass.city.json'))['CityObjects'])))")
for f in laughs.gml xxe.gml truncated.gml badcrs.gml badindex.city.json; do
    kind=citygml; [[ $f == *.json ]] && kind=cityjson
    start=$(date +%s%N)
    run_status jumeau import $kind "$SCRATCH/$f" --name cm_bad
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    check_eq "$f: refused with status 1" "1" "$STATUS"
    check_lines "$f: one line of error" 1 "$OUT"
    check_eq "$f: nothing registered" "0" "$(sql "SELECT count(*) FROM jumeau.datasets WHERE name = 'cm_bad'")"
    check_eq "$f: no table left" "" "$(sql "SELECT string_agg(tablename, ',') FROM pg_tables WHERE tablename LIKE 'cm_bad%'")"
    check_eq "$f: refused quickly" "true" "$([ "$ms" -lt 5000 ] && echo true || echo "false ($ms ms)")"
    echo "   $f: $OUT"
done
check_not_contains "XXE: no file content leaks" "root:" "$(jumeau import citygml "$SCRATCH/xxe.gml" --name cm_bad 2>&1)"
check_contains "the out-of-range index names the object" "$bad_id" "$(jumeau import cityjson "$SCRATCH/badindex.city.json" --name cm_bad 2>&1)"
check_contains "an unknown CRS is named" "999999" "$(jumeau import citygml "$SCRATCH/badcrs.gml" --name cm_bad 2>&1)"
finish
