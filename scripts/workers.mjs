// The workers of this repository, read from their wrangler configs: one list for deploying,
// bundling, type generation and the configuration checks. A new worker is a new
// `workers/<name>/wrangler.toml`; nothing here needs to change.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { experimental_readRawConfig } from "wrangler";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// GATEHOUSE_WRANGLER: another wrangler executable (the deploy tests use a recording stand-in).
export const wranglerBin = process.env.GATEHOUSE_WRANGLER ?? join(root, "node_modules", ".bin", "wrangler");
/** The gateway's config: the root of the suite, and the reference for shared settings. */
export const GATEWAY_CONFIG = "wrangler.toml";

/** Every wrangler config, relative to `dir`: the gateway's first, then `workers/<name>/wrangler.toml` by name. */
export function workerConfigs(dir = root) {
  const workersDir = join(dir, "workers");
  const others = existsSync(workersDir)
    ? readdirSync(workersDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(workersDir, d.name, "wrangler.toml")))
        .map((d) => `workers/${d.name}/wrangler.toml`)
        .sort()
    : [];
  return [GATEWAY_CONFIG, ...others];
}

/** A config as written (no defaults, no environment resolution), parsed by wrangler itself. */
export function readRaw(config, dir = root) {
  return experimental_readRawConfig({ config: join(dir, config) }).rawConfig;
}

/** The part of a raw config that applies in `env` (undefined: the top level). */
export function section(raw, env) {
  return env ? raw.env?.[env] : raw;
}

/** `workers/<name>/wrangler.toml` → "<name>"; the root config → "gateway". */
export function workerName(config) {
  return config === GATEWAY_CONFIG ? "gateway" : relative("workers", dirname(config));
}

/**
 * Deploy order for `env`: a worker goes after every worker its service bindings name, so a
 * binding never points at a worker that does not exist yet (function workers, then the
 * gateway, then whatever binds the gateway). Ties keep `workerConfigs()` order.
 */
export function deployOrder(env, dir = root) {
  const configs = workerConfigs(dir);
  const nodes = configs.map((config) => {
    const raw = readRaw(config, dir);
    const part = section(raw, env);
    if (env && !part) throw new Error(`${config} has no [env.${env}] section`);
    const name = part.name ?? (env ? `${raw.name}-${env}` : raw.name);
    return { config, name, needs: (part.services ?? []).map((s) => s.service) };
  });
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const order = [];
  const state = new Map(); // name -> "visiting" | "done"
  const visit = (node, path) => {
    if (state.get(node.name) === "done") return;
    if (state.get(node.name) === "visiting") throw new Error(`service bindings form a cycle: ${[...path, node.name].join(" → ")}`);
    state.set(node.name, "visiting");
    for (const service of node.needs) {
      const target = byName.get(service);
      if (target && target !== node) visit(target, [...path, node.name]);
    }
    state.set(node.name, "done");
    order.push(node);
  };
  // Function workers in listing order, then the gateway.
  for (const node of [...nodes.slice(1), nodes[0]]) visit(node, []);
  return order;
}

/** Runs the local wrangler (Node 22 from node_modules) without telemetry or prompts. */
export function wrangler(args, { capture = false, cwd = root } = {}) {
  return spawnSync(wranglerBin, args, {
    cwd,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` },
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
  });
}
