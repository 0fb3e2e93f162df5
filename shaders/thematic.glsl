// jumeau: how buildings are coloured in the web viewer.
//
// A CesiumJS CustomShader body (mode MODIFY_MATERIAL), one instance per 3D tileset, loaded at
// run time by viewer/js/theme.js from /shaders/thematic.glsl. It gives every surface its tone
// (roofs, walls, ground, windows, doors of LoD2 city models in different tones), colours the
// buildings by a numeric attribute through a colour ramp (the "theme"), and highlights the
// selected building. Cesium's lighting (sun, shadows) is applied after it.
//
// Inputs, as jumeau's 3D Tiles give them (docs/3dtiles.md):
//   fsInput.metadata.id       the feature id (INT64 in the property table, read as a 32-bit int)
//   fsInput.metadata.height   metres above the base (FLOAT32)
//   fsInput.metadata.storeys  INT32, noData -2147483648
//   fsInput.metadata.year     INT32, noData -2147483648
//   fsInput.attributes.semantic  the _SEMANTIC vertex attribute of city models (CityGML,
//                             CityJSON, IFC): 1 ground, 2 wall, 3 roof, 4 closure, 7 window,
//                             8 door, 9 other. Read only when JUMEAU_SEMANTIC is defined:
//                             theme.js defines it for tilesets that carry the attribute (a
//                             CustomShader that names a missing attribute is switched off by
//                             CesiumJS). Without it, roofs are told from walls by the normal.
//
// The uniforms (theme.js declares exactly these, and tests/browser/check_shaders.sh declares
// them from the lines below to compile this file; keep the "// uniform" lines in step):
// uniform int u_theme;             0 tones only, 1 height, 2 year of construction, 3 storeys
// uniform vec2 u_range;            the values at the start and the end of the ramp
// uniform sampler2D u_ramp;        the ramp: 256 x 1 texels, sRGB, start at the left
// uniform int u_selectedId;        the selected building's id in this tileset, -1 for none
// uniform vec3 u_selectionColor;   sRGB colour of the selection highlight
// uniform float u_surfaceTones;    1.0 roofs, walls, windows… in different tones; 0.0 not
//
// variants: JUMEAU_SEMANTIC

const float SEMANTIC_GROUND = 1.0;
const float SEMANTIC_WALL = 2.0;
const float SEMANTIC_ROOF = 3.0;
const float SEMANTIC_CLOSURE = 4.0;
const float SEMANTIC_WINDOW = 7.0;
const float SEMANTIC_DOOR = 8.0;

// Integer attributes with no value hold -2147483648 (the property table's noData).
const int NO_DATA_ABOVE = -2147483647;

// The surface class of this fragment: a _SEMANTIC code.
float surfaceClass(FragmentInput fsInput)
{
#ifdef JUMEAU_SEMANTIC
    return floor(fsInput.attributes.semantic + 0.5);
#else
    // Extruded footprints (LoD1): faces turned to the sky are roofs, those turned to the ground
    // are floors, the others walls. "Up" is the direction from the Earth's centre, within a
    // fraction of a degree of the ellipsoid's normal.
    vec3 upEC = normalize(czm_viewRotation * normalize(fsInput.attributes.positionWC));
    float facing = dot(normalize(fsInput.attributes.normalEC), upEC);
    if (facing > 0.7) {
        return SEMANTIC_ROOF;
    }
    if (facing < -0.7) {
        return SEMANTIC_GROUND;
    }
    return SEMANTIC_WALL;
#endif
}

// The base tone of a surface class, sRGB: warm light walls, darker reddish roofs.
vec3 surfaceTone(float surface)
{
    if (surface == SEMANTIC_ROOF) {
        return vec3(0.66, 0.42, 0.36);
    }
    if (surface == SEMANTIC_WINDOW) {
        return vec3(0.45, 0.58, 0.70);
    }
    if (surface == SEMANTIC_DOOR) {
        return vec3(0.48, 0.33, 0.22);
    }
    if (surface == SEMANTIC_GROUND || surface == SEMANTIC_CLOSURE) {
        return vec3(0.55, 0.55, 0.53);
    }
    return vec3(0.90, 0.87, 0.80);
}

// How a surface class shades a theme colour, so roofs stay readable under a ramp.
vec3 shadeTheme(vec3 color, float surface)
{
    if (surface == SEMANTIC_ROOF) {
        return color * 0.78;
    }
    if (surface == SEMANTIC_WINDOW) {
        return mix(color, vec3(0.45, 0.58, 0.70), 0.45);
    }
    if (surface == SEMANTIC_DOOR) {
        return color * 0.6;
    }
    return color;
}

// The value of the theme's attribute; false when the building has none.
bool themeValue(FragmentInput fsInput, out float value)
{
    value = 0.0;
    if (u_theme == 1) {
        value = fsInput.metadata.height;
        return true;
    }
    if (u_theme == 2) {
        int year = fsInput.metadata.year;
        value = float(year);
        return year > NO_DATA_ABOVE;
    }
    if (u_theme == 3) {
        int storeys = fsInput.metadata.storeys;
        value = float(storeys);
        return storeys > NO_DATA_ABOVE;
    }
    return false;
}

// The ramp's colour at t in [0, 1], sampled at texel centres, sRGB.
vec3 rampColor(float t)
{
    float u = clamp(t, 0.0, 1.0) * (255.0 / 256.0) + 0.5 / 256.0;
    return texture(u_ramp, vec2(u, 0.5)).rgb;
}

void fragmentMain(FragmentInput fsInput, inout czm_modelMaterial material)
{
    float surface = surfaceClass(fsInput);
    vec3 tone = u_surfaceTones > 0.5 ? surfaceTone(surface) : vec3(0.88, 0.86, 0.82);
    vec3 color = tone;

    if (u_theme != 0) {
        float value;
        if (themeValue(fsInput, value)) {
            float span = max(u_range.y - u_range.x, 1e-6);
            vec3 ramp = rampColor((value - u_range.x) / span);
            color = u_surfaceTones > 0.5 ? shadeTheme(ramp, surface) : ramp;
        } else {
            // No value: a neutral grey, lighter than any ramp's dark end.
            color = vec3(0.72, 0.72, 0.72) * (surface == SEMANTIC_ROOF ? 0.85 : 1.0);
        }
    }

    if (u_selectedId >= 0 && fsInput.metadata.id == u_selectedId) {
        color = mix(color, u_selectionColor, 0.7);
        material.emissive = czm_srgbToLinear(u_selectionColor) * 0.35;
    }

    material.diffuse = czm_srgbToLinear(color);
}
