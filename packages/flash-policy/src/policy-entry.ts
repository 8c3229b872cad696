/**
 * One `<allow-access-from>` line of a socket policy, and the checks Flash would otherwise
 * apply silently: a policy Flash cannot read denies everything, so a typo must fail loudly
 * at startup instead.
 */

/** Who may connect (`domain`) and to which ports of this server (`toPorts`). */
export interface PolicyEntry {
  /** A host name, an IP address, `*.example.com`, or `*` for any page. */
  readonly domain: string;
  /** `*`, a port (`843`), a range (`8000-8100`), or a comma list of those (`80,443,8000-8100`). */
  readonly toPorts: string;
}

const PORT_ITEM = /^(\d{1,5})(?:-(\d{1,5}))?$/;

/** Whether `to-ports` is `*` or a comma list of ports (1-65535) and ascending ranges. */
export function isValidToPorts(toPorts: string): boolean {
  if (toPorts === '*') return true;
  return toPorts.split(',').every((item) => {
    const match = PORT_ITEM.exec(item);
    if (!match) return false;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    return from >= 1 && to <= 65535 && from <= to;
  });
}

/** Throws a TypeError naming the entry (and its index) when Flash could not use it. */
export function assertPolicyEntry(entry: PolicyEntry, index: number): void {
  const problem = policyEntryProblem(entry);
  if (problem) throw new TypeError(`flash-policy: entry ${index} ${JSON.stringify(entry)}: ${problem}`);
}

// No domain contains whitespace or control characters, and a NUL would end the policy on the
// wire early (the document is NUL-terminated).
function hasSpaceOrControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}

function policyEntryProblem(entry: PolicyEntry): string | null {
  if (typeof entry !== 'object' || entry === null) return 'expected { domain, toPorts }';
  if (typeof entry.domain !== 'string' || entry.domain === '') return 'domain must be a non-empty string';
  if (hasSpaceOrControl(entry.domain)) return 'domain contains whitespace or a control character';
  if (typeof entry.toPorts !== 'string' || !isValidToPorts(entry.toPorts)) {
    return 'toPorts must be "*", a port, a range "a-b", or a comma list of those';
  }
  return null;
}
