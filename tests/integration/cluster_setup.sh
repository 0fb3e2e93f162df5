# Fixture: a fresh private cluster for the tests that share one.
set -eu
mkdir -p "$JUMEAU_TEST_ROOT"
chmod 755 "$JUMEAU_TEST_ROOT"
# a cluster left by an interrupted earlier run goes first
if [ -d "$JUMEAU_HOME/pgdata" ]; then "$JUMEAU_BIN" db stop || true; fi
rm -rf "$JUMEAU_HOME"
"$JUMEAU_BIN" db init
"$JUMEAU_BIN" db status
