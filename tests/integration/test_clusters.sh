# The private cluster: init/start/stop/status in two homes at once, init on an existing home,
# an unwritable home, an interrupted init.
. "$(dirname "$0")/lib.sh"

A="$SCRATCH/home-a"
B="$SCRATCH/home-b"
for h in "$A" "$B" "$SCRATCH/home-c"; do
    at_exit "[ -d '$h/pgdata' ] && '$JUMEAU_BIN' --home '$h' db stop >/dev/null 2>&1"
done

# two inits at the same time, in two homes
"$JUMEAU_BIN" --home "$A" db init > "$SCRATCH/a.out" 2>&1 &
pa=$!
"$JUMEAU_BIN" --home "$B" db init > "$SCRATCH/b.out" 2>&1 &
pb=$!
wait $pa; sa=$?
wait $pb; sb=$?
check_eq "init A and B at once" "0 0" "$sa $sb"

run_status jumeau --home "$A" db status
check_contains "A is running" "state: running" "$OUT"
check_contains "A has PostGIS" "postgis: 3" "$OUT"
run_status jumeau --home "$B" db status
check_contains "B is running" "state: running" "$OUT"
pid_a=$(head -1 "$A/pgdata/postmaster.pid")
pid_b=$(head -1 "$B/pgdata/postmaster.pid")
[ "$pid_a" != "$pid_b" ] && ok "two servers ($pid_a, $pid_b)" || fail "one server for two homes"
check_eq "A listens on no TCP port" "" "$(SQL_HOME="$A" sql "SHOW listen_addresses")"

# a table made in A is not in B
SQL_HOME="$A" sql "CREATE TABLE data.only_in_a (x int)"
check_eq "homes are independent" "t f" \
    "$(SQL_HOME="$A" sql "SELECT to_regclass('data.only_in_a') IS NOT NULL") $(SQL_HOME="$B" sql "SELECT to_regclass('data.only_in_a') IS NOT NULL")"

# init on an existing home says so and changes nothing
before=$(stat -c %Y "$A/pgdata/PG_VERSION")
run_status jumeau --home "$A" db init
check_eq "second init status" 0 "$STATUS"
check_contains "second init message" "already exists" "$OUT"
check_eq "second init changed nothing" "$before t" "$(stat -c %Y "$A/pgdata/PG_VERSION") $(SQL_HOME="$A" sql "SELECT to_regclass('data.only_in_a') IS NOT NULL")"

# stop A: B keeps running
run_status jumeau --home "$A" db stop
check_eq "stop A" 0 "$STATUS"
run_status jumeau --home "$A" db status
check_contains "A stopped" "state: stopped" "$OUT"
run_status jumeau --home "$B" db status
check_contains "B still running" "state: running" "$OUT"

# any command that needs the database starts it
run_status jumeau --home "$A" datasets list
check_eq "datasets list on a stopped home" 0 "$STATUS"
run_status jumeau --home "$A" db status
check_contains "A started on demand" "state: running" "$OUT"
run_status jumeau --home "$A" db stop
run_status jumeau --home "$A" db start
check_eq "start A" 0 "$STATUS"
check_contains "start A message" "running" "$OUT"

# status of a home with no cluster
run_status jumeau --home "$SCRATCH/nothing-here" db status
check_contains "status of an empty home" "not initialised" "$OUT"
run_status jumeau --home "$SCRATCH/nothing-here" datasets list
check_eq "a command on an empty home status" 2 "$STATUS"
check_contains "a command on an empty home says what to do" "jumeau db init" "$OUT"

# a home that cannot be created
run_status jumeau --home /proc/jumeau-home db init
check_eq "unwritable home status" 2 "$STATUS"
check_lines "unwritable home message" 1 "$OUT"
check_contains "unwritable home message" "/proc/jumeau-home" "$OUT"
ro="$SCRATCH/readonly"
mkdir -p "$ro" && chmod 555 "$ro"
if [ "$(id -u)" != 0 ]; then
    run_status jumeau --home "$ro/home" db init
    check_eq "read-only parent status" 2 "$STATUS"
    check_eq "nothing left in the read-only parent" "" "$(ls -A "$ro")"
fi

# a home too deep for a Unix socket
deep="$SCRATCH/$(printf 'd%.0s' $(seq 1 120))"
run_status jumeau --home "$deep" db init
check_eq "too deep home status" 1 "$STATUS"
check_contains "too deep home message" "too deep" "$OUT"
check_eq "too deep home not created" "no" "$([ -e "$deep" ] && echo yes || echo no)"

# Ctrl-C in the middle of init (at several moments: initdb, the first start, the migrations)
# leaves nothing that the next init trips over
C="$SCRATCH/home-c"
latest=$(ls "$SRC"/schemas/[0-9][0-9][0-9][0-9]_*.sql | sed -n '$s|.*/0*\([0-9]*\)_.*|\1|p')
for delay in 0.02 0.08 0.15 0.3; do
    "$JUMEAU_BIN" --home "$C" db init > /dev/null 2>&1 &
    pc=$!
    sleep "$delay"
    kill -INT "$pc" 2>/dev/null
    wait "$pc" 2>/dev/null
    run_status jumeau --home "$C" db init
    check_eq "init after an init interrupted at ${delay}s" 0 "$STATUS"
    run_status jumeau --home "$C" db start
    run_status jumeau --home "$C" db status
    check_contains "the home interrupted at ${delay}s runs, migrated" "schema version: $latest" "$OUT"
    check_eq "no partial folder left after ${delay}s" "no" "$([ -e "$C/pgdata.partial" ] && echo yes || echo no)"
    "$JUMEAU_BIN" --home "$C" db stop >/dev/null 2>&1
    rm -rf "$C"
done
mkdir -p "$C"

for h in "$A" "$B"; do
    run_status jumeau --home "$h" db stop
    check_eq "stop $(basename "$h")" 0 "$STATUS"
done
finish
