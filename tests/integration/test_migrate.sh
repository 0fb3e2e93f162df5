# Migrations: applied once each, recorded, idempotent; schemas and roles of the data policy.
. "$(dirname "$0")/lib.sh"

files=$(ls "$SRC"/schemas/[0-9][0-9][0-9][0-9]_*.sql | wc -l)
check_eq "recorded migrations" "$files" "$(sql 'SELECT count(*) FROM jumeau.schema_migrations')"

run_status jumeau db migrate
check_eq "migrate status" 0 "$STATUS"
check_contains "second migrate applies nothing" "0 migrations applied" "$OUT"
run_status jumeau db migrate
check_contains "third migrate applies nothing" "0 migrations applied" "$OUT"
check_eq "recorded migrations after re-runs" "$files" "$(sql 'SELECT count(*) FROM jumeau.schema_migrations')"

check_eq "schemas" "closed,data,jumeau" \
    "$(sql "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname IN ('jumeau','data','closed')")"
check_eq "reader roles" "jumeau_internal,jumeau_open,jumeau_shared" \
    "$(sql "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'jumeau\_%'")"
check_eq "shared inherits open" "t" "$(sql "SELECT pg_has_role('jumeau_shared', 'jumeau_open', 'MEMBER')")"
check_eq "open does not inherit shared" "f" "$(sql "SELECT pg_has_role('jumeau_open', 'jumeau_shared', 'MEMBER')")"
check_eq "open role cannot read the closed schema" "f" "$(sql "SELECT has_schema_privilege('jumeau_open', 'closed', 'USAGE')")"
check_eq "open role cannot read API keys" "f" "$(sql "SELECT has_table_privilege('jumeau_open', 'jumeau.api_keys', 'SELECT')")"
check_eq "postgis enabled" "1" "$(sql "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")"
for t in datasets dataset_attributes import_runs api_keys audit_log; do
    check_eq "table jumeau.$t" "t" "$(sql "SELECT to_regclass('jumeau.$t') IS NOT NULL")"
done

# The registry refuses names that would not fit the data.<name>_<part> tables.
run_status sql "INSERT INTO jumeau.datasets (name, kind, title, source_srs, storage_srid, source_file, source_sha256) VALUES ('Bad-Name', 'buildings', 't', 'EPSG:4326', 32632, 'f', repeat('a', 64))"
check_failed "registry rejects a bad name"

finish
