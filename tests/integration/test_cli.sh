# The command line contract: help, version, exit statuses 0/1/2, unbuilt subcommands.
. "$(dirname "$0")/lib.sh"

run_status jumeau --version
check_eq "--version status" 0 "$STATUS"
check_contains "--version" "jumeau 0." "$OUT"

run_status jumeau --help
check_eq "--help status" 0 "$STATUS"
for cmd in db import datasets serve tile keys extract demo; do
    check_contains "--help lists" "$cmd" "$OUT"
done

for cmd in db import datasets serve demo; do
    run_status jumeau "$cmd" --help
    check_eq "$cmd --help status" 0 "$STATUS"
    check_contains "$cmd --help" "usage: jumeau $cmd" "$OUT"
done

run_status jumeau frobnicate
check_eq "unknown command status" 1 "$STATUS"
check_contains "unknown command message" "unknown command 'frobnicate'" "$OUT"
check_lines "unknown command message" 1 "$OUT"

run_status jumeau import buildings /nonexistent.geojson --colour red
check_eq "unknown option status" 1 "$STATUS"
check_contains "unknown option message" "--colour" "$OUT"

run_status jumeau --home
check_eq "--home without value status" 1 "$STATUS"

run_status jumeau import spaceships file.x
check_eq "unknown import kind status" 1 "$STATUS"

# capabilities of later issues say so, with status 2
for args in "extract x --bbox 0,0,1,1 --format GPKG --out x.gpkg" "import ifc $DATA/ifc/AC20-FZK-Haus.ifc"; do
    # shellcheck disable=SC2086
    run_status jumeau $args
    check_eq "'$args' status" 2 "$STATUS"
    check_contains "'$args' message" "not yet available" "$OUT"
done

run_status jumeau tile 3d nope --out "$SCRATCH/nope3d"
check_eq "tile 3d of an unknown dataset: status 1" 1 "$STATUS"
check_contains "tile 3d of an unknown dataset: says so" "no dataset named 'nope'" "$OUT"
run_status jumeau tile 3d nope --out "$SCRATCH/nope3d" --compression zstd
check_contains "tile 3d with an unknown compression: says which are known" "none, quantize or meshopt" "$OUT"

run_status jumeau import buildings "$SCRATCH/missing.pbf"
check_eq "missing file status" 1 "$STATUS"
check_contains "missing file message names the file" "$SCRATCH/missing.pbf" "$OUT"
check_lines "missing file message" 1 "$OUT"

run_status env JUMEAU_THREADS=lots "$JUMEAU_BIN" db status
check_eq "bad JUMEAU_THREADS status" 1 "$STATUS"
check_contains "bad JUMEAU_THREADS message" "JUMEAU_THREADS" "$OUT"

finish
