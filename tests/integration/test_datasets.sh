# jumeau datasets list | show | set | drop
. "$(dirname "$0")/lib.sh"

PBF="$DATA/osm/liechtenstein-2013-08-03.osm.pbf"
jumeau datasets drop ds_test >/dev/null 2>&1
audit_before=$(sql "SELECT coalesce(max(id), 0) FROM jumeau.audit_log")
run_status jumeau import buildings "$PBF" --name ds_test
check_eq "import status" 0 "$STATUS"

run_status jumeau datasets list
check_eq "list status" 0 "$STATUS"
check_contains "list shows the dataset" "ds_test" "$OUT"
check_eq "list row" "ds_test buildings open 3723 1" "$(echo "$OUT" | awk '$1 == "ds_test" {print $1, $2, $3, $4, $5}')"

run_status jumeau datasets show ds_test
check_eq "show status" 0 "$STATUS"
check_eq "show storage crs" "EPSG:32632" "$(echo "$OUT" | awk '$1 == "storage" {print $3}')"

run_status jumeau datasets set ds_test "title=Bâtiments du Liechtenstein" licence=ODbL-1.0 keywords=buildings,osm access=shared
check_eq "set status" 0 "$STATUS"
check_eq "set applied" "Bâtiments du Liechtenstein|ODbL-1.0|{buildings,osm}|shared|2" \
    "$(sql "SELECT title, licence, keywords, access_level, version FROM jumeau.datasets WHERE name = 'ds_test'")"
check_eq "shared table no longer open" "f|t" \
    "$(sql "SELECT has_table_privilege('jumeau_open', 'data.ds_test', 'SELECT'), has_table_privilege('jumeau_shared', 'data.ds_test', 'SELECT')")"

run_status jumeau datasets set ds_test colour=red
check_eq "set unknown key status" 1 "$STATUS"
run_status jumeau datasets set ds_test access=public title=changed
check_eq "set bad access status" 1 "$STATUS"
check_eq "a failed set changes nothing" "Bâtiments du Liechtenstein|shared" \
    "$(sql "SELECT title, access_level FROM jumeau.datasets WHERE name = 'ds_test'")"

run_status jumeau datasets set ds_test minzoom=15 maxzoom=18
check_eq "zoom range set" "15|18" "$(sql "SELECT tile_min_zoom, tile_max_zoom FROM jumeau.datasets WHERE name = 'ds_test'")"
run_status jumeau datasets set ds_test minzoom=99
check_eq "a zoom out of range is refused" 1 "$STATUS"
run_status jumeau datasets set ds_test minzoom=
check_eq "an empty zoom restores the kind's default" "" "$(sql "SELECT tile_min_zoom FROM jumeau.datasets WHERE name = 'ds_test'")"

run_status jumeau datasets show nosuch
check_eq "show unknown status" 1 "$STATUS"

run_status jumeau datasets drop ds_test
check_eq "drop status" 0 "$STATUS"
check_eq "dropped from registry and data" "0|f" \
    "$(sql "SELECT count(*), to_regclass('data.ds_test') IS NOT NULL FROM jumeau.datasets WHERE name = 'ds_test'")"
check_eq "drop is audited" "1" "$(sql "SELECT count(*) FROM jumeau.audit_log WHERE action = 'drop' AND target = 'ds_test' AND id > $audit_before")"
run_status jumeau datasets drop ds_test
check_eq "drop again status" 1 "$STATUS"

finish
