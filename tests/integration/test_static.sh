# /viewer/ and /shaders/ as static files: what is served, with which type and caching, and
# what never is (paths out of the folders, hidden files, node_modules beyond the two
# libraries, symbolic links out).
. "$(dirname "$0")/lib.sh"

root="$SCRATCH/viewer" shaders="$SCRATCH/shaders"
mkdir -p "$root/js" "$root/node_modules/cesium/Build/Cesium/Workers" "$root/node_modules/maplibre-gl/dist" "$shaders"
echo '<!doctype html><title>jumeau</title>' > "$root/index.html"
echo 'export const x = 1;' > "$root/js/app.js"
echo 'var Cesium = {};' > "$root/node_modules/cesium/Build/Cesium/Cesium.js"
echo 'self.onmessage = null;' > "$root/node_modules/cesium/Build/Cesium/Workers/w.js"
echo 'maplibre' > "$root/node_modules/maplibre-gl/dist/maplibre-gl.js"
echo '{"secret": true}' > "$root/node_modules/package.json"
echo 'secret' > "$root/.env"
echo 'top secret' > "$SCRATCH/outside.txt"
ln -s "$SCRATCH/outside.txt" "$root/link.txt"
echo 'void fragmentMain(FragmentInput fsInput, inout czm_modelMaterial material) {}' > "$shaders/thematic.glsl"
JUMEAU_VIEWER_DIR="$root" JUMEAU_SHADERS_DIR="$shaders" start_server

code() { curl -s -o "$SCRATCH/body" -w '%{http_code} %{content_type}' --path-as-is "$BASE$1"; }
check_eq "/viewer/ is index.html" "200 text/html; charset=utf-8" "$(code /viewer/)"
check_contains "/viewer/ body" "<title>jumeau</title>" "$(cat "$SCRATCH/body")"
check_eq "/viewer (no slash) too" "200 text/html; charset=utf-8" "$(code /viewer)"
check_eq "a module" "200 text/javascript; charset=utf-8" "$(code /viewer/js/app.js)"
check_eq "CesiumJS from its build folder" "200 text/javascript; charset=utf-8" "$(code /viewer/cesium/Cesium.js)"
check_eq "CesiumJS's workers" "200 text/javascript; charset=utf-8" "$(code /viewer/cesium/Workers/w.js)"
check_eq "MapLibre from its dist folder" "200 text/javascript; charset=utf-8" "$(code /viewer/maplibre/maplibre-gl.js)"
check_eq "a shader" "200 text/plain; charset=utf-8" "$(code /shaders/thematic.glsl)"
check_contains "the shader's text" "fragmentMain" "$(cat "$SCRATCH/body")"
check_eq "the viewer's files are revalidated" "no-cache" \
    "$(curl -s -D - -o /dev/null "$BASE/viewer/js/app.js" | tr -d '\r' | sed -n 's/^Cache-Control: //p')"
check_eq "the libraries are cached" "public, max-age=3600" \
    "$(curl -s -D - -o /dev/null "$BASE/viewer/cesium/Cesium.js" | tr -d '\r' | sed -n 's/^Cache-Control: //p')"
etag=$(curl -s -D - -o /dev/null "$BASE/viewer/js/app.js" | tr -d '\r' | sed -n 's/^ETag: //p')
check_eq "304 with the ETag" "304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$BASE/viewer/js/app.js")"
for p in /viewer/../outside.txt /viewer/js/../../outside.txt /viewer/%2e%2e/outside.txt /viewer/.env \
    /viewer/node_modules/package.json /viewer/link.txt /viewer/js/ /viewer/nope.js /shaders/../outside.txt \
    /viewer/cesium/../../package.json "/viewer//etc/passwd" /shaders/; do
    st=$(code "$p")
    check_eq "$p: not served" "404" "${st%% *}"
    check_not_contains "$p: nothing of the file" "secret" "$(cat "$SCRATCH/body")"
done
finish
