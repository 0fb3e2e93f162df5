#!/usr/bin/env bash
# City model import speed and memory: `jumeau import citygml|cityjson` on the largest files at
# hand (PLATEAU Tokyo, CityGML 2.0, 785 polygons; Delft, CityJSON 2.0, 570 objects and 36k
# surfaces) and on copies made 100 times larger (PLATEAU: 100 buildings with new gml:ids;
# Delft: as CityJSON Text Sequences, 57,000 objects on 57,000 lines, both streamed), in a fresh
# private cluster: objects and surfaces per second, and the importer's peak RSS (GNU time or
# python3, see bench_lib.sh) at 1x and 100x — a streaming reader keeps the ratio near 1.
# Reference in the same run: GDAL's GML driver (ogr2ogr -f PostgreSQL) loading the same
# CityGML files into the same cluster (as PolyhedralSurfaces, without semantics, parts or
# attributes as JSON); the ratio jumeau/ogr2ogr is printed.
#
# usage: tests/bench/bench_citymodel.sh [BUILD_DIR] [RUNS]      (defaults: ./build, 3)
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
runs=${2:-3}
bin="$build/jumeau"
data=${JUMEAU_SHARED_DATA:-$here/../shared/data}
. "$here/tests/bench/bench_lib.sh"
bench_cluster

gml="$data/citygml/plateau_tokyo_53394517_bldg_6697_2_op_CityGML2.gml"
cj="$data/cityjson/delft_lod1_multiclass.city.json"
# PLATEAU x100: the city object member repeated with fresh gml:ids, in one CityModel
python3 - "$gml" "$work/plateau100.gml" <<'PY'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
start = src.index("<core:cityObjectMember"); end = src.rindex("</core:cityObjectMember>") + len("</core:cityObjectMember>")
member = src[start:end]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write(src[:start])
    for k in range(100):
        out.write(re.sub(r'(gml:id="|xlink:href="#)([^"]+)"', lambda m: '%s%s_%d"' % (m.group(1), m.group(2), k), member))
    out.write(src[end:])
PY
# Delft as text sequences, x1 and x100 (object ids suffixed)
python3 - "$cj" "$work/delft1.city.jsonl" "$work/delft100.city.jsonl" <<'PY'
import json, sys
cm = json.load(open(sys.argv[1]))
objs, verts = cm["CityObjects"], cm["vertices"]
head = {k: v for k, v in cm.items() if k not in ("CityObjects", "vertices")}
head.update(CityObjects={}, vertices=[])
def remap(b, m, out):
    if isinstance(b, list):
        return [remap(x, m, out) for x in b]
    if b not in m:
        m[b] = len(out); out.append(verts[b])
    return m[b]
features = []
for oid, o in objs.items():
    if o.get("parents"): continue
    m, out, feat = {}, [], {}
    for g in [oid] + o.get("children", []):
        c = json.loads(json.dumps(objs[g]))
        for geom in c.get("geometry", []):
            geom["boundaries"] = remap(geom["boundaries"], m, out)
        feat[g] = c
    features.append(({"type": "CityJSONFeature", "id": oid, "CityObjects": feat, "vertices": out}))
for path, copies in ((sys.argv[2], 1), (sys.argv[3], 100)):
    with open(path, "w") as f:
        f.write(json.dumps(head) + "\n")
        for k in range(copies):
            for feat in features:
                s = json.dumps(feat)
                if k:
                    for oid in feat["CityObjects"]:
                        s = s.replace('"%s"' % oid, '"%s_%d"' % (oid, k))
                f.write(s + "\n")
PY

q() { psql -X -A -t "$pg" -c "$1"; }
# import KIND FILE NAME -> median seconds and RSS (KiB) of RUNS runs; objects and surfaces
bench_import() {
    local kind=$1 file=$2 name=$3 i times=() rsss=()
    for ((i = 0; i < runs; i++)); do
        measure "$bin" --home "$home" -q import "$kind" "$file" --name "$name" --replace
        times+=("$elapsed") rsss+=("$rss")
    done
    t=$(printf '%s\n' "${times[@]}" | median)
    r=$(printf '%s\n' "${rsss[@]}" | median)
    objects=$(q "SELECT count(*) FROM data.$name")
    surfaces=$(q "SELECT count(*) FROM data.${name}_surfaces")
    printf '%-34s %7d objects %9d surfaces in %6.2f s: %8.0f objects/s %9.0f surfaces/s, peak RSS %s\n' \
        "$kind $(basename "$file")" "$objects" "$surfaces" "$t" "$(calc "$objects / $t")" "$(calc "$surfaces / $t")" "$(mib "$r")"
}
bench_ogr() { # FILE -> median seconds of ogr2ogr into the same cluster
    local file=$1 i times=()
    for ((i = 0; i < runs; i++)); do
        measure ogr2ogr -f PostgreSQL "PG:$pg" "$file" -lco OVERWRITE=YES -lco SCHEMA=public -nln "ogr_ref" \
            --config PG_USE_COPY YES Building
        times+=("$elapsed")
    done
    printf '%s\n' "${times[@]}" | median
}

bench_import citygml "$gml" g1;            t_g1=$t r_g1=$r
bench_import citygml "$work/plateau100.gml" g100; t_g100=$t r_g100=$r
bench_import cityjson "$cj" j1
bench_import cityjson "$work/delft1.city.jsonl" s1;     r_s1=$r
bench_import cityjson "$work/delft100.city.jsonl" s100; r_s100=$r
o1=$(bench_ogr "$gml") o100=$(bench_ogr "$work/plateau100.gml")
printf 'ogr2ogr (GML driver) PLATEAU x1: %.2f s, x100: %.2f s; ratio jumeau/ogr2ogr: %.2f and %.2f\n' \
    "$o1" "$o100" "$(calc "$t_g1 / $o1")" "$(calc "$t_g100 / $o100")"
printf 'peak RSS 100x/1x: CityGML %.2f, CityJSON text sequences %.2f (streaming keeps it near 1)\n' \
    "$(calc "$r_g100 / $r_g1")" "$(calc "$r_s100 / $r_s1")"
