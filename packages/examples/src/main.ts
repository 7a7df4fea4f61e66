// SPDX-License-Identifier: MIT
// The CLI's entry function: parses argv, runs one example, and returns the exit code. It takes its
// output streams (and environment) as parameters so tests can call it in-process.
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { type ExampleSpec, FLAGS, type FlagName, parseCommand, type RunOptions } from './args.js';
import { prepareOutDir } from './out_dir.js';
import { ExampleError } from './programs/program.js';
import { EXAMPLES, type Example } from './registry.js';

/** Where the CLI writes: ordinary output and error lines. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

const consoleIO: CliIO = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

/** The package's version, read from its package.json (one level above both src/ and dist/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return `loom-examples ${pkg.version}`;
}

/** `loom-examples --help`: how to call it and the list of examples. */
export function help(examples: readonly ExampleSpec[] = EXAMPLES): string {
  const names = examples.map((p) => `  ${p.name.padEnd(22)}${p.summary}`).join('\n');
  return `usage: loom-examples <example> [flags]    (from the repository: pnpm example <example> [flags])
       loom-examples <example> --help    the example's flags and their defaults
       loom-examples --version

examples:
${names}

Examples run under jit (--no-jit: eagerly) and write plots and drawings to --out (default ./out).
Errors are one line on stderr; LOOM_DEBUG=1 adds the stack trace.`;
}

const defaultText = (value: RunOptions[keyof RunOptions] | undefined) =>
  value === undefined ? '' : ` (default ${value})`;

/** `loom-examples <name> --help`: the example's summary and each of its flags with its default. */
export function exampleHelp(example: ExampleSpec): string {
  const rows: [string, string][] = example.flags.map((name: FlagName) => {
    const spec = FLAGS[name];
    const key = name as keyof RunOptions;
    const note = example.notes?.[name];
    return [
      spec.value ? `--${name} ${spec.value}` : `--${name}`,
      note ?? `${spec.help}${spec.value ? defaultText(example.defaults[key]) : ''}`,
    ];
  });
  rows.push(['-h, --help', 'this help']);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return `usage: loom-examples ${example.name}${example.flags.length > 0 ? ' [flags]' : ''}

${example.summary}

flags:
${rows.map(([f, text]) => `  ${f.padEnd(width)}${text}`).join('\n')}`;
}

/** An error as one line: Loom's messages may span lines; a terminal error report should not. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** What a CLI run sees besides argv and its streams; tests replace both. */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  examples: readonly Example[];
}

/**
 * Runs `loom-examples argv`: 0 on success, 1 when the run failed or missed its goal, 2 for a
 * usage error. Every error is one line on `io.err` and never a stack trace, unless
 * `LOOM_DEBUG=1` is set in the environment.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIO = consoleIO,
  { env = process.env, examples = EXAMPLES }: Partial<CliContext> = {},
): Promise<number> {
  const parsed = parseCommand(argv, examples);
  if (E.isLeft(parsed)) {
    io.err(`loom-examples: ${oneLine(parsed.left.message)}`);
    return 2;
  }
  const command = parsed.right;
  if (command.kind === 'help') io.out(help(examples));
  else if (command.kind === 'version') io.out(version());
  else if (command.kind === 'example-help') io.out(exampleHelp(command.example));
  if (command.kind !== 'run') return 0;
  const example = examples.find((e) => e.name === command.example.name)!;
  try {
    if (example.flags.includes('out')) prepareOutDir(command.options.out);
    const summary = await example.program.run(command.options);
    io.out(`\n== ${example.name} ==`);
    for (const line of summary.lines) io.out(line);
    if (!summary.ok) io.out('the run missed its goal (see above)');
    return summary.ok ? 0 : 1;
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    // A problem the user can fix is said in words; anything else is named by its class.
    const what = error instanceof ExampleError ? error.message : `${error.name}: ${error.message}`;
    const hint =
      error instanceof ExampleError || env.LOOM_DEBUG === '1'
        ? ''
        : ' (LOOM_DEBUG=1 shows the stack trace)';
    io.err(`loom-examples ${example.name}: ${oneLine(what)}${hint}`);
    if (env.LOOM_DEBUG === '1' && error.stack) io.err(error.stack);
    return 1;
  }
}
