# Fixture cleanup: stop the shared cluster (ctest runs this even when tests failed).
set -u
if [ -d "$JUMEAU_HOME/pgdata" ]; then "$JUMEAU_BIN" db stop; fi
rm -rf "$JUMEAU_HOME"
echo "stopped and removed $JUMEAU_HOME"
