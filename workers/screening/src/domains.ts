/** Domain names: normalising admin input, taking hosts out of links, matching blocked domains. */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Lower-case, punycode (via the URL parser), no trailing dot, no leading "*." or "www."-less
 * guessing: `Example.COM.` → `example.com`. Null when it is not a plausible registrable name.
 */
export function normalizeDomain(input: string): string | null {
  let s = input.trim().toLowerCase();
  if (s.startsWith("*.")) s = s.slice(2);
  if (s.endsWith(".")) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253 || /[\s/:@?#\\]/.test(s)) return null;
  let host: string;
  try {
    host = new URL(`http://${s}/`).hostname;
  } catch {
    return null;
  }
  const labels = host.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null; // IP addresses are not domains
  return host;
}

/** The host of a link given with or without a scheme, lower-case punycode; null if unparseable. */
export function hostOf(link: string): string | null {
  const s = link.trim();
  if (!s) return null;
  // Protocol-relative links ("//host/path") are links too.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : s.startsWith("//") ? `http:${s}` : `http://${s}`;
  try {
    const host = new URL(withScheme).hostname.replace(/\.$/, "");
    return host || null;
  } catch {
    return null;
  }
}

/** The blocked domain `host` falls under (itself or a parent), if any. */
export function blockedDomainOf(host: string, blocked: ReadonlySet<string>): string | undefined {
  let h = host.toLowerCase();
  for (;;) {
    if (blocked.has(h)) return h;
    const dot = h.indexOf(".");
    if (dot < 0) return undefined;
    h = h.slice(dot + 1);
  }
}

// Any host-like token: labels of letters/digits/hyphens joined by dots, ending in a letter TLD,
// optionally after a scheme. Broader than URL detection (no TLD list), used only for blocked domains.
const HOST_TOKEN = /(?<![\w@.\-])(?:[a-z][a-z0-9+.-]*:\/\/)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62})(?![\w-])(?:[:/?#][^\s<>"'，、（）()]*)?/giu;

/** Blocked domains named in `text` (already folded to ASCII punctuation), with offsets. */
export function findBlockedHosts(text: string, blocked: ReadonlySet<string>): { start: number; end: number; domain: string }[] {
  if (blocked.size === 0) return [];
  const out: { start: number; end: number; domain: string }[] = [];
  HOST_TOKEN.lastIndex = 0;
  for (let m = HOST_TOKEN.exec(text); m; m = HOST_TOKEN.exec(text)) {
    const domain = blockedDomainOf(m[1]!.toLowerCase(), blocked);
    if (domain) out.push({ start: m.index, end: m.index + m[0].length, domain });
  }
  return out;
}
