#!/usr/bin/env node
// `npm run openapi:client`: regenerates pkg/api.gen.ts (openapi-typescript) from the
// assembled /openapi.json. The end-to-end journey calls the API through these types with
// openapi-fetch, the console's views read the answers' shapes from them, and
// test/e2e/openapi.test.ts fails when the checked-in file has drifted from the live document. Uses GATEHOUSE_URL if set, else starts a local stack.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fetchOpenApi, root } from "./document.mjs";
import { generateClientTypes } from "./generate.mjs";

const out = join(root, "pkg/api.gen.ts");
writeFileSync(out, await generateClientTypes(await fetchOpenApi()));
console.log(`wrote ${out}`);
