// SPDX-License-Identifier: MIT
// Which parts of the benchmark run, and how long: `pnpm bench -- --only gemm,w3 --quick`, or
// the same through BENCH_ONLY=gemm,w3 and BENCH_QUICK=1.

/** Names accepted by --only: the operations table, each workload, and every GEMM case. */
export const SELECTABLE = ['ops', 'w1', 'w1b', 'w2', 'w5', 'w3', 'w4', 'gemm'] as const;
export type Selectable = (typeof SELECTABLE)[number];

export interface BenchOptions {
  /** The parts to run (all of them unless --only narrows it). */
  only: ReadonlySet<Selectable>;
  /** Short repeats and checks, for trying the harness out; the numbers are rough. */
  quick: boolean;
}

export class BenchOptionsError extends Error {
  override name = 'BenchOptionsError';
}

function parseOnly(list: string): Set<Selectable> {
  const picked = new Set<Selectable>();
  for (const raw of list.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (!(SELECTABLE as readonly string[]).includes(name)) {
      throw new BenchOptionsError(
        `bench: --only got unknown part '${raw.trim()}'; the parts are ${SELECTABLE.join(', ')}.`,
      );
    }
    picked.add(name as Selectable);
  }
  if (picked.size === 0) throw new BenchOptionsError('bench: --only needs at least one part.');
  return picked;
}

const truthy = (v: string | undefined) => v !== undefined && v !== '' && v !== '0';

/** Reads the options from the command line (first) and the environment. */
export function benchOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): BenchOptions {
  let only: string | undefined = env.BENCH_ONLY;
  let quick = truthy(env.BENCH_QUICK);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') continue;
    if (a === '--quick') quick = true;
    else if (a.startsWith('--only=')) only = a.slice('--only='.length);
    else if (a === '--only') {
      if (i + 1 >= argv.length) throw new BenchOptionsError('bench: --only needs a list.');
      only = argv[++i];
    } else {
      throw new BenchOptionsError(
        `bench: unknown argument '${a}'; use --only ${SELECTABLE.join(',')} and --quick.`,
      );
    }
  }
  return { only: only === undefined ? new Set(SELECTABLE) : parseOnly(only), quick };
}
