# Shared helpers of the integration tests. Each test script sources this file, runs
# checks, and ends with `finish`, which prints "N passed, N failed" and sets the exit status.
set -u
: "${JUMEAU_BIN:?run through ctest (make check)}"
: "${JUMEAU_TEST_ROOT:?}"
DATA="${JUMEAU_SHARED_DATA}"
if [ ! -d "$DATA/osm" ]; then
    echo "the shared test data is not at $DATA (expected beside the checkout, in ../shared/data)"
    exit 1
fi
SRC="${JUMEAU_SOURCE_DIR}"
PASSED=0
FAILED=0
SCRATCH=$(mktemp -d "${JUMEAU_TEST_ROOT}/scratch.XXXXXX" 2>/dev/null || { mkdir -p "$JUMEAU_TEST_ROOT" && mktemp -d "${JUMEAU_TEST_ROOT}/scratch.XXXXXX"; })
chmod 755 "$SCRATCH"

jumeau() { "$JUMEAU_BIN" "$@"; }

ok()   { PASSED=$((PASSED + 1)); echo "ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1 = $2"; else fail "$1: expected '$2', got '$3'"; fi
}
# check_contains WHAT NEEDLE HAYSTACK
check_contains() {
    case "$3" in *"$2"*) ok "$1 mentions '$2'" ;; *) fail "$1: '$2' not in: $3" ;; esac
}
check_not_contains() {
    case "$3" in *"$2"*) fail "$1: '$2' should not be in: $3" ;; *) ok "$1 does not mention '$2'" ;; esac
}
# run_status: runs a command, keeping stdout+stderr in $OUT and the exit status in $STATUS
run_status() {
    OUT=$("$@" 2>&1)
    STATUS=$?
}
# check_failed WHAT: the last run_status failed
check_failed() {
    if [ "$STATUS" -ne 0 ]; then ok "$1 (status $STATUS)"; else fail "$1: succeeded: $OUT"; fi
}
# check_lines WHAT N TEXT: the text has exactly N lines (error messages are one line)
check_lines() {
    local n
    n=$(printf '%s\n' "$3" | grep -c '')
    check_eq "$1 line count" "$2" "$n"
}

# psql on the private cluster of a home (default: the shared test home)
sql() {
    local home="${SQL_HOME:-$JUMEAU_HOME}"
    psql -X -q -A -t -v ON_ERROR_STOP=1 "host=$home/run port=5432 dbname=jumeau user=jumeau" -c "$1"
}

# A free TCP port on loopback.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [SECONDS]: waits until the URL answers (any status)
wait_http() {
    local deadline=$((SECONDS + ${2:-30}))
    while [ $SECONDS -lt $deadline ]; do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.2
    done
    return 1
}

# at_exit CMD…: runs CMD when the test ends, passing or not (servers it started, say)
EXIT_HOOKS=()
at_exit() { EXIT_HOOKS+=("$*"); }
run_exit_hooks() {
    local i
    for ((i = ${#EXIT_HOOKS[@]} - 1; i >= 0; i--)); do eval "${EXIT_HOOKS[i]}"; done
    EXIT_HOOKS=()
    rm -rf "$SCRATCH"
}
trap run_exit_hooks EXIT

# test_tools: installs tests/tools (npm ci, from its lock file) once per test root; prints
# the folder holding node_modules
test_tools() {
    local dir="$JUMEAU_TEST_ROOT/tools"
    if [ ! -d "$dir/node_modules" ]; then
        mkdir -p "$dir"
        cp "$SRC/tests/tools/package.json" "$SRC/tests/tools/package-lock.json" "$SRC"/tests/tools/*.js "$SRC"/tests/tools/*.mjs "$dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) || { echo "npm ci failed in $dir" >&2; return 1; }
    fi
    echo "$dir"
}

# start_server [ARGS…]: jumeau serve on a free loopback port; sets PORT, BASE, PID and
# SERVER_LOG, stops it when the test ends, waits until it answers
start_server() {
    PORT=$(free_port)
    BASE="http://127.0.0.1:$PORT"
    SERVER_LOG="$SCRATCH/serve.log"
    "$JUMEAU_BIN" serve --listen "127.0.0.1:$PORT" "$@" > "$SERVER_LOG" 2>&1 &
    PID=$!
    at_exit "kill $PID 2>/dev/null"
    wait_http "$BASE/health" 30 || fail "the server did not start: $(cat "$SERVER_LOG")"
}

finish() {
    run_exit_hooks
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}
