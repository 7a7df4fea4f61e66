// The error-message suite for the examples CLI (issue 13, item 9): `loom-examples` run through its
// entry function `runCli` (what bin/cli.js calls) with bad flags, unknown examples, bad values and
// bad files. Each must return a non-zero exit code with a one-line error first on stderr, no
// stack trace, naming the flag or example, the bad value and what is accepted.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '@loom/datasets';
import { describe, expect, test } from 'vitest';
import { type Expectation, expectRejection } from '../../core/test/expect_error.js';
import { runCli } from '../src/main.js';

const work = mkdtempSync(join(tmpdir(), 'loom-cli-errors-'));
const out = join(work, 'out');

/** A failed CLI run: the first stderr line is the message; the exit code and stderr are kept. */
class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(stderr.split('\n')[0]);
    this.name = 'CliFailure';
  }
}

/** Runs the CLI in-process; a non-zero exit becomes a CliFailure holding what went to stderr. */
async function run(argv: readonly string[]): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  if (code !== 0) throw new CliFailure(code, err.join('\n'));
  return out.join('\n');
}

interface CliCase {
  name: string;
  argv: string[];
  exitCode: number;
  mustContain: Expectation[];
}
const usage = (name: string, argv: string[], ...mustContain: Expectation[]): CliCase => ({
  name,
  argv,
  exitCode: 2,
  mustContain: ['loom-examples: ', ...mustContain],
});
const failure = (name: string, argv: string[], ...mustContain: Expectation[]): CliCase => ({
  name,
  argv: [...argv, '--out', out],
  exitCode: 1,
  mustContain,
});

// Files for the run-time failures: a text too short to train on, and MNIST folders with one
// corrupt file among four good ones.
const tiny = join(work, 'tiny.txt');
writeFileSync(tiny, 'ab');
const empty = join(work, 'empty.txt');
writeFileSync(empty, '');
const mnist = join(work, 'mnist');
const images = encodeIdx([2, 28, 28], new Uint8Array(2 * 784));
const labels = encodeIdx([2], [0, 1]);
for (const [name, bytes] of [
  ['train-images-idx3-ubyte', images],
  ['train-labels-idx1-ubyte', new TextEncoder().encode('<html>404</html>')],
  ['t10k-images-idx3-ubyte', images],
  ['t10k-labels-idx1-ubyte', labels],
] as const) {
  mkdirSync(mnist, { recursive: true });
  writeFileSync(join(mnist, name), bytes);
}

