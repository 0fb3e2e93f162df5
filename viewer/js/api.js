// The jumeau HTTP API as the viewer uses it: JSON over fetch with the session's key, and
// CesiumJS Resources that carry the same header (3D Tiles requests of every child tileset and
// content derive from the root Resource and keep its headers).

import { authHeaders } from './auth.js';

const Cesium = window.Cesium;

export class ApiError extends Error {
  constructor(status, description, url) {
    super(description || `HTTP ${status}`);
    this.status = status;
    this.url = url;
  }
}

/** GET a JSON document of the API; throws ApiError with the server's description on failure. */
export async function getJSON(path, { signal } = {}) {
  const res = await fetch(path, {
    headers: { Accept: 'application/json, application/geo+json', ...authHeaders() },
    signal,
  });
  if (!res.ok) {
    let description = '';
    try {
      description = (await res.json()).description || '';
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, description, path);
  }
  return res.json();
}

/** /collections/{id}/items with query parameters (undefined and null values left out). */
export function itemsPath(collection, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  }
  const qs = query.toString();
  return `/collections/${encodeURIComponent(collection)}/items${qs ? `?${qs}` : ''}`;
}

export function itemPath(collection, fid) {
  return `/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(fid)}`;
}

/** A CesiumJS Resource for a URL of the API, with the session's Authorization header. */
export function resource(path) {
  return new Cesium.Resource({ url: new URL(path, location.href).href, headers: authHeaders() });
}

/** A CQL2 text string literal (single quotes doubled). */
export function cqlString(value) {
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** The server caps a page of items at this many features (docs/server.md). */
export const MAX_LIMIT = 10000;
