# 3D Tiles: the served tileset and the one `jumeau tile 3d` writes, walked by a checker that
# decodes every content (tests/tools/check_3dtiles.mjs: refine, errors decreasing, contents
# inside their volumes, URIs resolve) and passed through the Khronos glTF validator; features
# of a tile against SQL; a building's vertices back to its CRS; levels of detail; compression;
# access levels, closed attributes, caching and errors.
. "$(dirname "$0")/lib.sh"

PBF="$DATA/osm/liechtenstein-2013-08-03.osm.pbf"
for n in t3_b t3_shared t3_parcels; do jumeau datasets drop "$n" >/dev/null 2>&1; done
sql "DELETE FROM jumeau.api_keys WHERE name = 't3_partner'"
jumeau import buildings "$PBF" --name t3_b --title "Liechtenstein buildings" --licence ODbL-1.0 --closed name -q
jumeau import buildings "$PBF" --name t3_shared --access shared --where "building = 'house'" -q
jumeau import cadastre "$DATA/cadastre/be_flanders_grb_adp_parcels_31370.geojson" --name t3_parcels -q
PARTNER=$(jumeau keys add t3_partner --role partner)
TOOLS=$(test_tools) || { fail "npm ci of tests/tools"; finish; }
check3d() { node "$TOOLS/check_3dtiles.mjs" "$@"; }
n_sql=$(sql "SELECT count(*) FROM data.t3_b")

# small caps, so that Liechtenstein's 3,723 buildings make a deep tree: simplified parents,
# leaves, and external tilesets below the fourth level
export JUMEAU_3DTILES_MAX_FEATURES=150 JUMEAU_3DTILES_MAX_BYTES=100000
start_server

check_eq "the collection links its 3D tileset" "$BASE/3dtiles/t3_b/tileset.json" \
    "$(curl -s "$BASE/collections/t3_b" | jq -r '.links[] | select(.rel == "3dtiles") | .href')"
check_eq "a cadastre has no 3D link" "" \
    "$(curl -s "$BASE/collections/t3_parcels" | jq -r '.links[] | select(.rel == "3dtiles") | .href')"
ts=$(curl -s "$BASE/3dtiles/t3_b/tileset.json")
check_eq "tileset.json: 3D Tiles 1.1, REPLACE, the collection in its group metadata" "1.1 REPLACE t3_b ODbL-1.0" \
    "$(echo "$ts" | jq -r '"\(.asset.version) \(.root.refine) \(.groups[0].properties.collection) \(.groups[0].properties.licence)"')"
check_eq "the root's region holds Liechtenstein (radians)" "true" \
    "$(echo "$ts" | jq -r '.root.boundingVolume.region | (.[0] < 0.1655 and .[2] > 0.1679 and .[1] < 0.8213 and .[3] > 0.8249)')"

check3d "$BASE/3dtiles/t3_b/tileset.json" --validate --json > "$SCRATCH/walk.json" 2>"$SCRATCH/walk.err"
check_eq "served tileset: no fault in the walk, every GLB valid (Khronos validator: no error, no warning)" "0" \
    "$(jq -r '.summary.faults' "$SCRATCH/walk.json")"
jq -r '.faults[]?' "$SCRATCH/walk.json" | head -5
summary=$(jq -c '.summary' "$SCRATCH/walk.json")
check_eq "every content was validated" "true" "$(echo "$summary" | jq -r '.validated == .contents and .contents > 20')"
check_eq "external tilesets keep each file small" "true" "$(echo "$summary" | jq -r '.externalTilesets > 0')"
check_eq "a deep tree (levels of detail)" "true" "$(echo "$summary" | jq -r '.maxDepth >= 5')"

# parents carry simplified content, never empty and never the full detail
parent=$(echo "$ts" | jq -r '[.root.children[] | select(.geometricError > 0)][0].content.uri')
pf=$(curl -s -o "$SCRATCH/parent.glb" -w '%{http_code}' "$BASE/3dtiles/t3_b/$parent")
np=$(check3d "$BASE/3dtiles/t3_b/tileset.json" --list-features "$parent" 2>/dev/null | grep -c '"feature"')
check_eq "a parent tile has content" "200" "$pf"
check_eq "a parent holds some buildings, at most the cap" "true" "$([ "$np" -gt 0 ] && [ "$np" -le 150 ] && echo true || echo "false ($np)")"

# the leaves of the tree (geometric error 0), through the external tilesets too
leaves=$(echo "$ts" | jq -r '.. | objects | select(.geometricError? == 0) | .content.uri')
for u in $(echo "$ts" | jq -r '.. | objects | select(.content?.uri? // "" | endswith(".json")) | .content.uri'); do
    leaves+=$'\n'$(curl -s "$BASE/3dtiles/t3_b/$u" | jq -r '.. | objects | select(.geometricError? == 0) | .content.uri' | sed 's#^\.\./\.\./\.\./##')
