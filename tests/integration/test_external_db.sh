# --db URL: the same commands against a PostgreSQL server that jumeau does not manage,
# reached over TCP with a password; wrong URLs give one-line messages and status 2.
. "$(dirname "$0")/lib.sh"

BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
EXT="$SCRATCH/external"
PORT=$(free_port)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$EXT"
[ "$(id -u)" = 0 ] && chown postgres: "$EXT"
echo secret > "$SCRATCH/pw"; chmod 644 "$SCRATCH/pw"
as_pg "$BIN/initdb" -D "$EXT/data" -U admin --pwfile="$SCRATCH/pw" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$BIN/pg_ctl" -D "$EXT/data" -l "$EXT/log" -w -s \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$EXT" start
at_exit 'as_pg "$BIN/pg_ctl" -D "$EXT/data" -m fast -w -s stop' 
PGPASSWORD=secret psql -X -q "postgresql://admin@127.0.0.1:$PORT/postgres" -c "CREATE DATABASE city"

URL="postgresql://admin:secret@127.0.0.1:$PORT/city"
NOHOME="$SCRATCH/never-created"
ext() { "$JUMEAU_BIN" --home "$NOHOME" --db "$URL" "$@"; }
esql() { PGPASSWORD=secret psql -X -q -A -t "postgresql://admin@127.0.0.1:$PORT/city" -c "$1"; }

run_status ext db init
check_eq "db init on an external database" 0 "$STATUS"
check_contains "db init message hides the password" "admin:***@" "$OUT"
check_not_contains "db init message" "secret" "$OUT"
check_eq "migrations applied there" "$(ls "$SRC"/schemas/[0-9]*.sql | wc -l)" "$(esql 'SELECT count(*) FROM jumeau.schema_migrations')"
run_status ext db migrate
check_contains "migrate is idempotent" "0 migrations applied" "$OUT"

run_status ext db status
check_eq "status status" 0 "$STATUS"
check_contains "status says external" "state: external" "$OUT"
check_contains "status shows PostGIS" "postgis: 3" "$OUT"

for action in start stop; do
    run_status ext db "$action"
    check_eq "db $action refused on an external database" 1 "$STATUS"
    check_contains "db $action message" "does not $action" "$OUT"
done

run_status ext import buildings "$DATA/osm/liechtenstein-2013-08-03.osm.pbf" --name ext_buildings
check_eq "import into the external database" 0 "$STATUS"
check_eq "rows there" "3723" "$(esql 'SELECT count(*) FROM data.ext_buildings')"
run_status env JUMEAU_DB="$URL" "$JUMEAU_BIN" --home "$NOHOME" datasets list
check_contains "JUMEAU_DB works like --db" "ext_buildings" "$OUT"
check_eq "jumeau made no home for an external database" "no" "$([ -e "$NOHOME" ] && echo yes || echo no)"

# wrong password, wrong port, wrong host name: one line, status 2, no password echoed
run_status jumeau --db "postgresql://admin:wrong@127.0.0.1:$PORT/city" db status
check_eq "wrong password status" 2 "$STATUS"
check_lines "wrong password message" 1 "$OUT"
check_contains "wrong password message" "password" "$OUT"
check_not_contains "wrong password message" "wrong@" "$OUT"
dead=$(free_port)
run_status jumeau --db "postgresql://admin:secret@127.0.0.1:$dead/city" datasets list
check_eq "nothing listening status" 2 "$STATUS"
check_lines "nothing listening message" 1 "$OUT"
run_status jumeau --db "not a url at all" db status
check_eq "malformed URL status" 2 "$STATUS"
check_lines "malformed URL message" 1 "$OUT"

# a database where PostGIS is not enabled and the user may not enable it: one line, status 2,
# and nothing half-made (no jumeau schema)
PGPASSWORD=secret psql -X -q "postgresql://admin@127.0.0.1:$PORT/postgres" \
    -c "CREATE ROLE plain LOGIN PASSWORD 'plainpw'" -c "CREATE DATABASE plaindb OWNER plain"
run_status jumeau --db "postgresql://plain:plainpw@127.0.0.1:$PORT/plaindb" db init
check_eq "PostGIS not enableable status" 2 "$STATUS"
check_lines "PostGIS not enableable message" 1 "$OUT"
check_contains "PostGIS not enableable message" "PostGIS" "$OUT"
check_eq "no jumeau schema left behind" "0" \
    "$(PGPASSWORD=plainpw psql -X -A -t "postgresql://plain@127.0.0.1:$PORT/plaindb" -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'jumeau'")"

finish
