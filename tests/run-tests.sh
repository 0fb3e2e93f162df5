#!/usr/bin/env bash
# Runs every test of one build tree: ctest (unit, integration, fuzz replays), with the
# integration tests' private PostgreSQL cluster stopped at the end whatever happens.
# usage: tests/run-tests.sh BUILD_DIR [ctest arguments…]
set -uo pipefail
build=${1:?usage: tests/run-tests.sh BUILD_DIR [ctest args]}
shift
root=$(sed -n 's/^JUMEAU_TEST_ROOT:PATH=//p' "$build/CMakeCache.txt")

stop_clusters() {
    # ctest's fixture cleanup stops the shared cluster; this catches an interrupted ctest
    [ -n "$root" ] || return 0
    for pgdata in "$root"/home/pgdata "$root"/scratch.*/*/pgdata; do
        [ -f "$pgdata/postmaster.pid" ] || continue
        "$build/jumeau" --home "$(dirname "$pgdata")" db stop >/dev/null 2>&1 || true
    done
    rm -rf "$root"
}
trap stop_clusters EXIT INT TERM

stop_clusters
ctest --test-dir "$build" --output-on-failure --timeout 600 --parallel 2 "$@"
