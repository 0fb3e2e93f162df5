// Thematic colouring of the buildings with jumeau's own shader, /shaders/thematic.glsl.
//
// Contract:
// - One CesiumJS CustomShader per 3D tileset (shaderFor), all made from the same GLSL body; a
//   tileset whose contents carry _SEMANTIC gets the body with JUMEAU_SEMANTIC defined (see the
//   header of thematic.glsl). The uniforms' types are read from the body's "// uniform" lines,
//   so the GLSL file is the one place where they are declared.
// - The state is {property, ramp, min, max, tones}; property is one of THEME_PROPERTIES' keys.
//   setTheme() changes it, updates every shader's uniforms and the legend, and runs the
//   onChange listeners (the share link).
// - setSelected(collection, id) highlights one building (its feature id) in one tileset.

import { getJSON, itemsPath } from './api.js';
import { RAMPS, rampGradient, rampPixels } from './ramps.js';

const Cesium = window.Cesium;

/** Attributes a theme can colour by: code in the shader, column in the features API. */
export const THEME_PROPERTIES = {
  none: { label: 'Nothing (surface tones)', code: 0 },
  height: { label: 'Height', code: 1, column: 'height', unit: 'm', defaults: [0, 40] },
  year: { label: 'Year of construction', code: 2, column: 'year_built', unit: '', defaults: [1900, 2020] },
  storeys: { label: 'Storeys', code: 3, column: 'storeys', unit: '', defaults: [1, 10] },
};

const SELECTION_COLOR = new Cesium.Cartesian3(1.0, 0.85, 0.1); // sRGB, a warm yellow

const UNIFORM_TYPES = {
  int: Cesium.UniformType.INT,
  float: Cesium.UniformType.FLOAT,
  bool: Cesium.UniformType.BOOL,
  vec2: Cesium.UniformType.VEC2,
  vec3: Cesium.UniformType.VEC3,
  vec4: Cesium.UniformType.VEC4,
  sampler2D: Cesium.UniformType.SAMPLER_2D,
};

/** The uniforms a shader body declares in its "// uniform TYPE NAME;" lines: {name: type}. */
export function contractUniforms(source) {
  const uniforms = {};
  for (const m of source.matchAll(/^\/\/\s*uniform\s+(\w+)\s+(\w+)\s*;/gm)) uniforms[m[2]] = m[1];
  return uniforms;
}

/**
 * The shader text without its comments. CesiumJS finds the attributes and metadata a custom
 * shader uses by searching its text for `fsInput.attributes.NAME`, comments included, so the
 * header that documents the inputs must not reach it.
 */
export function stripComments(source) {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, '').trimEnd())
    .filter((line, i, lines) => line !== '' || (i > 0 && lines[i - 1] !== ''))
    .join('\n');
}

/**
 * Resolves #ifdef/#ifndef/#else/#endif blocks of the given symbols in a shader body. CesiumJS
 * finds the attributes a custom shader uses by reading its text, preprocessor or not, so a
 * block that names an attribute a tileset lacks must be taken out of the text, not #ifdef'd.
 * Directives about other symbols are left as they are.
 */
