// The party's Ed25519 private key, loaded from its key file into this tab's memory only
// (never stored), and signatures made with WebCrypto over JCS bytes (API.md: base64 of the
// raw 64 bytes).

import { canonicalBytes } from "./jcs.js";

let privateKey = null;
let publicKeyB64 = null;

export function hasKey() {
  return privateKey !== null;
}

export function publicKey() {
  return publicKeyB64;
}

export function forgetKey() {
  privateKey = null;
  publicKeyB64 = null;
}

const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const unb64url = (text) => unb64(text.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - (text.length % 4)) % 4));

/** Whether this browser's WebCrypto signs with Ed25519. */
export async function supported() {
  try {
    await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Load a key file written by `skyshare keygen`: `#` comment lines, then a PEM PKCS #8 block
 * (RFC 8410). Throws on anything else.
 */
export async function loadKeyFile(text) {
  const m = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(text);
  if (!m) throw new Error("not a PEM PKCS #8 private key");
  const der = unb64(m[1].replace(/\s+/g, ""));
  const extractable = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", extractable);
  privateKey = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false, ["sign"]);
  publicKeyB64 = b64(unb64url(jwk.x));
  return publicKeyB64;
}

/** Base64 Ed25519 signature over the JCS canonical form of `value`. */
export async function sign(value) {
  if (!privateKey) throw new Error("no signing key loaded");
  const sig = await crypto.subtle.sign({ name: "Ed25519" }, privateKey, canonicalBytes(value));
  return b64(sig);
}
