# Networks: a routable topology that pgRouting uses as it is; point features tied to nodes;
# the quality figures a utility needs (components, dangling ends).
. "$(dirname "$0")/lib.sh"

PBF="$DATA/osm/liechtenstein-2013-08-03.osm.pbf"
LINES="$DATA/networks/vt_montpelier_sewer_storm_lines.geojson"
POINTS="$DATA/networks/vt_montpelier_sewer_storm_points.geojson"
for name in li_network sewer; do jumeau datasets drop "$name" >/dev/null 2>&1; done

highways=$(ogrinfo -ro -q "$PBF" -sql "SELECT count(*) FROM lines WHERE highway IS NOT NULL" | sed -n 's/.*COUNT_\* (Integer) = //p')
check_eq "GDAL's count of highway lines" 2751 "$highways"

run_status jumeau import network "$PBF" --name li_network --report "$SCRATCH/roads.json"
check_eq "road network import status" 0 "$STATUS"
check_contains "summary gives the topology" "connected components" "$OUT"
check_eq "highway lines kept, by source feature" "$highways" \
    "$(sql "SELECT count(DISTINCT feature_id) FROM data.li_network WHERE network_type = 'highway'")"
check_eq "waterways and power lines too" "t|t" \
    "$(sql "SELECT count(*) FILTER (WHERE network_type = 'waterway') > 0, count(*) FILTER (WHERE network_type = 'power') > 0 FROM data.li_network")"
check_eq "every edge has existing source and target nodes" "0" \
    "$(sql "SELECT count(*) FROM data.li_network e LEFT JOIN data.li_network_nodes s ON s.id = e.source LEFT JOIN data.li_network_nodes t ON t.id = e.target WHERE s.id IS NULL OR t.id IS NULL")"
check_eq "edge ends lie on their nodes (1 cm)" "0" \
    "$(sql "SELECT count(*) FROM data.li_network e JOIN data.li_network_nodes s ON s.id = e.source JOIN data.li_network_nodes t ON t.id = e.target WHERE ST_Distance(ST_StartPoint(e.geom), s.geom) > 0.01 OR ST_Distance(ST_EndPoint(e.geom), t.geom) > 0.01")"
check_eq "more edges than lines (noded at junctions)" "t" \
    "$(sql "SELECT count(*) > count(DISTINCT feature_id) FROM data.li_network")"
check_eq "lengths in metres, positive" "0" "$(sql "SELECT count(*) FROM data.li_network WHERE NOT length_m > 0 OR cost IS NULL")"
check_eq "total road length is plausible for Liechtenstein (500-3000 km)" "t" \
    "$(sql "SELECT sum(length_m) / 1000 BETWEEN 500 AND 3000 FROM data.li_network WHERE network_type = 'highway'")"

# pgr_dijkstra runs on the table as it is: from the centre of Vaduz (9.5209 E, 47.1410 N) to
# the centre of Schaan (9.5095 E, 47.1650 N), between the nearest nodes of the largest
# connected component, the road is no shorter than the straight line and not absurdly longer.
read -r a b crow <<<"$(sql "WITH c AS (SELECT * FROM pgr_connectedComponents('SELECT id, source, target, cost, reverse_cost FROM data.li_network')),
big AS (SELECT component FROM c GROUP BY component ORDER BY count(*) DESC LIMIT 1),
n AS (SELECT nd.id, nd.geom FROM data.li_network_nodes nd JOIN c ON c.node = nd.id JOIN big USING (component)),
v AS (SELECT id, geom FROM n ORDER BY geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(9.5209, 47.1410), 4326), 32632) LIMIT 1),
s AS (SELECT id, geom FROM n ORDER BY geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(9.5095, 47.1650), 4326), 32632) LIMIT 1)
SELECT v.id, s.id, round(ST_Distance(v.geom, s.geom)) FROM v, s" | tr '|' ' ')"
route=$(sql "SELECT round(max(agg_cost)) FROM pgr_dijkstra('SELECT id, source, target, cost, reverse_cost FROM data.li_network', $a, $b)")
check_eq "a shortest path from Vaduz (node $a) to Schaan (node $b) exists" "t" "$([ -n "$route" ] && echo t || echo f)"
check_eq "Vaduz-Schaan by road ($route m) is 1 to 1.6 times the distance ($crow m)" "t" \
    "$(python3 -c "print('t' if 2000 < $crow <= ${route:-0} <= 1.6 * $crow else 'f')")"
check_eq "report topology matches the tables" "t" \
    "$(sql "SELECT (SELECT count(*) FROM data.li_network) = $(jq .topology.edges "$SCRATCH/roads.json") AND (SELECT count(*) FROM data.li_network_nodes) = $(jq .topology.nodes "$SCRATCH/roads.json")")"
check_eq "dangling ends counted as degree-1 nodes" "$(jq .topology.dangling_ends "$SCRATCH/roads.json")" \
    "$(sql "SELECT count(*) FROM data.li_network_nodes WHERE degree = 1")"

# The sewer network with its manholes and catch basins.
run_status jumeau import network "$LINES" --points "$POINTS" --name sewer --report "$SCRATCH/sewer.json"
check_eq "sewer import status" 0 "$STATUS"
check_eq "pipes by source feature" "1133" "$(sql "SELECT count(DISTINCT feature_id) FROM data.sewer")"
check_eq "structures" "1059" "$(sql "SELECT count(*) FROM data.sewer_points")"
check_eq "network type from System_Type" "t" \
    "$(sql "SELECT count(DISTINCT network_type) >= 2 FROM data.sewer")"
check_eq "tied points are within the tolerance of their node" "0" \
    "$(sql "SELECT count(*) FROM data.sewer_points p JOIN data.sewer_nodes n ON n.id = p.node_id WHERE ST_Distance(p.geom, n.geom) > 0.01")"
check_eq "points_tied in the report matches" "$(jq .topology.points_tied "$SCRATCH/sewer.json")" \
    "$(sql "SELECT count(node_id) FROM data.sewer_points")"
check_eq "every point knows its distance to the network" "0" \
    "$(sql "SELECT count(*) FROM data.sewer_points WHERE node_distance_m IS NULL")"
check_eq "companion tables readable by the open role" "t|t" \
    "$(sql "SELECT has_table_privilege('jumeau_open', 'data.sewer_nodes', 'SELECT'), has_table_privilege('jumeau_open', 'data.sewer_points', 'SELECT')")"

# Replacing the network swaps every companion table.
run_status jumeau import network "$LINES" --name sewer --replace --snap 0.5
check_eq "replace status" 0 "$STATUS"
check_eq "points table of the old version gone" "f" "$(sql "SELECT to_regclass('data.sewer_points') IS NOT NULL")"
check_eq "a wider snap makes fewer nodes" "t" \
    "$(sql "SELECT count(*) < $(jq .topology.nodes "$SCRATCH/sewer.json") FROM data.sewer_nodes")"
check_eq "no staging table left" "0" \
    "$(sql "SELECT count(*) FROM pg_tables WHERE tablename LIKE '%\_\_import%'")"

finish
