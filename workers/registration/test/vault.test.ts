import { describe, expect, it } from "vitest";
import { generateCode } from "../src/codes";
import { codeHmac, decryptField, encryptField, identityIndex, loadVaultKeys, newDataKey, phoneIndex, rewrapDataKey, unwrapDataKey } from "../src/vault";

const b64 = (byte: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(byte)));
const secrets = (active = "k1") => ({
  VAULT_MASTER_KEYS: JSON.stringify({ k1: b64(1), k2: b64(2) }),
  VAULT_ACTIVE_KID: active,
  BLIND_INDEX_KEY: "unit-blind-index-key-0123456789abcdef",
  CODE_HMAC_KEY: "unit-code-hmac-key-0123456789abcdefgh",
});

describe("identity vault crypto", () => {
  it("round-trips a field under a wrapped data key", async () => {
    const keys = await loadVaultKeys(secrets());
    const dk = await newDataKey(keys, "acc_1");
    const ct = await encryptField(dk.key, "name_ct", "acc_1", "张三");
    expect(ct).not.toContain("张三");
    const key = await unwrapDataKey(keys, "acc_1", dk.kid, dk.wrapped);
    expect(await decryptField(key, "name_ct", "acc_1", ct)).toBe("张三");
  });

  it("binds ciphertexts to their column and row (AAD)", async () => {
    const keys = await loadVaultKeys(secrets());
    const dk = await newDataKey(keys, "acc_1");
    const ct = await encryptField(dk.key, "document_ct", "acc_1", "11010519491231002X");
    await expect(decryptField(dk.key, "name_ct", "acc_1", ct)).rejects.toThrow();
    await expect(decryptField(dk.key, "document_ct", "acc_2", ct)).rejects.toThrow();
    // A wrapped data key moved to another account does not unwrap.
    await expect(unwrapDataKey(keys, "acc_2", dk.kid, dk.wrapped)).rejects.toThrow();
  });

  it("re-wraps a data key under the new active master key; fields still decrypt", async () => {
    const old = await loadVaultKeys(secrets("k1"));
    const dk = await newDataKey(old, "acc_9");
    const ct = await encryptField(dk.key, "phone_ct", "acc_9", "+8613800138000");
    const rotated = await loadVaultKeys(secrets("k2"));
    const next = await rewrapDataKey(rotated, "acc_9", dk.kid, dk.wrapped);
    expect(next.kid).toBe("k2");
    expect(next.wrapped).not.toBe(dk.wrapped);
    const onlyK2 = await loadVaultKeys({ ...secrets("k2"), VAULT_MASTER_KEYS: JSON.stringify({ k2: b64(2) }) });
    const key = await unwrapDataKey(onlyK2, "acc_9", next.kid, next.wrapped);
    expect(await decryptField(key, "phone_ct", "acc_9", ct)).toBe("+8613800138000");
  });

  it("refuses a broken configuration with a 503, naming no secret value", async () => {
    await expect(loadVaultKeys({ ...secrets(), VAULT_ACTIVE_KID: "k3" })).rejects.toMatchObject({ httpStatus: 503, code: "vault_unavailable" });
    await expect(loadVaultKeys({ ...secrets(), VAULT_MASTER_KEYS: "{not json" })).rejects.toMatchObject({ code: "vault_unavailable" });
    await expect(loadVaultKeys({ ...secrets(), BLIND_INDEX_KEY: "short" })).rejects.toMatchObject({ code: "vault_unavailable" });
  });

  it("computes deterministic, keyed blind indexes that differ by type and key", async () => {
    const keys = await loadVaultKeys(secrets());
    const a = await identityIndex(keys, "cn_resident_id", "11010519491231002X");
    expect(await identityIndex(keys, "cn_resident_id", "11010519491231002X")).toBe(a);
    expect(await identityIndex(keys, "passport", "11010519491231002X")).not.toBe(a);
    const other = await loadVaultKeys({ ...secrets(), BLIND_INDEX_KEY: "another-blind-index-key-0123456789ab" });
    expect(await identityIndex(other, "cn_resident_id", "11010519491231002X")).not.toBe(a);
    expect(await phoneIndex(keys, "+8613800138000")).toMatch(/^[0-9a-f]{64}$/);
    // Code HMACs use their own key and are bound to the phone.
    expect(await codeHmac(keys, "p1", "123456")).not.toBe(await codeHmac(keys, "p2", "123456"));
  });
});

describe("verification codes", () => {
  it("are six digits", () => {
    for (let i = 0; i < 200; i++) expect(generateCode()).toMatch(/^\d{6}$/);
  });
  it("redraw values that would bias the modulo", () => {
    const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
    const draws = [0xffffffff, limit, limit - 1];
    let i = 0;
    const code = generateCode((buf) => {
      buf[0] = draws[i++]!;
      return buf;
    });
    expect(i).toBe(3);
    expect(code).toBe(String((limit - 1) % 1_000_000).padStart(6, "0"));
  });
});