export function specialise(source, symbols, defined) {
  const out = [];
  const stack = []; // {ours, keep} per open #if…
  const keeping = () => stack.every((s) => s.keep);
  for (const line of source.split('\n')) {
    const m = line.match(/^\s*#\s*(ifdef|ifndef|if|else|endif)\b\s*(\w*)/);
    if (m) {
      const [, directive, name] = m;
      if ((directive === 'ifdef' || directive === 'ifndef') && symbols.includes(name)) {
        const isDefined = defined.includes(name);
        stack.push({ ours: true, keep: directive === 'ifdef' ? isDefined : !isDefined });
        continue;
      }
      if (directive === 'if' || directive === 'ifdef' || directive === 'ifndef') {
        stack.push({ ours: false, keep: true });
      } else if (directive === 'else' && stack.length && stack[stack.length - 1].ours) {
        stack[stack.length - 1].keep = !stack[stack.length - 1].keep;
        continue;
      } else if (directive === 'endif' && stack.length) {
        if (stack.pop().ours) continue;
      }
    }
    if (keeping()) out.push(line);
  }
  return out.join('\n');
}

export class Theme {
  constructor(viewer, { legendElement } = {}) {
    this.viewer = viewer;
    this.legendElement = legendElement || null;
    this.source = null;
    this.uniformTypes = {};
    this.variants = [];
    this.shaders = new Map(); // collection → CustomShader
    this.state = { property: 'none', ramp: 'viridis', min: 0, max: 40, tones: true };
    this.selected = null; // {collection, id}
    this.listeners = new Set();
  }

  onChange(fn) {
    this.listeners.add(fn);
  }

  /** Fetches the shader body. */
  async load() {
    const res = await fetch('/shaders/thematic.glsl');
    if (!res.ok) throw new Error(`/shaders/thematic.glsl: HTTP ${res.status}`);
    this.source = await res.text();
    this.uniformTypes = contractUniforms(this.source);
    const v = this.source.match(/^\/\/\s*variants:\s*(.*)$/m);
    this.variants = v ? v[1].trim().split(/\s+/) : [];
  }

  uniformValues(collection) {
    const { state } = this;
    const code = THEME_PROPERTIES[state.property]?.code ?? 0;
    const selectedId = this.selected && this.selected.collection === collection ? Number(this.selected.id) : -1;
    return {
      u_theme: code,
      u_range: new Cesium.Cartesian2(state.min, state.max),
      u_ramp: this.rampTexture(),
      u_selectedId: Number.isSafeInteger(selectedId) && selectedId <= 2147483647 ? selectedId : -1,
      u_selectionColor: SELECTION_COLOR,
      u_surfaceTones: state.tones ? 1.0 : 0.0,
    };
  }

  rampTexture() {
    if (!this.ramp || this.ramp.name !== this.state.ramp) {
      this.ramp = {
        name: this.state.ramp,
        uniform: new Cesium.TextureUniform({
          typedArray: rampPixels(this.state.ramp, 256),
          width: 256,
          height: 1,
          repeat: false,
        }),
      };
    }
    return this.ramp.uniform;
  }

  /** A new CustomShader for a tileset of `collection`. */
  shaderFor(collection, hasSemantic) {
    if (!this.source) throw new Error('the shader is not loaded');
    const values = this.uniformValues(collection);
    const uniforms = {};
    for (const [name, value] of Object.entries(values)) {
      const glslType = this.uniformTypes[name];
      if (!glslType || !UNIFORM_TYPES[glslType]) {
        throw new Error(`thematic.glsl does not declare the uniform ${name}`);
      }
      uniforms[name] = { type: UNIFORM_TYPES[glslType], value };
    }
    const shader = new Cesium.CustomShader({
      mode: Cesium.CustomShaderMode.MODIFY_MATERIAL,
      uniforms,
      fragmentShaderText: stripComments(specialise(this.source, this.variants, hasSemantic ? ['JUMEAU_SEMANTIC'] : [])),
    });
    shader.jumeauRamp = values.u_ramp;
    this.shaders.set(collection, shader);
    return shader;
  }

  forget(collection) {
    this.shaders.delete(collection);
  }

  /** Sets the uniforms that changed on every shader (a new ramp texture only when it changed). */
  updateUniforms() {
    for (const [collection, shader] of this.shaders) {
      for (const [name, value] of Object.entries(this.uniformValues(collection))) {
        // CustomShader keeps the first TextureUniform as the uniform's value: ours is tracked here.
        const old = name === 'u_ramp' ? shader.jumeauRamp : shader.uniforms[name]?.value;
        const same = old === value || (typeof old?.equals === 'function' && old.equals(value));
        if (same) continue;
        shader.setUniform(name, value);
        if (name === 'u_ramp') shader.jumeauRamp = value;
      }
    }
    this.viewer.scene.requestRender();
  }

  /** Changes the theme (any of property, ramp, min, max, tones). */
  setTheme(partial) {
    const next = { ...this.state, ...partial };
    if (!THEME_PROPERTIES[next.property]) next.property = 'none';
    if (!RAMPS[next.ramp]) next.ramp = 'viridis';
    next.min = Number(next.min);
    next.max = Number(next.max);
    if (!Number.isFinite(next.min)) next.min = 0;
    if (!Number.isFinite(next.max) || next.max <= next.min) next.max = next.min + 1;
    this.state = next;
    this.updateUniforms();
    this.renderLegend();
    for (const fn of this.listeners) fn(this.state);
  }

  /**
   * The range of a property over the given 3D collections, from the features API (the least
   * and the greatest value, sorted by the server); the property's defaults when none answer.
   */
  async dataRange(property, collections) {
    const spec = THEME_PROPERTIES[property];
    if (!spec?.column) return [0, 1];
    const ask = async (id, order) => {
      const doc = await getJSON(
        itemsPath(id, {
          limit: 1,
          properties: spec.column,
          sortby: `${order}${spec.column}`,
          filter: `${spec.column} IS NOT NULL`,
        }),
      );
      const v = doc.features?.[0]?.properties?.[spec.column];
      return typeof v === 'number' ? v : null;
    };
    const values = await Promise.all(
      collections.flatMap((id) => [ask(id, '+').catch(() => null), ask(id, '-').catch(() => null)]),
    );
    const numbers = values.filter((v) => v !== null);
    if (numbers.length === 0) return spec.defaults;
    let lo = Math.min(...numbers);
    let hi = Math.max(...numbers);
    if (hi <= lo) hi = lo + 1;
    if (property === 'height') lo = Math.min(lo, 0);
    return [lo, hi];
  }

  setSelected(collection, id) {
    this.selected = collection === null || collection === undefined ? null : { collection, id };
    this.updateUniforms();
  }

  /** The legend of the buildings' colours: the ramp with its range, or the surface tones. */
  renderLegend() {
    const el = this.legendElement;
    if (!el) return;
    const { property, ramp, min, max, tones } = this.state;
    const spec = THEME_PROPERTIES[property];
    el.replaceChildren();
    if (spec.code !== 0) {
      const title = document.createElement('div');
      title.className = 'legend-title';
      title.textContent = `Buildings: ${spec.label.toLowerCase()}${spec.unit ? ` (${spec.unit})` : ''}`;
      const bar = document.createElement('div');
      bar.className = 'ramp-bar';
      bar.style.background = rampGradient(ramp);
      bar.setAttribute('role', 'img');
      bar.setAttribute('aria-label', `${ramp} colour ramp from ${fmt(min)} to ${fmt(max)}`);
      const labels = document.createElement('div');
      labels.className = 'ramp-labels';
      const lo = document.createElement('span');
      lo.textContent = `≤ ${fmt(min)}`;
      const mid = document.createElement('span');
      mid.textContent = fmt((min + max) / 2);
      const hi = document.createElement('span');
      hi.textContent = `≥ ${fmt(max)}`;
      labels.append(lo, mid, hi);
      const none = legendRow('#b8b8b8', 'no value');
      el.append(title, bar, labels, none);
    }
    if (tones) {
      const title = document.createElement('div');
      title.className = 'legend-title';
      title.textContent = spec.code !== 0 ? 'Surfaces (shade of the colour)' : 'Building surfaces';
      el.append(title);
      if (spec.code === 0) {
        el.append(legendRow('#e6ded0', 'wall'), legendRow('#a86b5c', 'roof'));
      } else {
        el.append(legendRow('#888', 'roof: darker'));
      }
      el.append(legendRow('#7394b2', 'window (LoD2)'), legendRow('#7a5438', 'door (LoD2)'));
    }
    const sel = legendRow('#ffd91a', 'selected');
    el.append(sel);
  }
}

function legendRow(color, text) {
  const row = document.createElement('div');
  row.className = 'legend-row';
  const sw = document.createElement('span');
  sw.className = 'swatch';
  sw.style.background = color;
  sw.setAttribute('aria-hidden', 'true');
  const label = document.createElement('span');
  label.textContent = text;
  row.append(sw, label);
  return row;
}

function fmt(v) {
  return Math.abs(v) >= 1000 ? String(Math.round(v)) : Number(v.toFixed(1)).toString();
}
