// SPDX-License-Identifier: MIT
// Command-line parsing at the edge, with fp-ts Either: bad flags become one clear message.
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';

export type CellKind = 'rnn' | 'lstm' | 'gru';

export interface RunOptions {
  steps?: number;
  epochs?: number;
  /** Learning rate override. */
  lr?: number;
  seed: number;
  out: string;
  cell?: CellKind;
  jit: boolean;
  text?: string;
  data?: string;
  /** Image examples: one row of pixels per time step instead of one pixel. */
  rows?: boolean;
}

export type Command = { kind: 'help' } | { kind: 'run'; example: string; options: RunOptions };

export class UsageError extends Error {}

const FLAGS = [
  '--steps',
  '--epochs',
  '--lr',
  '--seed',
  '--out',
  '--cell',
  '--text',
  '--data',
] as const;

function positiveInt(flag: string, raw: string | undefined, min = 1): E.Either<UsageError, number> {
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n >= min
    ? E.right(n)
    : E.left(
        new UsageError(
          `${flag} needs an integer ≥ ${min}, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}.`,
        ),
      );
}

function positiveNumber(flag: string, raw: string | undefined): E.Either<UsageError, number> {
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) && n > 0
    ? E.right(n)
    : E.left(
        new UsageError(
          `${flag} needs a positive number, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}.`,
        ),
      );
}

function cellKind(raw: string | undefined): E.Either<UsageError, CellKind> {
  return raw === 'rnn' || raw === 'lstm' || raw === 'gru'
    ? E.right(raw)
    : E.left(new UsageError(`--cell must be rnn, lstm or gru, got ${JSON.stringify(raw)}.`));
}

/** A plain boolean (not a type guard), so `options` keeps its Either type inside the loop. */
const failed = (o: E.Either<UsageError, RunOptions>): boolean => E.isLeft(o);

/** Parses `loom-examples <name> [flags]` against the known example names. */
export function parseArgs(
  argv: readonly string[],
  examples: readonly string[],
): E.Either<UsageError, Command> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h'))
    return E.right({ kind: 'help' });
  const [example, ...rest] = argv;
  if (!examples.includes(example)) {
    return E.left(
      new UsageError(
        `unknown example ${JSON.stringify(example)}; choose one of: ${examples.join(', ')}.`,
      ),
    );
  }
  let options: E.Either<UsageError, RunOptions> = E.right({ seed: 0, out: 'out', jit: true });
  for (let i = 0; i < rest.length; i++) {
    // The first bad flag is the one to report; later words may only be its misplaced value.
    if (failed(options)) break;
    const flag = rest[i];
    if (flag === '--no-jit' || flag === '--rows') {
      const patch: Partial<RunOptions> = flag === '--rows' ? { rows: true } : { jit: false };
      options = pipe(
        options,
        E.map((o) => ({ ...o, ...patch })),
      );
      continue;
    }
    if (!(FLAGS as readonly string[]).includes(flag)) {
      return E.left(
        new UsageError(`unknown flag ${JSON.stringify(flag)}; run with --help for the list.`),
      );
    }
    const value = rest[++i];
    const set = (patch: E.Either<UsageError, Partial<RunOptions>>) =>
      pipe(
        options,
        E.chain((o) =>
          pipe(
            patch,
            E.map((p) => ({ ...o, ...p })),
          ),
        ),
      );
    if (flag === '--steps')
      options = set(
        pipe(
          positiveInt(flag, value),
          E.map((steps) => ({ steps })),
        ),
      );
    else if (flag === '--epochs')
      options = set(
        pipe(
          positiveInt(flag, value),
          E.map((epochs) => ({ epochs })),
        ),
      );
    else if (flag === '--lr')
      options = set(
        pipe(
          positiveNumber(flag, value),
          E.map((lr) => ({ lr })),
        ),
      );
    else if (flag === '--seed')
      options = set(
        pipe(
          positiveInt(flag, value, 0),
          E.map((seed) => ({ seed })),
        ),
      );
    else if (flag === '--cell')
      options = set(
        pipe(
          cellKind(value),
          E.map((cell) => ({ cell })),
        ),
      );
    else if (value === undefined || value.startsWith('--')) {
      return E.left(new UsageError(`${flag} needs a value.`));
    } else if (flag === '--out') options = set(E.right({ out: value }));
    else if (flag === '--text') options = set(E.right({ text: value }));
    else options = set(E.right({ data: value }));
  }
  return pipe(
    options,
    E.map((o): Command => ({ kind: 'run', example, options: o })),
  );
}
