/** pkg/envelope.ts in workerd: sealed objects, data keys, rotation and owner binding. */
import { describe, expect, it } from "vitest";
import {
  EnvelopeConfigError,
  SealedObjectError,
  decryptFromBase64,
  encryptToBase64,
  importMasterKeys,
  newDataKey,
  openSealed,
  rewrapDataKey,
  seal,
  sealedKid,
  unwrapDataKey,
} from "../../../pkg/envelope";

const key = (byte: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(byte)));
const both = JSON.stringify({ old: key(1), new: key(2) });
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("master keys", () => {
  it.each([
    ["not JSON", "{", "A", "KEYS"],
    ["an array", "[]", "A", "KEYS"],
    ["a short key", JSON.stringify({ a: btoa("x") }), "a", "KEYS"],
    ["a bad kid", JSON.stringify({ "a b": key(1) }), "a b", "KEYS"],
    ["no such active kid", JSON.stringify({ a: key(1) }), "b", "ACTIVE"],
    ["no active kid", JSON.stringify({ a: key(1) }), undefined, "ACTIVE"],
  ])("refuses %s, naming the setting only", async (_n, json, active, what) => {
    const err = await importMasterKeys(json, active, "KEYS", "ACTIVE").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvelopeConfigError);
    expect((err as EnvelopeConfigError).what).toBe(what);
  });
});

describe("sealed objects", () => {
  it("round-trips, with a fresh data key and IV per object", async () => {
    const keys = await importMasterKeys(both, "new", "K", "A");
    const a = await seal(keys, "evidence", "p1", bytes("hello"));
    const b = await seal(keys, "evidence", "p1", bytes("hello"));
    expect(a).not.toEqual(b);
    expect(a.length).toBe(b.length);
    expect(sealedKid(a)).toBe("new");
    expect(text(await openSealed(keys, "evidence", "p1", a))).toBe("hello");
  });

  it("binds the owner and the purpose (AAD): anything else fails", async () => {
    const keys = await importMasterKeys(both, "new", "K", "A");
    const blob = await seal(keys, "evidence", "p1", bytes("hello"));
    await expect(openSealed(keys, "evidence", "p2", blob)).rejects.toBeInstanceOf(SealedObjectError);
    await expect(openSealed(keys, "other", "p1", blob)).rejects.toBeInstanceOf(SealedObjectError);
    for (const at of [0, 10, blob.length - 1]) {
      const t = blob.slice();
      t[at]! ^= 0x40;
      await expect(openSealed(keys, "evidence", "p1", t)).rejects.toBeInstanceOf(Error);
    }
    await expect(openSealed(keys, "evidence", "p1", blob.slice(0, 20))).rejects.toBeInstanceOf(SealedObjectError);
  });

  it("opens objects sealed under a retired kid while it is configured, not after", async () => {
    const before = await importMasterKeys(both, "old", "K", "A");
    const blob = await seal(before, "evidence", "p1", bytes("kept"));
    const rotated = await importMasterKeys(both, "new", "K", "A");
    expect(text(await openSealed(rotated, "evidence", "p1", blob))).toBe("kept");
    const dropped = await importMasterKeys(JSON.stringify({ new: key(2) }), "new", "K", "A");
    await expect(openSealed(dropped, "evidence", "p1", blob)).rejects.toBeInstanceOf(EnvelopeConfigError);
  });
});

describe("data keys (the vault's form)", () => {
  it("wraps, unwraps and re-wraps under the active key; fields stay readable", async () => {
    const keys = await importMasterKeys(both, "old", "K", "A");
    const dk = await newDataKey(keys, "owner:1");
    const field = await encryptToBase64(dk.key, bytes("secret"), "field:1");
    const rotated = await importMasterKeys(both, "new", "K", "A");
    const re = await rewrapDataKey(rotated, dk.kid, dk.wrapped, "owner:1");
    expect(re.kid).toBe("new");
    const back = await unwrapDataKey(rotated, re.kid, re.wrapped, "owner:1");
    expect(text(await decryptFromBase64(back, field, "field:1"))).toBe("secret");
    await expect(unwrapDataKey(rotated, re.kid, re.wrapped, "owner:2")).rejects.toThrow();
    await expect(decryptFromBase64(back, field, "field:2")).rejects.toThrow();
  });
});
