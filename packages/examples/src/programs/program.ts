// SPDX-License-Identifier: MIT
import type { RunOptions } from '../args.js';

/** One runnable example: the CLI lists, parses and runs these. */
export interface Program {
  name: string;
  summary: string;
  run(options: RunOptions): Promise<Summary>;
}

/** What a run reports at the end; `ok` is false when the run missed its stated goal. */
export interface Summary {
  lines: string[];
  ok: boolean;
  metrics: Record<string, number>;
}

/** A problem the user can fix (missing data, bad file): printed without a stack trace. */
export class ExampleError extends Error {}
