// SPDX-License-Identifier: MIT
// Command-line parsing at the edge: Node's util.parseArgs (strict) against the flags each example
// declares in the registry, then every value checked. A bad command line becomes one UsageError
// (as an fp-ts Left) naming the flag, the value and what is accepted.
import { parseArgs as parseFlags } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';

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
  /** Sampling temperature (char-rnn), > 0. */
  temperature?: number;
}

/** The flags an example may accept (without the leading `--`). */
export type FlagName =
  | 'steps'
  | 'epochs'
  | 'lr'
  | 'seed'
  | 'out'
  | 'cell'
  | 'text'
  | 'data'
  | 'rows'
  | 'temperature'
  | 'no-jit';

/** What the CLI knows of an example: its flags, with the defaults the CLI passes for them. */
export interface ExampleSpec {
  name: string;
  summary: string;
  flags: readonly FlagName[];
  /** Defaults the CLI fills in (and `--help` shows); flags without one are left to the program. */
  defaults: Partial<RunOptions>;
  /** Per-example help text for a flag, replacing the generic one (e.g. a default that depends). */
  notes?: Partial<Record<FlagName, string>>;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'example-help'; example: ExampleSpec }
  | { kind: 'run'; example: ExampleSpec; options: RunOptions };

/** A command line the user can fix; printed as one line, exit code 2. */
export class UsageError extends Error {}

type Check = (flag: string, raw: string | undefined) => Partial<RunOptions>;

interface FlagSpec {
  /** The placeholder in usage lines (`--steps N`); none for boolean flags. */
  value?: string;
  help: string;
  /** Turns the raw text into options, or throws a UsageError. */
  check: Check;
}

const shown = (raw: string | undefined) => (raw === undefined ? 'nothing' : JSON.stringify(raw));

function integer(min: number, key: 'steps' | 'epochs' | 'seed'): Check {
  return (flag, raw) => {
    const n = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isInteger(n) || n < min)
      throw new UsageError(`${flag} needs an integer ≥ ${min}, got ${shown(raw)}.`);
    return { [key]: n };
  };
}

function positiveNumber(key: 'lr' | 'temperature'): Check {
  return (flag, raw) => {
    const n = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new UsageError(`${flag} needs a positive number, got ${shown(raw)}.`);
    return { [key]: n };
  };
}

const cellKind: Check = (flag, raw) => {
  if (raw === 'rnn' || raw === 'lstm' || raw === 'gru') return { cell: raw };
  throw new UsageError(`${flag} must be rnn, lstm or gru, got ${shown(raw)}.`);
};

function text(key: 'out' | 'text' | 'data'): Check {
  return (flag, raw) => {
    if (raw === undefined || raw === '') throw new UsageError(`${flag} needs a value.`);
    return { [key]: raw };
  };
}

/** Every flag: its value placeholder, help line and check. Examples pick theirs in the registry. */
export const FLAGS: Readonly<Record<FlagName, FlagSpec>> = {
  steps: { value: 'N', help: 'training steps', check: integer(1, 'steps') },
  epochs: { value: 'N', help: 'passes over the training set', check: integer(1, 'epochs') },
  lr: { value: 'RATE', help: 'learning rate', check: positiveNumber('lr') },
  seed: {
    value: 'S',
    help: 'seed of all random choices: weights, data, order',
    check: integer(0, 'seed'),
  },
  out: {
    value: 'DIR',
    help: 'folder for plots and drawings, created if missing',
    check: text('out'),
  },
  cell: { value: 'rnn|lstm|gru', help: 'recurrent cell', check: cellKind },
  text: {
    value: 'FILE',
    help: 'train on this UTF-8 text instead of the generated corpus',
    check: text('text'),
  },
  data: { value: 'DIR', help: 'folder of MNIST-format IDX files', check: text('data') },
  rows: {
    help: 'one row of pixels per time step instead of one pixel',
    check: () => ({ rows: true }),
  },
  temperature: {
    value: 'T',
    help: 'sampling temperature, > 0 (lower: safer, more repetitive text)',
    check: positiveNumber('temperature'),
  },
  'no-jit': { help: 'run eagerly instead of under jit', check: () => ({ jit: false }) },
};

const BASE: RunOptions = { seed: 0, out: 'out', jit: true };

/** The schema util.parseArgs gets for one example: its own flags and --help. */
function schema(flags: readonly FlagName[]) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const f of flags) options[f] = { type: FLAGS[f].value ? 'string' : 'boolean' };
  return options;
}

