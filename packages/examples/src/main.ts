// SPDX-License-Identifier: MIT
// The CLI's entry function: parses argv, runs one example, and returns the exit code. It takes its
// output streams as parameters so tests can call it in-process against the sources.
import * as E from 'fp-ts/lib/Either.js';
import { parseArgs } from './args.js';
import { ExampleError } from './programs/program.js';
import { PROGRAMS } from './registry.js';

/** Where the CLI writes: ordinary output and error lines. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

const consoleIO: CliIO = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

export function help(): string {
  const names = PROGRAMS.map((p) => `  ${p.name.padEnd(22)}${p.summary}`).join('\n');
  return `usage: loom-examples <name> [--steps N] [--epochs N] [--lr RATE] [--seed S] [--out DIR] [--cell rnn|lstm|gru] [--text FILE] [--data DIR] [--rows] [--no-jit]

examples:
${names}

Plots and drawings go to --out (default ./out). Examples run under jit; --no-jit runs them eagerly.`;
}

/**
 * Runs `loom-examples argv`: 0 on success, 1 when the run failed or missed its goal, 2 for a
 * usage error. A mistake the user can fix is one line on `io.err`, never a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = parseArgs(
    argv,
    PROGRAMS.map((p) => p.name),
  );
  if (E.isLeft(parsed)) {
    io.err(`loom-examples: ${parsed.left.message}\n\n${help()}`);
    return 2;
  }
  const command = parsed.right;
  if (command.kind === 'help') {
    io.out(help());
    return 0;
  }
  const program = PROGRAMS.find((p) => p.name === command.example)!;
  try {
    const summary = await program.run(command.options);
    io.out(`\n== ${program.name} ==`);
    for (const line of summary.lines) io.out(line);
    if (!summary.ok) io.out('the run missed its goal (see above)');
    return summary.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof ExampleError) {
      io.err(`loom-examples ${program.name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