done
leaves=$(echo "$leaves" | grep -v '^$')

# one leaf decoded: each building with its id and height as SQL has them, and its vertices back
# in its CRS on its footprint's extent within 1 cm
leaf=$(echo "$leaves" | head -n 1)
check3d "$BASE/3dtiles/t3_b/tileset.json" --list-features "$leaf" 2>/dev/null | grep '"feature"' > "$SCRATCH/features"
bad=0
while read -r line; do
    id=$(echo "$line" | jq -r '.id') h=$(echo "$line" | jq -r '.height')
    ok=$(sql "SELECT abs(height - $h) < 1e-4 FROM data.t3_b WHERE id = $id")
    [[ $ok == t ]] || bad=$((bad + 1))
done < "$SCRATCH/features"
check_eq "every feature of $leaf: id and height as in SQL ($(wc -l < "$SCRATCH/features") features)" "0" "$bad"
check_eq "that tile is not empty" "true" "$([ -s "$SCRATCH/features" ] && echo true || echo false)"
line=$(head -n 1 "$SCRATCH/features")
id=$(echo "$line" | jq -r '.id')
read -r w s e n lo hi <<<"$(echo "$line" | jq -r '.bbox | "\(.west) \(.south) \(.east) \(.north) \(.minH) \(.maxH)"')"
off=$(sql "SELECT round(greatest(
    ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint($w, $s), 4326), ST_SRID(geom)), ST_Transform(ST_SetSRID(ST_MakePoint(ST_XMin(g), ST_YMin(g)), 4326), ST_SRID(geom))),
    ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint($e, $n), 4326), ST_SRID(geom)), ST_Transform(ST_SetSRID(ST_MakePoint(ST_XMax(g), ST_YMax(g)), 4326), ST_SRID(geom))))::numeric, 4) < 0.01
    FROM data.t3_b, LATERAL (SELECT ST_Transform(geom, 4326) AS g) k WHERE id = $id")
check_eq "building $id: its vertices, back in its CRS, on its footprint within 1 cm" "t" "$off"
check_eq "building $id of the tile is item $id of the features API, with that height" "$(echo "$line" | jq -r '.height')" \
    "$(curl -s "$BASE/collections/t3_b/items/$id" | jq -r '.properties.height')"
check_eq "building $id stands on the ellipsoid, its roof at its height" "t" \
    "$(sql "SELECT abs($lo) < 0.01 AND abs($hi - height) < 0.01 FROM data.t3_b WHERE id = $id")"

# closed attributes never enter a tile (the name moved to closed.t3_b)
secret=$(sql "SELECT name FROM closed.t3_b WHERE length(name) > 6 ORDER BY id LIMIT 1")
found=0
for u in $leaves; do
    curl -s -H "Authorization: Bearer $PARTNER" "$BASE/3dtiles/t3_b/$u" | grep -aqF "$secret" && found=$((found + 1))
done
check_eq "no tile holds a closed value ('$secret')" "0" "$found"

# the same tileset on disk: files identical to the served ones, valid, compressed or not
jumeau tile 3d t3_b --out "$SCRATCH/t3d" > "$SCRATCH/tile3d.out"
check_contains "tile 3d reports buildings per second" "buildings/s" "$(cat "$SCRATCH/tile3d.out")"
check_contains "tile 3d counts every building" "$n_sql buildings" "$(cat "$SCRATCH/tile3d.out")"
check_eq "on disk: tileset.json as served" "$(curl -s "$BASE/3dtiles/t3_b/tileset.json" | sha256sum)" "$(sha256sum < "$SCRATCH/t3d/tileset.json")"
check_eq "on disk: a content as served" "$(curl -s "$BASE/3dtiles/t3_b/$leaf" | sha256sum)" "$(sha256sum < "$SCRATCH/t3d/$leaf")"
check3d "$SCRATCH/t3d/tileset.json" --validate > /dev/null 2>&1
check_eq "on disk: no fault, every GLB valid" "0" "$?"
# every building is in exactly one leaf (one level of external tilesets is enough for
# Liechtenstein at these caps; the deeper ones would be in the list above too)
total=$(echo "$leaves" | xargs -P 4 -I{} node "$TOOLS/check_3dtiles.mjs" "$SCRATCH/t3d/tileset.json" --list-features {} 2>/dev/null |
    grep -c '"feature"')
