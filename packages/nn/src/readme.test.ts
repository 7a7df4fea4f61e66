// The README's training example, run for real. The code lives in test/readme_example.ts and must
// appear verbatim in README.md, so the documentation cannot drift from working code.
import { readFileSync } from 'node:fs';
import { tensor } from '@loom/core';
import { expect, test } from 'vitest';
import { trainStep } from '../test/readme_example.js';

test('the README snippet is in the README, verbatim', () => {
  const source = readFileSync(new URL('../test/readme_example.ts', import.meta.url), 'utf8');
  const snippet = source.slice(source.indexOf('\n') + 1);
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(`\`\`\`ts\n${snippet}\`\`\``);
});

test('the README training step lowers the loss of a counting language model', () => {
  // Sequences counting up modulo V = 16 from several starts: the next token is always current + 1.
  const [V, T] = [16, 8];
  const starts = [0, 5, 9, 13];
  const seq = (offset: number) =>
    Array.from({ length: T }, (_, t) => starts.map((s) => (s + t + offset) % V));
  const inputs = tensor(seq(0), { dtype: 'int32' });
  const targets = tensor(seq(1), { dtype: 'int32' });
  const losses = Array.from({ length: 15 }, () => trainStep(inputs, targets));
  expect(losses[0]).toBeCloseTo(Math.log(V), 0); // near-uniform predictions at first
  expect(losses[14]).toBeLessThan(losses[0] * 0.6);
  for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1] + 1e-6);
});
