// The API key of this browser session.
//
// Contract: the key is kept in sessionStorage under "jumeau.apiKey" (so it survives a reload of
// the tab but not the tab itself), sent as "Authorization: Bearer KEY" to the server's own
// origin only, and never written into a URL (share links carry no key). Listeners registered
// with onKeyChange run after the key is set or cleared.

const STORAGE_KEY = 'jumeau.apiKey';
const listeners = new Set();
let current = readStored();

function readStored() {
  try {
    return sessionStorage.getItem(STORAGE_KEY) || '';
  } catch {
    return ''; // storage disabled: anonymous
  }
}

export function getKey() {
  return current;
}

export function setKey(key) {
  const value = (key || '').trim();
  try {
    if (value) sessionStorage.setItem(STORAGE_KEY, value);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    /* storage disabled: the key lives until the next reload only */
  }
  current = value;
  for (const fn of listeners) fn(value);
}

/** The headers that authenticate a request to the jumeau server ({} when anonymous). */
export function authHeaders() {
  return current ? { Authorization: `Bearer ${current}` } : {};
}

export function hasKey() {
  return current !== '';
}

export function onKeyChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Whether a URL goes to the server that served this page (the only one that gets the key). */
export function isOwnOrigin(url) {
  try {
    return new URL(url, location.href).origin === location.origin;
  } catch {
    return false;
  }
}
