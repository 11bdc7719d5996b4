#!/usr/bin/env node
// `npm run --silent secrets [-- --env staging] [-- --only NAME,NAME]`: fresh random values for
// every secret of every worker, printed as `wrangler secret put` lines (the value piped on
// stdin, so it is in no argument list). Nothing is written to disk: review the lines, or
// pipe them to `sh`, and keep no copy.
//
// The secrets are the names of scripts/local-secrets.mjs (the `.dev.vars` generators of
// `npm start`) that are not a var of the worker's wrangler.toml (those are local overrides,
// e.g. SMS_SENDER=local), made by the same generators; plus the credentials a provider
// issues, which cannot be generated: their lines read an environment variable and stop the
// shell when it is unset.
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { LOCAL_SECRETS } from "./local-secrets.mjs";
import { readRaw, section, workerConfigs } from "./workers.mjs";

/** Credentials issued by someone else, by worker directory: name → who issues it. */
export const PROVIDED_SECRETS = {
  "workers/registration": {
    SMS_GATEWAY_KEY: "your SMS gateway",
    IDV_KEY: "your identity-verification provider",
  },
};

const quote = (value) => `'${String(value).replaceAll("'", `'\\''`)}'`;

/** [{ config, name, value?, issuer? }] for every secret of every worker in `env`. */
export function secretsFor(env, only) {
  const out = [];
  for (const config of workerConfigs()) {
    const dir = dirname(config);
    const raw = readRaw(config);
    const vars = new Set([...Object.keys(raw.vars ?? {}), ...Object.keys(section(raw, env)?.vars ?? {})]);
    for (const [name, make] of Object.entries(LOCAL_SECRETS[dir] ?? {})) {
      if (!vars.has(name)) out.push({ config, name, value: make() });
    }
    for (const [name, issuer] of Object.entries(PROVIDED_SECRETS[dir] ?? {})) out.push({ config, name, issuer });
  }
  return only ? out.filter((s) => only.includes(s.name)) : out;
}

export function secretLines(env, only) {
  const envArgs = env ? ` --env ${env}` : "";
  const secrets = secretsFor(env, only);
  const generated = secrets.filter((s) => s.value !== undefined);
  const provided = secrets.filter((s) => s.value === undefined);
  return [
    `# Gatehouse secrets for ${env ?? "production"}: fresh random values, shown only here. Run these lines from the`,
    `# repository root (\`wrangler login\` first); a worker that does not exist yet is created empty.`,
    `# On a live deployment, replacing VAULT_MASTER_KEYS or BLIND_INDEX_KEY makes stored identities`,
    `# unreadable and unmatchable: rotate vault keys as workers/registration/README.md says, and pick`,
    `# single secrets with --only NAME.`,
    ...generated.map((s) => `printf %s ${quote(s.value)} | npx wrangler secret put ${s.name} -c ${s.config}${envArgs}`),
    ...(provided.length ? ["# Issued by your providers: export each first (the line stops the shell when it is unset)."] : []),
    ...provided.map(
      (s) => `: "\${${s.name}:?set ${s.name} to the credential from ${s.issuer}}" && printf %s "$${s.name}" | npx wrangler secret put ${s.name} -c ${s.config}${envArgs}`,
    ),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  let env;
  let only;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=") ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const value = inline ?? argv[++i];
    if ((flag === "--env" || flag === "-e") && value) env = value;
    else if (flag === "--only" && value) only = value.split(",");
    else {
      console.error(`✗ unknown argument ${argv[i] ?? flag} (usage: npm run --silent secrets -- [--env NAME] [--only NAME,NAME])`);
      process.exit(2);
    }
  }
  if (env && !readRaw("wrangler.toml").env?.[env]) {
    console.error(`✗ wrangler.toml has no [env.${env}] section`);
    process.exit(2);
  }
  const lines = secretLines(env, only);
  if (only && !lines.some((l) => !l.startsWith("#"))) {
    console.error(`✗ no secret named ${only.join(", ")}`);
    process.exit(2);
  }
  console.log(lines.join("\n"));
}
