// RFC 8785 JSON Canonicalization Scheme. ECMAScript's own JSON serialisation of strings and
// numbers is the one the RFC prescribes (§3.2.2.2, §3.2.2.3), so only key order (by UTF-16
// code units, §3.2.3, which is what Array.prototype.sort compares) and whitespace remain.

export function canonicalize(value) {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("JCS cannot encode a non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return "[" + value.map(canonicalize).join(",") + "]";
  }
  if (typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalize(value[k])).join(",") + "}";
  }
  throw new TypeError(`JCS cannot encode a ${typeof value}`);
}

/** The UTF-8 bytes of the canonical form: what a signature covers. */
export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}
