// SPDX-License-Identifier: MIT
/** Accumulates generated JavaScript with indentation and hands out fresh local names. */
export class SourceWriter {
  readonly #lines: string[] = [];
  #depth = 0;

  /** Writers that share `names` never hand out the same local name. */
  constructor(private readonly names: { next: number } = { next: 0 }) {}

  /** A writer for another piece of the same program (same name sequence). */
  sibling(): SourceWriter {
    return new SourceWriter(this.names);
  }

  line(text: string): void {
    this.#lines.push('  '.repeat(this.#depth) + text);
  }

  /** Emits `head {`, the body one level deeper, then `}`. */
  block(head: string, body: () => void): void {
    this.line(`${head} {`);
    this.#depth++;
    try {
      body();
    } finally {
      this.#depth--;
    }
    this.line('}');
  }

  fresh(prefix: string): string {
    return `${prefix}${this.names.next++}`;
  }

  toString(): string {
    return this.#lines.join('\n');
  }
}
