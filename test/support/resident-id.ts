/** A well-formed mainland resident id number (GB 11643 check digit) for test identities. */
export function residentId(region: string, birth: string, seq: number): string {
  const body = `${region}${birth}${String(seq % 1000).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + "10X98765432"[sum % 11]!;
}
