#!/usr/bin/env node
// SPDX-License-Identifier: MIT
import * as E from 'fp-ts/lib/Either.js';
import { parseArgs } from './args.js';
import { ExampleError } from './programs/program.js';
import { PROGRAMS } from './registry.js';

function help(): string {
  const names = PROGRAMS.map((p) => `  ${p.name.padEnd(22)}${p.summary}`).join('\n');
  return `usage: loom-examples <name> [--steps N] [--epochs N] [--lr RATE] [--seed S] [--out DIR] [--cell rnn|lstm|gru] [--text FILE] [--data DIR] [--no-jit]

examples:
${names}

Plots and drawings go to --out (default ./out). jit is not available yet: every example runs eagerly.`;
}

async function main(): Promise<number> {
  const parsed = parseArgs(
    process.argv.slice(2),
    PROGRAMS.map((p) => p.name),
  );
  if (E.isLeft(parsed)) {
    console.error(`loom-examples: ${parsed.left.message}\n\n${help()}`);
    return 2;
  }
  const command = parsed.right;
  if (command.kind === 'help') {
    console.log(help());
    return 0;
  }
  const program = PROGRAMS.find((p) => p.name === command.example)!;
  try {
    const summary = await program.run(command.options);
    console.log(`\n== ${program.name} ==`);
    for (const line of summary.lines) console.log(line);
    if (!summary.ok) console.log('the run missed its goal (see above)');
    return summary.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof ExampleError) {
      console.error(`loom-examples ${program.name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await main();
