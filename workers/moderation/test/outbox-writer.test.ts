/// <reference types="vite/client" />
/** pkg/outbox.ts is the only writer of `event_outbox`: no other source inserts into it. */
import { describe, expect, it } from "vitest";

// Every worker's and pkg's source, as text (Vite reads them when the test is built).
const sources = import.meta.glob(["../../*/src/**/*.{ts,tsx}", "../../../pkg/**/*.ts", "../../../db/**/*.ts"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** A glob key as a path from the repository root (this file's own worker's keys start `../src/`). */
const fromRoot = (key: string) => (key.startsWith("../src/") ? `workers/moderation/${key.slice(3)}` : key.startsWith("../../../") ? key.slice(9) : `workers/${key.slice(6)}`);
const files = Object.keys(sources).map(fromRoot);

const INSERT = /insert\s+(or\s+\w+\s+)?into\s+[`"']?event_outbox\b|\.insert\(\s*eventOutbox\s*\)/i;

describe("one writer of event_outbox", () => {
  it("reads the sources of every worker and pkg", () => {
    for (const w of ["gateway", "registration", "screening", "reposts", "moderation"]) expect(files.some((f) => f.startsWith(`workers/${w}/src/`)), w).toBe(true);
    expect(files).toContain("pkg/outbox.ts");
  });

  it("finds inserts only in pkg/outbox.ts", () => {
    const writers = Object.entries(sources)
      .filter(([, text]) => INSERT.test(text))
      .map(([key]) => fromRoot(key));
    expect(writers).toEqual(["pkg/outbox.ts"]);
  });
});
