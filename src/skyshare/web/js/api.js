// The JSON API with the party's bearer token. The token lives in sessionStorage (this tab
// only) and travels in the Authorization header, never in a URL.

const KEY = "skyshare.token";

export class ApiError extends Error {
  constructor(status, body) {
    const e = body && body.error ? body.error : {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || null;
    this.field = e.field || null;
  }
}

export function storedToken() {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

/** Take `#token=...` from the address bar into the tab's storage, and remove it from there. */
export function adoptTokenFromHash() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return false;
  storeToken(decodeURIComponent(m[1]));
  history.replaceState(null, "", location.pathname + location.search);
  return true;
}

export function headers(extra = {}) {
  return { Authorization: `Bearer ${storedToken()}`, ...extra };
}

/** `fetch` the API as the signed-in party; JSON in and out; throws ApiError on non-2xx. */
export async function api(path, { method = "GET", body, signal, raw = false } = {}) {
  const init = { method, headers: headers({ Accept: "application/json" }), signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (raw) return res;
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/**
 * Ask whether an endpoint exists on this server: `null` when it answers 404 (not built yet),
 * else its JSON. Other failures are thrown.
 */
export async function optional(path) {
  const res = await api(path, { raw: true });
  if (res.status === 404) {
    await res.text();
    return null;
  }
  const data = await res.json();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/**
 * The `/v1/...` paths this server implements, from its OpenAPI document (no token needed), so
 * the page can leave out panels whose endpoints are not built yet without asking them.
 */
export async function endpoints() {
  const res = await fetch("/openapi.json");
  if (!res.ok) return null;
  const doc = await res.json();
  return new Set(Object.keys(doc.paths || {}));
}
