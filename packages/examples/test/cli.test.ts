// The CLI's conventions (issue 14, item 8): util.parseArgs flags in both `--flag value` and
// `--flag=value` forms, `--version`, `--help` per example with its defaults, `--out` checked
// before training, and every error one line on stderr with a non-zero exit code (a stack trace
// only with LOOM_DEBUG=1). Runs `runCli` in-process, with a probe example where a run must be seen.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShapeError } from '@loom/core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, test } from 'vitest';
import { FLAGS, parseCommand } from '../src/args.js';
import { type CliContext, runCli } from '../src/main.js';
import { EXAMPLES, type Example } from '../src/registry.js';

const work = mkdtempSync(join(tmpdir(), 'loom-cli-'));

interface Ran {
  code: number;
  out: string;
  err: string[];
}

async function run(argv: readonly string[], context: Partial<CliContext> = {}): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, context);
  return {
    code,
    out: out.join('\n'),
    err: err
      .join('\n')
      .split('\n')
      .filter((l) => l !== ''),
  };
}

/** An example that records the options it ran with, or throws what it is given. */
function probe(failure?: Error): { example: Example; runs: unknown[] } {
  const runs: unknown[] = [];
  const example: Example = {
    name: 'probe',
    summary: 'records its options',
    flags: ['steps', 'out', 'no-jit'],
    defaults: { steps: 5, out: join(work, 'default-out') },
    program: {
      name: 'probe',
      summary: 'records its options',
      async run(options) {
        runs.push(options);
        if (failure) throw failure;
        return { lines: ['done'], ok: true, metrics: {} };
      },
    },
  };
  return { example, runs };
}

describe('flags through util.parseArgs', () => {
  const optionsOf = (argv: string[]) => {
    const parsed = parseCommand(argv, EXAMPLES);
    if (E.isLeft(parsed)) throw parsed.left;
    if (parsed.right.kind !== 'run') throw new Error(`not a run: ${parsed.right.kind}`);
    return parsed.right.options;
  };

  test('--steps=10 and --steps 10 mean the same', () => {
    const spaced = optionsOf(['binary-addition', '--steps', '10', '--seed', '3', '--out', 'x']);
    const inline = optionsOf(['binary-addition', '--steps=10', '--seed=3', '--out=x']);
    expect(inline).toEqual(spaced);
    expect(spaced).toEqual({ steps: 10, seed: 3, out: 'x', jit: true });
  });

  test('unset flags take the registry defaults; boolean flags switch', () => {
    expect(optionsOf(['char-rnn', '--no-jit'])).toEqual({
      steps: 300,
      seed: 0,
      out: 'out',
      cell: 'lstm',
      jit: false,
    });
    expect(optionsOf(['irnn-pixels', '--rows', '--data', 'd', '--lr', '2e-4'])).toMatchObject({
      rows: true,
      data: 'd',
      lr: 2e-4,
      cell: 'rnn',
    });
  });

  test('a repeated flag keeps its last value, as util.parseArgs does', () => {
    expect(optionsOf(['binary-addition', '--steps', '1', '--steps=7']).steps).toBe(7);
  });
});

describe('--version and --help', () => {
  test('--version prints the version in package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const { code, out } = await run(['--version']);
    expect(code).toBe(0);
    expect(out).toBe(`loom-examples ${pkg.version}`);
  });

  test('--help, -h and no arguments list every example', async () => {
    for (const argv of [['--help'], ['-h'], []]) {
      const { code, out } = await run(argv);
      expect(code).toBe(0);
      for (const e of EXAMPLES) expect(out).toContain(`${e.name.padEnd(22)}${e.summary}`);
      expect(out).toContain('--help');
      expect(out).toContain('--version');
    }
  });

  test.each(EXAMPLES.map((e) => [e.name, e] as const))(
    'pnpm example %s --help lists its flags with their defaults',
    async (name, example) => {
      const { code, out, err } = await run([name, '--help']);
      expect(code).toBe(0);
      expect(err).toEqual([]);
      expect(out).toContain(`usage: loom-examples ${name}`);
      expect(out).toContain(example.summary);
      const lines = out.split('\n');
      for (const flag of example.flags) {
        const spec = FLAGS[flag];
        const line = lines.find((l) => l.trimStart().startsWith(`--${flag}`));
        expect(line, `--${flag}`).toBeDefined();
        if (spec.value) expect(line).toContain(`--${flag} ${spec.value}`);
        const fallback = example.defaults[flag as keyof typeof example.defaults];
        if (fallback !== undefined && !example.notes?.[flag])
          expect(line).toContain(`(default ${fallback})`);
      }
      // Only its own flags: the others would be rejected.
      for (const flag of Object.keys(FLAGS))
        if (!example.flags.includes(flag as keyof typeof FLAGS))
          expect(lines.some((l) => l.trimStart().startsWith(`--${flag} `))).toBe(false);
    },
  );
});

