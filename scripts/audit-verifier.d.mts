// Types of scripts/audit-verifier.mjs, for the tests that import it.
export const GENESIS_HASH: string;
export const EXPORT_FORMAT: string;
export function canonicalJson(value: unknown): string;
export function checkpointMessage(c: { seq: number; headHash: string; signedAt: number }): string;
export function publicKeyVerifier(publicKeyBase64: string): Promise<{ keyId: string; verify(c: { seq: number; headHash: string; signedAt: number; signature: string }): Promise<boolean> }>;
export interface AuditExportVerdict {
  ok: boolean;
  entries: number;
  checkpoints: number;
  keySource: "given" | "file";
  firstBroken: { line: number; seq: number | null; reason: string } | null;
}
export function verifyAuditExport(lines: Iterable<string> | AsyncIterable<string>, options?: { publicKey?: string }): Promise<AuditExportVerdict>;
