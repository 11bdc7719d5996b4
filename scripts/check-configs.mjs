#!/usr/bin/env node
// Checks what the wrangler configs must agree on (run by `npm run build:check`, so by CI):
//  - the D1 database: wrangler needs `database_id` in every config, so it is written five
//    times; the root wrangler.toml is the one source of truth and every other config must
//    match it, at the top level and in each [env.<name>];
//  - environments: every config has the root's environments (a missing [env.staging] would
//    deploy a production-named worker), and an environment's database is not production's;
//  - vars: wrangler does not inherit [vars] into an environment, so each environment lists
//    the same var names as the top level.
import { pathToFileURL } from "node:url";
import { GATEWAY_CONFIG, readRaw, root, section, workerConfigs } from "./workers.mjs";

const database = (part) => (part?.d1_databases ?? []).find((d) => d.binding === "DB");

/** Problems found in the configs under `dir`, each naming the config that disagrees. */
export function checkConfigs(dir = root) {
  const problems = [];
  const reference = readRaw(GATEWAY_CONFIG, dir);
  const envs = Object.keys(reference.env ?? {});
  const production = database(reference);
  if (!production?.database_id) return [`${GATEWAY_CONFIG}: no D1 database with binding "DB" and a database_id`];

  for (const config of workerConfigs(dir)) {
    let raw;
    try {
      raw = readRaw(config, dir);
    } catch (error) {
      problems.push(`${config}: cannot be read (${error.message.split("\n")[0]})`);
      continue;
    }
    for (const extra of Object.keys(raw.env ?? {}).filter((e) => !envs.includes(e))) {
      problems.push(`${config}: [env.${extra}] is not in ${GATEWAY_CONFIG}`);
    }
    for (const env of [undefined, ...envs]) {
      const where = env ? `[env.${env}]` : "top level";
      const part = section(raw, env);
      if (!part) {
        problems.push(`${config}: no [env.${env}] section (${GATEWAY_CONFIG} has one)`);
        continue;
      }
      const want = database(section(reference, env));
      const got = database(part);
      if (!want) {
        problems.push(`${GATEWAY_CONFIG}: ${where} has no D1 database with binding "DB"`);
      } else if (!got) {
        problems.push(`${config}: ${where} has no D1 database with binding "DB"`);
      } else {
        for (const key of ["database_id", "database_name"]) {
          if (got[key] !== want[key]) {
            problems.push(`${config}: ${where} ${key} is ${JSON.stringify(got[key])}, ${GATEWAY_CONFIG} says ${JSON.stringify(want[key])}`);
          }
        }
      }
      if (env) {
        if (config === GATEWAY_CONFIG && want?.database_id === production.database_id) {
          problems.push(`${config}: [env.${env}] uses the production database_id`);
        }
        const topVars = Object.keys(raw.vars ?? {}).sort();
        const envVars = Object.keys(part.vars ?? {}).sort();
        const missing = topVars.filter((v) => !envVars.includes(v));
        const extra = envVars.filter((v) => !topVars.includes(v));
        if (missing.length) problems.push(`${config}: [env.${env}.vars] lacks ${missing.join(", ")} (vars are not inherited)`);
        if (extra.length) problems.push(`${config}: [env.${env}.vars] has ${extra.join(", ")}, which the top-level [vars] lacks`);
      }
    }
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problems = checkConfigs();
  if (problems.length) {
    for (const p of problems) console.error(`✗ ${p}`);
    process.exit(1);
  }
  console.log(`✓ ${workerConfigs().length} wrangler configs agree on the D1 database, environments and var names`);
}
