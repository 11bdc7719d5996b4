// Offline verification of an audit export (GET /v1/exports/audit?format=ndjson), written from the
// format documented in workers/moderation/README.md ("Verifying the audit log"), not from the
// worker's code. Pure: WebCrypto only (globalThis.crypto), so Node and workerd tests can both run it.
// The CLI is scripts/verify-audit.mjs.

export const GENESIS_HASH = "0".repeat(64);
export const EXPORT_FORMAT = "gatehouse-audit-export/1";
const encoder = new TextEncoder();

/** Sorted keys (UTF-16 code units), undefined members left out, no whitespace. */
export function canonicalJson(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
}

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
const sha256Hex = async (text) => hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
const fromBase64 = (b64) => Uint8Array.from(atob(b64.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(b64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));

/** The checkpoint message that was signed. */
export function checkpointMessage({ seq, headHash, signedAt }) {
  return canonicalJson({ headHash, log: "gatehouse-audit", seq, signedAt });
}

/** { keyId, verify(checkpoint) } from a raw 32-byte Ed25519 public key in base64 (or base64url). */
export async function publicKeyVerifier(publicKeyBase64) {
  const raw = fromBase64(publicKeyBase64.trim());
  if (raw.length !== 32) throw new Error("the public key must be 32 raw bytes (base64), as GET /v1/audit/public-key's `publicKey`");
  const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  const keyId = `ed25519:${hex(await crypto.subtle.digest("SHA-256", raw)).slice(0, 16)}`;
  return {
    keyId,
    async verify(checkpoint) {
      try {
        return await crypto.subtle.verify({ name: "Ed25519" }, key, fromBase64(checkpoint.signature), encoder.encode(checkpointMessage(checkpoint)));
      } catch {
        return false;
      }
    },
  };
}

/**
 * Verifies an export, line by line (`lines`: an iterable or async iterable of strings without
 * their newline). Returns { ok, entries, checkpoints, keySource, firstBroken: { line, seq, reason } | null }.
 * `publicKey` (base64) is the key you trust; without it the key in the file's header is used,
 * which proves integrity against that key only.
 */
export async function verifyAuditExport(lines, { publicKey } = {}) {
  let lineNo = 0;
  let header = null;
  let verifier = null;
  let keySource = publicKey ? "given" : "file";
  let prev = null;
  let expected = null;
  let lastEntry = null;
  let entries = 0;
  let checkpoints = 0;
  let ended = false;
  const fail = (reason, seq = null) => ({ ok: false, entries, checkpoints, keySource, firstBroken: { line: lineNo, seq, reason } });
  for await (const text of lines) {
    lineNo += 1;
    if (text === "" ) {
      if (ended) continue;
      return fail("empty_line");
    }
    if (ended) return fail("after_end");
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      return fail("malformed_line", expected);
    }
    if (!line || typeof line !== "object") return fail("malformed_line", expected);
    if (lineNo === 1) {
      if (line.type !== "header" || line.format !== EXPORT_FORMAT || !Number.isInteger(line.from) || !Number.isInteger(line.to)) return fail("bad_header");
      header = line;
      const key = publicKey ?? line.publicKey?.publicKey;
      if (key) verifier = await publicKeyVerifier(key);
      expected = line.from;
      continue;
    }
    if (line.type === "entry") {
      if (line.seq !== expected) return fail("missing", expected);
      if (prev === null) {
        if (header.from === 1 && line.prevHash !== GENESIS_HASH) return fail("prev_hash_mismatch", line.seq);
      } else if (line.prevHash !== prev) return fail("prev_hash_mismatch", line.seq);
      if (typeof line.prevHash !== "string" || (await sha256Hex(canonicalJson(line.entry) + line.prevHash)) !== line.hash) return fail("hash_mismatch", line.seq);
      prev = line.hash;
      lastEntry = line;
      expected += 1;
      entries += 1;
    } else if (line.type === "checkpoint") {
      if (!lastEntry || lastEntry.seq !== line.seq) return fail("checkpoint_out_of_place", line.seq);
      if (line.headHash !== lastEntry.hash) return fail("checkpoint_mismatch", line.seq);
      if (!verifier) return fail("no_public_key", line.seq);
      if (line.keyId !== verifier.keyId) return fail("checkpoint_unknown_key", line.seq);
      if (!(await verifier.verify(line))) return fail("checkpoint_signature_invalid", line.seq);
      checkpoints += 1;
    } else if (line.type === "end") {
      if (line.entries !== entries || line.checkpoints !== checkpoints) return fail("count_mismatch");
      if (header.to >= header.from && lastEntry?.seq !== header.to) return fail("missing", expected);
      ended = true;
    } else return fail("unknown_line_type");
  }
  if (!header) return fail("bad_header");
  if (!ended) return fail("truncated", expected);
  return { ok: true, entries, checkpoints, keySource, firstBroken: null };
}
