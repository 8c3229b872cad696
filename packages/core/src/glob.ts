/**
 * The key patterns of `KeyValueStore.keys()`, for every storage backend to share: `*` matches any run of characters (none too), `?`
 * exactly one character, anything else itself. A character is a code point, so `?` matches an
 * emoji once. There is no escape and no `[...]` class: the contract promises only `*` and `?`,
 * so a pattern that works on one backend works on all.
 */
export function compileGlob(pattern: string): (key: string) => boolean {
  if (pattern === '*') return () => true;
  if (!pattern.includes('*') && !pattern.includes('?')) return (key) => key === pattern;
  const chars = Array.from(pattern);
  return (key) => matchChars(chars, Array.from(key));
}

/** True when `key` matches `pattern` (see {@link compileGlob}); compile once when testing many keys. */
export function matchesGlob(pattern: string, key: string): boolean {
  return compileGlob(pattern)(key);
}

/**
 * Greedy matching that, on a mismatch, lets the last `*` swallow one more character and retries.
 * No regular expression, so no catastrophic backtracking: at worst pattern length × key length steps.
 */
function matchChars(pattern: readonly string[], key: readonly string[]): boolean {
  let p = 0;
  let k = 0;
  let star = -1; // index of the last `*` seen in the pattern
  let resume = 0; // key index that `*` has swallowed up to
  while (k < key.length) {
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      resume = k;
    } else if (c !== undefined && (c === '?' || c === key[k])) {
      p++;
      k++;
    } else if (star !== -1) {
      p = star + 1;
      k = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