const cases: CliCase[] = [
  usage(
    'an unknown example',
    ['binary-adder'],
    'unknown example "binary-adder"',
    'choose one of:',
    'binary-addition',
  ),
  usage(
    'an example name with an underscore',
    ['char_rnn'],
    'unknown example "char_rnn"',
    'char-rnn',
  ),
  usage('--steps 0', ['binary-addition', '--steps', '0'], '--steps', 'integer ≥ 1', 'got "0"'),
  usage('--steps abc', ['binary-addition', '--steps', 'abc'], '--steps', 'got "abc"'),
  usage('--steps 1.5', ['binary-addition', '--steps', '1.5'], '--steps', 'got "1.5"'),
  usage('--steps with no value', ['binary-addition', '--steps'], '--steps', 'got nothing'),
  usage('--steps= with an empty value', ['binary-addition', '--steps='], '--steps', 'got ""'),
  usage('--epochs -1', ['sine-square', '--epochs', '-1'], '--epochs', 'integer ≥ 1', 'got "-1"'),
  usage('--lr 0', ['irnn-pixels', '--lr', '0'], '--lr', 'positive number', 'got "0"'),
  usage('--lr 1e', ['irnn-pixels', '--lr=1e'], '--lr', 'got "1e"'),
  usage(
    '--lr swallowing the next flag',
    ['irnn-pixels', '--lr', '--steps', '5'],
    '--lr',
    'got "--steps"',
    'written --lr=--steps',
  ),
  usage('--seed -1', ['binary-addition', '--seed', '-1'], '--seed', 'integer ≥ 0', 'got "-1"'),
  usage('--seed=-1', ['binary-addition', '--seed=-1'], '--seed', 'integer ≥ 0', 'got "-1"'),
  usage('--seed 0.5', ['binary-addition', '--seed', '0.5'], '--seed', 'got "0.5"'),
  usage('--cell tcn', ['char-rnn', '--cell', 'tcn'], '--cell', 'rnn, lstm or gru', 'got "tcn"'),
  usage('--cell LSTM in capitals', ['char-rnn', '--cell', 'LSTM'], '--cell', 'got "LSTM"'),
  usage(
    'an unknown flag',
    ['binary-addition', '--fast'],
    'unknown flag "--fast" for binary-addition',
    'it takes --steps N, --seed S, --out DIR, --no-jit',
    '--help',
  ),
  usage('a short flag', ['binary-addition', '-v'], 'unknown flag "-v"'),
  usage(
    'a flag another example takes',
    ['binary-addition', '--lr', '0.1'],
    'unknown flag "--lr" for binary-addition',
  ),
  usage(
    'any flag for an example without flags',
    ['forward-propagation', '--steps', '3'],
    'unknown flag "--steps" for forward-propagation',
    'it takes no flags',
  ),
  usage(
    'a value for a boolean flag',
    ['irnn-pixels', '--rows=yes'],
    '--rows takes no value',
    '"--rows=yes"',
  ),
  usage('a stray word', ['binary-addition', 'fast'], 'unexpected argument "fast"'),
  usage('an unknown global flag', ['--verbose'], 'unknown flag "--verbose" for loom-examples'),
  usage('--out with no value', ['binary-addition', '--out'], '--out needs a value'),
  usage(
    '--text followed by a flag',
    ['char-rnn', '--text', '--steps', '3'],
    '--text needs a value',
  ),
  usage('--data with no value', ['irnn-pixels', '--data'], '--data needs a value'),
  failure(
    'char-rnn with a --text file that does not exist',
    ['char-rnn', '--text', join(work, 'missing.txt')],
    'loom-examples char-rnn',
    'cannot read --text',
    'missing.txt',
    'ENOENT',
  ),
  failure(
    'char-rnn with a --text file of 2 characters',
    ['char-rnn', '--text', tiny, '--steps', '1'],
    'loom-examples char-rnn',
    `--text ${tiny} has 2 characters`,
    'at least 36',
  ),
  failure(
    'char-rnn with an empty --text file',
    ['char-rnn', '--text', empty, '--steps', '1'],
    'has 0 characters',
  ),
  failure(
    'irnn-pixels without --data',
    ['irnn-pixels'],
    'loom-examples irnn-pixels',
    'pass --data DIR',
  ),
  failure(
    'irnn-pixels with a --data folder that does not exist',
    ['irnn-pixels', '--data', join(work, 'nowhere')],
    'cannot load --data',
    'loadMnistDir',
    'train-images-idx3-ubyte',
  ),
  failure(
    'irnn-pixels with one corrupt file among the four',
    ['irnn-pixels', '--data', mnist, '--steps', '1'],
    'cannot load --data',
    'train-labels-idx1-ubyte',
    'wrong magic number',
  ),
];

describe('cli: bad flags, examples, values and files', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    // A program's progress lines go to console.log; keep the test output readable.
    const log = console.log;
    console.log = () => {};
    try {
      const err = (await expectRejection(
        () => run(c.argv),
        CliFailure,
        ...c.mustContain,
      )) as CliFailure;
      expect(err.exitCode).toBe(c.exitCode);
      // A mistake the user can fix is reported in words, never as a stack trace.
      expect(err.stderr).not.toMatch(/^\s+at /m);
      expect(err.stderr.split('\n')).toHaveLength(1);
    } finally {
      console.log = log;
    }
  });
  test('--help exits 0 and lists every example', async () => {
    const text = await run(['--help']);
    for (const name of ['binary-addition', 'char-rnn', 'irnn-pixels']) expect(text).toContain(name);
  });
});
