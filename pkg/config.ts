/**
 * A whole-number setting from a var: its value when it is an integer within `min`–`max`, else
 * `fallback` (unset, empty, fractional or out of range). Vars arrive as strings; the generated
 * `Env` types some as number literals, so both are accepted.
 */
export function intVar(value: string | number | undefined, fallback: number, min: number, max: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}