describe('--out is checked before training', () => {
  test('a missing folder whose parent exists is created, then the run starts', async () => {
    const { example, runs } = probe();
    const dir = join(work, 'fresh');
    const { code, out } = await run(['probe', '--out', dir], { examples: [example] });
    expect(code).toBe(0);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(runs).toEqual([{ steps: 5, out: dir, seed: 0, jit: true }]);
    expect(out).toContain('done');
  });

  test.each([
    [
      'a file',
      () => writeFileSync(join(work, 'a-file'), 'x'),
      'a-file',
      'is a file; it must be a folder',
    ],
    ['under a missing folder', () => {}, 'missing/deeper', 'its parent', 'does not exist'],
    [
      'under a file',
      () => writeFileSync(join(work, 'parent-file'), 'x'),
      'parent-file/out',
      'is a file',
    ],
  ])(
    '--out %s fails in one line and training never starts',
    async (_what, setUp, path, ...words) => {
      setUp();
      const { example, runs } = probe();
      const dir = join(work, path);
      const { code, err } = await run(['probe', `--out=${dir}`], { examples: [example] });
      expect(code).toBe(1);
      expect(runs).toEqual([]);
      expect(err).toHaveLength(1);
      expect(err[0]).toContain(`loom-examples probe: --out ${dir}`);
      for (const w of words) expect(err[0]).toContain(w);
      if (path.includes('/')) expect(existsSync(dir)).toBe(false);
    },
  );

  test('the real examples check it too: binary-addition with --out on a file', async () => {
    const file = join(work, 'not-a-folder');
    writeFileSync(file, '');
    const started = performance.now();
    const { code, err } = await run(['binary-addition', '--out', file]);
    expect(code).toBe(1);
    expect(err).toEqual([
      `loom-examples binary-addition: --out ${file} is a file; it must be a folder.`,
    ]);
    expect(performance.now() - started).toBeLessThan(1000); // no training ran first
  });
});

describe('errors are one line, with the stack only under LOOM_DEBUG=1', () => {
  const bug = () =>
    new ShapeError(
      'add: shapes [2,3] and [4]\ncannot be broadcast together.\n  Reshape one of them.',
    );

  test('an unexpected error: its class and message on one line, exit 1', async () => {
    const { example } = probe(bug());
    const { code, err } = await run(['probe'], { examples: [example], env: {} });
    expect(code).toBe(1);
    expect(err).toEqual([
      'loom-examples probe: ShapeError: add: shapes [2,3] and [4] cannot be broadcast together. ' +
        'Reshape one of them. (LOOM_DEBUG=1 shows the stack trace)',
    ]);
  });

  test('LOOM_DEBUG=1 adds the stack trace', async () => {
    const { example } = probe(bug());
    const { code, err } = await run(['probe'], { examples: [example], env: { LOOM_DEBUG: '1' } });
    expect(code).toBe(1);
    expect(err[0]).toBe(
      'loom-examples probe: ShapeError: add: shapes [2,3] and [4] cannot be broadcast together. Reshape one of them.',
    );
    expect(err.some((l) => /^\s+at /.test(l))).toBe(true);
  });

  test('a usage error is one line and exit 2, without the whole help', async () => {
    const { code, err } = await run(['binary-addition', '--steps', 'many']);
    expect(code).toBe(2);
    expect(err).toEqual(['loom-examples: --steps needs an integer ≥ 1, got "many".']);
  });
});