check_eq "the leaves hold every building once" "$n_sql" "$total"
jumeau tile 3d t3_b --out "$SCRATCH/t3d_q" --compression quantize -q
check3d "$SCRATCH/t3d_q/tileset.json" --validate --json > "$SCRATCH/q.json" 2>/dev/null
check_eq "quantized: no fault, every GLB valid" "0" "$(jq -r '.summary.faults' "$SCRATCH/q.json")"
check_contains "quantized contents declare KHR_mesh_quantization" "KHR_mesh_quantization" "$(head -c 4000 "$SCRATCH/t3d_q/$leaf" | tr -d '\0')"
jumeau tile 3d t3_b --out "$SCRATCH/t3d_mo" --compression meshopt -q
check3d "$SCRATCH/t3d_mo/tileset.json" --validate --json > "$SCRATCH/mo.json" 2>/dev/null
check_eq "meshopt: no fault (decoded with meshoptimizer's decoder), every GLB valid" "0" "$(jq -r '.summary.faults' "$SCRATCH/mo.json")"
check_contains "meshopt contents declare the extension" "EXT_meshopt_compression" "$(head -c 4000 "$SCRATCH/t3d_mo/$leaf" | tr -d '\0')"
check_eq "meshopt makes the contents smaller" "true" \
    "$([ "$(du -sb "$SCRATCH/t3d_mo/content" | cut -f1)" -lt "$(du -sb "$SCRATCH/t3d/content" | cut -f1)" ] && echo true || echo false)"
run_status jumeau tile 3d t3_b --out "$SCRATCH/t3d"
check_eq "an existing folder without --replace: exit 1" "1" "$STATUS"
run_status jumeau tile 3d t3_shared --out "$SCRATCH/t3s"
check_contains "a shared dataset does not go to a public folder" "only open datasets" "$OUT"
run_status jumeau tile 3d t3_parcels --out "$SCRATCH/t3p"
check_contains "parcels have no 3D content" "no 3D content" "$OUT"
check_eq "nothing left behind by refused runs" "" "$(ls -d "$SCRATCH"/t3s* "$SCRATCH"/t3p* 2>/dev/null)"

# access levels: the shared dataset for partners only; city combines what the caller sees
check_eq "shared tileset: 404 for anonymous" "404" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/3dtiles/t3_shared/tileset.json")"
check_eq "shared tileset: 200 for a partner" "200" \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PARTNER" "$BASE/3dtiles/t3_shared/tileset.json")"
city_anon=$(curl -s "$BASE/3dtiles/city/tileset.json" | jq -r '[.root.children[].content.uri] | map(select(startswith("../t3_"))) | join(" ")')
city_partner=$(curl -s -H "Authorization: Bearer $PARTNER" "$BASE/3dtiles/city/tileset.json" | jq -r '[.root.children[].content.uri] | map(select(startswith("../t3_"))) | join(" ")')
check_eq "city for anonymous: the open 3D dataset only" "../t3_b/tileset.json" "$city_anon"
check_eq "city for a partner: the shared one too" "../t3_b/tileset.json ../t3_shared/tileset.json" "$city_partner"
check3d "$BASE/3dtiles/city/tileset.json" --max-tiles 400 > /dev/null 2>&1
check_eq "city: the walk through the datasets' tilesets finds no fault" "0" "$?"

# caching: a hit the second time, 304 with the ETag, a new ETag after a re-import
curl -s -o /dev/null "$BASE/3dtiles/t3_b/$leaf"
check_eq "a content the second time: from the cache" "hit" \
    "$(curl -s -D - -o /dev/null "$BASE/3dtiles/t3_b/$leaf" | tr -d '\r' | sed -n 's/^X-Cache: //p')"
etag=$(curl -s -D - -o /dev/null "$BASE/3dtiles/t3_b/$leaf" | tr -d '\r' | sed -n 's/^ETag: //p')
check_eq "304 for an unchanged content" "304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$BASE/3dtiles/t3_b/$leaf")"
check_eq "gzip when asked" "gzip" "$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "$BASE/3dtiles/t3_b/$leaf" | tr -d '\r' | sed -n 's/^Content-Encoding: //p')"
check_eq "content type of a GLB" "model/gltf-binary" "$(curl -s -o /dev/null -w '%{content_type}' "$BASE/3dtiles/t3_b/$leaf")"
jumeau import buildings "$PBF" --name t3_b --replace --closed name -q
sleep 0.5
etag2=$(curl -s -D - -o /dev/null "$BASE/3dtiles/t3_b/$leaf" | tr -d '\r' | sed -n 's/^ETag: //p')
check_eq "a re-import changes the ETag" "true" "$([ -n "$etag2" ] && [ "$etag" != "$etag2" ] && echo true || echo false)"

# errors: JSON with a reason, no internals
for path in 3dtiles/nope/tileset.json 3dtiles/t3_parcels/tileset.json 3dtiles/t3_b/content/99/1/1.glb \
    3dtiles/t3_b/content/abc/1/1.glb 3dtiles/t3_b/content/15/0/0.glb 3dtiles/t3_b/tileset/15/0/0.json; do
    st=$(curl -s -o "$SCRATCH/err.json" -w '%{http_code}' "$BASE/$path")
    check_eq "$path: 404" "404" "$st"
    check_not_contains "$path: no SQL in the answer" "SELECT" "$(cat "$SCRATCH/err.json")"
done
check_contains "a dataset without 3D says so" "no 3D content" "$(curl -s "$BASE/3dtiles/t3_parcels/tileset.json")"
finish
