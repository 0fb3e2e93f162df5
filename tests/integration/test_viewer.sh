# The web viewer in a real browser: Debian's Chromium driven by playwright-core
# (tests/browser/viewer.test.mjs) against `jumeau demo` (the sample city in a private cluster of
# its own), and the map page; the shaders compiled by glslangValidator as GLSL ES 3.00.
# Screenshots of each step are kept in $JUMEAU_TEST_ROOT/artifacts/viewer.
. "$(dirname "$0")/lib.sh"

[[ -x /usr/bin/chromium ]] || { fail "Debian's chromium is not installed (make deps)"; finish; }
[[ -f $SRC/viewer/node_modules/cesium/Build/Cesium/Cesium.js ]] || { fail "viewer/node_modules is missing (make viewer)"; finish; }

# the browser tests' own npm packages, from their lock file, once per test root
browser="$JUMEAU_TEST_ROOT/browser"
if [[ ! -d $browser/node_modules/playwright-core ]]; then
    mkdir -p "$browser"
    cp "$SRC/tests/browser/package.json" "$SRC/tests/browser/package-lock.json" "$browser/"
    (cd "$browser" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) || { fail "npm ci in tests/browser"; finish; }
fi
cp "$SRC"/tests/browser/*.mjs "$browser/"

run_status bash "$SRC/tests/browser/check_shaders.sh" "$SRC/shaders"
check_eq "every shader compiles as GLSL ES 3.00 (glslangValidator)" 0 "$STATUS"
[[ $STATUS == 0 ]] || echo "$OUT"

home="$SCRATCH/home"
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
"$JUMEAU_BIN" --home "$home" -q demo --listen "127.0.0.1:$PORT" > "$SCRATCH/demo.log" 2>&1 &
demo=$!
at_exit "kill $demo 2>/dev/null; wait $demo 2>/dev/null; '$JUMEAU_BIN' --home '$home' db stop >/dev/null 2>&1"
wait_http "$BASE/health" 240 || fail "the demo did not start: $(tail -5 "$SCRATCH/demo.log")"
KEY=$("$JUMEAU_BIN" --home "$home" keys add viewer_staff --role internal)

artifacts="$JUMEAU_TEST_ROOT/artifacts/viewer"
rm -rf "$artifacts" && mkdir -p "$artifacts"
run_status env JUMEAU_BASE="$BASE" ARTIFACTS_DIR="$artifacts" JUMEAU_KEY="$KEY" \
    node "$browser/viewer.test.mjs"
echo "$OUT" | tail -n 40
check_eq "the viewer's browser tests pass in Chromium" 0 "$STATUS"
check_eq "screenshots of each step are kept" "true" "$([ "$(ls "$artifacts"/*.png 2>/dev/null | wc -l)" -ge 4 ] && echo true || echo false)"
finish
