// Checks the Rust core's output with Node's WebCrypto, an independent
// implementation: every associated data and HKDF label is rebuilt here from
// docs/crypto-format.md, not taken from Rust.
//
// Usage: node check.mjs CASES.json   (written by tests/webcrypto_interop.rs)
import { readFileSync } from "node:fs";

const subtle = globalThis.crypto.subtle;
const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const hex = (text) => Uint8Array.from(Buffer.from(text, "hex"));
const toHex = (bytes) => Buffer.from(new Uint8Array(bytes)).toString("hex");
const utf8 = (text) => new TextEncoder().encode(text);
const concat = (...parts) => Uint8Array.from(parts.flatMap((part) => [...part]));

// label ‖ 0x00 ‖ version ‖ fields
const associatedData = (label, version, ...fields) => concat(utf8(label), [0, version], ...fields);

async function hkdf(ikm, info, length = 32) {
  const key = await subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: utf8(info) }, key, length * 8);
  return new Uint8Array(bits);
}

async function hkdfBytes(ikm, info) {
  const key = await subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info }, key, 256));
}

async function aesOpen(rawKey, iv, aad, data) {
  const key = await subtle.importKey("raw", rawKey, "AES-GCM", false, ["decrypt"]);
  return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad, tagLength: 128 }, key, data));
}

const failures = [];
function check(name, actual, expected) {
  if (actual !== expected) failures.push(`${name}: got ${actual}, expected ${expected}`);
  else console.log(`ok ${name}`);
}

// PBKDF2 over the NFC password, then HKDF to the two keys.
{
  const k = cases.kdf;
  const password = await subtle.importKey("raw", utf8(k.password.normalize("NFC")), "PBKDF2", false, ["deriveBits"]);
  const master = new Uint8Array(await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: hex(k.salt), iterations: k.iterations }, password, 256));
  check("pbkdf2 master key", toHex(master), k.master_key);
  check("hkdf auth key", toHex(await hkdf(master, "gauzian/v1/auth-key")), k.auth_key);
  check("hkdf key-encryption key", toHex(await hkdf(master, "gauzian/v1/key-encryption-key")), k.key_encryption_key);
}

// RSA-OAEP: import our SPKI and PKCS#8, decrypt our wrapped record key.
{
  const r = cases.rsa;
  const privateKey = await subtle.importKey("pkcs8", hex(r.pkcs8), { name: "RSA-OAEP", hash: "SHA-256" }, true, ["decrypt"]);
  const publicKey = await subtle.importKey("spki", hex(r.spki), { name: "RSA-OAEP", hash: "SHA-256" }, true, ["encrypt"]);
  check("spki re-export", toHex(await subtle.exportKey("spki", publicKey)), r.spki);
  const wrapped = hex(r.wrapped_record_key);
  check("rsa envelope version", wrapped[0], 1);
  const label = associatedData("gauzian/oaep/record-key", 1);
  const recordKey = await subtle.decrypt({ name: "RSA-OAEP", label }, privateKey, wrapped.slice(1));
  check("rsa-oaep record key", toHex(recordKey), r.record_key);
  const raw = await subtle.decrypt({ name: "RSA-OAEP" }, privateKey, hex(r.hazmat_ciphertext));
  check("rsa-oaep without label", toHex(raw), r.hazmat_message);
}

// A node key wrapped under its parent's wrapping subkey.
{
  const w = cases.wrap;
  const wrapped = hex(w.wrapped_node_key);
  check("wrap envelope version", wrapped[0], 1);
  const wrappingKey = await hkdf(hex(w.parent_key), "gauzian/v1/node/wrapping-key");
  const aad = associatedData("gauzian/wrap/node", 1, hex(w.parent_id), hex(w.node_id));
  const nodeKey = await aesOpen(wrappingKey, wrapped.slice(1, 13), aad, wrapped.slice(13));
  check("node key unwrap", toHex(nodeKey), w.node_key);
}

// Metadata sealed under the node's metadata subkey.
{
  const m = cases.metadata;
  const sealed = hex(m.sealed);
  const metadataKey = await hkdf(hex(m.node_key), "gauzian/v1/node/metadata-key");
  const aad = associatedData("gauzian/metadata", 1, hex(m.node_id));
  const plaintext = await aesOpen(metadataKey, sealed.slice(1, 13), aad, sealed.slice(13));
  check("metadata padded to 64 bytes", plaintext.length % 64, 0);
  check("metadata name", JSON.parse(new TextDecoder().decode(plaintext)).name, m.name);
}

// Chunks: content key from HKDF, AAD with ids, index and final flag.
{
  const c = cases.chunks;
  const info = concat(utf8("gauzian/v1/node/content-key"), hex(c.file_id), hex(c.version_id));
  const contentKey = await hkdfBytes(hex(c.file_key), info);
  check("content key", toHex(contentKey), c.content_key);
  for (const [index, chunk] of c.sealed.entries()) {
    const sealed = hex(chunk.sealed);
    check(`chunk ${index} version`, sealed[0], 1);
    const flags = sealed[1];
    check(`chunk ${index} final flag`, flags, chunk.final ? 1 : 0);
    const indexBytes = new Uint8Array(4);
    new DataView(indexBytes.buffer).setUint32(0, index, false);
    const aad = associatedData("gauzian/chunk", 1, hex(c.file_id), hex(c.version_id), indexBytes, [flags]);
    const plaintext = await aesOpen(contentKey, sealed.slice(2, 14), aad, sealed.slice(14));
    check(`chunk ${index} plaintext`, toHex(plaintext), chunk.plaintext);
  }
}

if (failures.length > 0) {
  for (const failure of failures) console.error(`FAILED ${failure}`);
  process.exit(1);
}
console.log(`webcrypto: all checks passed`);
