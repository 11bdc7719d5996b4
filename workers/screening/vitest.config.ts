import { workerProject } from "../../test/support/worker-project.ts";

// Fixed test secrets (never used outside tests): the evidence master keys, as moderation's tests use them.
const key = (byte: number) => Buffer.alloc(32, byte).toString("base64");

export default workerProject("screening", {
  configPath: "./wrangler.toml",
  bindings: {
    EVIDENCE_MASTER_KEYS: JSON.stringify({ e1: key(7), e2: key(8) }),
    EVIDENCE_ACTIVE_KID: "e1",
  },
});
