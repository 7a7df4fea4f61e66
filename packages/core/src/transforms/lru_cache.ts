// SPDX-License-Identifier: MIT
// A bounded map that forgets the least recently used entry first: jit's per-signature cache, so
// a function called with ever-new shapes keeps a fixed number of traced programs alive.

export class SignatureCache<V> {
  // A Map iterates in insertion order: re-inserting on every hit keeps the oldest entry first.
  readonly #entries = new Map<string, V>();
  /** How many entries were dropped to make room. */
  evictions = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for `key`, marked as the most recently used. */
  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.evictions++;
    }
  }
}
