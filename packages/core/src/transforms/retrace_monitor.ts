// SPDX-License-Identifier: MIT
// Counts how often one jitted function is traced and warns once when it passes a threshold:
// retracing on every call (a new shape each batch, a step counter passed as a static argument)
// silently turns jit into a slowdown. The warning says what changed between the signatures.

/** What made one trace's signature: tree structure, input types, one key per static argument. */
export interface Signature {
  readonly tree: string;
  readonly avals: string;
  readonly statics: readonly { readonly position: number; readonly key: string }[];
}

export class RetraceMonitor {
  traces = 0;
  #warned = false;
  readonly #seen: Signature[] = [];

  constructor(
    readonly name: string,
    readonly threshold: number,
    readonly cacheCapacity: number,
  ) {}

  /** Records one trace; warns (once) when the count passes the threshold. */
  record(signature: Signature, evictions: number): void {
    this.traces++;
    // Only the signatures up to the warning matter: the history stays bounded.
    if (!this.#warned && this.#seen.length <= this.threshold) this.#seen.push(signature);
    if (this.#warned || this.traces <= this.threshold) return;
    this.#warned = true;
    console.warn(this.message(evictions));
  }

  message(evictions: number): string {
    const seen = this.#seen;
    const changes: string[] = [];
    const distinct = (values: string[]) => [...new Set(values)];
    const trees = distinct(seen.map((s) => s.tree));
    if (trees.length > 1) changes.push(`the argument tree structure (${trees.length} different)`);
    const avals = distinct(seen.map((s) => s.avals));
    if (avals.length > 1) {
      const sample = `${avals[0] || '(no tensors)'} ... ${avals[avals.length - 1] || '(no tensors)'}`;
      changes.push(`input shapes/dtypes (${avals.length} different: ${sample})`);
    }
    const positions = seen[0]?.statics.map((s) => s.position) ?? [];
    for (const position of positions) {
      const keys = distinct(
        seen.map((s) => s.statics.find((x) => x.position === position)?.key ?? ''),
      );
      if (keys.length > 1)
        changes.push(`static argument ${position} (${keys.length} different values)`);
    }
    const whole = seen.map((s) => JSON.stringify(s));
    const repeats = whole.length - distinct(whole).length;
    if (repeats > 0 || evictions > 0) {
      changes.push(
        `${evictions} signature${evictions === 1 ? ' was' : 's were'} dropped from the cache ` +
          `(maxCacheSize ${this.cacheCapacity}) and ${repeats} trace${repeats === 1 ? '' : 's'} ` +
          'repeated a dropped signature; raise maxCacheSize if they come back',
      );
    }
    const what = `What changed between traces: ${changes.join('; ')}.`;
    return (
      `jit(${this.name}) has been traced ${this.traces} times (retraceWarningThreshold ` +
      `${this.threshold}); every new signature is traced and compiled again. ${what} Pad inputs to ` +
      'a few fixed shapes, pass values that change as tensors rather than static arguments, or ' +
      'raise retraceWarningThreshold to silence this warning.'
    );
  }
}