/** `--steps N, --seed S, --no-jit`: the flags an example accepts, for error messages. */
export const flagList = (flags: readonly FlagName[]) =>
  flags.map((f) => (FLAGS[f].value ? `--${f} ${FLAGS[f].value}` : `--${f}`)).join(', ');

/** The Node error's code, when util.parseArgs rejected the command line. */
const parseErrorCode = (e: unknown): string | undefined =>
  e instanceof TypeError &&
  'code' in e &&
  typeof e.code === 'string' &&
  e.code.startsWith('ERR_PARSE_ARGS')
    ? e.code
    : undefined;

/** Rewords util.parseArgs's errors as ours: the flag, what it got, what it accepts. */
function usageErrorFrom(
  e: TypeError,
  code: string,
  argv: readonly string[],
  where: string,
  flags: readonly FlagName[],
): UsageError {
  const quoted = /'(-[^' ]*)/.exec(e.message)?.[1] ?? '';
  const isGlobal = where === 'loom-examples';
  const names = isGlobal ? '--help, --version' : flagList(flags);
  const accepted = names === '' ? 'it takes no flags' : `it takes ${names}`;
  const help = isGlobal ? 'loom-examples --help' : `loom-examples ${where} --help`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new UsageError(
      `unknown flag ${JSON.stringify(quoted)} for ${where}; ${accepted} (see ${help}).`,
    );
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const word = /'([^']*)'/.exec(e.message)?.[1] ?? '';
    return new UsageError(`unexpected argument ${JSON.stringify(word)} for ${where}; ${accepted}.`);
  }
  const name = quoted.replace(/^-+/, '') as FlagName;
  const spec = FLAGS[name];
  if (spec && /does not take an argument/.test(e.message))
    return new UsageError(
      `--${name} takes no value (got ${JSON.stringify(argv.find((a) => a.startsWith(`--${name}=`)))}).`,
    );
  if (spec && /argument missing/.test(e.message)) return checkOrError(spec, name, undefined);
  if (spec && /ambiguous/.test(e.message)) {
    // The next word starts with "-": a flag where a value belongs, or a negative number.
    const next = argv[argv.indexOf(`--${name}`) + 1];
    const error = checkOrError(spec, name, next);
    return new UsageError(
      `${error.message.replace(/\.$/, '')} (a value starting with "-" is written --${name}=${next}).`,
    );
  }
  return new UsageError(e.message.split('\n')[0]);
}

function checkOrError(spec: FlagSpec, name: string, raw: string | undefined): UsageError {
  try {
    spec.check(`--${name}`, raw);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  return new UsageError(`--${name} needs a value.`);
}

function parseWith(
  argv: readonly string[],
  where: string,
  flags: readonly FlagName[],
  extra: Record<string, { type: 'boolean' }> = {},
) {
  try {
    return parseFlags({
      args: [...argv],
      options: { ...schema(flags), ...extra },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    const code = parseErrorCode(e);
    if (code) throw usageErrorFrom(e as TypeError, code, argv, where, flags);
    throw e;
  }
}

function parse(argv: readonly string[], examples: readonly ExampleSpec[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) {
    const values = parseWith(argv, 'loom-examples', [], { version: { type: 'boolean' } });
    return values.version && !values.help ? { kind: 'version' } : { kind: 'help' };
  }
  const example = examples.find((e) => e.name === first);
  if (!example) {
    throw new UsageError(
      `unknown example ${JSON.stringify(first)}; choose one of: ${examples.map((e) => e.name).join(', ')}.`,
    );
  }
  const values = parseWith(rest, example.name, example.flags);
  if (values.help) return { kind: 'example-help', example };
  let options: RunOptions = { ...BASE, ...example.defaults };
  for (const flag of example.flags) {
    const raw = values[flag];
    if (raw === undefined || raw === false) continue;
    options = { ...options, ...FLAGS[flag].check(`--${flag}`, raw === true ? undefined : raw) };
  }
  return { kind: 'run', example, options };
}

/** Parses `loom-examples <name> [flags]` (or `--help`, `--version`) against the examples' schemas. */
export function parseCommand(
  argv: readonly string[],
  examples: readonly ExampleSpec[],
): E.Either<UsageError, Command> {
  try {
    return E.right(parse(argv, examples));
  } catch (e) {
    if (e instanceof UsageError) return E.left(e);
    throw e;
  }
}
