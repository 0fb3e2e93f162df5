#!/usr/bin/env bash
# Compiles every CesiumJS CustomShader body in SHADERS_DIR with glslangValidator (Debian
# glslang-tools), as the GPU would see it: each body is wrapped into a complete GLSL ES 3.00
# shader with minimal stubs of what CesiumJS declares around it (FragmentInput, VertexInput,
# czm_modelMaterial, czm_modelVertexOutput, the czm_ uniforms and functions the bodies use),
# and its uniforms are declared from its "// uniform TYPE NAME;" contract lines.
#
# A body with fragmentMain is compiled as a fragment shader, one with vertexMain as a vertex
# shader (both when it has both). A "// variants: A B" line names preprocessor symbols the
# viewer may define: the body is compiled once without any and once with each.
#
# usage: tests/browser/check_shaders.sh [SHADERS_DIR]    exit 0 when all compile, 1 otherwise
set -u

dir=${1:-"$(cd "$(dirname "$0")/../.." && pwd)/shaders"}
validator=$(command -v glslangValidator || true)
if [ -z "$validator" ]; then
    echo "check_shaders: glslangValidator not found (Debian package glslang-tools)" >&2
    exit 2
fi
shopt -s nullglob
files=("$dir"/*.glsl)
if [ ${#files[@]} -eq 0 ]; then
    echo "check_shaders: no .glsl file in $dir" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# What CesiumJS puts before a custom shader, reduced to the members jumeau's bodies use. The
# member names are Cesium's (see CustomShader's documentation); the metadata members are the
# property table class "building" of jumeau's 3D Tiles.
common_stubs() {
    cat <<'EOF'
#version 300 es
precision highp float;
precision highp int;

struct czm_modelMaterial {
    vec4 baseColor;
    vec3 diffuse;
    float alpha;
    vec3 specular;
    float roughness;
    vec3 normalEC;
    float occlusion;
    vec3 emissive;
};
struct czm_modelVertexOutput {
    vec3 positionMC;
    float pointSize;
};
struct Attributes {
    vec3 positionMC;
    vec3 positionWC;
    vec3 positionEC;
    vec3 normalMC;
    vec3 normalEC;
    float semantic;
    int featureId_0;
};
struct FeatureIds {
    int featureId_0;
};
struct Metadata {
    int id;
    float height;
    int storeys;
    int year;
};
struct floatMetadataClass {
    float noData;
    float defaultValue;
    float minValue;
    float maxValue;
};
struct intMetadataClass {
    int noData;
    int defaultValue;
    int minValue;
    int maxValue;
};
struct MetadataClass {
    intMetadataClass id;
    floatMetadataClass height;
    intMetadataClass storeys;
    intMetadataClass year;
};
struct MetadataStatistics {
    float unused;
};
struct FragmentInput {
    Attributes attributes;
    FeatureIds featureIds;
    Metadata metadata;
    MetadataClass metadataClass;
    MetadataStatistics metadataStatistics;
};
struct VertexInput {
    Attributes attributes;
    FeatureIds featureIds;
    Metadata metadata;
    MetadataClass metadataClass;
    MetadataStatistics metadataStatistics;
};

uniform mat4 czm_model;
uniform mat4 czm_view;
uniform mat4 czm_modelView;
uniform mat4 czm_projection;
uniform mat3 czm_viewRotation;
uniform mat3 czm_normal;
uniform vec3 czm_sunDirectionEC;
uniform float czm_frameNumber;

vec3 czm_srgbToLinear(vec3 c) { return pow(c, vec3(2.2)); }
vec4 czm_srgbToLinear(vec4 c) { return vec4(pow(c.rgb, vec3(2.2)), c.a); }
vec3 czm_linearToSrgb(vec3 c) { return pow(c, vec3(1.0 / 2.2)); }
EOF
}

# The body's uniforms, from its contract lines: "// uniform TYPE NAME;" (comment after it allowed).
uniforms_of() {
    sed -n 's|^//[[:space:]]*uniform[[:space:]]\{1,\}\([A-Za-z0-9_]\{1,\}\)[[:space:]]\{1,\}\([A-Za-z0-9_]\{1,\}\)[[:space:]]*;.*$|uniform \1 \2;|p' "$1"
}

# The variants the body declares ("// variants: A B").
variants_of() {
    sed -n 's|^//[[:space:]]*variants:[[:space:]]*||p' "$1" | tr -s ' \t' '\n' | grep -v '^$' || true
}

# wrap FILE STAGE DEFINE > shader: the complete shader of one stage and variant.
wrap() {
    local file=$1 stage=$2 define=$3
    # glslang takes "#version" only as the first line, so a variant's #define goes after it.
    common_stubs | sed -n '1p'
    [ -n "$define" ] && echo "#define $define"
    common_stubs | sed -n '2,$p'
    uniforms_of "$file"
    echo "#line 1"
    cat "$file"
    echo
    if [ "$stage" = frag ]; then
        cat <<'EOF'
out vec4 out_FragColor;
void main()
{
    FragmentInput fsInput;
    czm_modelMaterial material;
    fragmentMain(fsInput, material);
    out_FragColor = vec4(material.diffuse + material.emissive, material.alpha);
}
EOF
    else
        cat <<'EOF'
void main()
{
    VertexInput vsInput;
    czm_modelVertexOutput vsOutput;
    vertexMain(vsInput, vsOutput);
    gl_Position = czm_projection * czm_modelView * vec4(vsOutput.positionMC, 1.0);
}
EOF
    fi
}

failed=0
checked=0
for file in "${files[@]}"; do
    name=$(basename "$file")
    stages=()
    grep -q 'void[[:space:]]\{1,\}fragmentMain[[:space:]]*(' "$file" && stages+=(frag)
    grep -q 'void[[:space:]]\{1,\}vertexMain[[:space:]]*(' "$file" && stages+=(vert)
    if [ ${#stages[@]} -eq 0 ]; then
        echo "FAIL $name: neither fragmentMain nor vertexMain"
        failed=$((failed + 1))
        continue
    fi
    mapfile -t variants < <(variants_of "$file")
    for stage in "${stages[@]}"; do
        for define in "" "${variants[@]}"; do
            label="$name ($stage${define:+, $define})"
            out="$work/${name%.glsl}.${define:-plain}.$stage"
            wrap "$file" "$stage" "$define" > "$out"
            checked=$((checked + 1))
            if log=$("$validator" -S "$stage" "$out" 2>&1); then
                echo "ok   $label"
            else
                echo "FAIL $label"
                # Line numbers are the body's own (#line 1 before it).
                echo "$log" | grep -E 'ERROR|error' | sed 's/^/     /'
                failed=$((failed + 1))
            fi
        done
    done
done

echo "check_shaders: $checked compiled, $failed failed"
[ "$failed" -eq 0 ]
