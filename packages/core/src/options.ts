// SPDX-License-Identifier: MIT
// Options objects are checked against the keys their function understands: a misspelled or
// unsupported key (`{ debugNans: true }` given to jit, `{ argnum: 1 }` to grad) would otherwise
// be ignored without a word, and the user would believe it took effect.
import { InvalidArgumentError } from './errors.js';

/**
 * Throws InvalidArgumentError when `options` has a key outside `validKeys`, naming `op`, the
 * unknown keys, the closest valid key when one is a likely misspelling, and every valid key.
 * `undefined` or `null` options mean "all defaults" and pass.
 */
export function checkOptionKeys(op: string, options: unknown, validKeys: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    const got = Array.isArray(options) ? 'an array' : typeof options;
    throw new InvalidArgumentError(
      `${op}: options must be an object with keys among ${formatKeys(validKeys)}, got ${got}.`,
    );
  }
  const unknown = Object.keys(options).filter((k) => !validKeys.includes(k));
  if (unknown.length === 0) return;
  const hints = unknown
    .map((k) => [k, closestKey(k, validKeys)] as const)
    .filter((pair): pair is readonly [string, string] => pair[1] !== null)
    .map(([k, near]) => ` ('${k}': did you mean '${near}'?)`)
    .join('');
  throw new InvalidArgumentError(
    `${op}: unknown option${unknown.length === 1 ? '' : 's'} ${formatKeys(unknown)}${hints}; ` +
      `valid options are ${formatKeys(validKeys)}.`,
  );
}

function formatKeys(keys: readonly string[]): string {
  return keys.length === 0 ? '(none)' : keys.map((k) => `'${k}'`).join(', ');
}

/** The valid key within edit distance 2 of `key` (case-insensitive), if there is exactly one best. */
function closestKey(key: string, validKeys: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const valid of validKeys) {
    const d = editDistance(key.toLowerCase(), valid.toLowerCase());
    if (d < bestDistance) {
      best = valid;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(prev[j] + 1, row[j - 1] + 1, substitution));
    }
    prev = row;
  }
  return prev[b.length];
}
