/** Base64 of large byte arrays (policy chunks are stored as text: D1 returns BLOBs as number arrays). */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = "";
  const STEP = 0x6000; // multiple of 3, so the pieces concatenate into one valid base64 string
  for (let i = 0; i < bytes.length; i += STEP) {
    const piece = bytes.subarray(i, i + STEP);
    out += btoa(String.fromCharCode.apply(null, piece as unknown as number[]));
  }
  return out;
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
